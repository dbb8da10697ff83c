import Foundation
import Testing
@testable import SurveyStatistics

// Comparisons: hand derivations and route agreement. Every expected value is derived in the
// comment beside it (or comes from another route through the library); none was produced by the
// code under test.

private func near(_ a: Double, _ b: Double, _ tol: Double = 1e-10) -> Bool {
    abs(a - b) <= tol * max(1, abs(b))
}

/// A small seeded panel of areas: 8 areas (4 treated), two periods, 12 rows per area-period.
private func areaPanel(seed: UInt64, effect: Double, treatedAreas: Int = 4)
    -> (y: [Double], treated: [Double], post: [Double], area: [String], w: [Double]) {
    var rng = SeededGenerator(seed: seed)
    var y: [Double] = [], t: [Double] = [], p: [Double] = [], a: [String] = [], w: [Double] = []
    for area in 0..<8 {
        let shock = rng.nextNormal()
        for period in 0..<2 {
            for _ in 0..<12 {
                let treated = area < treatedAreas ? 1.0 : 0.0
                y.append(10 + shock + 0.5 * Double(period) + effect * treated * Double(period) + rng.nextNormal())
                t.append(treated); p.append(Double(period)); a.append("A\(area)")
                w.append(1 + Double(rng.nextIndex(below: 3)))
            }
        }
    }
    return (y, t, p, a, w)
}

@Test func clusterRobustDiDWithUnitWeightsIsDistsOLSCR1() throws {
    // Route agreement: WLS with w = 1 and the CR1 sandwich must equal dist's OLS with
    // .clusterRobust (both: G/(G−1)·(N−1)/(N−K)·(XᵀX)⁻¹ Σ_g s_g s_gᵀ (XᵀX)⁻¹, t on G − 1).
    let d = areaPanel(seed: 11, effect: 1)
    let mine = try DifferenceInDifferences.clusterRobust(outcome: d.y, treated: d.treated, post: d.post, clusters: d.area)
    let x = try Matrix((0..<d.y.count).map { [1, d.treated[$0], d.post[$0], d.treated[$0] * d.post[$0]] })
    let ids = d.area.map { Int($0.dropFirst()) ?? -1 }
    let dist = try LinearRegression.ordinaryLeastSquares(design: x, response: d.y, covariance: .clusterRobust(clusters: ids))
    #expect(near(mine.estimate, dist.coefficients[3]))
    #expect(near(mine.standardError, dist.standardErrors[3]))
    #expect(near(mine.pValue, dist.pValues[3]))
    #expect(mine.degreesOfFreedom == 7)
    #expect(mine.clusters == 8 && mine.treatedClusters == 4)
    // 8 clusters: the few-clusters warning.
    #expect(mine.warnings.contains { $0.contains("Only 8 clusters") })
}

@Test func weightedCR1EqualsExpandedRowsUpToTheSmallSampleFactor() throws {
    // Integer weights as frequency weights: XᵀWX and every cluster score Σ wᵢxᵢuᵢ are those of the
    // expanded rows, so the two CR1 covariances differ only by (N−1)/(N−K), N = rows vs Σw.
    let d = areaPanel(seed: 12, effect: 0.5)
    let weighted = try DifferenceInDifferences.clusterRobust(outcome: d.y, treated: d.treated, post: d.post,
                                                             weights: d.w, clusters: d.area)
    var y: [Double] = [], t: [Double] = [], p: [Double] = [], a: [String] = []
    for i in d.y.indices { for _ in 0..<Int(d.w[i]) { y.append(d.y[i]); t.append(d.treated[i]); p.append(d.post[i]); a.append(d.area[i]) } }
    let expanded = try DifferenceInDifferences.clusterRobust(outcome: y, treated: t, post: p, clusters: a)
    #expect(near(weighted.estimate, expanded.estimate))
    let n = Double(d.y.count), big = Double(y.count), k = 4.0
    let factor = ((n - 1) / (n - k)) / ((big - 1) / (big - k))
    #expect(near(weighted.standardError * weighted.standardError, expanded.standardError * expanded.standardError * factor))
}

@Test func oneTreatedAreaIsWarnedAbout() throws {
    let d = areaPanel(seed: 13, effect: 1, treatedAreas: 1)
    let r = try DifferenceInDifferences.clusterRobust(outcome: d.y, treated: d.treated, post: d.post, clusters: d.area)
    #expect(r.treatedClusters == 1)
    #expect(r.warnings.contains { $0.contains("Only one area is treated") })
}

@Test func didNeedsEveryCellAndZeroOneIndicators() throws {
    let y: [Double] = [1, 2, 3, 4], t: [Double] = [0, 0, 1, 1], p: [Double] = [0, 1, 0, 0]
    #expect { try DifferenceInDifferences.clusterRobust(outcome: y, treated: t, post: p, clusters: ["a", "b", "c", "d"]) } throws: {
        ($0 as? ComparisonError)?.code == .emptyGroup
    }
    #expect { try DifferenceInDifferences.clusterRobust(outcome: y, treated: [0, 2, 1, 1], post: p, clusters: ["a", "b", "c", "d"]) } throws: {
        ($0 as? ComparisonError)?.code == .invalidArgument
    }
}

@Test func designBasedDiDIsTheSvyglmInteraction() throws {
    // Route agreement: the DiD's design-based route is the treated:post coefficient of the design's
    // own regression with the four columns.
    let d = areaPanel(seed: 14, effect: 2)
    let design = try SurveyDesign(weights: d.w, clusters: [d.area])
    let did = try DifferenceInDifferences.designBased(outcome: d.y, treated: d.treated, post: d.post, design: design)
    let fit = try design.regression(columns: [d.y.map { _ in 1 }, d.treated, d.post, zip(d.treated, d.post).map { $0 * $1 }],
                                    response: d.y)
    #expect(did.estimate == fit.coefficients[3] && did.standardError == fit.standardErrors[3])
    #expect(did.degreesOfFreedom == 7 - 3)   // degf 7, + 1 − 4 coefficients
    // The point estimate is the difference of the four weighted cell-mean differences.
    func cell(_ t: Double, _ p: Double) -> Double {
        let idx = d.y.indices.filter { d.treated[$0] == t && d.post[$0] == p }
        return idx.reduce(0) { $0 + d.w[$1] * d.y[$1] } / idx.reduce(0) { $0 + d.w[$1] }
    }
    #expect(near(did.estimate, (cell(1, 1) - cell(1, 0)) - (cell(0, 1) - cell(0, 0))))
}

@Test func wildClusterBootstrapIsSeededAndDetectsALargeEffect() throws {
    let d = areaPanel(seed: 15, effect: 6)
    var a = SeededGenerator(seed: 99), b = SeededGenerator(seed: 99)
    let r1 = try DifferenceInDifferences.wildClusterBootstrap(outcome: d.y, treated: d.treated, post: d.post, clusters: d.area,
                                                              replications: 199, weights: .webb, using: &a)
    let r2 = try DifferenceInDifferences.wildClusterBootstrap(outcome: d.y, treated: d.treated, post: d.post, clusters: d.area,
                                                              replications: 199, weights: .webb, using: &b)
    #expect(r1 == r2)
    // An effect of 6 against unit noise: every restricted-bootstrap |t*| falls below |t|.
    #expect(r1.pValue < 0.05)
    #expect(r1.interval.lower > 0 && r1.interval.upper > r1.interval.lower)
    // No effect: the p-value is not small.
    let null = areaPanel(seed: 16, effect: 0)
    var c = SeededGenerator(seed: 5)
    let r3 = try DifferenceInDifferences.wildClusterBootstrap(outcome: null.y, treated: null.treated, post: null.post,
                                                              clusters: null.area, replications: 199, weights: .rademacher,
                                                              using: &c)
    #expect(r3.pValue > 0.05)
    #expect { try DifferenceInDifferences.wildClusterBootstrap(outcome: d.y, treated: d.treated, post: d.post, clusters: d.area,
                                                               replications: 10, using: &c) } throws: {
        ($0 as? ComparisonError)?.code == .invalidArgument
    }
}

@Test func groupDifferenceIsSvyttestAndRelativeChangeIsChangeEstimate() throws {
    let d = areaPanel(seed: 17, effect: 1)
    let design = try SurveyDesign(weights: d.w, clusters: [d.area])
    let after: [Bool?] = d.post.map { $0 == 1 }
    let r = try GroupComparison.compare(outcome: d.y, group: after, design: design)
    let tt = try design.twoSampleTTest(d.y, group: d.post)
    #expect(near(r.difference, tt.estimate ?? .nan) && near(r.statistic, tt.statistic) && near(r.pValue, tt.pValue))
    #expect(r.degreesOfFreedom == tt.degreesOfFreedom)
    let joint = try design.jointEstimates([DomainStatistic(.mean(d.y), domain: d.post.map { $0 == 0 }),
                                           DomainStatistic(.mean(d.y), domain: d.post.map { $0 == 1 })])
    let change = ChangeEstimate(from: joint.estimates[0].value, to: joint.estimates[1].value, covariance: joint.covariance,
                                degreesOfFreedom: r.degreesOfFreedom, confidenceLevel: 0.95)
    #expect(r.relativeChange == change.relative)
    // The design-based difference of domain means has the same SE as the svyttest coefficient.
    #expect(near(try joint.contrast([-1, 1]).standardError, r.standardError, 1e-9))
    #expect(!r.binary && r.effectSizes.contains { $0.name == "hedges_g" })
}

@Test func binaryGroupComparisonEffectSizes() throws {
    // Equal weights, SRS. A: 20 rows, 5 events (p = 0.25); B: 20 rows, 10 events (p = 0.5).
    let y = (0..<20).map { $0 < 5 ? 1.0 : 0.0 } + (0..<20).map { $0 < 10 ? 1.0 : 0.0 }
    let g: [Bool?] = (0..<40).map { $0 >= 20 }
    let r = try GroupComparison.compare(outcome: y, group: g, design: try SurveyDesign(weights: [Double](repeating: 1, count: 40)))
    #expect(r.binary)
    #expect(near(r.difference, 0.25))
    func effect(_ name: String) -> EffectMeasure? { r.effectSizes.first { $0.name == name } }
    // RR = 0.5/0.25 = 2; OR = (0.5/0.5)/(0.25/0.75) = 3; NNT = 1/0.25 = 4.
    #expect(near(effect("risk_ratio")?.value ?? .nan, 2))
    #expect(near(effect("odds_ratio")?.value ?? .nan, 3))
    #expect(near(effect("risk_ratio_unweighted")?.value ?? .nan, 2))
    #expect(near(effect("odds_ratio_unweighted")?.value ?? .nan, 3))
    #expect(near(effect("number_needed_to_treat")?.value ?? .nan, 4))
    #expect(r.tests.contains { $0.name.hasPrefix("Fisher") } && r.tests.contains { $0.name.hasPrefix("Rao-Scott") })
}

@Test func numberNeededToTreatInvertsTheRiskDifferenceInterval() {
    // RD 0.2 [0.1, 0.3] → NNT 5 [1/0.3, 1/0.1] = [3.33…, 10].
    let a = NumberNeededToTreat(riskDifference: 0.2, lower: 0.1, upper: 0.3)
    #expect(near(a.value, 5) && near(a.lower ?? .nan, 1 / 0.3) && near(a.upper ?? .nan, 10) && a.note == nil)
    // RD −0.05 [−0.15, 0.05]: the interval crosses 0 → runs through ∞; NNTB 1/0.05 = 20, NNTH 1/0.15 ≈ 6.7.
    let b = NumberNeededToTreat(riskDifference: -0.05, lower: -0.15, upper: 0.05)
    #expect(b.lower == nil && b.upper == nil)
    #expect(b.note?.contains("20.0 to ∞ to NNT for harm 6.7") == true)
}

@Test func pairedDesignRouteEqualsThePairedTTestUnderEqualWeights() throws {
    // Equal weights, no clusters: the design SE of the mean difference is s_d/√n (influence
    // (dᵢ − d̄)/n, variance n/(n−1)·Σ(dᵢ − d̄)²/n²), the paired t test's SE.
    var rng = SeededGenerator(seed: 21)
    let before = (0..<30).map { _ in 50 + 10 * rng.nextNormal() }
    let after = before.map { $0 + 2 + 3 * rng.nextNormal() }
    let r = try PairedComparison.compare(before: before, after: after, design: try SurveyDesign(weights: [Double](repeating: 3, count: 30)))
    let t = try TTest.paired(after: after, before: before)
    #expect(near(r.difference, t.estimate ?? .nan))
    #expect(near(r.statistic, t.statistic, 1e-9))
    #expect(r.tests.contains { $0.name.hasPrefix("Wilcoxon") })
}

@Test func pairedBinaryReportsDiscordantPairsAndMcNemar() throws {
    // Pairs (before, after): 10 × (1,1), 3 × (1,0), 9 × (0,1), 8 × (0,0): b = 3, c = 9.
    let before = [Double](repeating: 1, count: 13) + [Double](repeating: 0, count: 17)
    let after = [Double](repeating: 1, count: 10) + [0, 0, 0] + [Double](repeating: 1, count: 9) + [Double](repeating: 0, count: 8)
    let r = try PairedComparison.compare(before: before, after: after, design: try SurveyDesign(weights: [Double](repeating: 1, count: 30)))
    #expect(r.discordantOneToZero == 3 && r.discordantZeroToOne == 9)
    // Paired difference of proportions (19 − 13)/30 = 0.2 = (c − b)/n.
    #expect(near(r.difference, 0.2))
    // McNemar χ² without correction: (b − c)²/(b + c) = 36/12 = 3.
    #expect(near(r.tests.first { $0.name == "McNemar chi-square (unweighted)" }?.statistic ?? .nan, 3))
    // With correction: (|b − c| − 1)²/12 = 25/12.
    #expect(near(r.tests.first { $0.name.hasPrefix("McNemar chi-square with") }?.statistic ?? .nan, 25.0 / 12))
}

@Test func rateComparisonReusesTheExactConditionalInterval() throws {
    // Reference B: 12 events in 1500 child-years, A: 25 in 1800 → RR = (12/1500)/(25/1800) = 0.576.
    // The exact interval is PoissonRateRatio's (checked against classical/poisson_rr_* by dist).
    let r = try RateComparison.compare(referenceCount: 25, referenceExposure: 1800, count: 12, exposure: 1500)
    let direct = try PoissonRateRatio(count1: 12, exposure1: 1500, count2: 25, exposure2: 1800)
    #expect(near(r.rateRatio, 0.576))
    #expect(r.interval == direct.exactConditionalInterval)
    #expect(near(r.percentageChange, -0.424))
    #expect(near(r.percentageChangeInterval.upper, direct.exactConditionalInterval.upper - 1))
    #expect { try RateComparison.compare(referenceCount: 0, referenceExposure: 1, count: 0, exposure: 1) } throws: {
        ($0 as? ComparisonError)?.code == .insufficientData
    }
}

@Test func designRateRatioIsTheRatioOfRatioEstimators() throws {
    // Equal weights: rate = Σx/Σt per group. A: (1 + 2 + 3)/(10 + 10 + 10) = 0.2; B: (2 + 2 + 4)/(10 + 10 + 20) = 0.2 → RR 1.
    let x: [Double] = [1, 2, 3, 2, 2, 4], t: [Double] = [10, 10, 10, 10, 10, 20]
    let r = try RateComparison.designBased(counts: x, exposures: t, group: [false, false, false, true, true, true],
                                           design: try SurveyDesign(weights: [1, 1, 1, 1, 1, 1]))
    #expect(near(r.rates.estimates[0].value, 0.2) && near(r.rates.estimates[1].value, 0.2))
    #expect(near(r.change.relative ?? .nan, 0))
}

@Test func powerOfTwoProportionsIsRsPowerPropTest() throws {
    // R: power.prop.test(n = 50, p1 = .50, p2 = .75) → power = 0.7401659 (its help page example).
    // By hand (scipy.stats.norm): p̄ = 0.625, Φ((√50·0.25 − 1.959964·√(2·0.625·0.375))/√(0.25 + 0.1875))
    // = 0.7401659013313879.
    let p = try PowerAnalysis.powerTwoProportions(0.5, 0.75, n1: 50, n2: 50)
    #expect(near(p, 0.7401659013313879, 1e-9))
    // A design effect of 2 halves the effective sample: the same as n = 25 without it.
    #expect(near(try PowerAnalysis.powerTwoProportions(0.5, 0.75, n1: 50, n2: 50, designEffect: 2),
                 try PowerAnalysis.powerTwoProportions(0.5, 0.75, n1: 25, n2: 25)))
    // The MDE round-trips: power at the detectable p₂ is the requested power.
    let mde = try PowerAnalysis.minimumDetectableProportions(baseline: 0.5, n1: 200, n2: 200, designEffect: 1.5)
    let up = try #require(mde.upper), down = try #require(mde.lower)
    #expect(up > 0.5 && down < 0.5)
    #expect(near(try PowerAnalysis.powerTwoProportions(0.5, up, n1: 200, n2: 200, designEffect: 1.5), 0.8, 1e-9))
}

@Test func powerAndMDEOfTwoMeans() throws {
    // deff = 1 + (20 − 1)·0.05 = 1.95.
    let deff = try PowerAnalysis.designEffect(icc: 0.05, clusterSize: 20)
    #expect(near(deff, 1.95))
    // MDE = (1.959964 + 0.841621)·10·√(1.95·(2/400)) = 2.801585·10·0.098742 = 2.76634…
    let mde = try PowerAnalysis.minimumDetectableDifference(sd: 10, n1: 400, n2: 400, designEffect: deff)
    #expect(near(mde, (Normal.quantile(0.975) + Normal.quantile(0.8)) * 10 * (1.95 * 2 / 400).squareRoot()))
    #expect(abs(mde - 2.7663) < 1e-3)
    // Power at the MDE is 0.8 plus the negligible second tail Φ(−MDE/SE − z).
    let power = try PowerAnalysis.powerTwoMeans(difference: mde, sd: 10, n1: 400, n2: 400, designEffect: deff)
    #expect(power >= 0.8 && power - 0.8 < 1e-5)
    #expect(near(PowerAnalysis.intraclassCorrelation(designEffect: 1.95, clusterSize: 20), 0.05))
}

@Test func propensityWeightsBalanceASaturatedBinaryCovariateExactly() throws {
    // One binary covariate: the logistic model is saturated, so e(x) is the weighted share treated
    // within x and IPW balances x exactly (standardized difference after = 0). The ATE is then the
    // standardization Σ_x P(x)(ȳ_T,x − ȳ_C,x) (Rosenbaum & Rubin 1983).
    var rng = SeededGenerator(seed: 31)
    var x: [Double] = [], t: [Double] = [], y: [Double] = []
    for _ in 0..<400 {
        let xi = rng.nextBernoulli(0.4) ? 1.0 : 0.0
        let ti = rng.nextBernoulli(xi == 1 ? 0.7 : 0.3) ? 1.0 : 0.0
        x.append(xi); t.append(ti); y.append(5 + 2 * xi + 1.5 * ti + rng.nextNormal())
    }
    let design = try SurveyDesign(weights: [Double](repeating: 1, count: 400))
    let r = try PropensityScore.weightedComparison(treatment: t, covariates: [x], names: ["x"], outcome: y, design: design)
    #expect(abs(r.balance[0].standardizedDifferenceBefore) > 0.3)
    #expect(abs(r.balance[0].standardizedDifferenceAfter) < 1e-8)
    func mean(_ idx: [Int]) -> Double { idx.reduce(0) { $0 + y[$1] } / Double(idx.count) }
    var ate = 0.0
    for level in [0.0, 1.0] {
        let inX = x.indices.filter { x[$0] == level }
        let share = Double(inX.count) / 400
        ate += share * (mean(inX.filter { t[$0] == 1 }) - mean(inX.filter { t[$0] == 0 }))
    }
    #expect(near(r.difference, ate, 1e-8))
    #expect(r.overlap.commonSupport != nil && r.overlap.outsideCommonSupport == 0)
    // ATT: comparison rows weighted by the odds; the treated keep weight 1.
    let att = try PropensityScore.weightedComparison(treatment: t, covariates: [x], names: ["x"], outcome: y, design: design,
                                                     estimand: .att)
    #expect(abs(att.balance[0].standardizedDifferenceAfter) < 1e-8)
    #expect(att.weights.indices.allSatisfy { t[$0] == 0 || att.weights[$0] == 1 })
}

@Test func propensityWarnsWithoutCommonSupport() throws {
    // x separates the groups except at x = 2: scores near 0 and 1 fall outside the common support.
    let x: [Double] = [0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 4, 4]
    let t: [Double] = [0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 1]
    let y: [Double] = x.map { $0 * 2 }
    let r = try PropensityScore.weightedComparison(treatment: t, covariates: [x], names: ["x"], outcome: y,
                                                   design: try SurveyDesign(weights: [Double](repeating: 1, count: 12)))
    #expect(r.overlap.outsideCommonSupport > 0)
    #expect(r.warnings.contains { $0.contains("common support") })
}

@Test func fastWildBootstrapEqualsRefittingEachReplication() throws {
    // Route agreement: the O(G²) linear-in-v computation against the definition — build
    // y* = ŷ₀ + v_g ũ and refit the CR1 model for every replication, with the same draws.
    let d = areaPanel(seed: 18, effect: 0.8)
    var rng = SeededGenerator(seed: 7)
    var copy = rng
    let fast = try DifferenceInDifferences.wildClusterBootstrap(outcome: d.y, treated: d.treated, post: d.post,
                                                                sampleWeights: d.w, clusters: d.area, replications: 99,
                                                                weights: .rademacher, using: &rng)
    let areas = Array(Set(d.area)).sorted { d.area.firstIndex(of: $0) ?? 0 < d.area.firstIndex(of: $1) ?? 0 }
    let x0 = try Matrix(d.y.indices.map { [1, d.treated[$0], d.post[$0]] })
    let restricted = try LeastSquares.fit(design: x0, response: d.y, weights: d.w)
    let full = try DifferenceInDifferences.clusterRobust(outcome: d.y, treated: d.treated, post: d.post, weights: d.w, clusters: d.area)
    var exceed = 0
    for _ in 0..<99 {
        let v = areas.map { _ in WildBootstrapWeights.rademacher.draw(using: &copy) }
        let yStar = d.y.indices.map { i in
            restricted.fittedValues[i] + v[areas.firstIndex(of: d.area[i]) ?? 0] * restricted.residuals[i]
        }
        let refit = try DifferenceInDifferences.clusterRobust(outcome: yStar, treated: d.treated, post: d.post, weights: d.w,
                                                              clusters: d.area)
        if abs(refit.statistic) >= abs(full.statistic) { exceed += 1 }
        for _ in areas { _ = WildBootstrapWeights.rademacher.draw(using: &copy) }   // the unrestricted draws
    }
    #expect(fast.pValue == Double(exceed) / 99)
}
