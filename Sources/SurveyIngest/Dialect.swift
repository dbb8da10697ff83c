/// Delimiter detection (policy: docs/ingest.md, "Dialect").
enum DialectDetection {
    /// Candidates in order of preference for ties.
    static let candidates: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), 0x09, UInt8(ascii: "|")]

    /// Byte used internally for a one-column file: never a delimiter in text (a record holding a
    /// NUL is rejected before its fields are looked at).
    static let noDelimiter: UInt8 = 0

    /// Finds the delimiter from the header record (outside quotes), confirmed on up to 50
    /// following records: among candidates present in the header, the one whose field count
    /// matches the header on most records wins (then: more header fields, then the order
    /// `,` `;` TAB `|`). No candidate outside quotes → one-column file (``noDelimiter``).
    /// - Parameter text: the beginning of the decoded input (UTF-8).
    static func detect(_ text: UnsafeBufferPointer<UInt8>) -> UInt8 {
        var records: [[UInt8: Int]] = []
        var counts: [UInt8: Int] = [:]
        var inQuotes = false
        var recordHasContent = false
        var i = 0
        let n = text.count
        while i < n && records.count < 51 {
            let b = text[i]
            if b == UInt8(ascii: "\"") {
                inQuotes.toggle(); recordHasContent = true
            } else if !inQuotes && (b == 10 || b == 13) {
                if recordHasContent { records.append(counts) }
                counts = [:]; recordHasContent = false
            } else {
                if !inQuotes && candidates.contains(b) { counts[b, default: 0] += 1 }
                if b != 0x20 && b != 0x09 || candidates.contains(b) { recordHasContent = true }
            }
            i += 1
        }
        if recordHasContent && records.count < 51 && i == n { records.append(counts) }
        guard let header = records.first else { return UInt8(ascii: ",") }
        let present = candidates.filter { (header[$0] ?? 0) > 0 }
        if present.isEmpty { return noDelimiter }
        if present.count == 1 { return present[0] }
        let rest = records.dropFirst()
        func score(_ d: UInt8) -> (Int, Int) {
            let h = header[d] ?? 0
            return (rest.filter { ($0[d] ?? 0) == h }.count, h)
        }
        var best = present[0]
        var bestScore = score(best)
        for d in present.dropFirst() {
            let s = score(d)
            if s.0 > bestScore.0 || (s.0 == bestScore.0 && s.1 > bestScore.1) { best = d; bestScore = s }
        }
        return best
    }

    /// The delimiter byte for an explicit option.
    static func byte(for option: IngestOptions.Delimiter) -> UInt8? {
        switch option {
        case .auto: return nil
        case .comma: return UInt8(ascii: ",")
        case .semicolon: return UInt8(ascii: ";")
        case .tab: return 0x09
        case .pipe: return UInt8(ascii: "|")
        }
    }
}
