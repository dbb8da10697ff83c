import Testing
@testable import SurveyEvaluation

@Test func moduleLoads() { #expect(String(describing: SurveyEvaluationModule.self) == "SurveyEvaluationModule") }
