import Foundation
import Testing
@testable import SurveyIngest

private func read(_ text: String, options: IngestOptions = .init()) throws -> IngestResult {
    try Ingest.read(bytes: Array(text.utf8), name: "t.csv", options: options)
}

@Test func textAfterClosingQuoteIsKeptWithTheQuote() throws {
    let r = try read("a,b\n\"abc\"def,x\n")
    #expect(r.table[0, 0] == "abc\"def")
    #expect(r.table[0, 1] == "x")
    #expect(r.summary.warnings.map(\.code) == ["stray-quote"])
}

@Test func quoteInsideUnquotedFieldIsLiteral() throws {
    let r = try read("a,b\n5 \"large\" boxes,y\n")
    #expect(r.table[0, 0] == "5 \"large\" boxes")
    #expect(r.summary.warnings.first?.dataRow == 1)
}

@Test func spaceAfterClosingQuoteKeepsQuotedText() throws {
    let r = try read("a,b\n\"Ann\"  ,y\n")
    #expect(r.table[0, 0] == "Ann")
    #expect(r.summary.warnings.map(\.code) == ["space-around-quoted-field"])
}

@Test func recordAfterLenientRecordIsReadByLibcsvAgain() throws {
    let r = try read("a,b\n\"x\"y,1\n\"multi\nline\",2\n")
    #expect(r.table.rows == [["x\"y", "1"], ["multi\nline", "2"]])
    #expect(r.table.lines == [2, 3])
}

@Test func unterminatedQuoteRejectsToEndOfFile() throws {
    let r = try read("a,b\n1,ok\n2,\"open\n3,more\n")
    #expect(r.summary.acceptedRows == 1)
    let rej = try #require(r.summary.rejectedRows.first)
    #expect(rej.reason == "unterminated-quote")
    #expect(rej.line == 3)
    #expect(rej.raw == "2,\"open\n3,more\n")
}

@Test func mixedLineEndingsAreReportedOutsideQuotesOnly() throws {
    // An LF inside quotes in a CRLF file (Excel) is not a mixed file.
    let excel = try read("a,b\r\n\"x\ny\",1\r\n")
    #expect(excel.summary.lineEnding == "CRLF")
    let mixed = try read("a,b\r\n1,2\n3,4\r5,6\r\n")
    #expect(mixed.summary.lineEnding == "mixed")
    #expect(mixed.summary.warnings.contains { $0.code == "mixed-line-endings" })
    #expect(mixed.table.lines == [2, 3, 4])
}

@Test func semicolonWinsOverCommasInsideData() throws {
    let r = try read("id;name;amount\n1;Müller, Anna;3,5\n2;Bo, B;1,0\n")
    #expect(r.summary.delimiter == ";")
    #expect(r.table[0, 1] == "Müller, Anna")
}

@Test func headerWithoutDelimiterIsOneColumn() throws {
    let r = try read("comment\nhello, world\nok\n")
    #expect(r.summary.delimiter == nil)
    #expect(r.table.columns == ["comment"])
    #expect(r.table.rows == [["hello, world"], ["ok"]])
}

@Test func trailingNulPaddingIsDroppedWithWarning() throws {
    var bytes = Array("a,b\n1,2\n".utf8)
    bytes += [0, 0, 0, 0]
    let r = try Ingest.read(bytes: bytes, name: "t.csv")
    #expect(r.summary.acceptedRows == 1)
    #expect(r.summary.rejectedRows.isEmpty)
    #expect(r.summary.warnings.map(\.code) == ["trailing-nul-padding"])
}

@Test func zipSignatureIsNotText() {
    let bytes: [UInt8] = [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]
    #expect { try Ingest.read(bytes: bytes, name: "x.csv") } throws: { error in
        (error as? IngestError)?.code == .notText && (error as? IngestError)?.summary?.fileError?.reason == "not-text"
    }
}

@Test func onlyLineBreaksIsAnEmptyFile() {
    #expect { try read("\r\n\n\r") } throws: { ($0 as? IngestError)?.code == .emptyFile }
    #expect { try Ingest.read(bytes: [0xEF, 0xBB, 0xBF], name: "bom.csv") } throws: { ($0 as? IngestError)?.code == .emptyFile }
}

@Test func duplicateAndEmptyNamesAreRenamedUniquely() throws {
    let r = try read("id,score,score,,score~2\n1,2,3,4,5\n")
    #expect(r.table.rawColumnNames == ["id", "score", "score", "", "score~2"])
    #expect(Set(r.table.columns).count == 5)
    #expect(r.table.columns[..<4] == ["id", "score", "score~2", "column~4"])
    #expect(r.summary.warnings.filter { $0.code == "duplicate-column-name" }.compactMap(\.column) == [1, 2])
    #expect(r.summary.warnings.filter { $0.code == "empty-column-name" }.compactMap(\.column) == [3])
}

@Test func windows1252FallbackOnlyWithoutUTF8Sequences() throws {
    let cp1252: [UInt8] = Array("n\n".utf8) + [0x80, 0x93, 0x41, 0x94, 0x0A]
    let r = try Ingest.read(bytes: cp1252, name: "t.csv")
    #expect(r.summary.encoding == "windows-1252")
    #expect(r.table[0, 0] == "€“A”")
    // One valid UTF-8 sequence elsewhere: UTF-8, and the bad record is rejected with its bytes.
    let mixed: [UInt8] = Array("n\né\n".utf8) + [0x80, 0x0A]
    let m = try Ingest.read(bytes: mixed, name: "t.csv")
    #expect(m.summary.encoding == "utf-8")
    #expect(m.summary.rejectedRows.map(\.rawBytes) == [[0x80]])
    #expect(m.summary.rejectedRows.first?.raw == "\\x80")
}

@Test func utf16WithoutTerminatorAndForcedEncoding() throws {
    let text = "a\tb\r\nŁ\t😀"
    var le: [UInt8] = [0xFF, 0xFE]
    for u in text.utf16 { le += [UInt8(u & 0xFF), UInt8(u >> 8)] }
    let r = try Ingest.read(bytes: le, name: "t.txt")
    #expect(r.summary.encoding == "utf-16le-bom")
    #expect(r.table.rows == [["Ł", "😀"]])
    let forced = try Ingest.read(bytes: Array(le.dropFirst(2)), name: "t.txt", options: .init(encoding: .utf16le))
    #expect(forced.summary.encoding == "utf-16le")
    #expect(forced.table.rows == [["Ł", "😀"]])
}

@Test func forcedDelimiterOverridesDetection() throws {
    let r = try read("a,b;c\n1,2;3\n", options: .init(delimiter: .semicolon))
    #expect(r.table.columns == ["a,b", "c"])
}

@Test func qualtricsMetadataIsKept() throws {
    let csv = """
    ResponseId,Q1,Q2_1
    Response ID,How satisfied?,Agree? - Staff are kind
    "{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}","{""ImportId"":""QID2_1""}"
    R_1,5,4

    """
    let r = try read(csv)
    #expect(r.summary.platform == "qualtrics")
    #expect(r.summary.headerRows == 3)
    let q2 = try #require(r.table.platform.column(named: "Q2_1"))
    #expect(q2.importID == "QID2_1")
    #expect(q2.questionText == "Agree? - Staff are kind")
    #expect(q2.subLabel == "Staff are kind")
}

@Test func koboGroupsAndSelectMultipleColumns() throws {
    let csv = "\"_id\";\"_uuid\";\"grp/q\";\"svc\";\"svc/books\"\n\"1\";\"u\";\"x\";\"books\";\"1\"\n"
    let r = try read(csv)
    #expect(r.summary.platform == "kobo")
    #expect(r.table.platform.column(named: "grp/q")?.groupPath == ["grp"])
    #expect(r.table.platform.column(named: "svc/books")?.parent == "svc")
    #expect(r.table.platform.column(named: "svc/books")?.subLabel == "books")
}

@Test func surveyMonkeyContinuationColumnsTakeTheirOptionLabel() throws {
    let csv = "Respondent ID,Which services?,,Comments\n,Books,Computers,Open-Ended Response\n1,Books,,fine\n"
    let r = try read(csv)
    #expect(r.summary.platform == "surveymonkey")
    #expect(r.table.columns == ["Respondent ID", "Which services?", "Which services? - Computers", "Comments"])
    #expect(r.table.platform.columns[2].questionText == "Which services?")
    #expect(r.table.platform.columns[2].subLabel == "Computers")
    #expect(!r.summary.warnings.contains { $0.code == "empty-column-name" })
}

@Test func chunkedFileReadingMatchesInMemory() throws {
    // A record spanning many chunks and lines that end exactly at chunk edges.
    let big = String(repeating: "x\"\"y\r\n", count: 2_000_000)
    let text = "id,text\r\n1,\"\(big)\"\r\n2,short\r\n"
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("copro-chunk-\(UUID()).csv")
    try Data(text.utf8).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    let fromFile = try Ingest.read(path: url.path)
    #expect(fromFile.table.rowCount == 2)
    #expect(fromFile.table[0, 1]?.utf8.count == big.utf8.count - 2_000_000)
    #expect(fromFile.table.lines == [2, 2_000_003])
}

@Test func mixedLineEndingWarningsNameTheDeviatingLines() throws {
    let r = try read("a,b\r\n1,2\n3,4\r\n5,6\r")
    #expect(r.summary.warnings.filter { $0.code == "mixed-line-endings" }.compactMap(\.line) == [2, 4])
}

@Test func rejectionKnowsItsLastLine() throws {
    let r = try read("a,b\n1,\"x\ny\",3\n2,\"open\nz\n")
    #expect(r.summary.rejectedRows.map(\.endLine) == [3, 5])
    #expect(r.summary.rejectedRows.map(\.reason) == ["too-many-fields", "unterminated-quote"])
}

@Test func dataOutIsRewrittenWhenTheEncodingCheckRedoesTheParse() throws {
    // Parsed first as UTF-8 (the guess), then again as Windows-1252: the output holds one copy.
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("copro-redo-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let input = dir.appendingPathComponent("in.csv")
    try Data(Array("name,fee\r\n".utf8) + [0x52, 0x65, 0x6E, 0xE9, 0x65, 0x2C, 0xA3, 0x35, 0x0D, 0x0A]).write(to: input)
    let out = dir.appendingPathComponent("out.csv")
    let summary = try Ingest.summarize(path: input.path, dataOut: out.path)
    #expect(summary.encoding == "windows-1252")
    #expect(try String(contentsOf: out, encoding: .utf8) == "name,fee\nRenée,£5\n")
}
