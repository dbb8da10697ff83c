/// Reads one record whose quoting libcsv (strict mode) refused, applying the corpus policy
/// (docs/ingest.md, "Malformed quoting"):
///
/// - a `"` inside a field that does not start with `"` is literal text → `stray-quote`;
/// - text after a closing quote is kept, with that quote: `"abc"def` → `abc"def` → `stray-quote`;
/// - spaces or tabs before an opening quote or after a closing quote → `space-around-quoted-field`,
///   and the value is the quoted text;
/// - a quoted field still open at the end of the input → the record is unterminated.
///
/// Line breaks inside quotes belong to the value exactly as stored.
enum LenientRecordParser {
    enum Outcome {
        /// The record ended at a line break (or at the end of the input).
        /// `next` is the index after its terminator; `breaks` counts the line breaks consumed,
        /// including the terminator (CRLF counts once); `terminator` is the record's own.
        case record(rawEnd: Int, next: Int, breaks: Int, terminator: LineTerminator?, issues: RecordIssues)
        /// A quoted field is still open at the end of the available bytes.
        case needMore
        /// A quoted field is still open at the end of the input.
        case unterminated
    }

    private static let quote = UInt8(ascii: "\"")
    private static let cr: UInt8 = 13
    private static let lf: UInt8 = 10

    @inline(__always) private static func isSpace(_ b: UInt8, delimiter: UInt8) -> Bool {
        (b == 0x20 || b == 0x09) && b != delimiter
    }

    /// Parses the record starting at `start` in `buf`, appending its fields to `fields`.
    /// - Parameters:
    ///   - atEnd: whether `buf` ends at the end of the input (otherwise an open quote asks for more).
    static func parse(_ buf: UnsafeBufferPointer<UInt8>, from start: Int, delimiter: UInt8, atEnd: Bool,
                      into fields: inout FieldBuffer) -> Outcome {
        let n = buf.count
        var i = start
        var breaks = 0
        var issues = RecordIssues()
        var value: [UInt8] = []
        while true {
            // One field starting at i.
            var j = i
            while j < n && isSpace(buf[j], delimiter: delimiter) { j += 1 }
            if j < n && buf[j] == quote {
                let leading = j > i
                value.removeAll(keepingCapacity: true)
                var k = j + 1
                var closed = false
                while k < n {
                    let b = buf[k]
                    if b == quote {
                        if k + 1 < n && buf[k + 1] == quote { value.append(quote); k += 2; continue }
                        if k + 1 == n && !atEnd { return .needMore }
                        closed = true; k += 1; break
                    }
                    if b == cr {
                        if k + 1 < n && buf[k + 1] == lf { value.append(cr); value.append(lf); k += 2; breaks += 1; continue }
                        breaks += 1
                    } else if b == lf {
                        breaks += 1
                    }
                    value.append(b); k += 1
                }
                if !closed { return atEnd ? .unterminated : .needMore }
                var m = k
                while m < n && isSpace(buf[m], delimiter: delimiter) { m += 1 }
                if m == n || buf[m] == delimiter || buf[m] == cr || buf[m] == lf {
                    if leading || m > k { issues.spaceAroundQuotedField = true }
                    fields.append(contentsOf: value, isNull: false)
                    i = m
                } else {
                    // Text after the closing quote: keep the quote and the text (quotes in it are literal).
                    issues.strayQuote = true
                    if leading { value.insert(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<j]), at: 0) }
                    value.append(quote)
                    var e = k
                    while e < n && buf[e] != delimiter && buf[e] != cr && buf[e] != lf { e += 1 }
                    value.append(contentsOf: UnsafeBufferPointer(rebasing: buf[k..<e]))
                    fields.append(contentsOf: value, isNull: false)
                    i = e
                }
            } else {
                var e = i
                while e < n && buf[e] != delimiter && buf[e] != cr && buf[e] != lf {
                    if buf[e] == quote { issues.strayQuote = true }
                    e += 1
                }
                fields.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<e]), isNull: e == i)
                i = e
            }
            // After the field: delimiter, line break or end of input.
            if i == n {
                if !atEnd { return .needMore }
                return .record(rawEnd: n, next: n, breaks: breaks, terminator: nil, issues: issues)
            }
            if buf[i] == delimiter { i += 1; continue }
            if buf[i] == cr {
                if i + 1 == n && !atEnd { return .needMore }
                if i + 1 < n && buf[i + 1] == lf {
                    return .record(rawEnd: i, next: i + 2, breaks: breaks + 1, terminator: .crlf, issues: issues)
                }
                return .record(rawEnd: i, next: i + 1, breaks: breaks + 1, terminator: .cr, issues: issues)
            }
            return .record(rawEnd: i, next: i + 1, breaks: breaks + 1, terminator: .lf, issues: issues)
        }
    }
}

/// Irregularities found while reading one record that do not stop it from being accepted.
struct RecordIssues: Sendable, Equatable {
    var strayQuote = false
    var spaceAroundQuotedField = false
}

/// A record terminator as stored.
enum LineTerminator: Sendable {
    case lf, crlf, cr
}
