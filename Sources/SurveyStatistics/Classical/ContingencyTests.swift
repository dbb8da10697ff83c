#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Result of McNemar's test on a paired 2×2 table.
public struct McNemarResult: Sendable, Equatable {
    /// statistic (min(b, c) for exact/mid-p, χ² otherwise), p-value and method.
    public var test: TestResult
    /// Discordant pairs: b = (first = 1, second = 0), c = (first = 0, second = 1).
    public var discordantB: Int
    /// See `discordantB`.
    public var discordantC: Int
}

/// How McNemar's p-value is computed.
public enum McNemarMethod: String, Sendable, Equatable {
    /// Two-sided exact binomial test on the discordant pairs: statistic min(b, c), p = 2·P(X ≤ min) capped at 1.
    case exact
    /// Mid-p: the exact p-value minus P(X = min(b, c)) (Fagerland, Lydersen & Laake 2013).
    case midP
    /// (|b − c| − 1)²/(b + c) on χ²(1).
    case chiSquareCorrected
    /// (b − c)²/(b + c) on χ²(1).
    case chiSquare
}

/// Result of Pearson's chi-square test of independence.
public struct ChiSquareIndependenceResult: Sendable, Equatable {
    /// X², its df = (r − 1)(c − 1), p-value and method.
    public var test: TestResult
    /// Expected counts under independence, row total × column total / N.
    public var expected: [[Double]]
}

/// Ratio measures of a 2×2 table [[a, b], [c, d]] (rows exposed / unexposed, columns event / no event).
public struct TwoByTwoMeasures: Sendable, Equatable {
    /// (a/(a+b)) / (c/(c+d)).
    public var riskRatio: Double
    /// √(1/a − 1/(a+b) + 1/c − 1/(c+d)) (Katz et al. 1978).
    public var logRiskRatioStandardError: Double
    /// exp(log RR ± z·SE).
    public var riskRatioInterval: ConfidenceInterval
    /// Wald test of log RR = 0 (normal).
    public var riskRatioPValue: Double
    /// ad/(bc).
    public var oddsRatio: Double
    /// √(1/a + 1/b + 1/c + 1/d) (Woolf 1955).
    public var logOddsRatioStandardError: Double
    /// exp(log OR ± z·SE).
    public var oddsRatioInterval: ConfidenceInterval
    /// Wald test of log OR = 0 (normal).
    public var oddsRatioPValue: Double
}

/// Tests and measures for 2×2 and r×c tables of counts.
public enum ContingencyTests {
    /// McNemar's test for paired binary data from the discordant counts b and c.
    public static func mcNemar(b: Int, c: Int, method: McNemarMethod = .exact) throws -> McNemarResult {
        try ClassicalInput.count(b, "b")
        try ClassicalInput.count(c, "c")
        let n = b + c
        let test: TestResult
        switch method {
        case .exact, .midP:
            let k = min(b, c)
            let binomial = Binomial(trials: n, probability: 0.5)
            var p = n == 0 ? 1 : 2 * binomial.cdf(k)
            if method == .midP { p -= n == 0 ? 0 : binomial.pmf(k) }
            test = TestResult(statistic: Double(k), pValue: min(1, p), method:
                                method == .exact ? "McNemar exact binomial test" : "McNemar mid-p test")
        case .chiSquare, .chiSquareCorrected:
            let diff = abs(Double(b - c)) - (method == .chiSquareCorrected ? 1 : 0)
            let statistic = diff * diff / Double(n)
            test = TestResult(statistic: statistic, degreesOfFreedom: 1,
                              pValue: ChiSquared(degreesOfFreedom: 1).sf(statistic),
                              method: method == .chiSquare ? "McNemar chi-square test"
                                : "McNemar chi-square test with continuity correction")
        }
        return McNemarResult(test: test, discordantB: b, discordantC: c)
    }

    /// McNemar's test from paired binary observations (1 = yes, 0 = no): b counts pairs (1, 0), c pairs (0, 1).
    /// Throws `lengthMismatch` for unequal lengths and `invalidArgument` for values other than 0 and 1.
    public static func mcNemar(first: [Int], second: [Int], method: McNemarMethod = .exact) throws -> McNemarResult {
        guard first.count == second.count else {
            throw ClassicalTestError(.lengthMismatch, "paired samples have \(first.count) and \(second.count) values")
        }
        var b = 0, c = 0
        for (i, (f, s)) in zip(first, second).enumerated() {
            guard (f == 0 || f == 1) && (s == 0 || s == 1) else {
                throw ClassicalTestError(.invalidArgument, "pair \(i) is (\(f), \(s)); values must be 0 or 1")
            }
            if f == 1 && s == 0 { b += 1 } else if f == 0 && s == 1 { c += 1 }
        }
        return try mcNemar(b: b, c: c, method: method)
    }

    /// Two-sample z test for proportions with the pooled variance under H₀ (no continuity correction):
    /// z = (p₁ − p₂)/√(p̄(1−p̄)(1/n₁ + 1/n₂)), p̄ = (x₁ + x₂)/(n₁ + n₂). Estimate p₁ − p₂.
    public static func twoProportionZ(successes1: Int, trials1: Int, successes2: Int, trials2: Int,
                                      alternative: Alternative = .twoSided) throws -> TestResult {
        for (v, name) in [(successes1, "successes1"), (successes2, "successes2")] { try ClassicalInput.count(v, name) }
        guard trials1 > 0, trials2 > 0, successes1 <= trials1, successes2 <= trials2 else {
            throw ClassicalTestError(.invalidArgument, "need 0 ≤ successes ≤ trials and trials > 0")
        }
        let p1 = Double(successes1) / Double(trials1), p2 = Double(successes2) / Double(trials2)
        let pooled = Double(successes1 + successes2) / Double(trials1 + trials2)
        let z = (p1 - p2) / (pooled * (1 - pooled) * (1 / Double(trials1) + 1 / Double(trials2))).squareRoot()
        return TestResult(statistic: z, pValue: tailPValue(lower: Normal.cdf(z), upper: Normal.sf(z), alternative: alternative),
                          estimate: p1 - p2, alternative: alternative, method: "Two-proportion z test (pooled)")
    }

    /// Pearson's χ² test of independence for an r×c table; with `yates` and a 2×2 table (df = 1) each
    /// |O − E| is reduced by min(½, |O − E|) (Yates 1934, as scipy's `chi2_contingency`).
    public static func chiSquareIndependence(_ table: [[Int]], yates: Bool = false) throws -> ChiSquareIndependenceResult {
        guard let columns = table.first?.count, table.count >= 1, columns >= 1,
              table.allSatisfy({ $0.count == columns }) else {
            throw ClassicalTestError(.lengthMismatch, "table must be a non-empty rectangle")
        }
        guard table.allSatisfy({ $0.allSatisfy { $0 >= 0 } }) else {
            throw ClassicalTestError(.invalidArgument, "counts must be ≥ 0")
        }
        let rowTotals = table.map { Double($0.reduce(0, +)) }
        let columnTotals = (0..<columns).map { j in Double(table.reduce(0) { $0 + $1[j] }) }
        let total = rowTotals.reduce(0, +)
        let expected = rowTotals.map { r in columnTotals.map { r * $0 / total } }
        let df = Double((table.count - 1) * (columns - 1))
        var statistic = 0.0
        for i in table.indices {
            for j in 0..<columns {
                var diff = Double(table[i][j]) - expected[i][j]
                if yates && df == 1 { diff = (abs(diff) - min(0.5, abs(diff))) }
                statistic += diff * diff / expected[i][j]
            }
        }
        let p = df == 0 ? 1 : ChiSquared(degreesOfFreedom: df).sf(statistic)
        let test = TestResult(statistic: statistic, degreesOfFreedom: df, pValue: p,
                              method: yates && df == 1 ? "Pearson chi-square test with Yates correction"
                                : "Pearson chi-square test")
        return ChiSquareIndependenceResult(test: test, expected: expected)
    }

    /// Probabilities P(X = k) of a's hypergeometric null distribution given the margins, for
    /// k in `support`, built from exact ratios of consecutive terms and normalised (no factorials).
    static func hypergeometric(_ table: [[Int]]) -> (support: ClosedRange<Int>, pmf: [Double]) {
        let (a, b, c, d) = (table[0][0], table[0][1], table[1][0], table[1][1])
        let row1 = a + b, column1 = a + c, n = a + b + c + d
        let low = max(0, column1 - (n - row1)), high = min(row1, column1)
        var weights = [1.0]
        var k = low
        while k < high {
            // w(k+1)/w(k) = (row1 − k)(column1 − k)/((k + 1)(n − row1 − column1 + k + 1))
            let ratio = Double(row1 - k) * Double(column1 - k) / (Double(k + 1) * Double(n - row1 - column1 + k + 1))
            weights.append(weights[weights.count - 1] * ratio)
            k += 1
        }
        let total = Descriptive.neumaierSum(weights)
        return (low...high, weights.map { $0 / total })
    }

    /// Fisher's exact test for a 2×2 table [[a, b], [c, d]] conditional on the margins.
    ///
    /// `less`: P(X ≤ a); `greater`: P(X ≥ a); two-sided: Σ P(k) over tables with P(k) ≤ P(a)·(1 + 10⁻⁷)
    /// (R's `fisher.test` and scipy's tolerance). The estimate is the sample odds ratio ad/(bc).
    public static func fisherExact(_ table: [[Int]], alternative: Alternative = .twoSided) throws -> TestResult {
        try checkTwoByTwo(table)
        let (support, pmf) = hypergeometric(table)
        let index = table[0][0] - support.lowerBound
        let p: Double
        switch alternative {
        case .less: p = Descriptive.neumaierSum(Array(pmf[0...index]))
        case .greater: p = Descriptive.neumaierSum(Array(pmf[index...]))
        case .twoSided:
            let threshold = pmf[index] * (1 + 1e-7)
            p = Descriptive.neumaierSum(pmf.filter { $0 <= threshold })
        }
        return TestResult(statistic: sampleOddsRatio(table), pValue: min(1, p), estimate: sampleOddsRatio(table),
                          alternative: alternative, method: "Fisher's exact test")
    }

    /// ad/(bc); +∞ when bc = 0 < ad, NaN when both are 0.
    public static func sampleOddsRatio(_ table: [[Int]]) -> Double {
        let ad = Double(table[0][0]) * Double(table[1][1]), bc = Double(table[0][1]) * Double(table[1][0])
        if bc == 0 { return ad == 0 ? .nan : .infinity }
        return ad / bc
    }

    /// Conditional maximum-likelihood odds ratio of a 2×2 table and its exact (Cornfield) interval,
    /// from Fisher's noncentral hypergeometric distribution of a given the margins (as scipy's
    /// `odds_ratio(kind="conditional")` and R's `fisher.test`).
    ///
    /// The MLE ψ̂ solves E_ψ[X] = a; the interval bounds solve P_ψ(X ≥ a) = α/2 (lower) and
    /// P_ψ(X ≤ a) = α/2 (upper). At the edges of the support ψ̂ is 0 or ∞ and the corresponding
    /// bound is 0 or ∞.
    public static func conditionalOddsRatio(_ table: [[Int]], confidenceLevel: Double = 0.95) throws
        -> (estimate: Double, interval: ConfidenceInterval) {
        try checkTwoByTwo(table)
        try ClassicalInput.level(confidenceLevel)
        let (support, pmf) = hypergeometric(table)
        let a = table[0][0]
        let alpha = 1 - confidenceLevel
        let logWeights = pmf.map { log($0) }
        let ks = support.map(Double.init)
        // Distribution under log odds ratio θ: w_k ∝ pmf_k e^{θk}.
        func tilted(_ theta: Double) -> [Double] {
            let logs = zip(logWeights, ks).map { $0 + theta * $1 }
            let top = logs.max() ?? 0
            let w = logs.map { exp($0 - top) }
            let total = Descriptive.neumaierSum(w)
            return w.map { $0 / total }
        }
        func mean(_ theta: Double) -> Double { Descriptive.neumaierSum(zip(tilted(theta), ks).map { $0 * $1 }) }
        func upperTail(_ theta: Double) -> Double {
            Descriptive.neumaierSum(Array(tilted(theta)[(a - support.lowerBound)...]))
        }
        func lowerTail(_ theta: Double) -> Double {
            Descriptive.neumaierSum(Array(tilted(theta)[...(a - support.lowerBound)]))
        }
        let atLow = a == support.lowerBound, atHigh = a == support.upperBound
        let estimate: Double
        if support.lowerBound == support.upperBound { estimate = .nan }
        else if atLow { estimate = 0 }
        else if atHigh { estimate = .infinity }
        else { estimate = exp(solveIncreasing({ mean($0) - Double(a) })) }
        let lower = atLow ? 0 : exp(solveIncreasing({ upperTail($0) - alpha / 2 }))
        let upper = atHigh ? Double.infinity : exp(solveIncreasing({ alpha / 2 - lowerTail($0) }))
        return (estimate, ConfidenceInterval(lower: lower, upper: upper, level: confidenceLevel))
    }

    /// Root of an increasing function of θ on ℝ: bracket by doubling, then bisection to the last bit
    /// followed by a secant polish.
    private static func solveIncreasing(_ f: (Double) -> Double) -> Double {
        var lo = -1.0, hi = 1.0
        while f(lo) > 0 && lo > -1e3 { lo *= 2 }
        while f(hi) < 0 && hi < 1e3 { hi *= 2 }
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if mid <= lo || mid >= hi { break }
            if f(mid) < 0 { lo = mid } else { hi = mid }
        }
        let flo = f(lo), fhi = f(hi)
        if fhi != flo {
            let secant = lo - flo * (hi - lo) / (fhi - flo)
            if secant >= lo && secant <= hi { return secant }
        }
        return 0.5 * (lo + hi)
    }

    private static func checkTwoByTwo(_ table: [[Int]]) throws {
        guard table.count == 2, table.allSatisfy({ $0.count == 2 }) else {
            throw ClassicalTestError(.lengthMismatch, "expected a 2×2 table")
        }
        guard table.allSatisfy({ $0.allSatisfy { $0 >= 0 } }) else {
            throw ClassicalTestError(.invalidArgument, "counts must be ≥ 0")
        }
    }

    /// Risk ratio with the Katz log interval and odds ratio with the Woolf log interval for
    /// [[a, b], [c, d]]; CIs exp(log estimate ± z·SE), p-values from the Wald z of the log.
    public static func riskAndOddsRatios(_ table: [[Int]], confidenceLevel: Double = 0.95) throws -> TwoByTwoMeasures {
        try checkTwoByTwo(table)
        try ClassicalInput.level(confidenceLevel)
        let a = Double(table[0][0]), b = Double(table[0][1]), c = Double(table[1][0]), d = Double(table[1][1])
        let rr = (a / (a + b)) / (c / (c + d))
        let seRR = (1 / a - 1 / (a + b) + 1 / c - 1 / (c + d)).squareRoot()
        let or = a * d / (b * c)
        let seOR = (1 / a + 1 / b + 1 / c + 1 / d).squareRoot()
        func interval(_ estimate: Double, _ se: Double) -> ConfidenceInterval {
            let z = Normal.inverseSurvival((1 - confidenceLevel) / 2)
            return ConfidenceInterval(lower: exp(log(estimate) - z * se), upper: exp(log(estimate) + z * se),
                                      level: confidenceLevel)
        }
        func wald(_ estimate: Double, _ se: Double) -> Double { min(1, 2 * Normal.sf(abs(log(estimate)) / se)) }
        return TwoByTwoMeasures(riskRatio: rr, logRiskRatioStandardError: seRR, riskRatioInterval: interval(rr, seRR),
                                riskRatioPValue: wald(rr, seRR), oddsRatio: or, logOddsRatioStandardError: seOR,
                                oddsRatioInterval: interval(or, seOR), oddsRatioPValue: wald(or, seOR))
    }
}
