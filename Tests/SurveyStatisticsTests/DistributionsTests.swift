import Foundation
import Testing
@testable import SurveyStatistics

/// Relative error with the sign checked first.
private func relativeError(_ actual: Double, _ expected: Double) -> Double {
    if actual == expected { return 0 }
    if (actual < 0) != (expected < 0) { return .infinity }
    return abs(actual - expected) / abs(expected)
}

// Closed forms: t₁ is Cauchy, cdf = ½ + atan(t)/π (DLMF 8.17 with a = ½, b = ½);
// χ²₂ is exponential with mean 2, sf = e^(−x/2); Beta(2,3) cdf = 6x² − 8x³ + 3x⁴.
@Test(arguments: [-1e6, -12.0, -1.5, -0.01, 0.25, 3.0])
func studentTWithOneDegreeOfFreedomIsCauchy(t: Double) {
    let d = StudentT(degreesOfFreedom: 1)
    // For t < 0 the tail atan form 1/π·atan(1/|t|) avoids cancellation.
    let expected = t < 0 ? atan(-1 / t) / Double.pi : 0.5 + atan(t) / Double.pi
    #expect(relativeError(d.cdf(t), expected) < 1e-14)
    #expect(relativeError(d.quantile(expected), t) < 1e-12)
}

@Test(arguments: [1e-9, 0.1, 5.0, 100.0, 1200.0])
func chiSquaredTwoIsExponential(x: Double) {
    let d = ChiSquared(degreesOfFreedom: 2)
    // The exponent x/2 is computed with relative error ε, so e^(−x/2) carries ≈ (x/2)·ε: allow 1e-13.
    #expect(relativeError(d.sf(x), exp(-x / 2)) < 1e-13)
    #expect(relativeError(d.cdf(x), -expm1(-x / 2)) < 1e-14)
    // Invert through the smaller tail (the larger one, near 1, does not determine x accurately).
    let back = x < 1.4 ? d.quantile(-expm1(-x / 2)) : d.inverseSurvival(exp(-x / 2))
    #expect(relativeError(back, x) < 1e-12)
}

@Test(arguments: [1e-6, 0.01, 0.3, 0.5, 0.9])
func betaTwoThreeIsAPolynomial(x: Double) {
    let d = BetaDistribution(alpha: 2, beta: 3)
    let cdf = x * x * (6 - 8 * x + 3 * x * x)
    #expect(relativeError(d.cdf(x), cdf) < 1e-13)
    // sf = (1−x)³(1 + 3x)
    let y = 1 - x
    #expect(relativeError(d.sf(x), y * y * y * (1 + 3 * x)) < 1e-13)
}

@Test func normalSymmetryAndKnownQuantiles() {
    for x in [0.1, 1.0, 2.5, 7.0, 20.0] {
        #expect(Normal.cdf(-x) == Normal.sf(x))
    }
    #expect(Normal.cdf(0) == 0.5)
    // qnorm(0.975) = 1.959963984540054 (R 4.2.2)
    #expect(relativeError(Normal.quantile(0.975), 1.959963984540054) < 1e-15)
    #expect(Normal.quantile(0) == -.infinity)
    #expect(Normal.quantile(1) == .infinity)
    #expect(Normal.quantile(1.5).isNaN)
    #expect(Normal.cdf(.nan).isNaN)
    #expect(Normal.cdf(-.infinity) == 0)
    #expect(Normal.sf(-.infinity) == 1)
}

@Test func invalidParametersGiveNaN() {
    #expect(StudentT(degreesOfFreedom: 0).cdf(1).isNaN)
    #expect(StudentT(degreesOfFreedom: -1).quantile(0.5).isNaN)
    #expect(ChiSquared(degreesOfFreedom: -2).sf(1).isNaN)
    #expect(FDistribution(numeratorDegreesOfFreedom: 0, denominatorDegreesOfFreedom: 3).cdf(1).isNaN)
    #expect(BetaDistribution(alpha: 1, beta: -1).cdf(0.5).isNaN)
    #expect(Binomial(trials: 5, probability: 1.5).pmf(2).isNaN)
    #expect(Poisson(mean: -1).cdf(2).isNaN)
    #expect(SpecialFunctions.regularizedIncompleteBeta(a: 1, b: 1, x: 2).isNaN)
}

@Test func infiniteDegreesOfFreedomAreNormal() {
    let t = StudentT(degreesOfFreedom: .infinity)
    #expect(t.cdf(1.3) == Normal.cdf(1.3))
    #expect(t.quantile(0.9) == Normal.quantile(0.9))
    let f = FDistribution(numeratorDegreesOfFreedom: 3, denominatorDegreesOfFreedom: .infinity)
    #expect(relativeError(f.cdf(2), ChiSquared(degreesOfFreedom: 3).cdf(6)) < 1e-15)
}

@Test func binomialAgreesWithDirectSums() {
    // Bin(10, 0.3): pmf by the definition C(n,k)pᵏqⁿ⁻ᵏ with exact binomial coefficients.
    let n = 10, p = 0.3
    let d = Binomial(trials: n, probability: p)
    var cumulative = 0.0
    var coefficient = 1.0
    for k in 0...n {
        if k > 0 { coefficient = coefficient * Double(n - k + 1) / Double(k) }
        let pmf = coefficient * pow(p, Double(k)) * pow(1 - p, Double(n - k))
        cumulative += pmf
        #expect(relativeError(d.pmf(k), pmf) < 1e-13)
        #expect(relativeError(d.cdf(k), cumulative) < 1e-13)
        if k < n { #expect(abs(d.sf(k) - (1 - cumulative)) < 1e-14) }
    }
    #expect(d.cdf(-1) == 0)
    #expect(d.sf(n) == 0)
}

@Test func poissonAgreesWithDirectSums() {
    let mean = 3.7
    let d = Poisson(mean: mean)
    var pmf = exp(-mean), cumulative = 0.0
    for k in 0...30 {
        if k > 0 { pmf *= mean / Double(k) }
        cumulative += pmf
        #expect(relativeError(d.pmf(k), pmf) < 1e-13)
        #expect(relativeError(d.cdf(k), cumulative) < 1e-13)
    }
    // P(X > 30) for mean 3.7 is tiny; the direct tail is positive and below the last pmf·2.
    #expect(d.sf(30) > 0 && d.sf(30) < 2 * d.pmf(31))
}

@Test func incompleteFunctionsComplementEachOther() {
    for (a, b, x) in [(0.5, 0.5, 0.3), (200.0, 300.0, 0.41), (0.01, 5.0, 1e-6), (7.0, 0.2, 0.99)] {
        let lower = SpecialFunctions.regularizedIncompleteBeta(a: a, b: b, x: x)
        let upper = SpecialFunctions.complementedIncompleteBeta(a: a, b: b, x: x)
        #expect(abs(lower + upper - 1) < 1e-14)
        let back = SpecialFunctions.inverseRegularizedIncompleteBeta(a: a, b: b, p: lower)
        #expect(relativeError(back, x) < 1e-11)
    }
    for (a, x) in [(0.25, 0.1), (3.0, 2.0), (500.0, 520.0)] {
        let p = SpecialFunctions.regularizedGammaP(a: a, x: x)
        let q = SpecialFunctions.regularizedGammaQ(a: a, x: x)
        #expect(abs(p + q - 1) < 1e-14)
        #expect(relativeError(SpecialFunctions.inverseRegularizedGammaP(a: a, p: p), x) < 1e-11)
    }
    // log B(a, b) for large arguments against lgamma directly (moderate size: no cancellation issue).
    #expect(abs(SpecialFunctions.logBeta(30, 40) - (lgamma(30) + lgamma(40) - lgamma(70))) < 1e-12)
}

/// 834 further points (other dfs, shapes and tails than the reference folder) from mpmath at 40 digits;
/// provenance and the generating script: the header of DistributionsMPMathCases.swift.
@Test func mpmathCasesBeyondTheReferenceSet() throws {
    struct Case: Decodable {
        let distribution: String, params: [String: Double], function: String, arg: Double, expected: Double
    }
    let cases = try JSONDecoder().decode([Case].self, from: Data(distributionsMPMathCasesJSON.utf8))
    #expect(cases.count == 834)
    var worst = 0.0
    for c in cases {
        let p = c.params
        let f: (cdf: (Double) -> Double, sf: (Double) -> Double, ppf: (Double) -> Double, isf: (Double) -> Double)
        switch c.distribution {
        case "t":
            let d = StudentT(degreesOfFreedom: p["df"] ?? .nan); f = (d.cdf, d.sf, d.quantile, d.inverseSurvival)
        case "chi2":
            let d = ChiSquared(degreesOfFreedom: p["df"] ?? .nan); f = (d.cdf, d.sf, d.quantile, d.inverseSurvival)
        case "f":
            let d = FDistribution(numeratorDegreesOfFreedom: p["dfn"] ?? .nan, denominatorDegreesOfFreedom: p["dfd"] ?? .nan)
            f = (d.cdf, d.sf, d.quantile, d.inverseSurvival)
        default:
            let d = BetaDistribution(alpha: p["a"] ?? .nan, beta: p["b"] ?? .nan); f = (d.cdf, d.sf, d.quantile, d.inverseSurvival)
        }
        let actual: Double
        switch c.function {
        case "cdf": actual = f.cdf(c.arg)
        case "sf": actual = f.sf(c.arg)
        case "ppf": actual = f.ppf(c.arg)
        default: actual = f.isf(c.arg)
        }
        let error = relativeError(actual, c.expected)
        worst = max(worst, error)
        #expect(error < 1e-12, "\(c.distribution)\(p) \(c.function)(\(c.arg)) = \(actual), expected \(c.expected)")
    }
    print("mpmath extra distribution cases: worst relative error \(worst)")
}
