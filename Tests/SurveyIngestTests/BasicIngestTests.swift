import Testing
@testable import SurveyIngest

@Test func readsQuotedEmptyApartFromUnquotedEmpty() throws {
    let csv = Array("a,b,c\n1,,\"\"\n".utf8)
    let result = try Ingest.read(bytes: csv, name: "t.csv")
    #expect(result.table.columns == ["a", "b", "c"])
    #expect(result.table.rows == [["1", nil, ""]])
}

@Test func keepsSpacesAroundUnquotedFields() throws {
    let result = try Ingest.read(bytes: Array("a;b\n x ;\ty\t\n".utf8), name: "t.csv")
    #expect(result.table.rows == [[" x ", "\ty\t"]])
}
