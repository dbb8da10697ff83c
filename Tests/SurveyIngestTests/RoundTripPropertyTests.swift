import PropertyBased
import Testing
@testable import SurveyIngest

/// Characters that stress quoting: every delimiter candidate, quotes, all line breaks, spaces,
/// tabs, non-ASCII and astral characters (NUL excluded: a record holding it is rejected by policy).
private let alphabet: [Character] = ["a", "Z", "0", " ", "\t", ",", ";", "|", "\"", "\r", "\n", "\r\n", "é", "€", "😀", "'"]
private let delimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), 9, UInt8(ascii: "|")]
private let terminators: [[UInt8]] = [[10], [13, 10], [13]]

/// Random 3-column tables written with libcsv's `csv_write` quoting (every field quoted, `"`
/// doubled), any delimiter and any record terminator, read back cell for cell.
@Test func libcsvQuotedTablesReadBackIdentically() async {
    let cell = Gen.element(of: alphabet).map { $0 ?? "a" }.array(of: 0...6).map { String($0) }
    let table = cell.array(of: 3).array(of: 1...8)
    await propertyCheck(count: 300, input: table, Gen.int(in: 0...3), Gen.int(in: 0...2)) { rows, d, t in
        let delimiter = delimiters[d]
        var bytes = Array("a\(Character(UnicodeScalar(delimiter)))b\(Character(UnicodeScalar(delimiter)))c".utf8)
        bytes += terminators[t]
        for row in rows {
            for (i, field) in row.enumerated() {
                if i > 0 { bytes.append(delimiter) }
                bytes += LibCSVParser.quotedField(Array(field.utf8))
            }
            bytes += terminators[t]
        }
        let result = try Ingest.read(bytes: bytes, name: "roundtrip.csv")
        #expect(result.summary.delimiter == String(UnicodeScalar(delimiter)))
        #expect(result.summary.rejectedRows.isEmpty)
        #expect(result.table.rowCount == rows.count)
        #expect(result.table.rows == rows.map { $0.map { Optional($0) } })
    }
}
