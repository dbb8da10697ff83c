// libFuzzer harness for CSV ingest (Fuzz/README in docs/robustness.md).
// Invariants beyond "no crash": data rows = accepted + rejected; the table holds exactly the
// accepted rows; every accepted cell is a substring of the decoded input (as is, or with its
// quotes doubled, as inside a quoted field); only IngestError is thrown.
import SurveyIngest

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIngest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    do {
        let result = try Ingest.read(bytes: bytes, name: "fuzz.csv")
        let s = result.summary
        invariant(s.dataRows == s.acceptedRows + s.rejectedRows.count,
                  "data rows \(s.dataRows) != accepted \(s.acceptedRows) + rejected \(s.rejectedRows.count)")
        invariant(result.table.rowCount == s.acceptedRows, "table rows \(result.table.rowCount) != accepted \(s.acceptedRows)")
        invariant(result.table.columns.count == s.columns.count, "table columns differ from the summary's")
        // UTF-8 input is "decoded" by skipping its BOM only; check its cells byte for byte.
        // (Skipped above 64 KiB, the fuzzing max_len: the naive search would dominate seed runs.)
        if (s.encoding == "utf-8" || s.encoding == "utf-8-bom") && bytes.count <= 1 << 16 {
            let text = s.encoding == "utf-8-bom" ? Array(bytes.dropFirst(3)) : bytes
            for r in 0..<result.table.rowCount {
                for c in 0..<result.table.columns.count {
                    let cell = Array(result.table.cellBytes(row: r, column: c))
                    if cell.isEmpty { continue }
                    let doubled = cell.flatMap { $0 == 0x22 ? [0x22, 0x22] : [$0] }
                    invariant(contains(text, cell) || contains(text, doubled),
                              "row \(r) column \(c): accepted value \(cell) is not in the input")
                }
            }
        }
    } catch is IngestError {
        // A typed error is an accepted outcome.
    } catch {
        invariant(false, "untyped error \(type(of: error)): \(error)")
    }
    return 0
}

/// Whether `needle` occurs contiguously in `haystack` (naive; inputs are small).
func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    if needle.count > haystack.count { return false }
    var i = 0
    while i + needle.count <= haystack.count {
        if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
        i += 1
    }
    return false
}
