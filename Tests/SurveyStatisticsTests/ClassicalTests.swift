import Foundation
import Testing
@testable import SurveyStatistics

// Hand-derived values and edge cases for the classical tests.

@Test func welchAndStudentAgreeForEqualSizesAndVariances() throws {
    // x = 1…5, y = 2…6: means differ by −1, both variances 2.5, n = 5 → t = −1/√(2.5·2/5) = −1.
    let x = [1.0, 2, 3, 4, 5], y = [2.0, 3, 4, 5, 6]
    let welch = try TTest.welch(x, y), student = try TTest.student(x, y)
    #expect(abs(welch.statistic + 1) < 1e-15)
    #expect(abs(student.statistic + 1) < 1e-15)
    #expect(abs((welch.degreesOfFreedom ?? 0) - 8) < 1e-12)   // Satterthwaite equals n₁ + n₂ − 2 here
    #expect(abs(welch.pValue - student.pValue) < 1e-15)
    // The CI must exclude 0 exactly when p < 0.05 (route agreement: test vs interval).
    let ci = try #require(welch.confidenceInterval)
    #expect((ci.lower > 0 || ci.upper < 0) == (welch.pValue < 0.05))
}

@Test func zeroVarianceGivesNaNNotACrash() throws {
    let r = try TTest.paired(after: [2, 3, 4], before: [1, 2, 3])   // all differences 1: sd 0
    #expect(r.statistic.isInfinite || r.statistic.isNaN)
    let same = try TTest.welch([1, 1, 1], [1, 1, 1])
    #expect(same.statistic.isNaN && same.pValue.isNaN)
}

@Test func tooFewObservationsThrowWithCode() {
    #expect { try TTest.welch([1], [2, 3]) } throws: { ($0 as? ClassicalTestError)?.code == .insufficientData }
    #expect { try TTest.paired(after: [1, 2], before: [1]) } throws: { ($0 as? ClassicalTestError)?.code == .lengthMismatch }
    #expect { try Proportions.confidenceInterval(successes: 5, trials: 3, method: .wilson) } throws: {
        ($0 as? ClassicalTestError)?.code == .invalidArgument
    }
    #expect { try TTest.welch([1, 2], [2, 3], confidenceLevel: 95) } throws: {
        ($0 as? ClassicalTestError)?.code == .invalidArgument
    }
}

@Test func signedRankExactDistributionForThreePairs() throws {
    // n = 3: R⁺ ∈ {0,1,2,3,3,4,5,6} over the 8 sign patterns → P(R⁺ = 3) = 2/8.
    let d = RankTests.signedRankDistribution(3)
    #expect(d == [0.125, 0.125, 0.125, 0.25, 0.125, 0.125, 0.125])
    // All three differences positive: R⁺ = 6, two-sided exact p = 2·(1/8) = 0.25.
    let r = try RankTests.wilcoxonSignedRank(after: [2, 4, 7], before: [1, 2, 4], method: .exact)
    #expect(r.rankSumPositive == 6 && r.rankSumNegative == 0)
    #expect(r.test.pValue == 0.25)
}

@Test func signedRankAllZeroDifferencesThrows() {
    #expect { try RankTests.wilcoxonSignedRank(after: [1, 2], before: [1, 2]) } throws: {
        ($0 as? ClassicalTestError)?.code == .insufficientData
    }
}

@Test func mannWhitneyAllTiesIsNotACrash() throws {
    // Every value tied: U = nₓnᵧ/2 and the tie-corrected variance is 0 → z = NaN or p = 1.
    let r = try RankTests.mannWhitney([3, 3, 3], [3, 3])
    #expect(r.uX == 3 && r.uY == 3)
    #expect(r.test.pValue.isNaN || r.test.pValue == 1)
    // Exact U distribution for (1, 1): U ∈ {0, 1} equally likely.
    #expect(RankTests.mannWhitneyDistribution(1, 1) == [0.5, 0.5])
    // (2, 2): C(4,2) = 6 arrangements, U counts 1,1,2,1,1.
    let d = RankTests.mannWhitneyDistribution(2, 2)
    #expect(d.map { ($0 * 6).rounded() } == [1, 1, 2, 1, 1])
}

@Test func mcNemarHandDerived() throws {
    // b = 3, c = 0: exact two-sided p = 2·(1/2)³ = 0.25; chi-square (3 − 0)²/3 = 3.
    #expect(abs(try ContingencyTests.mcNemar(b: 3, c: 0, method: .exact).test.pValue - 0.25) < 1e-15)
    #expect(try ContingencyTests.mcNemar(b: 3, c: 0, method: .chiSquare).test.statistic == 3)
    // mid-p = 0.25 − P(X = 0) = 0.25 − 0.125.
    #expect(abs(try ContingencyTests.mcNemar(b: 3, c: 0, method: .midP).test.pValue - 0.125) < 1e-15)
    // No discordant pairs: exact p = 1.
    #expect(try ContingencyTests.mcNemar(b: 0, c: 0).test.pValue == 1)
}

@Test func fisherTwoSidedSumsTheSmallTables() throws {
    // [[1, 0], [0, 1]]: margins 1,1 / 1,1: P(a=0) = P(a=1) = 1/2 → two-sided 1, less 1, greater 1/2.
    let t = [[1, 0], [0, 1]]
    #expect(abs(try ContingencyTests.fisherExact(t).pValue - 1) < 1e-15)
    #expect(abs(try ContingencyTests.fisherExact(t, alternative: .greater).pValue - 0.5) < 1e-15)
    #expect(ContingencyTests.sampleOddsRatio(t) == .infinity)
}

@Test func poissonScoreIntervalSolvesTheScoreEquation() throws {
    let r = try PoissonRateRatio(count1: 12, exposure1: 1500, count2: 25, exposure2: 1800)
    let z = Normal.inverseSurvival(0.025)
    for ratio in [r.scoreInterval.lower, r.scoreInterval.upper] {
        let u = ratio * 1500 / 1800
        let score = (12 - 25 * u) / (37 * u).squareRoot()
        #expect(abs(abs(score) - z) < 1e-12)
    }
    // The score interval contains the point estimate.
    #expect(r.scoreInterval.lower < r.rateRatio && r.rateRatio < r.scoreInterval.upper)
}

@Test func proportionIntervalsAtTheEdges() throws {
    let cp = try Proportions.confidenceInterval(successes: 0, trials: 10, method: .clopperPearson)
    #expect(cp.lower == 0)
    // Clopper–Pearson upper at x = 0: 1 − (α/2)^(1/n) in closed form.
    #expect(abs(cp.upper - (1 - pow(0.025, 0.1))) < 1e-14)
    let wald = try Proportions.confidenceInterval(successes: 10, trials: 10, method: .normal)
    #expect(wald.lower == 1 && wald.upper == 1)
    // n = 1 works for every method.
    for method in ProportionIntervalMethod.allCases {
        let ci = try Proportions.confidenceInterval(successes: 1, trials: 1, method: method)
        #expect(ci.lower >= 0 && ci.upper <= 1 && ci.lower <= ci.upper)
    }
}

@Test func multipleTestingHandDerived() throws {
    let p = [0.01, 0.04, 0.03]
    #expect(try MultipleTesting.adjust(p, method: .bonferroni) == [0.03, 0.12, 0.09])
    // Holm: sorted 0.01·3, 0.03·2, 0.04·1 → 0.03, 0.06, max(0.04, 0.06) = 0.06.
    let holm = try MultipleTesting.adjust(p, method: .holm)
    #expect(zip(holm, [0.03, 0.06, 0.06]).allSatisfy { abs($0 - $1) < 1e-15 })
    // BH: 0.01·3/1, 0.03·3/2, 0.04·3/3 → 0.03, 0.04 (min 0.045, 0.04), 0.04.
    let bh = try MultipleTesting.adjust(p, method: .benjaminiHochberg)
    #expect(zip(bh, [0.03, 0.04, 0.04]).allSatisfy { abs($0 - $1) < 1e-15 })
    #expect(try MultipleTesting.adjust([], method: .hommel).isEmpty)
    #expect(try MultipleTesting.adjust([0.2], method: .hommel) == [0.2])
}

@Test func cronbachAlphaOfIdenticalItemsIsOne() throws {
    let item = [1.0, 2, 3, 4, 5]
    let a = try CronbachAlpha(items: [item, item, item])
    #expect(abs(a.alpha - 1) < 1e-14)
    #expect(a.itemRestCorrelations.allSatisfy { abs($0 - 1) < 1e-14 })
    #expect { try CronbachAlpha(items: [item]) } throws: { ($0 as? ClassicalTestError)?.code == .insufficientData }
}

@Test func clusterRobustNeedsTwoClusters() throws {
    let x = try Matrix([[1, 0], [1, 1], [1, 2], [1, 3]])
    let y = [1.0, 2.9, 5.1, 7.0]
    #expect { try LinearRegression.ordinaryLeastSquares(design: x, response: y, covariance: .clusterRobust(clusters: [0, 0, 0, 0])) }
        throws: { ($0 as? ClassicalTestError)?.code == .insufficientData }
    // HC1 with n = 4, k = 2 equals the sandwich scaled by 4/2; classical and HC1 share coefficients.
    let classical = try LinearRegression.ordinaryLeastSquares(design: x, response: y)
    let hc1 = try LinearRegression.ordinaryLeastSquares(design: x, response: y, covariance: .hc1)
    #expect(classical.coefficients == hc1.coefficients)
}

@Test func leastSquaresRecoversAnExactLineAndFlagsAliasing() throws {
    // y = 2 + 3x exactly; a duplicated column is aliased (NaN), as R's NA.
    let x = try Matrix([[1, 0, 0], [1, 1, 1], [1, 2, 2], [1, 3, 3]])
    let fit = try LeastSquares.fit(design: x, response: [2, 5, 8, 11])
    #expect(fit.rank == 2)
    #expect(fit.aliased.filter { $0 }.count == 1)
    #expect(fit.residualSumOfSquares < 1e-25)
    #expect(fit.residualDegreesOfFreedom == 2)
    #expect { try LeastSquares.fit(design: x, response: [1, 2]) } throws: {
        ($0 as? LinearAlgebraError)?.code == .dimensionMismatch
    }
    // Cholesky inverse of an SPD matrix against the 2×2 closed form.
    let a = try Matrix([[4, 2], [2, 3]])
    let inverse = try a.inverseSymmetricPositiveDefinite()
    #expect(abs(inverse[0, 0] - 3.0 / 8) < 1e-15 && abs(inverse[0, 1] + 2.0 / 8) < 1e-15)
    #expect(try a.inverse() == a.inverse())
    #expect { try Matrix([[1, 2], [2, 4]]).inverse() } throws: { ($0 as? LinearAlgebraError)?.code == .singular }
}

@Test func heteroskedasticityConsistentVariantsAreOrdered() throws {
    let x = try Matrix([[1, 0], [1, 1], [1, 2], [1, 3], [1, 7]])
    let y = [1.0, 2.9, 5.3, 6.8, 16.0]
    let hc0 = try LinearRegression.ordinaryLeastSquares(design: x, response: y, covariance: .hc0)
    let hc1 = try LinearRegression.ordinaryLeastSquares(design: x, response: y, covariance: .hc1)
    let hc2 = try LinearRegression.ordinaryLeastSquares(design: x, response: y, covariance: .hc2)
    let hc3 = try LinearRegression.ordinaryLeastSquares(design: x, response: y, covariance: .hc3)
    for j in 0..<2 {
        // HC1 = n/(n−k)·HC0 = 5/3·HC0; leverages in (0, 1) make HC0 ≤ HC2 ≤ HC3.
        #expect(abs(hc1.covariance[j, j] - hc0.covariance[j, j] * 5 / 3) <= 1e-14 * hc1.covariance[j, j])
        #expect(hc0.covariance[j, j] <= hc2.covariance[j, j] && hc2.covariance[j, j] <= hc3.covariance[j, j])
    }
}

@Test func sidakAdjustmentsHandDerived() throws {
    // Šidák with m = 2: 1 − (1 − 0.01)² = 0.0199; 1 − 0.96² = 0.0784.
    let s = try MultipleTesting.adjust([0.01, 0.04], method: .sidak)
    #expect(abs(s[0] - 0.0199) < 1e-15 && abs(s[1] - 0.0784) < 1e-15)
    // Holm–Šidák: sorted 0.01 → 1 − 0.99² = 0.0199; 0.04 → 1 − 0.96 = 0.04 (≥ previous).
    let hs = try MultipleTesting.adjust([0.04, 0.01], method: .holmSidak)
    #expect(abs(hs[0] - 0.04) < 1e-15 && abs(hs[1] - 0.0199) < 1e-15)
}

@Test func mcNemarFromPairsCountsDiscordantPairs() throws {
    // Pairs (1,0), (1,0), (0,1), (1,1), (0,0): b = 2, c = 1.
    let r = try ContingencyTests.mcNemar(first: [1, 1, 0, 1, 0], second: [0, 0, 1, 1, 0], method: .chiSquare)
    #expect(r.discordantB == 2 && r.discordantC == 1)
    #expect(abs(r.test.statistic - 1.0 / 3) < 1e-15)   // (2 − 1)²/3
    #expect { try ContingencyTests.mcNemar(first: [1, 2], second: [0, 1]) } throws: {
        ($0 as? ClassicalTestError)?.code == .invalidArgument
    }
}
