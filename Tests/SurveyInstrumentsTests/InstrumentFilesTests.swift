import Foundation
import SurveyIngest
import Testing
@testable import SurveyInstruments

@Test func coproductionProfilePlacesTheSixCases() throws {
    let instrument = try Instrument.load(path: Fixture.instrument("coproduction-profile.yaml"))
    let table = try Ingest.read(path: Fixture.path("coproduction_cases.csv")).table
    let data = try instrument.code(table, policy: .fail)
    let cells = instrument.table1Cells(in: data)
    let caseNames = data.codes("case_name")
    #expect(cells.count == 6)
    for (cell, name) in zip(cells, caseNames) {
        #expect(cell?.citedCase == name)
        #expect(cell?.isCoproduction == true)
    }
    // Value-chain stages with user involvement, counted from the stage lists in the CSV.
    #expect(data.numeric("user_stage_count") == [2, 1, 4, 3, 1, 4])
    // Tackley: 20% of £415,000 raised in the village (CASES.md).
    let share = try instrument.values(of: try #require(instrument.indicator("local_share")), in: data)
    #expect(share.y[5] == 83_000)
    #expect(share.exposure?[5] == 415_000)
    #expect(share.y[0].isNaN)
    #expect(data.status("volunteer_hours") == [.notAsked, .valid, .missing(.blank), .valid, .notAsked, .valid])
}

@Test func sureStartWarmthScaleReversesNegativeItems() throws {
    let instrument = try Instrument.load(path: Fixture.instrument("sure-start-parenting.yaml"))
    let warmth = try #require(instrument.scale("warmth"))
    #expect(warmth.items.count >= 6)
    #expect(!(warmth.reverse ?? []).isEmpty)
    let table = try Ingest.read(path: Fixture.path("sure_start.csv")).table
    let data = try instrument.code(table, policy: .fail)
    #expect(data.invalidCells.isEmpty)
    // Items w1..w7, with w3, w5, w7 scored 6 − x:
    // s1: 5 5 (6−1) 5 (6−2) 4 (6−1) = 5+5+5+5+4+4+5 = 33 / 7
    // s2: 4 4 3 4 3 4 4 = 26 / 7
    // s3: 5 4 . 5 . 5 4 → 5 valid items (≥ min_valid 5): 23 / 5
    // s4: 3 3 2 3 2 . 2 = 15 / 6
    let expected: [Double] = [33.0 / 7, 26.0 / 7, 23.0 / 5, 15.0 / 6]
    #expect(sameValues(data.numeric("warmth"), expected))
    #expect(data.status("breastfed_6wk") == [.valid, .notAsked, .notAsked, .valid])   // s3's child is 1 month old
    #expect(data.status("support_groups") == [.valid, .notAsked, .valid, .valid])
    let bf6 = try instrument.values(of: try #require(instrument.indicator("breastfeeding_6wk")), in: data)
    #expect(sameValues(bf6.y, [1, 0, .nan, 0]))   // s2 never breastfed → 0; s3 out of the domain
    let group = try instrument.values(of: try #require(instrument.indicator("breastfeeding_group")), in: data)
    #expect(sameValues(group.y, [1, 0, 0, 0]))
    #expect(sameValues(data.numeric("programme_area"), [1, 0, 1, 0]))
}
