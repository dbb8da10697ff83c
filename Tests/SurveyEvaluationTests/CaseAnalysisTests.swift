import Foundation
import Testing
@testable import SurveyEvaluation
import SurveyStatistics

/// Unit checks of the case analyses' numerics against derivations.
@Suite struct CaseAnalysisTests {
    /// Under simple random sampling with shares equal to the population's, V = (diag π − ππᵀ)/n, so
    /// Δ = n P⁻¹ V = I: every generalised design effect is 1, δ̄ = 1, tr Δ = d = K − 1, and the first-
    /// order statistic equals Pearson's. With shares p̂ ≠ π and the same V, X² = n Σ (p̂ − π)²/π.
    @Test func goodnessOfFitReducesToPearsonUnderSRS() throws {
        let pi = [0.2, 0.3, 0.5], p = [0.25, 0.25, 0.5], n = 400
        let v = (0..<3).map { i in (0..<3).map { j in ((i == j ? pi[i] : 0) - pi[i] * pi[j]) / Double(n) } }
        let fit = try RepresentationAnalysis.goodnessOfFit(shares: p, covariance: v, population: pi, n: n, df: 1e6)
        // X² = 400 · (0.05²/0.2 + 0.05²/0.3 + 0) = 400 · (0.0125 + 0.008333…) = 8.3333…
        #expect(abs(fit.x2 - 8.333_333_333_333_334) < 1e-9)
        #expect(abs(fit.meanDeff - 1) < 1e-12)
        #expect(abs(fit.d - 2) < 1e-12)
        #expect(abs(fit.pFirst - fit.pNaive) < 1e-12)
        // χ²(2) survival at 8.3333 is exp(−8.3333/2) = 0.015503…
        #expect(abs(fit.pNaive - exp(-8.333_333_333_333_334 / 2)) < 1e-12)
        // With an infinite-df denominator, F·d ~ χ²(d): the second-order p agrees with the first to 1e-4.
        #expect(abs(fit.pSecond - fit.pFirst) < 1e-4)
        // Doubling the variance (a design effect of 2) halves the corrected statistic.
        let v2 = v.map { $0.map { 2 * $0 } }
        let fit2 = try RepresentationAnalysis.goodnessOfFit(shares: p, covariance: v2, population: pi, n: n, df: 1e6)
        #expect(abs(fit2.meanDeff - 2) < 1e-12)
        #expect(fit2.pFirst > fit.pFirst)
    }

    @Test func ranksShareTheBetterRankOnTies() {
        #expect(RankingAnalysis.ranks([0.5, 0.7, 0.5, 0.1]) == [2, 1, 2, 4])
        #expect(RankingAnalysis.percentileInterval(Array(1...100), level: 0.95) == (3, 98))
        #expect(RankingAnalysis.percentileInterval([4, 4, 4], level: 0.95) == (4, 4))
    }

    /// Rao–Wu replicate weights keep each stratum's weight total in expectation:
    /// E[Σ w*] = Σ w · n/(n − 1) · (n − 1)/n = Σ w.
    @Test func bootstrapWeightsAreUnbiasedForTheWeightTotal() {
        var rng = SeededGenerator(seed: 11)
        let w = (0..<30).map { Double(1 + $0 % 4) }
        let strata = (0..<30).map { $0 < 12 ? "a" : "b" }
        let reps = RankingAnalysis.bootstrapWeights(weights: w, strata: strata, clusters: [], replicates: 4000, using: &rng)
        let total = w.reduce(0, +)
        let mean = reps.map { $0.reduce(0, +) }.reduce(0, +) / Double(reps.count)
        #expect(abs(mean / total - 1) < 0.01)
        // The same seed gives the same replicates.
        var again = SeededGenerator(seed: 11)
        #expect(RankingAnalysis.bootstrapWeights(weights: w, strata: strata, clusters: [], replicates: 3, using: &again)
                == Array(reps.prefix(3)))
    }

    /// An exact line has slope 2 and (numerically) zero standard errors; independent noise gives a
    /// Newey–West SE close to the classical one.
    @Test func trendFitRecoversAKnownSlope() throws {
        let t = (1...60).map(Double.init)
        let exact = try TrendAnalysis.fit(t: t, y: t.map { 3 + 2 * $0 }, season: nil)
        #expect(abs(exact.slope - 2) < 1e-12)
        #expect(exact.classicalSE < 1e-9 && exact.hacSE < 1e-9)
        var rng = SeededGenerator(seed: 5)
        let noisy = try TrendAnalysis.fit(t: t, y: t.map { 3 + 2 * $0 + rng.nextNormal() }, season: 12)
        #expect(abs(noisy.slope - 2) < 4 * noisy.classicalSE)
        #expect(noisy.hacSE > 0.5 * noisy.classicalSE && noisy.hacSE < 2 * noisy.classicalSE)
        #expect(noisy.lags == 3)   // ⌊4 (60/100)^(2/9)⌋ = ⌊4 · 0.8927⌋ = ⌊3.57⌋ = 3
    }
}
