import SurveyIngest

/// The coded state of one cell.
public enum CellStatus: Sendable, Equatable, Hashable {
    /// A substantive answer inside the instrument.
    case valid
    /// No answer, with the reason (a missing code's kind, or `.blank` for an empty cell).
    case missing(MissingKind)
    /// Skip logic says the question was not asked: the row leaves the question's denominator.
    case notAsked
    /// A value outside the instrument (reported in ``CodedData/invalidCells``).
    case invalid

    public var isValid: Bool { self == .valid }
}

/// Per-question tally of coded cells.
public struct QuestionCounts: Sendable, Codable, Equatable {
    public var valid = 0
    public var missing = 0
    public var notAsked = 0
    public var invalid = 0
    enum CodingKeys: String, CodingKey {
        case valid, missing, invalid
        case notAsked = "not_asked"
    }
    public init(valid: Int = 0, missing: Int = 0, notAsked: Int = 0, invalid: Int = 0) {
        self.valid = valid; self.missing = missing; self.notAsked = notAsked; self.invalid = invalid
    }
    mutating func add(_ s: CellStatus) {
        switch s {
        case .valid: valid += 1
        case .missing: missing += 1
        case .notAsked: notAsked += 1
        case .invalid: invalid += 1
        }
    }
    /// Cells counted.
    public var total: Int { valid + missing + notAsked + invalid }
}

/// What to do with a value outside the instrument.
public enum InvalidPolicy: String, CaseIterable, Sendable {
    /// Report the cell and treat it as not valid (NaN) in estimates.
    case missing
    /// Report the cell and drop its whole row.
    case rejectRow = "reject-row"
    /// Report the cell and stop with an error.
    case fail
}

/// A cell whose value lies outside the instrument.
public struct InvalidCell: Sendable, Codable, Equatable {
    /// 1-based data-row number in the export (as ``RawTable/dataRowNumbers``).
    public var dataRow: Int
    public var column: String
    public var question: String
    /// The raw cell text.
    public var value: String
    /// Which rule it broke: `unknown-code`, `out-of-range`, `not-a-number`, `decimal-comma`, … (see docs).
    public var rule: String
    enum CodingKeys: String, CodingKey {
        case column, question, value, rule
        case dataRow = "data_row"
    }
    public init(dataRow: Int, column: String, question: String, value: String, rule: String) {
        self.dataRow = dataRow; self.column = column; self.question = question; self.value = value; self.rule = rule
    }
}

/// Per-row inputs of an indicator, ready for an estimator.
public struct IndicatorValues: Sendable, Equatable {
    /// Proportion: 1/0, NaN where the condition is unknown (out of the denominator).
    /// Mean/total/rate: the variable's value, NaN where not valid.
    public var y: [Double]
    /// Rate only: the exposure, NaN where `y` or exposure is not valid.
    public var exposure: [Double]?
}

/// One variable's coded values over all rows.
struct CodedColumn: Sendable {
    var status: [CellStatus]
    var number: [Double]
    var text: [String?]
    var selection: [Set<String>]?

    init(count: Int) {
        status = Array(repeating: .notAsked, count: count)
        number = Array(repeating: .nan, count: count)
        text = Array(repeating: nil, count: count)
    }

    func keeping(_ rows: [Int]) -> CodedColumn {
        var c = self
        c.status = rows.map { status[$0] }
        c.number = rows.map { number[$0] }
        c.text = rows.map { text[$0] }
        c.selection = selection.map { sel in rows.map { sel[$0] } }
        return c
    }
}

/// A table coded against an instrument: typed responses for questions, derived variables and scales.
public struct CodedData: Sendable {
    public let instrumentId: String
    /// Rows kept (all table rows, less those rejected under ``InvalidPolicy/rejectRow``).
    public let rowCount: Int
    /// Every invalid cell found, in row then question order (also those of rejected rows).
    public var invalidCells: [InvalidCell]
    /// Values present where the skip logic says the question was not asked (rule
    /// `answered-when-not-relevant`). They are coded as not asked — the skip logic defines the
    /// denominator — and reported here as data-quality warnings, not as invalid cells.
    public var skipLogicConflicts: [InvalidCell]
    /// Data-row numbers of rows dropped under ``InvalidPolicy/rejectRow``.
    public var rejectedDataRows: [Int]
    /// Data-row number of each kept row.
    public let dataRowNumbers: [Int]
    /// 0-based index in the source ``RawTable/rows`` of each kept row (to subset design columns).
    public let tableRows: [Int]
    /// Question cells examined: table rows × questions.
    public let cellsChecked: Int
    /// Rows in the source table.
    public let dataRowsRead: Int
    /// Question ids in instrument order.
    public let questionIds: [String]
    let columns: [String: CodedColumn]
    let counts: [String: QuestionCounts]

    /// Status of every kept row for a question, derived variable or scale (`[]` for an unknown id).
    public func status(_ id: String) -> [CellStatus] { columns[id]?.status ?? [] }

    /// Numeric value per kept row, NaN where not valid (missing, not asked, invalid) or not numeric.
    ///
    /// Likert: the score after reverse keying; binary: 1/0; date: days since 1970-01-01;
    /// single choice: the code when it is a number; text and multiple choice: NaN.
    /// `[]` for an unknown id.
    public func numeric(_ id: String) -> [Double] { columns[id]?.number ?? [] }

    /// The coded answer text per kept row (the code, ISO date, or text), `nil` where not valid.
    public func codes(_ id: String) -> [String?] { columns[id]?.text ?? [] }

    /// 1 where `code` was selected, 0 where not, NaN where the question is not valid.
    public func selected(_ id: String, code: String) -> [Double] {
        guard let c = columns[id] else { return [] }
        return c.status.indices.map { r in
            guard c.status[r] == .valid else { return .nan }
            if let sel = c.selection { return sel[r].contains(code) ? 1 : 0 }
            return c.text[r] == code ? 1 : 0
        }
    }

    /// Counts per question over every row of the table (before any rejection).
    public func byQuestion() -> [String: QuestionCounts] { counts }
}

/// The row view conditions evaluate against.
struct CodedRow: ConditionRow {
    let columns: [String: CodedColumn]
    let row: Int

    func value(_ id: String) -> ConditionValue {
        guard let c = columns[id], c.status[row] == .valid else { return .unknown }
        let n = c.number[row]
        if let sel = c.selection { return .known(text: sel[row].sorted().joined(separator: " "), number: nil) }
        return .known(text: c.text[row] ?? "", number: n.isNaN ? nil : n)
    }
    func isSelected(_ id: String, code: String) -> Bool? {
        guard let c = columns[id], c.status[row] == .valid else { return nil }
        if let sel = c.selection { return sel[row].contains(code) }
        return c.text[row] == code
    }
    func isAnswered(_ id: String) -> Bool { columns[id]?.status[row] == .valid }
}

extension Instrument {
    /// Codes a raw table: every question's cells become typed responses with a status.
    ///
    /// A value outside the instrument (unknown code, out of range, unparseable number or date,
    /// decimal comma where a point is expected, an answer where skip logic says the question was
    /// not asked) is never silently made missing: it is listed in ``CodedData/invalidCells``,
    /// counted per question, and handled by `policy`.
    /// - Parameters:
    ///   - table: the export as read by SurveyIngest.
    ///   - policy: what to do with invalid cells.
    ///   - locale: number/date conventions; defaults to the instrument's `locale:`.
    ///   - dataName: the data file's name, used in errors.
    /// - Throws: ``InstrumentError`` `.columnNotFound` when a question's column is absent,
    ///   `.invalidData` under ``InvalidPolicy/fail`` when any cell is invalid.
    /// - Complexity: O(rows × variables).
    public func code(_ table: RawTable, policy: InvalidPolicy = .missing, locale: LocaleHints? = nil,
                     dataName: String = "data") throws -> CodedData {
        let compiled = try CompiledInstrument(self)
        var coder = TableCoder(compiled: compiled, table: table, locale: locale ?? self.locale, dataName: dataName)
        return try coder.run(policy: policy)
    }

    /// The per-row inputs of `indicator` (see ``IndicatorValues``).
    /// - Throws: ``InstrumentError`` when the indicator is not valid for this instrument, or when a
    ///   proportion's variable takes values other than 0 and 1.
    public func values(of indicator: Indicator, in data: CodedData) throws -> IndicatorValues {
        let compiled = try CompiledInstrument(self)
        let n = data.rowCount
        let domain: [Bool] = (compiled.indicatorDomains[indicator.id]).map { c in
            (0..<n).map { c.evaluate(CodedRow(columns: data.columns, row: $0)) == true }
        } ?? Array(repeating: true, count: n)
        func numbers(_ id: String?) -> [Double] {
            let v = id.map { data.numeric($0) } ?? []
            return v.count == n ? v : Array(repeating: .nan, count: n)
        }
        var y: [Double]
        var exposure: [Double]?
        switch indicator.kind {
        case .proportion:
            if let c = compiled.indicatorConditions[indicator.id] {
                y = (0..<n).map { r in
                    c.evaluate(CodedRow(columns: data.columns, row: r)).map { $0 ? 1 : 0 } ?? .nan
                }
            } else {
                y = numbers(indicator.variable)
                if let bad = y.first(where: { !$0.isNaN && $0 != 0 && $0 != 1 }) {
                    throw InstrumentError(.invalidValue, file: id, message:
                        "proportion '\(indicator.id)' uses '\(indicator.variable ?? "")', which takes the value \(bad)",
                        expected: "a 0/1 variable", hint: "use condition: instead of variable:")
                }
            }
        case .mean, .total:
            y = numbers(indicator.variable)
        case .rate:
            y = numbers(indicator.variable)
            var e = numbers(indicator.exposure)
            for r in 0..<n where y[r].isNaN || e[r].isNaN { y[r] = .nan; e[r] = .nan }
            exposure = e
        }
        for r in 0..<n where !domain[r] {
            y[r] = .nan
            exposure?[r] = .nan
        }
        return IndicatorValues(y: y, exposure: exposure)
    }
}
