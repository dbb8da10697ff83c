// libFuzzer harness for CSV ingest (Fuzz/README in docs/robustness.md).
// Invariants beyond "no crash": data rows = accepted + rejected; the table holds exactly the
// accepted rows; every accepted cell is a substring of the decoded input (as is, or with its
// quotes doubled, as inside a quoted field); only IngestError is thrown.
import SurveyIngest
#if canImport(Glibc)
import Glibc
#endif

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
        // UTF-8 input is "decoded" by skipping its BOM only: check its cells byte for byte, in
        // order, with quote characters set aside. The policy changes nothing but quotes: `""` →
        // `"` inside a quoted part, and text after a closing quote is kept verbatim with that quote
        // (`"a""b"c""d` → `a"b"c""d`, docs/ingest.md), so a value need not occur in the input as
        // is (fuzzing findings 1 and 2), but its non-quote bytes always do.
        if s.encoding == "utf-8" || s.encoding == "utf-8-bom" {
            let text = (s.encoding == "utf-8-bom" ? Array(bytes.dropFirst(3)) : bytes).filter { $0 != 0x22 }
            var cursor = 0
            for r in 0..<result.table.rowCount {
                for c in 0..<result.table.columns.count {
                    let cell = result.table.cellBytes(row: r, column: c).filter { $0 != 0x22 }
                    if cell.isEmpty { continue }
                    guard let at = find(cell, in: text, from: cursor) else {
                        invariant(false, "row \(r) column \(c): accepted value \(cell) is not in the input")
                        return 0
                    }
                    cursor = at + 1
                }
            }
        }
        checkTypedColumns(bytes, result)
    } catch is IngestError {
        // A typed error is an accepted outcome.
    } catch {
        invariant(false, "untyped error \(type(of: error)): \(error)")
    }
    return 0
}

/// The first offset ≥ `from` where `needle` occurs in `haystack`. The corresponding C function is `memcmp`.
func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
    guard needle.count <= haystack.count - from else { return nil }
    return haystack.withUnsafeBufferPointer { h in
        needle.withUnsafeBufferPointer { n in
            guard let hb = h.baseAddress, let nb = n.baseAddress else { return nil }
            var i = from
            while i + n.count <= h.count {
                if h[i] == n[0] && memcmp(hb + i, nb, n.count) == 0 { return i }
                i += 1
            }
            return nil
        }
    }
}

/// Typed columns (what `copro estimate` reads): every column as numbers and as labels, built from
/// the table and read again from a file by `Ingest.readColumns` (the quote-free fast path, the
/// streaming sink), must agree; every number is what `Double(String)` makes of the trimmed cell.
func checkTypedColumns(_ bytes: [UInt8], _ result: IngestResult) {
    let table = result.table
    let requests = table.columns.flatMap { [ColumnRequest($0, .number), ColumnRequest($0, .label)] }
    let typed = TypedColumns(table: table, requests: requests)
    invariant(typed.rowCount == table.rowCount, "typed rows \(typed.rowCount) != table rows \(table.rowCount)")
    for (c, name) in table.columns.enumerated() {
        guard let numbers = typed.numbers[name], let labels = typed.labels[name] else { continue }
        invariant(numbers.values.count == table.rowCount && labels.codes.count == table.rowCount, "column \(name): length")
        for r in 0..<table.rowCount {
            let text = table[r, c]
            let trimmed = text.map { NumberSyntax.trimmedBlanks($0) } ?? ""
            let expected: Double? = trimmed.isEmpty ? nil : Double(trimmed).flatMap { $0.isFinite ? $0 : nil }
            let got = numbers.values[r]
            if let expected {
                invariant(got == expected && got.sign == expected.sign, "row \(r) column \(name): \(got) != Double(\"\(trimmed)\")")
            } else {
                invariant(got.isNaN, "row \(r) column \(name): \(got) for a missing or invalid cell")
            }
            let code = labels.codes[r]
            if trimmed.isEmpty {
                invariant(code == -1, "row \(r) column \(name): a blank cell has a label code")
            } else {
                invariant(code >= 0 && labels.levels[Int(code)] == text, "row \(r) column \(name): wrong label")
            }
        }
    }
    let path = scratchFile(bytes, suffix: "-columns.csv")
    defer { unlink(path) }
    do {
        let (read, summary) = try Ingest.readColumns(path: path) { _ in requests }
        invariant(summary.acceptedRows == result.summary.acceptedRows, "readColumns accepted \(summary.acceptedRows) != \(result.summary.acceptedRows)")
        invariant(read.numbers == typed.numbers, "readColumns numbers differ from the table's")
        invariant(read.labels == typed.labels, "readColumns labels differ from the table's")
    } catch {
        invariant(false, "readColumns threw \(error) where read(bytes:) succeeded")
    }
}
