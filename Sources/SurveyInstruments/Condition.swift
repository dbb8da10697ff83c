/// A parsed expression of the condition language used by `relevant`, derived conditions and
/// proportion indicators.
///
/// Grammar (lowest precedence first):
/// ```
/// or      := and ('or' and)*
/// and     := not ('and' not)*
/// not     := 'not' not | compare
/// compare := primary (('=='|'!='|'<'|'<='|'>'|'>=') primary | 'in' '[' literal (',' literal)* ']')?
/// primary := NUMBER | 'STRING' | IDENT | 'selected' '(' IDENT ',' 'STRING' ')' | 'answered' '(' IDENT ')'
///          | '(' or ')'
/// ```
/// Evaluation uses three-valued (Kleene) logic: a comparison involving a missing, not-asked or
/// invalid value is *unknown*; `false and unknown` is false, `true or unknown` is true, `not unknown`
/// is unknown. `answered(q)` is always known.
public struct Condition: Sendable, Equatable, CustomStringConvertible {
    /// The text the condition was parsed from.
    public let source: String
    let root: ConditionNode

    /// Parses `source`.
    /// - Throws: ``ConditionSyntaxError`` with the 0-based scalar offset of the problem.
    public init(parsing source: String) throws(ConditionSyntaxError) {
        var parser = ConditionParser(source)
        self.source = source
        self.root = try parser.parseAll()
    }

    /// Every identifier the condition refers to, with its 0-based offset, in order of appearance.
    public var references: [(name: String, offset: Int)] { root.references }

    public var description: String { source }

    public static func == (a: Condition, b: Condition) -> Bool { a.source == b.source }
}

/// A syntax error in a condition; `offset` counts Unicode scalars from the start of the text.
public struct ConditionSyntaxError: Error, Sendable, Equatable {
    public var offset: Int
    public var message: String
    public var expected: String?
}

enum CompareOp: String, Sendable {
    case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="

    func apply<T: Comparable>(_ a: T, _ b: T) -> Bool {
        switch self {
        case .eq: return a == b
        case .ne: return a != b
        case .lt: return a < b
        case .le: return a <= b
        case .gt: return a > b
        case .ge: return a >= b
        }
    }
}

indirect enum ConditionNode: Sendable, Equatable {
    case identifier(String, offset: Int)
    case number(Double, text: String)
    case string(String)
    case compare(CompareOp, ConditionNode, ConditionNode)
    case inList(ConditionNode, [ConditionNode])
    case and(ConditionNode, ConditionNode)
    case or(ConditionNode, ConditionNode)
    case not(ConditionNode)
    case selected(String, offset: Int, code: String, codeOffset: Int)
    case answered(String, offset: Int)

    var references: [(name: String, offset: Int)] {
        switch self {
        case let .identifier(n, o), let .answered(n, o): return [(n, o)]
        case let .selected(n, o, _, _): return [(n, o)]
        case .number, .string: return []
        case let .compare(_, a, b), let .and(a, b), let .or(a, b): return a.references + b.references
        case let .inList(a, list): return a.references + list.flatMap(\.references)
        case let .not(a): return a.references
        }
    }
}

// MARK: - Lexer and parser

struct ConditionToken: Equatable {
    enum Kind: Equatable { case ident(String), number(Double, String), string(String), symbol(String), end }
    var kind: Kind
    var offset: Int
}

struct ConditionParser {
    private var tokens: [ConditionToken] = []
    private var position = 0
    private let scalars: [Unicode.Scalar]
    private var lexError: ConditionSyntaxError?

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
        do { tokens = try Self.lex(scalars) } catch { lexError = error }
    }

    private static func lex(_ s: [Unicode.Scalar]) throws(ConditionSyntaxError) -> [ConditionToken] {
        var out: [ConditionToken] = []
        var i = 0
        func isIdentStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic }
        func isIdent(_ c: Unicode.Scalar) -> Bool { isIdentStart(c) || ("0"..."9").contains(c) }
        while i < s.count {
            let c = s[i]
            if c.properties.isWhitespace { i += 1; continue }
            let start = i
            if isIdentStart(c) {
                while i < s.count, isIdent(s[i]) { i += 1 }
                out.append(.init(kind: .ident(String(String.UnicodeScalarView(s[start..<i]))), offset: start))
            } else if ("0"..."9").contains(c)
                        || ((c == "." || c == "-") && i + 1 < s.count && ("0"..."9").contains(s[i + 1])) {
                if c == "-" { i += 1 }
                while i < s.count, ("0"..."9").contains(s[i]) || s[i] == "." { i += 1 }
                let text = String(String.UnicodeScalarView(s[start..<i]))
                guard let v = Double(text) else {
                    throw ConditionSyntaxError(offset: start, message: "malformed number '\(text)'", expected: "a number such as 4 or 2.5")
                }
                out.append(.init(kind: .number(v, text), offset: start))
            } else if c == "'" || c == "\"" {
                i += 1
                var text = String.UnicodeScalarView()
                while i < s.count, s[i] != c { text.append(s[i]); i += 1 }
                guard i < s.count else {
                    throw ConditionSyntaxError(offset: start, message: "unterminated string", expected: "a closing \(c)")
                }
                i += 1
                out.append(.init(kind: .string(String(text)), offset: start))
            } else {
                let two = i + 1 < s.count ? String(String.UnicodeScalarView([c, s[i + 1]])) : ""
                if ["==", "!=", "<=", ">="].contains(two) {
                    out.append(.init(kind: .symbol(two), offset: start)); i += 2
                } else if ["<", ">", "(", ")", "[", "]", ","].contains(String(c)) {
                    out.append(.init(kind: .symbol(String(c)), offset: start)); i += 1
                } else if c == "=" {
                    throw ConditionSyntaxError(offset: start, message: "'=' is not an operator", expected: "'==' to compare")
                } else {
                    throw ConditionSyntaxError(offset: start, message: "unexpected character '\(c)'",
                                               expected: "an identifier, number, 'string', operator or parenthesis")
                }
            }
        }
        out.append(.init(kind: .end, offset: s.count))
        return out
    }

    private var current: ConditionToken { tokens[min(position, tokens.count - 1)] }

    private func describe(_ t: ConditionToken) -> String {
        switch t.kind {
        case let .ident(n): return "'\(n)'"
        case let .number(_, text): return "number \(text)"
        case let .string(s): return "string '\(s)'"
        case let .symbol(s): return "'\(s)'"
        case .end: return "end of condition"
        }
    }

    private func fail(_ expected: String) -> ConditionSyntaxError {
        ConditionSyntaxError(offset: current.offset, message: "unexpected \(describe(current))", expected: expected)
    }

    private mutating func accept(symbol: String) -> Bool {
        if case .symbol(symbol) = current.kind { position += 1; return true }
        return false
    }

    private mutating func accept(keyword: String) -> Bool {
        if case .ident(keyword) = current.kind { position += 1; return true }
        return false
    }

    private mutating func expect(symbol: String) throws(ConditionSyntaxError) {
        guard accept(symbol: symbol) else { throw fail("'\(symbol)'") }
    }

    mutating func parseAll() throws(ConditionSyntaxError) -> ConditionNode {
        if let lexError { throw lexError }
        if current.kind == .end { throw fail("a condition") }
        let node = try parseOr()
        guard current.kind == .end else { throw fail("'and', 'or' or the end of the condition") }
        return node
    }

    private mutating func parseOr() throws(ConditionSyntaxError) -> ConditionNode {
        var left = try parseAnd()
        while accept(keyword: "or") { left = .or(left, try parseAnd()) }
        return left
    }

    private mutating func parseAnd() throws(ConditionSyntaxError) -> ConditionNode {
        var left = try parseNot()
        while accept(keyword: "and") { left = .and(left, try parseNot()) }
        return left
    }

    private mutating func parseNot() throws(ConditionSyntaxError) -> ConditionNode {
        if accept(keyword: "not") { return .not(try parseNot()) }
        return try parseCompare()
    }

    private mutating func parseCompare() throws(ConditionSyntaxError) -> ConditionNode {
        let left = try parsePrimary()
        if case let .symbol(s) = current.kind, let op = CompareOp(rawValue: s) {
            position += 1
            return .compare(op, left, try parsePrimary())
        }
        if accept(keyword: "in") {
            try expect(symbol: "[")
            var items: [ConditionNode] = []
            repeat {
                switch current.kind {
                case let .number(v, text): items.append(.number(v, text: text)); position += 1
                case let .string(s): items.append(.string(s)); position += 1
                default: throw fail("a number or 'string' in the list")
                }
            } while accept(symbol: ",")
            try expect(symbol: "]")
            return .inList(left, items)
        }
        return left
    }

    private mutating func parseIdentifierArgument() throws(ConditionSyntaxError) -> (String, Int) {
        guard case let .ident(name) = current.kind, !Self.keywords.contains(name) else {
            throw fail("a question id")
        }
        let offset = current.offset
        position += 1
        return (name, offset)
    }

    static let keywords: Set<String> = ["and", "or", "not", "in"]

    private mutating func parsePrimary() throws(ConditionSyntaxError) -> ConditionNode {
        let token = current
        switch token.kind {
        case let .number(v, text): position += 1; return .number(v, text: text)
        case let .string(s): position += 1; return .string(s)
        case .symbol("("):
            position += 1
            let inner = try parseOr()
            try expect(symbol: ")")
            return inner
        case let .ident(name) where !Self.keywords.contains(name):
            position += 1
            if name == "selected" || name == "answered", accept(symbol: "(") {
                let (q, qOffset) = try parseIdentifierArgument()
                if name == "answered" {
                    try expect(symbol: ")")
                    return .answered(q, offset: qOffset)
                }
                try expect(symbol: ",")
                guard case let .string(code) = current.kind else { throw fail("a quoted option code") }
                let codeOffset = current.offset
                position += 1
                try expect(symbol: ")")
                return .selected(q, offset: qOffset, code: code, codeOffset: codeOffset)
            }
            return .identifier(name, offset: token.offset)
        default:
            throw fail("an identifier, number, 'string', 'not', selected(…), answered(…) or '('")
        }
    }
}

// MARK: - Evaluation

/// A variable's value in one row, as conditions see it.
enum ConditionValue: Equatable {
    /// A known value: its text (code, ISO date, or number text) and its number when numeric.
    case known(text: String, number: Double?)
    /// A quoted string literal: compared as text.
    case literal(String)
    /// Missing, not asked or invalid.
    case unknown
}

/// What a condition needs from one row of coded data.
protocol ConditionRow {
    func value(_ id: String) -> ConditionValue
    func isSelected(_ id: String, code: String) -> Bool?
    func isAnswered(_ id: String) -> Bool
}

extension Condition {
    /// Evaluates the condition on one row: `true`, `false`, or `nil` for unknown.
    func evaluate(_ row: some ConditionRow) -> Bool? { Self.truth(root, row) }

    private static func scalar(_ node: ConditionNode, _ row: some ConditionRow) -> ConditionValue {
        switch node {
        case let .identifier(name, _): return row.value(name)
        case let .number(v, text): return .known(text: text, number: v)
        case let .string(s): return .literal(s)
        default:
            switch truth(node, row) {
            case .none: return .unknown
            case let .some(b): return .known(text: b ? "1" : "0", number: b ? 1 : 0)
            }
        }
    }

    /// Compares two values: text against a quoted literal; numerically when either side is a
    /// number (a text value that does not read as a number is then unknown); else as text.
    private static func compare(_ op: CompareOp, _ a: ConditionValue, _ b: ConditionValue) -> Bool? {
        switch (a, b) {
        case (.unknown, _), (_, .unknown): return nil
        case let (.literal(x), .literal(y)): return op.apply(x, y)
        case let (.literal(x), .known(y, _)): return op.apply(x, y)
        case let (.known(x, _), .literal(y)): return op.apply(x, y)
        case let (.known(at, an), .known(bt, bn)):
            if an == nil && bn == nil { return op.apply(at, bt) }
            guard let x = an ?? Double(at), let y = bn ?? Double(bt) else { return nil }
            return op.apply(x, y)
        }
    }

    private static func truth(_ node: ConditionNode, _ row: some ConditionRow) -> Bool? {
        switch node {
        case .identifier, .number, .string:
            switch scalar(node, row) {
            case .unknown: return nil
            case let .literal(text): return !text.isEmpty
            case let .known(text, number): return number.map { $0 != 0 } ?? !text.isEmpty
            }
        case let .compare(op, a, b):
            return compare(op, scalar(a, row), scalar(b, row))
        case let .inList(a, list):
            let v = scalar(a, row)
            guard v != .unknown else { return nil }
            return list.contains { compare(.eq, v, scalar($0, row)) == true }
        case let .and(a, b):
            let x = truth(a, row)
            if x == false { return false }
            let y = truth(b, row)
            if y == false { return false }
            return (x == true && y == true) ? true : nil
        case let .or(a, b):
            let x = truth(a, row)
            if x == true { return true }
            let y = truth(b, row)
            if y == true { return true }
            return (x == false && y == false) ? false : nil
        case let .not(a):
            return truth(a, row).map { !$0 }
        case let .selected(q, _, code, _):
            return row.isSelected(q, code: code)
        case let .answered(q, _):
            return row.isAnswered(q)
        }
    }
}
