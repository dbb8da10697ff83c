import Foundation
import SurveyIngest
import SurveyStatistics

/// A survey reference dataset read with `SurveyIngest`, typed the way R's
/// `read.csv(stringsAsFactors = TRUE)` types it: a column is numeric when every non-missing cell
/// parses as a number, otherwise a factor with levels in C-locale (byte) order.
struct SurveyDataset {
    let columns: [String: [String?]]
    let names: [String]
    let rowCount: Int

    init(path: String) throws {
        let table = try Ingest.read(path: path).table
        var cols: [String: [String?]] = [:]
        for (j, name) in table.columns.enumerated() {
            cols[name] = table.rows.map { row in
                guard let cell = row[j], !cell.isEmpty, cell != "NA" else { return nil }
                return cell
            }
        }
        columns = cols
        names = table.columns
        rowCount = table.rowCount
    }

    func raw(_ name: String) throws -> [String?] {
        guard let c = columns[name] else { throw SkipCase("column \(name) not in the dataset") }
        return c
    }

    func isNumeric(_ name: String) throws -> Bool {
        try raw(name).allSatisfy { cell in cell.map { Double($0) != nil } ?? true }
    }

    /// Numeric values, NaN for missing.
    func numeric(_ name: String) throws -> [Double] {
        try raw(name).map { cell in
            guard let cell else { return .nan }
            guard let v = Double(cell) else { throw SkipCase("column \(name) is not numeric (\(cell))") }
            return v
        }
    }

    /// Factor levels of a column: C-locale sorted strings, or numerically sorted numbers
    /// formatted as R's as.character.
    func levels(_ name: String) throws -> [String] {
        if try isNumeric(name) {
            let values = Set(try numeric(name).filter { !$0.isNaN })
            return values.sorted().map(rNumberLabel)
        }
        let values = Set(try raw(name).compactMap { $0 })
        return values.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// Level label of each row (nil = missing).
    func labels(_ name: String) throws -> [String?] {
        if try isNumeric(name) { return try numeric(name).map { $0.isNaN ? nil : rNumberLabel($0) } }
        return try raw(name)
    }
}

/// R's as.character for a double (integers without a decimal point).
func rNumberLabel(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
    return "\(x)"
}

/// A case the harness cannot map to a copro call; the reason is reported.
struct SkipCase: Error, CustomStringConvertible {
    var reason: String
    init(_ reason: String) { self.reason = reason }
    var description: String { reason }
}

/// A vector value while evaluating R expressions on a dataset.
enum RValue {
    case numbers([Double])      // NaN = NA
    case strings([String?])
    case logical([Bool?])

    func broadcast(_ n: Int) -> RValue {
        switch self {
        case .numbers(let v) where v.count == 1: return .numbers(Array(repeating: v[0], count: n))
        case .strings(let v) where v.count == 1: return .strings(Array(repeating: v[0], count: n))
        case .logical(let v) where v.count == 1: return .logical(Array(repeating: v[0], count: n))
        default: return self
        }
    }

    var asNumbers: [Double] {
        switch self {
        case .numbers(let v): return v
        case .logical(let v): return v.map { $0.map { $0 ? 1 : 0 } ?? .nan }
        case .strings(let v): return v.map { $0.flatMap(Double.init) ?? .nan }
        }
    }

    var asLogical: [Bool?] {
        switch self {
        case .logical(let v): return v
        case .numbers(let v): return v.map { $0.isNaN ? nil : $0 != 0 }
        case .strings(let v): return v.map { $0.map { $0 == "TRUE" } }
        }
    }
}

extension SurveyDataset {
    /// Evaluates an R expression of columns, literals, comparisons, `&`, `|`, `!` and `I()`.
    func evaluate(_ e: RExpr) throws -> RValue {
        switch e {
        case .ident("TRUE"): return .logical([true]).broadcast(rowCount)
        case .ident("FALSE"): return .logical([false]).broadcast(rowCount)
        case .ident(let name):
            return try isNumeric(name) ? .numbers(try numeric(name)) : .strings(try raw(name))
        case .number(let x): return .numbers([x]).broadcast(rowCount)
        case .string(let s): return .strings([s]).broadcast(rowCount)
        case .call("I", let args) where args.count == 1: return try evaluate(args[0].value)
        case .call("as.numeric", let args) where args.count == 1: return .numbers(try evaluate(args[0].value).asNumbers)
        case .call(let f, let args) where args.count == 1 && ["log", "exp", "sqrt"].contains(f):
            let x = try evaluate(args[0].value).asNumbers
            return .numbers(x.map { f == "log" ? Foundation.log($0) : f == "exp" ? Foundation.exp($0) : $0.squareRoot() })
        case .unary("!", let x): return .logical(try evaluate(x).asLogical.map { $0.map { !$0 } })
        case .unary("-", let x): return .numbers(try evaluate(x).asNumbers.map { -$0 })
        case .binary(let op, let l, let r):
            let a = try evaluate(l), b = try evaluate(r)
            switch op {
            case "&", "&&", "|", "||":
                let x = a.asLogical, y = b.asLogical
                return .logical(zip(x, y).map { p, q in
                    if op.hasPrefix("&") {
                        if p == false || q == false { return false }
                        if let p, let q { return p && q }
                        return nil
                    }
                    if p == true || q == true { return true }
                    if let p, let q { return p || q }
                    return nil
                })
            case "==", "!=", "<", ">", "<=", ">=":
                if case .strings(let x) = a, case .strings(let y) = b {
                    guard op == "==" || op == "!=" else { throw SkipCase("ordering comparison of strings") }
                    return .logical(zip(x, y).map { p, q in
                        guard let p, let q else { return nil }
                        return op == "==" ? p == q : p != q
                    })
                }
                let x = a.asNumbers, y = b.asNumbers
                return .logical(zip(x, y).map { p, q in
                    if p.isNaN || q.isNaN { return nil }
                    switch op {
                    case "==": return p == q
                    case "!=": return p != q
                    case "<": return p < q
                    case ">": return p > q
                    case "<=": return p <= q
                    default: return p >= q
                    }
                })
            case "+", "-", "*", "/":
                let x = a.asNumbers, y = b.asNumbers
                return .numbers(zip(x, y).map { p, q in
                    switch op { case "+": p + q; case "-": p - q; case "*": p * q; default: p / q }
                })
            default: throw SkipCase("operator \(op) in \(e)")
            }
        default: throw SkipCase("cannot evaluate \(e)")
        }
    }

    /// A subset condition as a domain mask (NA → FALSE, as R's subset()).
    func mask(_ e: RExpr) throws -> [Bool] {
        try evaluate(e).asLogical.map { $0 ?? false }
    }
}
