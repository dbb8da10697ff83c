import Foundation
import Yams

extension Instrument {
    /// Reads and checks an instrument file.
    ///
    /// Beyond decoding, the loader rejects unknown keys (with a did-you-mean hint), duplicate ids,
    /// references to undefined variables, malformed conditions, inconsistent question definitions
    /// and dependency cycles. Every error carries the file, line, column and source line.
    /// - Parameter path: the YAML file.
    /// - Returns: the instrument, ready for ``code(_:policy:locale:)``.
    /// - Throws: ``InstrumentError``.
    public static func load(path: String) throws -> Instrument {
        guard FileManager.default.fileExists(atPath: path) else {
            throw InstrumentError(.fileNotFound, file: path, message: "no such instrument file",
                                  hint: "check the path; instruments live in Instruments/*.yaml")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw InstrumentError(.unreadable, file: path, message: "the file cannot be read as UTF-8 text")
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses and checks instrument YAML held in memory; `file` names it in errors.
    public static func parse(yaml text: String, file: String = "<instrument>") throws -> Instrument {
        let locator = SourceLocator(text: text, file: file)
        let root: Node
        do {
            guard let node = try YAMLLimits.compose(text) else {
                throw locator.error(.missingKey, at: [], message: "the file is empty",
                                    expected: "a mapping with instrument:, questions: and indicators:")
            }
            root = node
        } catch let error as YamlError {
            throw locator.yamlError(error)
        } catch let v as YAMLLimits.Violation {
            throw InstrumentError(.resourceLimit, file: file, line: v.line, message: v.message,
                                  hint: "instruments are small; check that this is the intended file")
        }
        locator.root = root
        try SchemaCheck(locator: locator).check(root)
        let instrument: Instrument
        do {
            instrument = try YAMLDecoder().decode(Instrument.self, from: implicitKeys(root))
        } catch let error as DecodingError {
            throw locator.decodingError(error)
        } catch let error as YamlError {
            throw locator.yamlError(error)
        }
        _ = try CompiledInstrument(instrument, locator: locator)
        return instrument
    }
}

/// The tree with every mapping key's tag made implicit.
///
/// Yams looks keys up by their implicitly resolved form, so a quoted key such as `"1"` (a string
/// tag) would not be found under the key `1` (an int tag). Recode maps use such keys.
func implicitKeys(_ node: Node) -> Node {
    switch node {
    case let .mapping(m):
        let pairs: [(Node, Node)] = m.map { pair in
            var key = pair.key
            if case var .scalar(s) = key { s.tag = Tag(.implicit); key = .scalar(s) }
            return (key, implicitKeys(pair.value))
        }
        return .mapping(Node.Mapping(pairs, m.tag, m.style, m.mark))
    case let .sequence(s):
        return .sequence(Node.Sequence(s.map(implicitKeys), s.tag, s.style, s.mark))
    default:
        return node
    }
}

/// A step in a path through the YAML tree.
enum PathStep: Equatable {
    case key(String)
    case index(Int)
}

/// Turns paths in the YAML tree into line:column diagnostics.
final class SourceLocator {
    let text: String
    let file: String
    let lines: [String]
    var root: Node?

    init(text: String, file: String) {
        self.text = text; self.file = file
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
    }

    /// The node at `path`, when it exists.
    func node(at path: [PathStep]) -> Node? {
        var node = root
        for step in path {
            switch (step, node) {
            case let (.key(k), .mapping(m)?): node = m.first { $0.key.string == k }?.value
            case let (.index(i), .sequence(s)?): node = i < s.count ? s[i] : nil
            default: return nil
            }
        }
        return node
    }

    /// The mark of the key `path.last` within its mapping (or of the deepest node that exists).
    func keyMark(at path: [PathStep]) -> Mark? {
        if case let .key(k)? = path.last, case let .mapping(m)? = node(at: Array(path.dropLast())),
           let key = m.first(where: { $0.key.string == k })?.key {
            return key.mark
        }
        var p = path
        while !p.isEmpty {
            if let mark = node(at: p)?.mark { return mark }
            p.removeLast()
        }
        return root?.mark
    }

    func error(_ code: InstrumentError.Code, line: Int?, column: Int?, message: String,
               expected: String? = nil, hint: String? = nil) -> InstrumentError {
        let source = line.flatMap { $0 >= 1 && $0 <= lines.count ? lines[$0 - 1] : nil }
        return InstrumentError(code, file: file, line: line, column: column, sourceLine: source, message: message,
                               expected: expected, hint: hint)
    }

    /// An error pointing at the value at `path` (or its nearest existing ancestor).
    func error(_ code: InstrumentError.Code, at path: [PathStep], message: String,
               expected: String? = nil, hint: String? = nil) -> InstrumentError {
        var p = path
        var mark: Mark?
        while mark == nil && !p.isEmpty {
            mark = node(at: p)?.mark
            if mark == nil { p.removeLast() }
        }
        mark = mark ?? root?.mark
        return error(code, line: mark?.line, column: mark?.column, message: message, expected: expected, hint: hint)
    }

    /// An error inside a condition string at `path`, `offset` scalars into its text.
    func conditionError(_ code: InstrumentError.Code, at path: [PathStep], offset: Int, message: String,
                        expected: String? = nil, hint: String? = nil) -> InstrumentError {
        guard let node = node(at: path), let mark = node.mark else {
            return error(code, at: path, message: message, expected: expected, hint: hint)
        }
        var column = mark.column
        if case let .scalar(s) = node {
            switch s.style {
            case .plain, .any: column += offset
            case .singleQuoted, .doubleQuoted: column += offset + 1
            default: break
            }
        }
        return error(code, line: mark.line, column: column, message: message, expected: expected, hint: hint)
    }

    func yamlError(_ e: YamlError) -> InstrumentError {
        switch e {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let message = context.map { "\(problem) (\($0.text))" } ?? problem
            return error(.yamlSyntax, line: mark.line, column: mark.column, message: "YAML: " + message)
        case let .duplicatedKeysInMapping(duplicates, context):
            return error(.yamlSyntax, line: context.mark.line, column: context.mark.column,
                         message: "duplicate key(s) \(duplicates.joined(separator: ", ")) in a mapping")
        default:
            return error(.yamlSyntax, line: nil, column: nil, message: "YAML: \(e)")
        }
    }

    func decodingError(_ e: DecodingError) -> InstrumentError {
        func path(_ keys: [CodingKey]) -> [PathStep] {
            keys.map { k in k.intValue.map { PathStep.index($0) } ?? .key(k.stringValue) }
        }
        func where_(_ keys: [CodingKey]) -> String {
            keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch e {
        case let .keyNotFound(key, context):
            return error(.missingKey, at: path(context.codingPath),
                         message: "missing required key '\(key.stringValue)' in \(where_(context.codingPath))",
                         hint: "add '\(key.stringValue):' here (see docs/instrument-format.md)")
        case let .typeMismatch(type, context), let .valueNotFound(type, context):
            return error(.typeMismatch, at: path(context.codingPath),
                         message: "\(where_(context.codingPath)) has the wrong type", expected: Self.describe(type))
        case let .dataCorrupted(context):
            let p = path(context.codingPath)
            let value = node(at: p)?.string.map { " '\($0)'" } ?? ""
            let expected = Self.enumChoices[context.codingPath.last?.stringValue ?? ""]
            return error(.invalidValue, at: p, message: "invalid value\(value) for \(where_(context.codingPath))",
                         expected: expected ?? context.debugDescription,
                         hint: expected.flatMap { choices in
                             node(at: p)?.string.flatMap { closest($0, in: choices.components(separatedBy: ", ")) }
                         }.map { "did you mean '\($0)'?" })
        @unknown default:
            return error(.typeMismatch, line: nil, column: nil, message: "\(e)")
        }
    }

    static let enumChoices: [String: String] = [
        "type": QuestionType.allCases.map(\.rawValue).joined(separator: ", "),
        "kind": (IndicatorKind.allCases.map(\.rawValue) + DerivedVariable.Kind.allCases.map(\.rawValue)
                 + MissingKind.allCases.map(\.rawValue)).joined(separator: ", "),
        "layout": SelectMultipleLayout.Layout.allCases.map(\.rawValue).joined(separator: ", "),
        "date_order": DateOrder.allCases.map(\.rawValue).joined(separator: ", "),
        "scoring": Scale.Scoring.allCases.map(\.rawValue).joined(separator: ", "),
    ]

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Double.Type, is Int.Type: return "a number"
        case is Bool.Type: return "true or false"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "a list (- item, or [a, b])" }
            if name.hasPrefix("Dictionary") { return "a mapping (key: value)" }
            return "a mapping (\(name))"
        }
    }
}

/// Rejects keys the format does not define, before decoding (the decoder would ignore them).
struct SchemaCheck {
    let locator: SourceLocator

    static let top = Instrument.CodingKeys.allCases.map(\.rawValue)
    static let header = ["id", "title", "version", "source"]
    static let question = Question.CodingKeys.allCases.map(\.rawValue)
    static let choice = ["code", "label"]
    static let missing = ["code", "kind", "label"]
    static let range = ["min", "max"]
    static let layout = SelectMultipleLayout.CodingKeys.allCases.map(\.rawValue)
    static let locale = LocaleHints.CodingKeys.allCases.map(\.rawValue)
    static let derived = DerivedVariable.CodingKeys.allCases.map(\.rawValue)
    static let scale = Scale.CodingKeys.allCases.map(\.rawValue)
    static let indicator = Indicator.CodingKeys.allCases.map(\.rawValue)

    func check(_ root: Node) throws {
        try keys([], Self.top, what: "the instrument file")
        try keys([.key("instrument")], Self.header, what: "instrument:")
        try keys([.key("locale")], Self.locale, what: "locale:")
        try each([.key("missing_codes")], Self.missing, what: "a missing code")
        try eachItem([.key("questions")]) { path in
            try keys(path, Self.question, what: "a question")
            try each(path + [.key("points")], Self.choice, what: "a Likert point")
            try each(path + [.key("options")], Self.choice, what: "an option")
            try each(path + [.key("missing_codes")], Self.missing, what: "a missing code")
            try keys(path + [.key("range")], Self.range, what: "range:")
            try keys(path + [.key("select_multiple")], Self.layout, what: "select_multiple:")
        }
        try each([.key("derived")], Self.derived, what: "a derived variable")
        try each([.key("scales")], Self.scale, what: "a scale")
        try each([.key("indicators")], Self.indicator, what: "an indicator")
    }

    private func eachItem(_ path: [PathStep], _ body: ([PathStep]) throws -> Void) throws {
        guard case let .sequence(s)? = locator.node(at: path) else { return }
        for i in s.indices { try body(path + [.index(i)]) }
    }

    private func each(_ path: [PathStep], _ allowed: [String], what: String) throws {
        try eachItem(path) { try keys($0, allowed, what: what) }
    }

    private func keys(_ path: [PathStep], _ allowed: [String], what: String) throws {
        guard case let .mapping(m)? = locator.node(at: path) else { return }
        for (key, _) in m {
            guard let k = key.string, !allowed.contains(k) else { continue }
            throw locator.error(.unknownKey, line: key.mark?.line, column: key.mark?.column,
                                message: "unknown key '\(k)' in \(what)",
                                expected: "one of " + allowed.joined(separator: ", "),
                                hint: closest(k, in: allowed).map { "did you mean '\($0)'?" })
        }
    }
}
