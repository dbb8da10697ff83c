import Foundation
import Testing
import SurveyIngest
@testable import SurveyInstruments

/// Instruments from the dictionaries of the pyreadstat fixtures (scripts/make_readstat_fixtures.py,
/// which declares the labels and missing values checked here).
@Suite struct ReadStatInstrumentTests {
    static func path(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SurveyIngestTests/Fixtures/readstat/\(name)").path
    }

    @Test(arguments: ["labels.sav", "labels.dta"])
    func labelsAndMissingCodesReachTheInstrument(_ name: String) throws {
        let result = try ReadStatInstrument.importFile(path: Self.path(name))
        let i = result.instrument
        #expect(i.title == "copro ReadStat fixture")
        #expect(i.questions.map(\.id) == ["id", "sex", "q1", "income", "visit", "stamp", "name", "comment"])
        let q1 = try #require(i.question("q1"))
        #expect(q1.text == "Satisfaction (1–5)")
        #expect(q1.type == .singleChoice)
        #expect(q1.options == [Choice(code: "1", label: "Very dissatisfied"), Choice(code: "5", label: "Very satisfied")])
        let stata = name.hasSuffix(".dta")
        #expect(q1.missingCodes == [MissingCode(code: stata ? ".a" : "-99", kind: .refused, label: "Refused"),
                                    MissingCode(code: stata ? ".b" : "-98", kind: .dontKnow, label: "Don't know")])
        #expect(i.question("sex")?.options?.map(\.label) == ["Male", "Female"])
        #expect(i.question("visit")?.type == .date)
        #expect(i.question("name")?.type == .text)
        #expect(i.question("id")?.type == .integer)
        if !stata {
            // SPSS range 900 THRU 999: the codes present in the data (950, 999).
            #expect(i.question("income")?.missingCodes?.map(\.code) == ["950", "999"])
            #expect(result.warnings.count == 1)
        }
        // The YAML reads back to the same instrument.
        let again = try Instrument.parse(yaml: result.yaml, file: "again")
        #expect(again.questions == i.questions)
    }

    @Test func aTableWithoutADictionaryIsAnError() throws {
        let table = RawTable(columns: ["a"], rows: [["1"]])
        let error = try #require(throws: InstrumentError.self) { try ReadStatInstrument.build(table: table, file: "x.csv") }
        #expect(error.code == .invalidData)
    }
}
