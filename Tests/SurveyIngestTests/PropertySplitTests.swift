import PropertyBased
import Testing
@testable import SurveyIngest

/// Splitting an export in two at a record boundary (the header repeated) and reading both
/// halves gives the rows of the whole file, in order: no state leaks across records.
@Test func splitExportReadsBackAsTheWhole() async {
    let pieces: [String] = ["a", "Z", "0", " ", "é", "€", ",", ";", "\"", "\n", "\r\n", "😀", "1.5"]
    let cell = Gen.element(of: pieces).map { $0 ?? "a" }.array(of: 0...5).map { $0.joined() }
    let table = cell.array(of: 3).array(of: 2...12)
    await propertyCheck(count: 200, input: table, Gen.int(in: 1...11)) { rows, cut in
        let split = min(cut, rows.count - 1)
        func csv(_ part: ArraySlice<[String]>) -> [UInt8] {
            var bytes = Array("x,y,z\n".utf8)
            for row in part {
                bytes += row.map { LibCSVParser.quotedField(Array($0.utf8)) }.joined(separator: [UInt8(ascii: ",")])
                bytes.append(10)
            }
            return bytes
        }
        let whole = try Ingest.read(bytes: csv(rows[...]), name: "whole.csv")
        let first = try Ingest.read(bytes: csv(rows[..<split]), name: "first.csv")
        let second = try Ingest.read(bytes: csv(rows[split...]), name: "second.csv")
        #expect(whole.summary.rejectedRows.isEmpty)
        #expect(first.table.rows + second.table.rows == whole.table.rows)
        #expect(whole.table.rows == rows.map { $0.map { Optional($0) } })
    }
}
