import Testing
@testable import SurveyInstruments

@Test func usesYams() { #expect(SurveyInstrumentsModule.yamlLibrary == "Yams") }
