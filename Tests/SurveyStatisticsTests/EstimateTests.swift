import Testing
@testable import SurveyStatistics

@Test func varianceIsSquaredStandardError() {
    let e = Estimate(value: 0.25, standardError: 0.05, degreesOfFreedom: 10, sampleSize: 40)
    #expect(abs(e.variance - 0.0025) < 1e-15)
    #expect(abs(e.relativeStandardError - 0.2) < 1e-15)
}
