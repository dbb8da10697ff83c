import Foundation

/// Something in an XLSForm that the instrument cannot express exactly; kept as a YAML comment.
public struct XLSFormWarning: Sendable, Equatable, CustomStringConvertible {
    public var sheet: String
    /// 1-based spreadsheet row.
    public var row: Int
    public var message: String
    public var description: String { "\(sheet) row \(row): \(message)" }
}

/// The result of importing an XLSForm.
public struct XLSFormImport: Sendable {
    /// Instrument YAML (reads back with ``Instrument/parse(yaml:file:)``).
    public var yaml: String
    /// Everything not translated exactly, also written into the YAML as comments.
    public var warnings: [XLSFormWarning]
    /// The instrument the YAML describes.
    public var instrument: Instrument
}

/// Converts XLSForm questionnaires (https://xlsform.org) into copro instruments.
///
/// Reads the `survey`, `choices` and `settings` sheets. Supported types: `select_one LIST`,
/// `select_multiple LIST` (space-separated exports), `integer`, `decimal`, `range`, `text`,
/// `date`, `start`/`end`/`today` (dates), `calculate` (kept as text), metadata and media types (text),
/// `note` (no data; listed as a comment), `begin_group`/`end_group` (group paths become
/// `kobo_path`, group relevance is combined with each question's). Repeat groups are rejected.
/// `relevant` expressions of the common forms — `${q} = 'x'`, `${q} != ''`, comparisons,
/// `selected(${q}, 'x')`, `and`/`or`/`not(…)`, parentheses — are translated to the condition
/// language; anything else is kept as a comment and reported as a warning, never dropped silently.
/// Range constraints (`. >= 0 and . <= 20`) become `range:`; other constraints, `required` and
/// `choice_filter` are kept as comments.
public enum XLSForm {
    /// Imports the .xlsx form at `path`.
    /// - Parameter language: label language (`English (en)`, `English` or `en`); default: the
    ///   plain `label` column, else the settings' `default_language`, else the first `label::` column.
    /// - Throws: ``InstrumentError`` (`.xlsformRead`, `.xlsformInvalid`, `.xlsformUnsupported`).
    public static func importForm(path: String, language: String? = nil) throws -> XLSFormImport {
        let sheets = try XLSXReader.read(path: path)
        return try convert(sheets, file: path, language: language)
    }

    /// Converts already-read sheets; `file` names the form in messages and in the YAML.
    public static func convert(_ sheets: [XLSXSheet], file: String, language: String? = nil) throws -> XLSFormImport {
        var converter = try XLSFormConverter(sheets: sheets, file: file, language: language)
        return try converter.run()
    }
}

/// A sheet with its header row looked up case-insensitively.
struct HeaderedSheet {
    let sheet: XLSXSheet
    let headers: [String]

    init(_ sheet: XLSXSheet) {
        self.sheet = sheet
        headers = (sheet.rows.first ?? []).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    var dataRows: [(number: Int, cells: [String])] {
        Array(zip(sheet.rowNumbers.dropFirst(), sheet.rows.dropFirst())).map { ($0, $1) }
    }

    func index(_ name: String) -> Int? {
        headers.firstIndex { $0.lowercased() == name.lowercased() }
    }

    func value(_ cells: [String], _ name: String) -> String {
        guard let i = index(name), i < cells.count else { return "" }
        return cells[i].trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func value(_ cells: [String], at i: Int?) -> String {
        guard let i, i < cells.count else { return "" }
        return cells[i].trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

struct XLSFormConverter {
    struct Entry {
        var row: Int
        var comments: [String] = []
        var question: Question?
    }

    let file: String
    let survey: HeaderedSheet
    let choices: HeaderedSheet?
    let settings: HeaderedSheet?
    let labelColumn: String?
    let otherLabelColumns: [String]
    var warnings: [XLSFormWarning] = []
    var lists: [String: [Choice]] = [:]
    /// XLSForm name → instrument id.
    var ids: [String: String] = [:]
    /// Instrument id → question type and codes, for checking translated conditions.
    var known: [String: Question] = [:]

    init(sheets: [XLSXSheet], file: String, language: String?) throws {
        self.file = file
        func find(_ name: String) -> HeaderedSheet? {
            sheets.first { $0.name.lowercased() == name }.map(HeaderedSheet.init)
        }
        guard let survey = find("survey") else {
            throw InstrumentError(.xlsformInvalid, file: file, message: "the workbook has no 'survey' sheet",
                                  expected: "sheets survey, choices and (optionally) settings",
                                  hint: "sheets found: " + sheets.map(\.name).joined(separator: ", "))
        }
        self.survey = survey
        choices = find("choices")
        settings = find("settings")
        let labels = survey.headers.filter { $0.lowercased() == "label" || $0.lowercased().hasPrefix("label::") }
        let defaultLanguage = settings.flatMap { s in s.dataRows.first.map { s.value($0.cells, "default_language") } } ?? ""
        var chosen: String?
        if let language {
            let l = language.lowercased()
            chosen = labels.first { h in
                let lang = h.lowercased().replacingOccurrences(of: "label::", with: "")
                return lang == l || lang.hasPrefix(l + " ") || lang.contains("(\(l))")
            }
            if chosen == nil {
                throw InstrumentError(.xlsformInvalid, file: file, message: "the form has no labels in language '\(language)'",
                                      expected: labels.joined(separator: ", "))
            }
        } else {
            chosen = labels.first { $0.lowercased() == "label" }
                ?? labels.first { !defaultLanguage.isEmpty && $0.lowercased() == "label::" + defaultLanguage.lowercased() }
                ?? labels.first
        }
        labelColumn = chosen
        otherLabelColumns = labels.filter { $0 != chosen }
    }

    private mutating func warn(_ sheet: String, _ row: Int, _ message: String) {
        warnings.append(XLSFormWarning(sheet: sheet, row: row, message: message))
    }

    // MARK: choices

    private func choiceLabelIndex(_ sheet: HeaderedSheet) -> Int? {
        labelColumn.flatMap { sheet.index($0) } ?? sheet.index("label")
    }

    private mutating func readChoices() throws {
        guard let choices else { return }
        let listIndex = choices.index("list_name") ?? choices.index("list name")
        guard listIndex != nil, choices.index("name") != nil else {
            throw InstrumentError(.xlsformInvalid, file: file, line: choices.sheet.rowNumbers.first,
                                  message: "the choices sheet needs list_name and name columns")
        }
        let labelIndex = choiceLabelIndex(choices)
        for (row, cells) in choices.dataRows {
            let list = choices.value(cells, at: listIndex)
            let name = choices.value(cells, "name")
            if list.isEmpty && name.isEmpty { continue }
            guard !list.isEmpty, !name.isEmpty else {
                warn("choices", row, "incomplete choice (list_name '\(list)', name '\(name)') skipped")
                continue
            }
            if lists[list]?.contains(where: { $0.code == name }) == true {
                warn("choices", row, "duplicate choice '\(name)' in list '\(list)' skipped")
                continue
            }
            let label = choices.value(cells, at: labelIndex)
            lists[list, default: []].append(Choice(code: name, label: label.isEmpty ? name : label))
        }
    }

    // MARK: survey

    mutating func run() throws -> XLSFormImport {
        try readChoices()
        let labelIndex = labelColumn.flatMap { survey.index($0) }
        guard survey.index("type") != nil, survey.index("name") != nil else {
            throw InstrumentError(.xlsformInvalid, file: file, line: survey.sheet.rowNumbers.first,
                                  message: "the survey sheet needs type and name columns")
        }
        var groups: [(name: String, relevant: String, row: Int)] = []
        var entries: [Entry] = []
        var pendingRelevance: [(entry: Int, expressions: [(String, Int)])] = []
        for (row, cells) in survey.dataRows {
            let rawType = survey.value(cells, "type").split(whereSeparator: \.isWhitespace).joined(separator: " ")
            let name = survey.value(cells, "name")
            if rawType.isEmpty {
                if !name.isEmpty { warn("survey", row, "row '\(name)' has no type; skipped") }
                continue
            }
            let type = rawType.lowercased()
            let relevant = survey.value(cells, "relevant")
            switch type {
            case "begin_group", "begin group":
                groups.append((name, relevant, row))
                continue
            case "end_group", "end group":
                if groups.popLast() == nil {
                    throw InstrumentError(.xlsformInvalid, file: file, line: row,
                                          message: "survey row \(row): end_group without a matching begin_group")
                }
                continue
            case "begin_repeat", "begin repeat", "end_repeat", "end repeat":
                throw InstrumentError(
                    .xlsformUnsupported, file: file, line: row,
                    message: "survey row \(row): repeat group '\(name)' is not supported",
                    hint: "copro codes one row per respondent; export the repeat group as its own table and describe it "
                        + "with its own instrument")
            default: break
            }
            guard !name.isEmpty else {
                throw InstrumentError(.xlsformInvalid, file: file, line: row, message: "survey row \(row): a \(rawType) has no name")
            }
            let label = survey.value(cells, at: labelIndex)
            if type == "note" {
                entries.append(Entry(row: row, comments: ["survey row \(row): note '\(name)' skipped (notes hold no data)"
                                                          + (label.isEmpty ? "" : ": \(label)")]))
                continue
            }
            if type == "audit" {
                warn("survey", row, "audit '\(name)' skipped: audit logs are attachments, not export columns")
                entries.append(Entry(row: row, comments: ["survey row \(row): audit '\(name)' skipped"]))
                continue
            }
            var entry = Entry(row: row)
            guard var question = try question(type: rawType, name: name, label: label, row: row, cells: cells, entry: &entry) else {
                entries.append(entry)
                continue
            }
            let id = sanitize(name)
            if id != name { warn("survey", row, "name '\(name)' is not a copro identifier; the question id is '\(id)'") }
            if ids[name] != nil || known[id] != nil {
                throw InstrumentError(.xlsformInvalid, file: file, line: row, message: "survey row \(row): duplicate name '\(name)'")
            }
            ids[name] = id
            question.id = id
            let path = (groups.map(\.name) + [name]).joined(separator: "/")
            if groups.isEmpty {
                question.column = id == name ? nil : name
            } else {
                question.koboPath = path
            }
            known[id] = question
            entry.question = question
            let expressions = groups.filter { !$0.relevant.isEmpty }.map { ($0.relevant, $0.row) }
                + (relevant.isEmpty ? [] : [(relevant, row)])
            if !expressions.isEmpty { pendingRelevance.append((entries.count, expressions)) }
            entries.append(entry)
        }
        if let open = groups.last {
            throw InstrumentError(.xlsformInvalid, file: file, line: open.row,
                                  message: "survey row \(open.row): group '\(open.name)' is never closed with end_group")
        }
        for (index, expressions) in pendingRelevance {
            var parts: [String] = []
            var failed = false
            for (expression, row) in expressions {
                switch translate(expression) {
                case let .success(condition): parts.append(condition)
                case let .failure(reason):
                    failed = true
                    let what = row == entries[index].row ? "relevant" : "relevant of the group at row \(row)"
                    warn("survey", entries[index].row, "\(what) '\(expression)' not translated (\(reason.message)); "
                         + "the question is treated as always asked")
                    entries[index].comments.append("relevant not translated (\(reason.message)): \(expression)")
                }
            }
            if !failed {
                entries[index].question?.relevant = parts.count == 1 ? parts[0] : parts.map { "(\($0))" }.joined(separator: " and ")
            }
        }
        let yaml = emit(entries)
        let instrument: Instrument
        do {
            instrument = try Instrument.parse(yaml: yaml, file: file + " (imported)")
        } catch let e as InstrumentError {
            throw InstrumentError(.xlsformInvalid, file: file, message: "the imported instrument does not check: \(e.message)",
                                  hint: e.description)
        }
        return XLSFormImport(yaml: yaml, warnings: warnings, instrument: instrument)
    }

    /// Maps an XLSForm name to an identifier of the condition language.
    func sanitize(_ name: String) -> String {
        var id = String(name.unicodeScalars.map { s -> Character in
            s == "_" || (s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s))) ? Character(s) : "_"
        })
        if let f = id.unicodeScalars.first, ("0"..."9").contains(f) { id = "_" + id }
        if ConditionParser.keywords.contains(id) || ["selected", "answered"].contains(id) { id += "_" }
        return id
    }

    private mutating func question(type rawType: String, name: String, label: String, row: Int, cells: [String],
                                   entry: inout Entry) throws -> Question? {
        let words = rawType.split(separator: " ").map(String.init)
        let base = words[0].lowercased()
        var q = Question(id: name, text: label.isEmpty ? nil : label, type: .text)
        switch base {
        case "select_one", "select_multiple":
            guard words.count >= 2 else {
                throw InstrumentError(.xlsformInvalid, file: file, line: row, message: "survey row \(row): \(base) needs a list name")
            }
            let list = words[1]
            guard var options = lists[list], !options.isEmpty else {
                throw InstrumentError(.xlsformInvalid, file: file, line: row,
                                      message: "survey row \(row): choice list '\(list)' is not in the choices sheet")
            }
            if words.count > 2, words[2].lowercased() == "or_other" {
                if !options.contains(where: { $0.code == "other" }) { options.append(Choice(code: "other", label: "Other")) }
                warn("survey", row, "or_other: the 'other' option is added; its text column (\(name)_other) is not described")
            }
            let appearance = survey.value(cells, "appearance").lowercased()
            if base == "select_one", appearance.contains("likert"), options.allSatisfy({ Double($0.code) != nil }) {
                q.type = .likert
                q.points = options
            } else {
                q.type = base == "select_one" ? .singleChoice : .multipleChoice
                q.options = options
            }
            if base == "select_multiple" {
                if let bad = options.first(where: { $0.code.contains(where: \.isWhitespace) }) {
                    throw InstrumentError(.xlsformInvalid, file: file, line: row,
                                          message: "survey row \(row): choice '\(bad.code)' of '\(list)' contains a space")
                }
                q.selectMultiple = SelectMultipleLayout(layout: .spaceSeparated)
            }
        case "select_one_from_file", "select_multiple_from_file":
            warn("survey", row, "\(base) '\(name)': choices live in an external file; imported as text")
        case "integer": q.type = .integer
        case "decimal", "range": q.type = .numeric
        case "date", "today", "start", "end", "datetime": q.type = .date
        case "text", "time", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "email",
             "hidden", "acknowledge", "barcode", "geopoint", "geotrace", "geoshape", "start-geopoint",
             "image", "audio", "video", "file", "background-audio", "rank":
            if !["text", "time", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "email",
                 "hidden", "acknowledge"].contains(base) {
                entry.comments.append("survey row \(row): \(base) '\(name)' imported as text")
            }
        case "calculate":
            let calculation = survey.value(cells, "calculation")
            entry.comments.append("survey row \(row): calculate '\(name)' = \(calculation) (imported as text; not recomputed)")
        default:
            throw InstrumentError(.xlsformInvalid, file: file, line: row,
                                  message: "survey row \(row): unknown question type '\(rawType)'",
                                  expected: "select_one, select_multiple, integer, decimal, text, date, calculate, note, begin_group, end_group")
        }
        let constraint = survey.value(cells, "constraint")
        if !constraint.isEmpty {
            if [.integer, .numeric].contains(q.type), let range = rangeConstraint(constraint, integer: q.type == .integer) {
                q.range = range
            } else {
                warn("survey", row, "constraint '\(constraint)' of '\(name)' is not enforced by the instrument")
                entry.comments.append("constraint (not enforced): \(constraint)")
            }
        }
        let required = survey.value(cells, "required")
        if !required.isEmpty, !["no", "false", "false()"].contains(required.lowercased()) {
            entry.comments.append("required: \(required)")
        }
        let filter = survey.value(cells, "choice_filter")
        if !filter.isEmpty {
            warn("survey", row, "choice_filter '\(filter)' of '\(name)' is not enforced: every option of the list is accepted")
            entry.comments.append("choice_filter (not enforced): \(filter)")
        }
        return q
    }

    /// `. >= a and . <= b` (either part alone) as a range; strict bounds only for integers.
    func rangeConstraint(_ text: String, integer: Bool) -> NumericRange? {
        var range = NumericRange()
        let parts = text.components(separatedBy: " and ")
        for part in parts {
            let p = part.trimmingCharacters(in: .whitespaces)
            guard let m = p.wholeMatch(of: /\.\s*(>=|<=|>|<)\s*(-?[0-9]+(?:\.[0-9]+)?)/), let v = Double(m.2) else { return nil }
            switch m.1 {
            case ">=": range.min = v
            case "<=": range.max = v
            case ">": guard integer, v == v.rounded() else { return nil }; range.min = v + 1
            default: guard integer, v == v.rounded() else { return nil }; range.max = v - 1
            }
        }
        return range
    }
}
