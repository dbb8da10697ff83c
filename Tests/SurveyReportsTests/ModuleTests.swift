import Testing
@testable import SurveyReports

@Test func versionIsSemantic() {
    #expect(CoproVersion.string.split(separator: ".").count == 3)
}
