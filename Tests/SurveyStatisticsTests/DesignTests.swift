import Testing
import Foundation
@testable import SurveyStatistics

// Hand-derived checks of the linearisation variance engine and the estimators. Each expected
// value is derived in the comment beside it from the textbook formula (Lohr, Sampling: Design
// and Analysis, ch. 2–3, 5–6, 9) — no value here was produced by the code under test.

private func near(_ a: Double, _ b: Double, _ tol: Double = 1e-12) -> Bool {
    abs(a - b) <= tol * max(1, abs(b))
}

@Test func srsMeanVarianceIsSSquaredOverN() throws {
    // y = 1…5, equal weights, each row a PSU, no fpc: s² = 2.5, V(ȳ) = s²/n = 0.5.
    let design = try SurveyDesign(weights: [2, 2, 2, 2, 2])
    let m = try design.mean([1, 2, 3, 4, 5])
    #expect(near(m.value, 3))
    #expect(near(m.variance, 0.5))
    #expect(m.degreesOfFreedom == 4)
    #expect(m.sampleSize == 5)
    // Total: N̂ ȳ = 10·3 = 30; V = N̂² s²/n = 100·0.5 = 50.
    let t = try design.total([1, 2, 3, 4, 5])
    #expect(near(t.value, 30))
    #expect(near(t.variance, 50))
}

@Test func fpcAsPopulationSizeOrFractionAgree() throws {
    // N = 20, n = 5: V = (1 − 5/20) s²/n = 0.75 · 0.5 = 0.375. Fraction 0.25 is the same design.
    let y: [Double] = [1, 2, 3, 4, 5]
    let a = try SurveyDesign(weights: [4, 4, 4, 4, 4], fpc: [[20, 20, 20, 20, 20]])
    let b = try SurveyDesign(weights: [4, 4, 4, 4, 4], fpc: [[0.25, 0.25, 0.25, 0.25, 0.25]])
    #expect(near(try a.mean(y).variance, 0.375))
    #expect(near(try b.mean(y).variance, 0.375))
    // Weights implied by the fpc: N/n = 4.
    let c = try SurveyDesign(weightsFromFPC: [[20, 20, 20, 20, 20]])
    #expect(c.weights == [4, 4, 4, 4, 4])
    // deff against SRSWOR of the same design is 1: s²_w = 2.5, V_srs = 2.5·(20−5)/(20·5) = 0.375.
    #expect(near(try a.mean(y, deff: true).designEffect ?? .nan, 1))
}

@Test func stratifiedVarianceAddsStrata() throws {
    // Stratum A: y = 1, 3 (w = 1); stratum B: y = 10, 14, 18 (w = 2). N̂ = 2 + 6 = 8.
    // Total: V = Σ_h n_h s²_wy,h with z = w·y: A: z = 1, 3 → n s² = 2·2 = 4;
    // B: z = 20, 28, 36 → s² = 64, n s² = 192. V = 196.
    let design = try SurveyDesign(weights: [1, 1, 2, 2, 2], strata: ["A", "A", "B", "B", "B"])
    let t = try design.total([1, 3, 10, 14, 18])
    #expect(near(t.value, 4 + 84))
    #expect(near(t.variance, 196))
    #expect(design.degreesOfFreedom == 5 - 2)
}

@Test func clusterTotalsFormThePSUs() throws {
    // Three PSUs of two rows, w = 1: PSU totals of y = 3, 7, 11; total 21;
    // V = n/(n−1) Σ (t − t̄)² = 3/2 · 32 = 48. df = 3 − 1 = 2.
    let design = try SurveyDesign(weights: [1, 1, 1, 1, 1, 1], clusters: [["a", "a", "b", "b", "c", "c"]])
    let t = try design.total([1, 2, 3, 4, 5, 6])
    #expect(near(t.value, 21))
    #expect(near(t.variance, 48))
    #expect(design.degreesOfFreedom == 2)
}

@Test func twoStageVarianceAddsWithinPSUComponent() throws {
    // Stage 1: 2 of N1 = 4 PSUs; stage 2: 2 of N2 = 5 units per PSU; w = (4/2)(5/2) = 5.
    // PSU totals of z = w·y: PSU a: y = 1, 3 → 20; PSU b: y = 5, 9 → 70.
    // Stage 1: (1 − 2/4) · 2/1 · ((20−45)² + (70−45)²) = 0.5·2·1250 = 1250.
    // Stage 2 within a: z = 5, 15: (1 − 2/5)·2·(25 + 25) = 60; within b: z = 25, 45: 0.6·2·200 = 240.
    // Multiplied by n1/N1 = 1/2: 150. Total V = 1400.
    let design = try SurveyDesign(weightsFromFPC: [[4, 4, 4, 4], [5, 5, 5, 5]],
                                  clusters: [["a", "a", "b", "b"], ["1", "2", "1", "2"]])
    #expect(design.weights == [5, 5, 5, 5])
    let t = try design.total([1, 3, 5, 9])
    #expect(near(t.value, 90))
    #expect(near(t.variance, 1400))
}

@Test func lonelyPSUPolicies() throws {
    // Strata A (y = 1, 3), B (y = 10), w = 1; total 14. Stratum A contributes 2·2 = 4 to V(total).
    let strata = ["A", "A", "B"]
    let y: [Double] = [1, 3, 10]
    let fail = try SurveyDesign(weights: [1, 1, 1], strata: strata)
    let error = #expect(throws: DesignError.self) { try fail.total(y) }
    #expect(error?.code == .lonelyPSU)
    #expect(error?.message.contains("(B)") == true)
    #expect(near(try fail.with(lonelyPSU: .remove).total(y).variance, 4))
    #expect(near(try fail.with(lonelyPSU: .certainty).total(y).variance, 4))
    // average: 4 · (2 strata / 1 stratum with ≥ 2 PSUs) = 8.
    #expect(near(try fail.with(lonelyPSU: .average).total(y).variance, 8))
    // adjust: B's total of the influence values (10), uncentred: 4 + 10² = 104.
    #expect(near(try fail.with(lonelyPSU: .adjust).total(y).variance, 104))
    // For the mean, influence values are centred at ȳ = 14/3: z_B = (10 − 14/3)/3 = 16/9; A's
    // z = (1 − 14/3)/3, (3 − 14/3)/3 differ by 2/3: 2·((1/3)² + (1/3)²) = 4/9; adjust: 4/9 + 256/81.
    #expect(near(try fail.with(lonelyPSU: .adjust).mean(y).variance, 4.0 / 9 + 256.0 / 81))
    // A domain that leaves stratum B out does not meet the lonely PSU (R subset drops it).
    let m = try fail.mean(y, domain: [true, true, false])
    #expect(near(m.value, 2))
}

@Test func designErrorsCarryCodes() {
    #expect((#expect(throws: DesignError.self) {
        try SurveyDesign(weights: [1, 1], strata: ["A", "B"], clusters: [["p", "p"]])
    })?.code == .clustersNotNested)
    #expect((#expect(throws: DesignError.self) {
        try SurveyDesign(weights: [1, 1], clusters: [["p", "p"]])
    })?.code == .singlePSU)
    #expect((#expect(throws: DesignError.self) {
        try SurveyDesign(weights: [1, -1])
    })?.code == .invalidWeight)
    #expect((#expect(throws: DesignError.self) {
        try SurveyDesign(weights: [1, 1, 1], fpc: [[10, 0.5, 10]])
    })?.code == .invalidFPC)
    #expect((#expect(throws: DesignError.self) {
        try SurveyDesign(weights: [1, 1, 1], fpc: [[2, 2, 2]])
    })?.code == .fpcExceedsPopulation)
    #expect((#expect(throws: DesignError.self) {
        try SurveyDesign(weights: [1, 1, 1], fpc: [[10, 11, 10]])
    })?.code == .fpcVariesWithinStratum)
    #expect((#expect(throws: DesignError.self) {
        try SurveyDesign(weights: [1, 1]).mean([1, 2], domain: [false, false])
    })?.code == .emptyDomain)
    // nest = true accepts PSU labels reused across strata.
    #expect(throws: Never.self) {
        try SurveyDesign(weights: [1, 1, 1, 1], strata: ["A", "A", "B", "B"], clusters: [["1", "2", "1", "2"]], nest: true)
    }
}

@Test func domainMeanAgreesWithRatioAndMissingValues() throws {
    // Routes agree: a domain mean is the ratio Σw·y·d / Σw·d, and NaN = out of domain.
    let w: [Double] = [1.5, 2, 2.5, 1, 3, 2, 1.2, 0.8]
    let strata = ["s", "s", "s", "s", "t", "t", "t", "t"]
    let psu = ["1", "1", "2", "2", "3", "3", "4", "4"]
    let y: [Double] = [3, 5, 2, 8, 4, 4, 6, 1]
    let d = [true, false, true, true, false, true, true, false]
    let design = try SurveyDesign(weights: w, strata: strata, clusters: [psu])
    let viaDomain = try design.mean(y, domain: d)
    let viaRatio = try design.ratio(numerator: zip(y, d).map { $1 ? $0 : 0 }, denominator: d.map { $0 ? 1 : 0 })
    let viaMissing = try design.mean(zip(y, d).map { $1 ? $0 : .nan })
    #expect(near(viaDomain.value, viaRatio.value))
    #expect(near(viaDomain.standardError, viaRatio.standardError))
    #expect(near(viaDomain.standardError, viaMissing.standardError))
    #expect(viaDomain.sampleSize == 5)
}

@Test func jointCovarianceMatchesVariances() throws {
    let w: [Double] = [1, 2, 3, 1, 2, 3]
    let design = try SurveyDesign(weights: w, strata: ["a", "a", "a", "b", "b", "b"])
    let a = try design.linearizedMean([1, 4, 2, 8, 5, 7])
    let b = try design.linearizedMean([0, 1, 1, 0, 1, 0])
    let v = try design.covariance([a, b])
    #expect(near(v[0][0], try design.estimate(a).variance))
    #expect(near(v[1][1], try design.estimate(b).variance))
    #expect(v[0][1] == v[1][0])
    // Cauchy–Schwarz.
    #expect(v[0][1] * v[0][1] <= v[0][0] * v[1][1])
    // Covariance of an estimate with itself is its variance; with its negation, minus it.
    var negB = b; negB.influence = b.influence.map { -$0 }
    let vv = try design.covariance([b, negB])
    #expect(near(vv[0][1], -vv[0][0]))
}

@Test func jackknifeOfSRSMeanIsSSquaredOverN() throws {
    // Delete-one jackknife with R = n, scale (n−1)/n reproduces s²/n exactly for the mean
    // (Wolter, Introduction to Variance Estimation, §4.2): y = 1…5 → 0.5.
    let y: [Double] = [1, 2, 3, 4, 5]
    let n = y.count
    let reps: [[Double]] = (0..<n).map { r in (0..<n).map { i in i == r ? 0 : Double(n) / Double(n - 1) } }
    let design = try ReplicateDesign(weights: [1, 1, 1, 1, 1], replicateWeights: reps, type: .jk1)
    let m = try design.mean(y)
    #expect(near(m.value, 3))
    #expect(near(m.variance, 0.5))
    #expect(design.degreesOfFreedom == n - 1)
    // mse = true centres at the full-sample mean, which equals the replicate mean here.
    let mseDesign = try ReplicateDesign(weights: [1, 1, 1, 1, 1], replicateWeights: reps, type: .jk1, mse: true)
    #expect(near(try mseDesign.mean(y).variance, 0.5))
}

@Test func replicateScalesFollowTheType() throws {
    let reps: [[Double]] = [[2, 0], [0, 2], [2, 0], [0, 2]]
    #expect(try ReplicateDesign(weights: [1, 1], replicateWeights: reps, type: .brr).scale == 0.25)
    #expect(try ReplicateDesign(weights: [1, 1], replicateWeights: reps, type: .fay, rho: 0.5).scale == 1.0)
    #expect(try ReplicateDesign(weights: [1, 1], replicateWeights: reps, type: .sdr).scale == 1.0)
    #expect(try ReplicateDesign(weights: [1, 1], replicateWeights: reps, type: .bootstrap).scale == 1.0 / 3)
    #expect((#expect(throws: DesignError.self) {
        try ReplicateDesign(weights: [1, 1], replicateWeights: reps, type: .jkn)
    })?.code == .invalidArgument)
    #expect((#expect(throws: DesignError.self) {
        try ReplicateDesign(weights: [1, 1], replicateWeights: reps, type: .fay)
    })?.code == .invalidArgument)
}

@Test func confidenceIntervalUsesTOrNormal() throws {
    // Normal: 1.959963984540054 = qnorm(0.975) (R 4.2.2); t on 10 df: qt(0.975, 10) = 2.228138851986274.
    let normal = Estimate(value: 10, standardError: 2, degreesOfFreedom: .infinity, sampleSize: 50)
    let ci = normal.confidenceInterval(level: 0.95)
    #expect(near(ci.lower, 10 - 2 * 1.959963984540054, 1e-14))
    #expect(near(ci.upper, 10 + 2 * 1.959963984540054, 1e-14))
    let t = Estimate(value: 10, standardError: 2, degreesOfFreedom: 10, sampleSize: 50)
    let ct = t.confidenceInterval(level: 0.95)
    #expect(near(ct.upper - ct.lower, 4 * 2.228138851986274, 1e-12))
    #expect(normal.confidenceInterval(level: 1.5).lower.isNaN)
    // Interval agrees with the design route: SRS mean of 1…5 with SE √0.5, t on 4 df.
    let design = try SurveyDesign(weights: [1, 1, 1, 1, 1])
    let m = try design.mean([1, 2, 3, 4, 5])
    let cm = m.confidenceInterval(level: 0.9)
    // qt(0.95, 4) = 2.131846786326649 (R 4.2.2).
    #expect(near(cm.upper, 3 + 2.131846786326649 * 0.5.squareRoot(), 1e-12))
}

@Test func proportionIntervalsAgreeWithTheirDefinitions() throws {
    // SRS of 10 with 3 successes, weights 1: p = 0.3, var = p(1−p)/(n−1)·(n−1)/n … computed
    // here from the variance engine; each method is checked against its closed form.
    let y: [Double] = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    let design = try SurveyDesign(weights: Array(repeating: 1, count: 10))
    let m = try design.mean(y)
    // V = s²/n with s² = 10/9·0.21 → 0.21/9.
    #expect(near(m.variance, 0.21 / 9))
    let t = 2.262157162798205  // qt(0.975, 9), R 4.2.2
    let mean = try design.proportionInterval(y, method: .mean)
    #expect(near(mean.lower, 0.3 - t * m.standardError, 1e-12))
    let xl = try design.proportionInterval(y, method: .xlogit)
    let eta = log(0.3 / 0.7), seEta = m.standardError / 0.21
    #expect(near(xl.upper, 1 / (1 + exp(-(eta + t * seEta))), 1e-12))
    let logit = try design.proportionInterval(y, method: .logit)
    #expect(near(logit.upper, xl.upper, 1e-12))
    let asin = try design.proportionInterval(y, method: .asin)
    #expect(asin.lower > 0 && asin.lower < 0.3 && asin.upper > 0.3)
    // beta: with n* = n (deff 1, df = n − 1) it is the Clopper–Pearson interval for 3/10:
    // qbeta(0.025, 3, 8) = 0.06673951117773447, qbeta(0.975, 4, 7) = 0.6524528500599972 (R 4.2.2);
    // here n* = p(1−p)/var = 9 since var uses n − 1, so compare with Beta(2.7, 7.3)/(3.7, 6.3).
    let beta = try design.proportionInterval(y, method: .beta)
    #expect(near(beta.lower, BetaDistribution(alpha: 2.7, beta: 7.3).quantile(0.025), 1e-10))
    #expect(near(beta.upper, BetaDistribution(alpha: 3.7, beta: 6.3).quantile(0.975), 1e-10))
}

@Test func regressionOnAGroupIsADifferenceOfDomainMeans() throws {
    // Routes agree: the group coefficient of y ~ 1 + g equals ȳ₁ − ȳ₀, and its design SE equals
    // the SE of that contrast of the two domain means (same influence values).
    let w: [Double] = [1, 2, 1.5, 1, 2, 3, 1, 2.5, 1, 2]
    let strata = ["a", "a", "a", "a", "a", "b", "b", "b", "b", "b"]
    let y: [Double] = [3, 5, 4, 6, 2, 8, 7, 9, 6, 5]
    let g: [Double] = [0, 1, 0, 1, 1, 0, 1, 0, 1, 0]
    let design = try SurveyDesign(weights: w, strata: strata)
    let fit = try design.regression(columns: [Array(repeating: 1, count: 10), g], response: y)
    let joint = try design.jointEstimates([DomainStatistic(.mean(y), domain: g.map { $0 == 1 }),
                                           DomainStatistic(.mean(y), domain: g.map { $0 == 0 })])
    let diff = try joint.contrast([1, -1])
    #expect(near(fit.coefficients[1], diff.value, 1e-12))
    #expect(near(fit.standardErrors[1], diff.standardError, 1e-10))
    #expect(fit.residualDegreesOfFreedom == design.degreesOfFreedom + 1 - 2)
    let t = try design.twoSampleTTest(y, group: g)
    #expect(near(t.statistic, diff.value / diff.standardError, 1e-10))
    // Logistic: intercept-only fit is logit of the weighted mean.
    let b: [Double] = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1]
    let logit = try design.regression(columns: [Array(repeating: 1, count: 10)], response: b, family: .quasibinomial)
    let p = try design.mean(b).value
    #expect(near(logit.coefficients[0], log(p / (1 - p)), 1e-10))
}

@Test func weightedQuantileRules() {
    // x = 1…4, equal weights: F̂ = .25, .5, .75, 1. Median: math → 2 (F̂(2) = .5 exactly),
    // school → (2 + 3)/2, hf7 → R quantile(1:4, .5, type = 7) = 2.5; p = .6: math → 3.
    let x: [Double] = [4, 1, 3, 2], w: [Double] = [1, 1, 1, 1]
    #expect(weightedQuantile(x, w, 0.5, rule: .math) == 2)
    #expect(weightedQuantile(x, w, 0.5, rule: .school) == 2.5)
    #expect(weightedQuantile(x, w, 0.5, rule: .hf7) == 2.5)
    #expect(weightedQuantile(x, w, 0.6, rule: .math) == 3)
    // hf7 at p = 0.1: 1 + 0.3·(2 − 1) = 1.3 (type 7: h = 3p).
    #expect(near(weightedQuantile(x, w, 0.1, rule: .hf7), 1.3, 1e-14))
    // Zero weights are dropped.
    #expect(weightedQuantile([1, 100, 2], [1, 0, 1], 1, rule: .math) == 2)
}

@Test func independenceTestTableAndStatistic() throws {
    // Equal weights, no clusters: the observed table is the count table and X² is Pearson's.
    // Table [[3, 1], [1, 3]]: E = 2 everywhere, X² = 4·(1/2) = 2.
    let rows = ["a", "a", "a", "a", "b", "b", "b", "b"]
    let cols = ["x", "x", "x", "y", "x", "y", "y", "y"]
    let design = try SurveyDesign(weights: Array(repeating: 5, count: 8))
    let chisq = try design.independenceTest(rows: rows, columns: cols, adjustment: .firstOrder)
    #expect(chisq.observed == [[3, 1], [1, 3]])
    #expect(near(chisq.test.statistic, 2, 1e-12))
    #expect(chisq.test.degreesOfFreedom == 1)
    let f = try design.independenceTest(rows: rows, columns: cols)
    #expect(near(f.test.statistic * f.generalisedDesignEffects[0], 2, 1e-12))
    #expect(f.test.pValue > 0 && f.test.pValue < 1)
}

@Test func calibrationMeetsItsTotals() throws {
    // Auxiliaries: intercept and a 0/1 group; population totals N = 100, group = 30.
    let w: [Double] = [8, 9, 10, 11, 12, 9, 10, 11]
    let g: [Double] = [1, 0, 1, 0, 0, 1, 0, 0]
    let x = [Array(repeating: 1.0, count: 8), g]
    let design = try SurveyDesign(weights: w)
    for method in CalibrationMethod.allCases {
        let bounds: ClosedRange<Double>? = method == .logit ? 0.5...2.0 : nil
        let c = try design.calibrated(auxiliary: x, populationTotals: [100, 30], method: method, bounds: bounds)
        let total = c.design.weights.reduce(0, +)
        let group = zip(c.design.weights, g).map { $0 * $1 }.reduce(0, +)
        #expect(abs(total - 100) < 1e-6 && abs(group - 30) < 1e-6, "\(method)")
        if method == .logit { #expect(zip(c.design.weights, w).allSatisfy { $0 / $1 > 0.5 && $0 / $1 < 2 }) }
    }
    // With two post-strata, linear calibration on (1, g) equals post-stratification.
    let post = try design.postStratified(by: g.map { $0 == 1 ? "a" : "b" }, populationCounts: ["a": 30, "b": 70])
    let greg = try design.calibrated(auxiliary: x, populationTotals: [100, 30]).design
    for (a, b) in zip(post.weights, greg.weights) { #expect(near(a, b, 1e-12)) }
    let y: [Double] = [3, 4, 5, 6, 7, 8, 9, 10]
    #expect(near(try post.mean(y).standardError, try greg.mean(y).standardError, 1e-10))
    // Logit calibration needs finite bounds.
    #expect((#expect(throws: DesignError.self) {
        try design.calibrated(auxiliary: x, populationTotals: [100, 30], method: .logit)
    })?.code == .invalidArgument)
}

@Test func replicateCalibrationAdjustsEveryReplicate() throws {
    let w: [Double] = [1, 1, 1, 1]
    let reps: [[Double]] = [[0, 2, 1, 1], [2, 0, 1, 1], [1, 1, 0, 2], [1, 1, 2, 0]]
    let design = try ReplicateDesign(weights: w, replicateWeights: reps, type: .jk1)
    let groups = ["a", "a", "b", "b"]
    let post = try design.postStratified(by: groups, populationCounts: ["a": 10, "b": 30])
    for column in post.replicateWeights + [post.weights] {
        #expect(near(column[0] + column[1], 10) && near(column[2] + column[3], 30))
    }
    let cal = try design.calibrated(auxiliary: [[1, 1, 1, 1], [1, 1, 0, 0]], populationTotals: [40, 10])
    for (a, b) in zip(cal.replicateWeights.joined(), post.replicateWeights.joined()) { #expect(near(a, b, 1e-12)) }
    let raked = try design.raked(margins: [(groups, ["a": 10, "b": 30])])
    #expect(raked.converged)
}

@Test func poissonRegressionWithOffsetIsARate() throws {
    // Intercept-only log-linear model with offset log(exposure): exp(β₀) = Σwy / Σw·exposure.
    let w: [Double] = [1, 2, 1, 3, 2]
    let y: [Double] = [0, 2, 1, 4, 1]
    let exposure: [Double] = [1.5, 2, 1, 3, 2.5]
    let design = try SurveyDesign(weights: w)
    let fit = try design.regression(columns: [Array(repeating: 1, count: 5)], response: y, family: .quasipoisson,
                                    offset: exposure.map { log($0) })
    let rate = try design.ratio(numerator: y, denominator: exposure)
    #expect(near(exp(fit.coefficients[0]), rate.value, 1e-10))
    // Delta method: SE(log rate) = SE(rate)/rate.
    #expect(near(fit.standardErrors[0], rate.standardError / rate.value, 1e-8))
}

@Test func lonelyUnitAtStageTwoIsNamedAsR() throws {
    // PSU "b" has one sampled school out of 3: R stops with
    // "Stratum (1.b) has only one PSU at stage 2" (stage-2 strata are interaction(strata, PSU)).
    let design = try SurveyDesign(weightsFromFPC: [[4, 4, 4], [5, 5, 3]],
                                  clusters: [["a", "a", "b"], ["1", "2", "1"]])
    let error = #expect(throws: DesignError.self) { try design.mean([1, 2, 3]) }
    #expect(error?.message == "Stratum (1.b) has only one PSU at stage 2")
    // With N = 1 at stage 2 the unit is self-representing: no error, no stage-2 contribution.
    let certain = try SurveyDesign(weightsFromFPC: [[4, 4, 4], [5, 5, 1]],
                                   clusters: [["a", "a", "b"], ["1", "2", "1"]])
    #expect(throws: Never.self) { try certain.mean([1, 2, 3]) }
}
