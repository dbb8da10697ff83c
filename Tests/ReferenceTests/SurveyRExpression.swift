import Foundation

/// A tiny parser for the R calls recorded in survey/cases.json (`r_call`, `design.r_call`), just
/// enough to read their documented arguments: calls with named/positional arguments, formulas,
/// strings, numbers, identifiers and the operators `~ | & == != < > <= >= + - * / : ^`.
indirect enum RExpr: Equatable, CustomStringConvertible {
    case call(String, [RArg])
    case ident(String)
    case number(Double)
    case string(String)
    case unary(String, RExpr)
    case binary(String, RExpr, RExpr)
    case formula(RExpr?, RExpr)

    var description: String {
        switch self {
        case .call(let f, let args): return "\(f)(\(args.map { ($0.name.map { "\($0) = " } ?? "") + "\($0.value)" }.joined(separator: ", ")))"
        case .ident(let s): return s
        case .number(let x): return "\(x)"
        case .string(let s): return "\"\(s)\""
        case .unary(let op, let e): return "\(op)\(e)"
        case .binary(let op, let l, let r): return "(\(l) \(op) \(r))"
        case .formula(let l, let r): return "\(l.map { "\($0) " } ?? "")~ \(r)"
        }
    }

    /// Arguments of a call, nil otherwise.
    var arguments: [RArg]? { if case .call(_, let a) = self { return a } else { return nil } }
    var callName: String? { if case .call(let f, _) = self { return f } else { return nil } }

    /// Named argument value.
    func argument(_ name: String) -> RExpr? { arguments?.first { $0.name == name }?.value }
    /// Positional argument (counting only unnamed ones).
    func positional(_ index: Int) -> RExpr? {
        let unnamed = arguments?.filter { $0.name == nil } ?? []
        return index < unnamed.count ? unnamed[index].value : nil
    }

    /// The terms of `a + b + c` (or a single term), as expressions.
    var terms: [RExpr] {
        if case .binary("+", let l, let r) = self { return l.terms + r.terms }
        return [self]
    }

    var identifier: String? { if case .ident(let s) = self { return s } else { return nil } }

    /// Numbers of `c(1, -1, ...)` or a single number.
    var numbers: [Double]? {
        switch self {
        case .number(let x): return [x]
        case .ident("Inf"): return [.infinity]
        case .unary("-", .ident("Inf")): return [-.infinity]
        case .unary("-", .number(let x)): return [-x]
        case .call("c", let args):
            var out: [Double] = []
            for a in args { guard let v = a.value.numbers else { return nil }; out += v }
            return out
        default: return nil
        }
    }

    /// TRUE / FALSE / "string" value as text.
    var literal: String? {
        switch self {
        case .ident("TRUE"), .ident("T"): return "TRUE"
        case .ident("FALSE"), .ident("F"): return "FALSE"
        case .string(let s): return s
        default: return nil
        }
    }
}

struct RArg: Equatable {
    var name: String?
    var value: RExpr
}

struct RParseError: Error, CustomStringConvertible {
    var description: String
}

struct RParser {
    private var tokens: [String] = []
    private var pos = 0

    static func parse(_ text: String) throws -> RExpr {
        var p = RParser()
        p.tokens = try tokenize(text)
        let e = try p.expression()
        guard p.pos == p.tokens.count else { throw RParseError(description: "trailing tokens in \(text)") }
        return e
    }

    private static func tokenize(_ text: String) throws -> [String] {
        var out: [String] = []
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            if c == "\"" || c == "'" {
                var j = i + 1
                var s = ""
                while j < chars.count, chars[j] != c {
                    if chars[j] == "\\", j + 1 < chars.count { j += 1 }
                    s.append(chars[j]); j += 1
                }
                out.append("\u{1}" + s)  // string literal marker
                i = j + 1
                continue
            }
            if c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isNumber) {
                var j = i
                while j < chars.count, chars[j].isNumber || chars[j] == "." || chars[j] == "e" || chars[j] == "E"
                        || ((chars[j] == "-" || chars[j] == "+") && (chars[j - 1] == "e" || chars[j - 1] == "E")) {
                    j += 1
                }
                if j < chars.count, chars[j] == "L" { j += 1 }
                out.append(String(chars[i..<j]).replacingOccurrences(of: "L", with: ""))
                i = j
                continue
            }
            if c.isLetter || c == "." || c == "_" {
                var j = i
                while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "." || chars[j] == "_" { j += 1 }
                out.append(String(chars[i..<j]))
                i = j
                continue
            }
            if c == "`" {
                var j = i + 1
                while j < chars.count, chars[j] != "`" { j += 1 }
                out.append(String(chars[(i + 1)..<j]))
                i = j + 1
                continue
            }
            let two = i + 1 < chars.count ? String(chars[i...(i + 1)]) : ""
            if ["==", "!=", "<=", ">=", "&&", "||", "%%"].contains(two) { out.append(two); i += 2; continue }
            if "()[],=~+-*/:^&|<>!$".contains(c) { out.append(String(c)); i += 1; continue }
            throw RParseError(description: "unexpected character \(c) in \(text)")
        }
        return out
    }

    private var peek: String? { pos < tokens.count ? tokens[pos] : nil }
    private mutating func next() -> String? { defer { pos += 1 }; return peek }
    private mutating func expect(_ t: String) throws {
        guard next() == t else { throw RParseError(description: "expected \(t)") }
    }

    private static let precedence: [String: Int] = [
        "|": 2, "||": 2, "&": 3, "&&": 3, "==": 5, "!=": 5, "<": 5, ">": 5, "<=": 5, ">=": 5,
        "+": 6, "-": 6, "*": 7, "/": 7, "%%": 8, ":": 9, "^": 10,
    ]

    mutating func expression() throws -> RExpr {
        if peek == "~" { _ = next(); return .formula(nil, try binary(0)) }
        let lhs = try binary(0)
        if peek == "~" { _ = next(); return .formula(lhs, try binary(0)) }
        return lhs
    }

    private mutating func binary(_ minPrec: Int) throws -> RExpr {
        var lhs = try unary()
        while let op = peek, let prec = Self.precedence[op], prec >= minPrec {
            _ = next()
            let rhs = try binary(op == "^" ? prec : prec + 1)
            lhs = .binary(op, lhs, rhs)
        }
        return lhs
    }

    private mutating func unary() throws -> RExpr {
        if peek == "-" || peek == "!" { let op = next() ?? "-"; return .unary(op, try binary(7)) }
        if peek == "~" { _ = next(); return .formula(nil, try binary(0)) }
        return try primary()
    }

    private mutating func primary() throws -> RExpr {
        guard let t = next() else { throw RParseError(description: "unexpected end") }
        if t == "(" {
            let e = try expression()
            try expect(")")
            return e
        }
        if t.hasPrefix("\u{1}") { return .string(String(t.dropFirst())) }
        if let x = Double(t) { return .number(x) }
        var e = RExpr.ident(t)
        while peek == "(" || peek == "$" {
            if peek == "$" { _ = next(); let f = next() ?? ""; e = .ident("\(e)$\(f)"); continue }
            _ = next()
            var args: [RArg] = []
            while peek != ")" {
                if pos + 1 < tokens.count, tokens[pos + 1] == "=", let name = peek,
                   !name.hasPrefix("\u{1}"), Double(name) == nil {
                    pos += 2
                    args.append(RArg(name: name, value: try expression()))
                } else {
                    args.append(RArg(name: nil, value: try expression()))
                }
                if peek == "," { _ = next() } else { break }
            }
            try expect(")")
            e = .call(e.description, args)
        }
        return e
    }
}
