import Foundation
import SurveyIngest

/// Where a question's answers are in the table.
enum QuestionSource {
    case single(Int)
    /// Multiple choice, one 1/0 column per option code.
    case binaryColumns([(code: String, column: Int)])
}

/// One coding pass over a table (see ``Instrument/code(_:policy:locale:dataName:)``).
struct TableCoder {
    let compiled: CompiledInstrument
    let table: RawTable
    let locale: LocaleHints
    let dataName: String
    private var columns: [String: CodedColumn] = [:]
    private var counts: [String: QuestionCounts] = [:]
    /// Invalid cells per row index, in question order within the row.
    private var invalid: [Int: [InvalidCell]] = [:]
    /// Values present where the skip logic says the question was not asked.
    private var conflicts: [InvalidCell] = []

    init(compiled: CompiledInstrument, table: RawTable, locale: LocaleHints, dataName: String) {
        self.compiled = compiled; self.table = table; self.locale = locale; self.dataName = dataName
    }

    private var instrument: Instrument { compiled.instrument }

    mutating func run(policy: InvalidPolicy) throws -> CodedData {
        let sources = try instrument.questions.map { try resolve($0) }
        for variable in compiled.order {
            switch variable {
            case let .question(i): codeQuestion(instrument.questions[i], sources[i])
            case let .derived(i): computeDerived(instrument.derived[i])
            case let .scale(i): computeScale(instrument.scales[i])
            }
        }
        let rowsWithInvalid = invalid.keys.sorted()
        let order = Dictionary(uniqueKeysWithValues: instrument.questions.enumerated().map { ($1.id, $0) })
        let cells = rowsWithInvalid.flatMap { r in
            return (invalid[r] ?? []).sorted { (order[$0.question] ?? 0) < (order[$1.question] ?? 0) }
        }
        if policy == .fail, let first = cells.first, let r = rowsWithInvalid.first {
            throw InstrumentError(
                .invalidData, file: dataName, line: table.lines.indices.contains(r) ? table.lines[r] : nil,
                message: "\(cells.count) invalid cell(s); first: data row \(first.dataRow), column '\(first.column)', "
                    + "value '\(first.value)' (\(first.rule))",
                hint: "fix the data, or run with --on-invalid missing or --on-invalid reject-row")
        }
        var kept = Array(0..<table.rowCount)
        var rejected: [Int] = []
        if policy == .rejectRow {
            let bad = Set(rowsWithInvalid)
            kept = kept.filter { !bad.contains($0) }
            rejected = rowsWithInvalid.map { dataRowNumber($0) }
            columns = columns.mapValues { $0.keeping(kept) }
        }
        return CodedData(
            instrumentId: instrument.id, rowCount: kept.count, invalidCells: cells,
            skipLogicConflicts: conflicts.sorted { ($0.dataRow, order[$0.question] ?? 0) < ($1.dataRow, order[$1.question] ?? 0) },
            rejectedDataRows: rejected,
            dataRowNumbers: kept.map(dataRowNumber), tableRows: kept,
            cellsChecked: table.rowCount * instrument.questions.count, dataRowsRead: table.rowCount,
            questionIds: instrument.questions.map(\.id), columns: columns, counts: counts)
    }

    private func dataRowNumber(_ r: Int) -> Int {
        table.dataRowNumbers.indices.contains(r) ? table.dataRowNumbers[r] : r + 1
    }

    // MARK: columns

    private func findColumn(_ q: Question, _ name: String?) throws -> Int {
        var tried: [String] = []
        if let name {
            if let i = table.columnIndex(named: name) { return i }
            tried.append(name)
        } else if let path = q.koboPath {
            if let i = table.columnIndex(named: path) { return i }
            let last = path.split(separator: "/").last.map(String.init) ?? path
            if let i = table.columnIndex(named: last) { return i }
            tried += [path, last]
        } else if let importId = q.importId {
            for header in table.headerRows {
                if let i = header.firstIndex(where: { $0 == importId || $0.replacingOccurrences(of: " ", with: "")
                    .contains("\"ImportId\":\"\(importId)\"") }), i < table.columns.count { return i }
            }
            tried.append("import id \(importId)")
        } else {
            if let i = table.columnIndex(named: q.id) { return i }
            tried.append(q.id)
        }
        throw InstrumentError(
            .columnNotFound, file: dataName, line: 1,
            message: "no column for question '\(q.id)' (looked for \(tried.map { "'\($0)'" }.joined(separator: ", ")))",
            expected: "one of the export's columns",
            hint: closest(tried.first ?? q.id, in: table.columns).map { "did you mean '\($0)'? set column: in the instrument" }
                ?? "set column:, import_id: or kobo_path: on the question")
    }

    private func resolve(_ q: Question) throws -> QuestionSource {
        if q.type == .multipleChoice, let layout = q.selectMultiple, layout.layout == .binaryColumns,
           let pattern = layout.columnPattern {
            return .binaryColumns(try q.codes.map { c in
                (c.code, try findColumn(q, pattern.replacingOccurrences(of: "{code}", with: c.code)))
            })
        }
        return .single(try findColumn(q, q.column))
    }

    // MARK: questions

    private func missingKind(_ value: String, _ q: Question) -> MissingKind? {
        let all = (q.missingCodes ?? []) + instrument.missingCodes
        if let m = all.first(where: { $0.code == value }) { return m.kind }
        if let v = Double(value), let m = all.first(where: { Double($0.code) == v }) { return m.kind }
        return nil
    }

    private enum Outcome {
        case valid(number: Double, text: String, selection: Set<String>?)
        case invalid(column: Int, value: String, rule: ValueParsing.Rule)
    }

    private mutating func codeQuestion(_ q: Question, _ source: QuestionSource) {
        let n = table.rowCount
        var column = CodedColumn(count: n)
        if q.type == .multipleChoice { column.selection = Array(repeating: [], count: n) }
        var tally = QuestionCounts()
        let relevance = compiled.relevance[q.id]
        for r in 0..<n {
            let cells: [(column: Int, text: String)] = {
                switch source {
                case let .single(c): return [(c, cell(r, c))]
                case let .binaryColumns(list): return list.map { ($0.column, cell(r, $0.column)) }
                }
            }()
            let trimmed = cells.map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) }
            let empty = trimmed.allSatisfy(\.isEmpty)
            let nonEmpty = trimmed.filter { !$0.isEmpty }
            let missing: MissingKind? = {
                guard let first = nonEmpty.first, let kind = missingKind(first, q) else { return nil }
                return nonEmpty.allSatisfy { missingKind($0, q) == kind } ? kind : nil
            }()
            let relevant = relevance.map { $0.evaluate(CodedRow(columns: columns, row: r)) } ?? true
            var status: CellStatus
            if empty {
                status = relevant == true ? .missing(.blank) : .notAsked
            } else if let missing {
                // A not-applicable code where the skip logic cannot tell means "not asked" too.
                status = relevant == true ? .missing(missing)
                    : relevant == false || missing == .notApplicable ? .notAsked : .missing(missing)
            } else if relevant == false {
                // The skip logic defines who was asked: a value here is coded as not asked and
                // reported as a skip-logic conflict.
                let firstCell = cells.first { !$0.text.trimmingCharacters(in: .whitespaces).isEmpty } ?? cells[0]
                status = .notAsked
                conflicts.append(InvalidCell(dataRow: dataRowNumber(r), column: table.columns[firstCell.column],
                                             question: q.id, value: firstCell.text, rule: ValueParsing.Rule.notRelevant.rawValue))
            } else {
                switch parse(q, cells, trimmed) {
                case let .valid(number, text, selection):
                    status = .valid
                    column.number[r] = number
                    column.text[r] = text
                    if let selection { column.selection?[r] = selection }
                case let .invalid(c, value, rule):
                    status = .invalid
                    report(r, q, c, value, rule)
                }
            }
            column.status[r] = status
            tally.add(status)
        }
        columns[q.id] = column
        counts[q.id] = tally
    }

    /// The cell text, `""` when absent (also for a short row in a hand-built table).
    private func cell(_ r: Int, _ c: Int) -> String {
        c < table.columns.count ? table[r, c] ?? "" : ""
    }

    private mutating func report(_ r: Int, _ q: Question, _ column: Int, _ value: String, _ rule: ValueParsing.Rule) {
        invalid[r, default: []].append(InvalidCell(dataRow: dataRowNumber(r), column: table.columns[column],
                                                   question: q.id, value: value, rule: rule.rawValue))
    }

    private func matchCode(_ value: String, _ q: Question) -> String? {
        if let c = q.codes.first(where: { $0.code == value }) { return c.code }
        if let v = Double(value), let c = q.codes.first(where: { Double($0.code) == v }) { return c.code }
        return q.codes.first { $0.label == value }?.code
    }

    private func parse(_ q: Question, _ cells: [(column: Int, text: String)], _ trimmed: [String]) -> Outcome {
        let value = trimmed[0]
        let bad = { (rule: ValueParsing.Rule) in Outcome.invalid(column: cells[0].column, value: cells[0].text, rule: rule) }
        switch q.type {
        case .likert, .singleChoice:
            guard let code = matchCode(value, q) else { return bad(.unknownCode) }
            var number = Double(code) ?? .nan
            if q.isReversed, let (lo, hi) = compiled.scoreBounds(q) { number = lo + hi - number }
            return .valid(number: number, text: code, selection: nil)
        case .multipleChoice:
            if cells.count == 1 {
                var selection: Set<String> = []
                for token in value.split(whereSeparator: \.isWhitespace) {
                    guard let code = matchCode(String(token), q) else { return bad(.unknownCode) }
                    selection.insert(code)
                }
                return .valid(number: .nan, text: selection.sorted().joined(separator: " "), selection: selection)
            }
            var selection: Set<String> = []
            for (i, cell) in cells.enumerated() {
                let t = trimmed[i]
                if t.isEmpty { continue }
                if missingKind(t, q) != nil {
                    return .invalid(column: cell.column, value: cell.text, rule: .mixedMissing)
                }
                guard let b = ValueParsing.binary(t) else {
                    return .invalid(column: cell.column, value: cell.text, rule: .notABinary)
                }
                if b == 1 { selection.insert(q.codes[i].code) }
            }
            return .valid(number: .nan, text: selection.sorted().joined(separator: " "), selection: selection)
        case .binary:
            guard let b = ValueParsing.binary(value) ?? q.options?.first(where: { $0.label == value }).flatMap({ Double($0.code) })
            else { return bad(.notABinary) }
            return .valid(number: b, text: b == 1 ? "1" : "0", selection: nil)
        case .numeric, .integer:
            switch ValueParsing.number(value, locale: locale) {
            case let .failure(rule): return bad(rule)
            case var .success(x):
                if q.type == .integer, x.rounded() != x { return bad(.notAnInteger) }
                if let lo = q.range?.min, x < lo { return bad(.outOfRange) }
                if let hi = q.range?.max, x > hi { return bad(.outOfRange) }
                let text = x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
                if q.isReversed, let (lo, hi) = compiled.scoreBounds(q) { x = lo + hi - x }
                return .valid(number: x, text: text, selection: nil)
            }
        case .date:
            switch ValueParsing.date(value, order: locale.dateOrder) {
            case let .failure(rule): return bad(rule)
            case let .success((days, iso)): return .valid(number: days, text: iso, selection: nil)
            }
        case .text:
            return .valid(number: .nan, text: value, selection: nil)
        }
    }

    // MARK: derived variables and scales

    /// The status of the first input that is not valid (or `.missing(.blank)`).
    private func firstNonValid(_ inputs: [String], _ r: Int) -> CellStatus {
        for id in inputs {
            if let s = columns[id]?.status[r], s != .valid { return s }
        }
        return .missing(.blank)
    }

    private mutating func computeDerived(_ d: DerivedVariable) {
        let n = table.rowCount
        var out = CodedColumn(count: n)
        let inputs = d.kind == .condition
            ? (compiled.derivedConditions[d.id]?.references.map(\.name) ?? []) : d.directInputs
        for r in 0..<n {
            var value = Double.nan
            switch d.kind {
            case .recode:
                if let from = d.from, let c = columns[from], c.status[r] == .valid, let code = c.text[r] {
                    value = d.map?[code] ?? d.default ?? .nan
                }
            case .sum:
                let xs = inputs.map { columns[$0]?.number[r] ?? .nan }
                value = xs.contains(where: \.isNaN) ? .nan : xs.reduce(0, +)
            case .mean:
                let xs = inputs.map { columns[$0]?.number[r] ?? .nan }.filter { !$0.isNaN }
                if xs.count >= (d.minValid ?? inputs.count), !xs.isEmpty { value = xs.reduce(0, +) / Double(xs.count) }
            case .condition:
                if let t = compiled.derivedConditions[d.id]?.evaluate(CodedRow(columns: columns, row: r)) { value = t ? 1 : 0 }
            }
            if value.isNaN {
                out.status[r] = firstNonValid(inputs, r)
            } else {
                out.status[r] = .valid
                out.number[r] = value
                out.text[r] = value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
            }
        }
        columns[d.id] = out
    }

    private mutating func computeScale(_ s: Scale) {
        let n = table.rowCount
        var out = CodedColumn(count: n)
        let bounds: [String: (Double, Double)] = Dictionary(uniqueKeysWithValues: (s.reverse ?? []).compactMap { id in
            instrument.question(id).flatMap(compiled.scoreBounds).map { (id, $0) }
        })
        for r in 0..<n {
            let scores: [Double] = s.items.compactMap { id in
                guard let x = columns[id]?.number[r], !x.isNaN else { return nil }
                if let (lo, hi) = bounds[id] { return lo + hi - x }
                return x
            }
            guard scores.count >= s.requiredItems, !scores.isEmpty else {
                out.status[r] = firstNonValid(s.items, r)
                continue
            }
            let mean = scores.reduce(0, +) / Double(scores.count)
            let value = s.scoring == .mean ? mean : mean * Double(s.items.count)
            out.status[r] = .valid
            out.number[r] = value
            out.text[r] = String(value)
        }
        columns[s.id] = out
    }
}
