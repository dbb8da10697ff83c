import Testing
@testable import SurveyInstruments

/// The six cases' placements in Table 1, as CASES.md states them.
@Test(arguments: [
    (PlanningRole.coplanners, DeliveryRole.professionalsSole, "Pôrto Alegre"),
    (.professionalsSole, .codeliverers, "Sure Start"),
    (.coplanners, .codeliverers, "Caterham Barracks"),
    (.noProfessionalPlanning, .codeliverers, "Beacon"),
    (.professionalsSole, .communitySole, "Villa Family"),
    (.coplanners, .communitySole, "Tackley"),
])
func sixCasesArePlaced(planning: PlanningRole, delivery: DeliveryRole, caseName: String) {
    let cell = classify(planning: planning, delivery: delivery)
    #expect(cell.citedCase == caseName)
    #expect(cell.isCoproduction)
}

@Test func cellNamesMatchTheTable() {
    #expect(classify(planning: .coplanners, delivery: .professionalsSole).name
            == "professional provision with users and communities involved in planning and design (Pôrto Alegre)")
    #expect(classify(planning: .professionalsSole, delivery: .codeliverers).name
            == "user codelivery of professionally designed services (Sure Start)")
    #expect(classify(planning: .coplanners, delivery: .codeliverers).name
            == "full user/professional coproduction (Caterham Barracks)")
    #expect(classify(planning: .noProfessionalPlanning, delivery: .codeliverers).name
            == "user/community codelivery with professionals, little formal planning (Beacon)")
    #expect(classify(planning: .professionalsSole, delivery: .communitySole).name
            == "user/community delivery of professionally planned services (Villa Family)")
    #expect(classify(planning: .coplanners, delivery: .communitySole).name
            == "user/community delivery of coplanned or codesigned services (Tackley)")
    #expect(classify(planning: .professionalsSole, delivery: .professionalsSole).name
            == "traditional professional service provision")
    #expect(classify(planning: .noProfessionalPlanning, delivery: .communitySole).name
            == "traditional self-organized community provision")
    #expect(classify(planning: .noProfessionalPlanning, delivery: .professionalsSole).name == "n/a")
    #expect(!classify(planning: .professionalsSole, delivery: .professionalsSole).isCoproduction)
    #expect(Table1Cell.all.count == 9)
    #expect(Set(Table1Cell.all.map(\.name)).count == 9)
}
