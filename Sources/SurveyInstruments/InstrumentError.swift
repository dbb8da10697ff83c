/// An error in an instrument file, an XLSForm, or in coding a table against an instrument.
///
/// Modelled as a code plus context, and rendered like a compiler diagnostic:
///
/// ```
/// Instruments/beacon.yaml:14:17: error: unknown key 'colum' in a question
///     column: q7_safe
///     ^
///   expected: one of id, text, type, column, …
///   hint: did you mean 'column'?
/// ```
public struct InstrumentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, stable across releases (tests and scripts may match on it).
    public enum Code: String, Sendable, CaseIterable {
        case fileNotFound = "file-not-found"
        case unreadable
        case yamlSyntax = "yaml-syntax"
        case unknownKey = "unknown-key"
        case missingKey = "missing-key"
        case typeMismatch = "type-mismatch"
        case invalidValue = "invalid-value"
        case duplicateId = "duplicate-id"
        case undefinedReference = "undefined-reference"
        case conditionSyntax = "condition-syntax"
        case conditionType = "condition-type"
        case cycle
        case columnNotFound = "column-not-found"
        case invalidData = "invalid-data"
        case xlsformRead = "xlsform-read"
        case xlsformUnsupported = "xlsform-unsupported"
        case xlsformInvalid = "xlsform-invalid"
        case resourceLimit = "resource-limit"
    }

    public var code: Code
    /// The file the error is in (instrument, form or data), as given by the caller.
    public var file: String
    /// 1-based line, when known.
    public var line: Int?
    /// 1-based column (in Unicode scalars), when known.
    public var column: Int?
    /// The offending source line, when known.
    public var sourceLine: String?
    public var message: String
    /// What would have been accepted at this place.
    public var expected: String?
    /// How to fix it.
    public var hint: String?

    public init(_ code: Code, file: String, line: Int? = nil, column: Int? = nil, sourceLine: String? = nil,
                message: String, expected: String? = nil, hint: String? = nil) {
        self.code = code; self.file = file; self.line = line; self.column = column
        self.sourceLine = sourceLine; self.message = message; self.expected = expected; self.hint = hint
    }

    /// `file:line:col: error: message`, then the source line with a caret, `expected:` and `hint:`.
    public var description: String {
        var location = file
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        var s = "\(location): error: \(message) [\(code.rawValue)]"
        if let sourceLine {
            s += "\n    " + sourceLine
            if let column {
                let pad = sourceLine.unicodeScalars.prefix(max(column - 1, 0)).map { $0 == "\t" ? "\t" : " " }
                s += "\n    " + pad.joined() + "^"
            }
        }
        if let expected { s += "\n  expected: \(expected)" }
        if let hint { s += "\n  hint: \(hint)" }
        return s
    }
}

/// Suggests the closest candidate to a misspelt name: Levenshtein distance ≤ max(2, length/4),
/// else a candidate that is a prefix of the name or has it as prefix (at least 3 characters).
func closest(_ name: String, in candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, cb) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
    let lower = Array(name.lowercased())
    let scored = candidates.map { ($0, distance(lower, Array($0.lowercased()))) }
    if let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, lower.count / 4) { return best.0 }
    let n = name.lowercased()
    return candidates.first { c in
        let c = c.lowercased()
        return min(c.count, n.count) >= 3 && (c.hasPrefix(n) || n.hasPrefix(c))
    }
}
