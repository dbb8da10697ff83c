import Foundation
import SurveyIngest

/// Builds a copro instrument from the dictionary of a `.sav`, `.zsav`, `.por`, `.dta` or `.sas7bdat`
/// file (docs/readstat.md, "Instruments from a file's dictionary").
///
/// One question per variable: the variable label is the question text; value labels become options
/// (`binary` when the codes are exactly 0 and 1, else `single_choice`); user-missing values (SPSS
/// discrete values, the codes of an SPSS range that are labelled or occur in the data, Stata/SAS
/// extended missing values `.a`…) become the question's `missing_codes`, with their label and a kind
/// guessed from it (`refused`, `dont_know`, `not_applicable`, else `blank`). Unlabelled numbers are
/// `integer` when every value in the file is whole, else `numeric`; dates are `date`; strings,
/// datetimes and times are `text`.
public enum ReadStatInstrument {
    /// Whether `path` names a file this importer reads (by extension: `.sav`, `.zsav`, `.por`,
    /// `.dta`, `.sas7bdat`).
    public static func handles(path: String) -> Bool { ReadStatFormat(path: path) != nil }

    /// Reads the file (its data too, to find the codes of missing ranges) and builds the instrument.
    /// Warnings name the variable's position as `dictionary row N`.
    /// - Throws: ``IngestError`` when the file cannot be read; ``InstrumentError`` if the generated
    ///   YAML does not read back (a bug).
    public static func importFile(path: String) throws -> XLSFormImport {
        guard ReadStatFormat(path: path) != nil else {
            throw InstrumentError(.unreadable, file: path, message: "not an SPSS, Stata or SAS file",
                                  hint: "give a .sav, .zsav, .por, .dta or .sas7bdat file, or an XLSForm .xlsx")
        }
        let table = try Ingest.read(path: path).table
        return try build(table: table, file: path)
    }

    /// Builds the instrument from an already-read table with a dictionary; `file` names it in the YAML.
    public static func build(table: RawTable, file: String) throws -> XLSFormImport {
        let name = URL(fileURLWithPath: file).lastPathComponent
        guard let dictionary = table.dictionary else {
            throw InstrumentError(.invalidData, file: file, message: "the table has no data dictionary",
                                  hint: "only SPSS, Stata and SAS files carry variable and value labels")
        }
        var warnings: [XLSFormWarning] = []
        var questions: [Question] = []
        var used: Set<String> = []
        for (c, v) in dictionary.variables.enumerated() {
            let values = (0..<table.rowCount).compactMap { c < table.columns.count ? table[$0, c] : nil }
            var missing: [MissingCode] = []
            func add(_ code: String) {
                if !missing.contains(where: { $0.code == code }) {
                    let label = v.label(of: code)
                    missing.append(MissingCode(code: code, kind: kind(of: label), label: label))
                }
            }
            for m in v.missingValues {
                switch m {
                case .code(let code): add(code)
                case .range(let lo, let hi):
                    let inRange = Set(v.valueLabels.map(\.code) + values).filter { m.matches($0) }
                    for code in inRange.sorted(by: { (Double($0) ?? 0) < (Double($1) ?? 0) }) { add(code) }
                    warnings.append(XLSFormWarning(sheet: "dictionary", row: c + 1, message:
                        "\(v.name): missing range \(number(lo)) to \(number(hi)) listed as the "
                        + "\(inRange.count) code(s) labelled or present in \(name)"))
                }
            }
            let options = v.valueLabels.filter { !v.isMissing($0.code) }.map { Choice(code: $0.code, label: $0.label) }
            let type: QuestionType
            switch v.kind {
            case .string, .datetime, .time: type = .text
            case .date: type = .date
            case .numeric:
                if !options.isEmpty {
                    type = Set(options.map(\.code)) == ["0", "1"] ? .binary : .singleChoice
                } else {
                    let numbers = values.filter { !v.isMissing($0) }.compactMap(Double.init)
                    type = !numbers.isEmpty && numbers.allSatisfy { $0 == $0.rounded() } ? .integer : .numeric
                }
            }
            var id = String(v.name.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII ? Character($0) : "_" })
            if id.first.map({ $0.isNumber }) ?? true { id = "v_" + id }
            while used.contains(id) { id += "_" }
            used.insert(id)
            questions.append(Question(id: id, text: v.label, type: type, column: id == v.name ? nil : v.name,
                                      options: options.isEmpty || type == .text ? nil : options,
                                      missingCodes: missing.isEmpty ? nil : missing))
        }
        let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let yaml = emit(questions, id: stem, title: dictionary.fileLabel ?? stem, file: name,
                        format: dictionary.format, warnings: warnings)
        let instrument = try Instrument.parse(yaml: yaml, file: file + " (imported)")
        return XLSFormImport(yaml: yaml, warnings: warnings, instrument: instrument)
    }

    /// The missing kind a label suggests.
    static func kind(of label: String?) -> MissingKind {
        guard let l = label?.lowercased().replacingOccurrences(of: "’", with: "'") else { return .blank }
        if l.contains("refus") { return .refused }
        if l.contains("know") || l == "dk" { return .dontKnow }
        if l.contains("applicable") || l.contains("n/a") || l.contains("not asked") || l.contains("skip") { return .notApplicable }
        return .blank
    }

    static func number(_ x: Double) -> String {
        x.isFinite && x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }

    static func emit(_ questions: [Question], id: String, title: String, file: String, format: String,
                     warnings: [XLSFormWarning]) -> String {
        let q = XLSFormConverter.yamlString
        var y = "# Imported from \(file) (\(format)) by `copro instrument import`: variable labels, value labels\n"
        y += "# and user-missing values from the file's dictionary. Review it: add indicators (docs/instrument-format.md).\n"
        if !warnings.isEmpty {
            y += "# Warnings:\n"
            for w in warnings { y += "#   \(w.description.replacingOccurrences(of: "\n", with: " "))\n" }
        }
        y += "instrument:\n  id: \(q(id))\n  title: \(q(title))\n  version: \"1\"\n  source: \(q(format + " " + file))\n"
        y += "questions:\n"
        for question in questions {
            y += "  - id: \(question.id)\n"
            if let t = question.text { y += "    text: \(q(t))\n" }
            y += "    type: \(question.type.rawValue)\n"
            if let c = question.column { y += "    column: \(q(c))\n" }
            if let options = question.options {
                y += "    options:\n"
                for c in options { y += "      - {code: \(q(c.code)), label: \(q(c.label))}\n" }
            }
            if let missing = question.missingCodes {
                y += "    missing_codes:\n"
                for m in missing {
                    y += "      - {code: \(q(m.code)), kind: \(m.kind.rawValue)" + (m.label.map { ", label: \(q($0))" } ?? "") + "}\n"
                }
            }
        }
        y += "indicators: []\n"
        return y
    }
}
