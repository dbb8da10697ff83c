import Foundation

/// Why an XLSForm expression could not be translated.
struct TranslationFailure: Error {
    var message: String
}

/// A token of the XPath subset XLSForm `relevant` columns use.
enum XPathToken: Equatable {
    case ref(String), number(String), string(String), op(String), word(String), open, close, comma
}

extension XLSFormConverter {
    /// Tokenizes an XLSForm expression, rejecting anything outside the translatable subset.
    static func tokenize(_ text: String) -> Result<[XPathToken], TranslationFailure> {
        let s = Array(text.unicodeScalars)
        var out: [XPathToken] = []
        var i = 0
        func string(_ a: Int, _ b: Int) -> String { String(String.UnicodeScalarView(s[a..<b])) }
        func isWordScalar(_ c: Unicode.Scalar) -> Bool {
            c == "_" || c == "-" || c == ":" || c.properties.isAlphabetic || ("0"..."9").contains(c)
        }
        func expectsOperand() -> Bool {
            switch out.last {
            case nil, .op?, .open?, .comma?: return true
            case let .word(w)?: return ["and", "or", "not"].contains(w)
            default: return false
            }
        }
        while i < s.count {
            let c = s[i]
            if c.properties.isWhitespace { i += 1; continue }
            if c == "$", i + 1 < s.count, s[i + 1] == "{" {
                guard let end = s[(i + 2)...].firstIndex(of: "}") else { return .failure(.init(message: "unclosed ${")) }
                out.append(.ref(string(i + 2, end)))
                i = end + 1
            } else if ("0"..."9").contains(c) || (c == "-" && i + 1 < s.count && ("0"..."9").contains(s[i + 1]) && expectsOperand()) {
                let start = i
                i += 1
                while i < s.count, ("0"..."9").contains(s[i]) || s[i] == "." { i += 1 }
                out.append(.number(string(start, i)))
            } else if c == "'" || c == "\"" {
                guard let end = s[(i + 1)...].firstIndex(of: c) else { return .failure(.init(message: "unterminated string")) }
                out.append(.string(string(i + 1, end)))
                i = end + 1
            } else if c == "(" { out.append(.open); i += 1
            } else if c == ")" { out.append(.close); i += 1
            } else if c == "," { out.append(.comma); i += 1
            } else if "=!<>".unicodeScalars.contains(c) {
                if i + 1 < s.count, s[i + 1] == "=" {
                    out.append(.op(string(i, i + 2))); i += 2
                } else if c == "!" {
                    return .failure(.init(message: "'!' is not an operator"))
                } else {
                    out.append(.op(String(c))); i += 1
                }
            } else if c.properties.isAlphabetic || c == "_" {
                let start = i
                while i < s.count, isWordScalar(s[i]) { i += 1 }
                out.append(.word(string(start, i)))
            } else if c == "." {
                return .failure(.init(message: "'.' (the current value) is not supported"))
            } else {
                return .failure(.init(message: "'\(c)' (arithmetic) is not supported"))
            }
        }
        return .success(out)
    }

    private static func quote(_ s: String) -> String { s.contains("'") ? "\"\(s)\"" : "'\(s)'" }

    /// Translates an XLSForm `relevant` expression to the condition language.
    func translate(_ expression: String) -> Result<String, TranslationFailure> {
        let tokens: [XPathToken]
        switch Self.tokenize(expression) {
        case let .failure(f): return .failure(f)
        case let .success(t): tokens = t
        }
        var out: [String] = []
        var i = 0
        func question(_ name: String) throws(TranslationFailure) -> (String, Question) {
            guard let id = ids[name], let q = known[id] else {
                throw TranslationFailure(message: "${\(name)} is not an earlier question")
            }
            return (id, q)
        }
        do throws(TranslationFailure) {
            while i < tokens.count {
                switch tokens[i] {
                case let .ref(name):
                    let (id, _) = try question(name)
                    if i + 2 < tokens.count, case let .op(op) = tokens[i + 1], op == "=" || op == "!=",
                       tokens[i + 2] == .string("") {
                        out.append(op == "=" ? "not answered(\(id))" : "answered(\(id))")
                        i += 3
                        continue
                    }
                    out.append(id)
                case let .number(n): out.append(n)
                case let .string(s): out.append(Self.quote(s))
                case let .op(op): out.append(op == "=" ? "==" : op)
                case .open: out.append("(")
                case .close: out.append(")")
                case .comma: throw TranslationFailure(message: "unexpected ','")
                case let .word(w):
                    switch w {
                    case "and", "or": out.append(w)
                    case "not":
                        guard i + 1 < tokens.count, tokens[i + 1] == .open else {
                            throw TranslationFailure(message: "'not' must be followed by '('")
                        }
                        out.append("not")
                    case "selected":
                        guard i + 5 < tokens.count, tokens[i + 1] == .open, case let .ref(name) = tokens[i + 2],
                              tokens[i + 3] == .comma, case let .string(code) = tokens[i + 4], tokens[i + 5] == .close else {
                            throw TranslationFailure(message: "selected() must have the form selected(${question}, 'code')")
                        }
                        let (id, q) = try question(name)
                        guard [.singleChoice, .multipleChoice].contains(q.type) else {
                            throw TranslationFailure(message: "selected() on '\(name)', which is not a select question")
                        }
                        guard q.codes.contains(where: { $0.code == code }) else {
                            throw TranslationFailure(message: "'\(code)' is not a choice of '\(name)'")
                        }
                        out.append("selected(\(id), \(Self.quote(code)))")
                        i += 6
                        continue
                    default:
                        let isCall = i + 1 < tokens.count && tokens[i + 1] == .open
                        throw TranslationFailure(message: isCall ? "function \(w)() is not supported" : "'\(w)' is not supported")
                    }
                }
                i += 1
            }
        } catch {
            return .failure(error)
        }
        let text = out.joined(separator: " ").replacingOccurrences(of: "( ", with: "(").replacingOccurrences(of: " )", with: ")")
        do {
            _ = try Condition(parsing: text)
        } catch {
            return .failure(TranslationFailure(message: "the translation '\(text)' does not parse: \(error.message)"))
        }
        return .success(text)
    }

    // MARK: YAML

    /// A double-quoted YAML scalar.
    static func yamlString(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    private static func comment(_ s: String) -> String {
        s.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }

    private static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }

    func emit(_ entries: [Entry]) -> String {
        let q = Self.yamlString
        let setting: (String) -> String = { key in
            settings.flatMap { s in s.dataRows.first.map { s.value($0.cells, key) } } ?? ""
        }
        let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let formId = setting("form_id").isEmpty ? stem : setting("form_id")
        let title = setting("form_title").isEmpty ? formId : setting("form_title")
        let version = setting("version").isEmpty ? "1" : setting("version")
        var y = "# Imported from \(Self.comment(URL(fileURLWithPath: file).lastPathComponent)) by `copro instrument import`.\n"
        y += "# Review it: add missing codes, locale and indicators (docs/instrument-format.md).\n"
        if let labelColumn {
            y += "# Labels from column '\(labelColumn)'"
                + (otherLabelColumns.isEmpty ? "" : "; also in the form: " + otherLabelColumns.joined(separator: ", ")) + ".\n"
        }
        if !warnings.isEmpty {
            y += "# Warnings:\n"
            for w in warnings { y += "#   \(Self.comment(w.description))\n" }
        }
        y += "instrument:\n  id: \(q(formId))\n  title: \(q(title))\n  version: \(q(version))\n"
        y += "  source: \(q("XLSForm " + URL(fileURLWithPath: file).lastPathComponent))\n"
        y += "questions:\n"
        for entry in entries {
            for c in entry.comments { y += "  # \(Self.comment(c))\n" }
            guard let question = entry.question else { continue }
            y += "  - id: \(question.id)\n"
            if let t = question.text { y += "    text: \(q(t))\n" }
            y += "    type: \(question.type.rawValue)\n"
            if let c = question.column { y += "    column: \(q(c))\n" }
            if let k = question.koboPath { y += "    kobo_path: \(q(k))\n" }
            if let r = question.relevant { y += "    relevant: \(q(r))\n" }
            if let r = question.range {
                let parts = [r.min.map { "min: \(Self.number($0))" }, r.max.map { "max: \(Self.number($0))" }].compactMap { $0 }
                y += "    range: {\(parts.joined(separator: ", "))}\n"
            }
            if !question.codes.isEmpty {
                y += question.points != nil ? "    points:\n" : "    options:\n"
                for c in question.codes { y += "      - {code: \(q(c.code)), label: \(q(c.label))}\n" }
            }
            if let layout = question.selectMultiple { y += "    select_multiple: {layout: \(layout.layout.rawValue)}\n" }
        }
        y += "indicators: []\n"
        return y
    }
}
