#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Confidence-interval methods for a binomial proportion (statsmodels `proportion_confint` names).
public enum ProportionIntervalMethod: String, Sendable, Equatable, CaseIterable {
    /// Wald: p̂ ± z√(p̂(1−p̂)/n), clipped to [0, 1].
    case normal
    /// Wilson score interval (Wilson 1927), clipped to [0, 1].
    case wilson
    /// Agresti–Coull: Wald on (x + z²/2)/(n + z²) with n + z² trials, clipped to [0, 1].
    case agrestiCoull = "agresti_coull"
    /// Clopper–Pearson from beta quantiles; 0 at x = 0 and 1 at x = n.
    case clopperPearson = "beta"
    /// Jeffreys: equal-tailed Beta(x + ½, n − x + ½) quantiles (no forcing of 0 or 1 at the edges).
    case jeffreys
}

/// Binomial-proportion intervals and Poisson rate comparisons.
public enum Proportions {
    /// Two-sided interval for a proportion x/n at `confidenceLevel`.
    /// Throws `invalidArgument` unless 0 ≤ x ≤ n, n > 0 and the level is in (0, 1).
    public static func confidenceInterval(successes x: Int, trials n: Int, confidenceLevel: Double = 0.95,
                                          method: ProportionIntervalMethod) throws -> ConfidenceInterval {
        try ClassicalInput.level(confidenceLevel)
        guard n > 0, x >= 0, x <= n else {
            throw ClassicalTestError(.invalidArgument, "need 0 ≤ successes ≤ trials, trials > 0 (got \(x)/\(n))")
        }
        let alpha = 1 - confidenceLevel
        let z = Normal.inverseSurvival(alpha / 2)
        let nn = Double(n), p = Double(x) / nn
        func clip(_ l: Double, _ u: Double) -> ConfidenceInterval {
            ConfidenceInterval(lower: max(0, l), upper: min(1, u), level: confidenceLevel)
        }
        switch method {
        case .normal:
            let half = z * (p * (1 - p) / nn).squareRoot()
            return clip(p - half, p + half)
        case .wilson:
            let z2 = z * z
            let denominator = 1 + z2 / nn
            let centre = (p + z2 / (2 * nn)) / denominator
            let half = z * (p * (1 - p) / nn + z2 / (4 * nn * nn)).squareRoot() / denominator
            return clip(centre - half, centre + half)
        case .agrestiCoull:
            let nc = nn + z * z
            let pc = (Double(x) + z * z / 2) / nc
            let half = z * (pc * (1 - pc) / nc).squareRoot()
            return clip(pc - half, pc + half)
        case .clopperPearson:
            let lower = x == 0 ? 0 : BetaDistribution(alpha: Double(x), beta: Double(n - x + 1)).quantile(alpha / 2)
            let upper = x == n ? 1 : BetaDistribution(alpha: Double(x + 1), beta: Double(n - x)).inverseSurvival(alpha / 2)
            return ConfidenceInterval(lower: lower, upper: upper, level: confidenceLevel)
        case .jeffreys:
            let d = BetaDistribution(alpha: Double(x) + 0.5, beta: Double(n - x) + 0.5)
            return ConfidenceInterval(lower: d.quantile(alpha / 2), upper: d.quantile(1 - alpha / 2), level: confidenceLevel)
        }
    }

    /// Two-sided exact binomial test of x successes in n trials against probability p₀, "minimum
    /// likelihood" p-value: Σ P(k) over k with P(k) ≤ P(x)·(1 + 10⁻⁷) (R's `binom.test`, scipy's
    /// `binomtest`), each side summed as a directly computed tail.
    public static func binomialTestTwoSided(successes x: Int, trials n: Int, probability p0: Double) -> Double {
        let d = Binomial(trials: n, probability: p0)
        let observed = d.pmf(x)
        let threshold = observed * (1 + 1e-7)
        let mode = Double(n) * p0
        if Double(x) == mode { return 1 }
        if Double(x) < mode {
            // Other side: the smallest j > mode with pmf(j) ≤ threshold; add P(X ≥ j).
            var j = Int(mode.rounded(.up))
            while j <= n && d.pmf(j) > threshold { j += 1 }
            return min(1, d.cdf(x) + (j <= n ? d.sf(j - 1) : 0))
        }
        var j = Int(mode.rounded(.down))
        while j >= 0 && d.pmf(j) > threshold { j -= 1 }
        return min(1, d.sf(x - 1) + (j >= 0 ? d.cdf(j) : 0))
    }
}

/// Comparison of two Poisson rates, count₁/exposure₁ against count₂/exposure₂.
public struct PoissonRateRatio: Sendable, Equatable {
    /// (x₁/t₁)/(x₂/t₂).
    public var rateRatio: Double
    /// Exact conditional (Clopper–Pearson on x₁ | x₁ + x₂) interval, as R's `poisson.test`.
    public var exactConditionalInterval: ConfidenceInterval
    /// Two-sided exact conditional p-value for ratio 1 (binomial x₁ | x₁ + x₂ with p = t₁/(t₁+t₂),
    /// minimum-likelihood two-sided p-value).
    public var exactConditionalPValue: Double
    /// Score statistic (x₁ − x₂·t₁/t₂)/√((x₁ + x₂)·t₁/t₂) (Gu et al. 2008; statsmodels `score`).
    public var scoreStatistic: Double
    /// Two-sided normal p-value of `scoreStatistic`.
    public var scorePValue: Double
    /// exp(log RR ± z√(1/x₁ + 1/x₂)).
    public var waldLogInterval: ConfidenceInterval
    /// Inversion of the score test: the ratios r with |score(r)| ≤ z, a quadratic in r.
    public var scoreInterval: ConfidenceInterval

    /// - Throws: `invalidArgument` for negative counts, non-positive exposures or a level ∉ (0, 1).
    public init(count1: Int, exposure1: Double, count2: Int, exposure2: Double, confidenceLevel: Double = 0.95) throws {
        try ClassicalInput.level(confidenceLevel)
        try ClassicalInput.count(count1, "count1")
        try ClassicalInput.count(count2, "count2")
        guard exposure1 > 0, exposure2 > 0, exposure1.isFinite, exposure2.isFinite else {
            throw ClassicalTestError(.invalidArgument, "exposures must be positive and finite")
        }
        let x1 = Double(count1), x2 = Double(count2)
        let alpha = 1 - confidenceLevel
        rateRatio = (x1 / exposure1) / (x2 / exposure2)
        let scale = exposure2 / exposure1
        let pLower = count1 == 0 ? 0 : BetaDistribution(alpha: x1, beta: x2 + 1).quantile(alpha / 2)
        let pUpper = count2 == 0 ? 1 : BetaDistribution(alpha: x1 + 1, beta: x2).quantile(1 - alpha / 2)
        exactConditionalInterval = ConfidenceInterval(lower: pLower / (1 - pLower) * scale,
                                                      upper: pUpper == 1 ? .infinity : pUpper / (1 - pUpper) * scale,
                                                      level: confidenceLevel)
        exactConditionalPValue = Proportions.binomialTestTwoSided(successes: count1, trials: count1 + count2,
                                                                  probability: exposure1 / (exposure1 + exposure2))
        let r = exposure1 / exposure2
        scoreStatistic = (x1 - x2 * r) / ((x1 + x2) * r).squareRoot()
        scorePValue = min(1, 2 * Normal.sf(abs(scoreStatistic)))
        let z = Normal.inverseSurvival(alpha / 2)
        let se = (1 / x1 + 1 / x2).squareRoot()
        waldLogInterval = ConfidenceInterval(lower: exp(log(rateRatio) - z * se), upper: exp(log(rateRatio) + z * se),
                                             level: confidenceLevel)
        // (x₁ − x₂u)² = z²(x₁ + x₂)u with u = ratio·t₁/t₂: x₂²u² − (2x₁x₂ + z²(x₁+x₂))u + x₁² = 0.
        let qa = x2 * x2, qb = -(2 * x1 * x2 + z * z * (x1 + x2)), qc = x1 * x1
        let root = (qb * qb - 4 * qa * qc).squareRoot()
        // Stable roots: u₁ = (−qb + root)/(2qa), u₂ = qc/(qa·u₁).
        let big = (-qb + root) / (2 * qa)
        let small = qc / (qa * big)
        scoreInterval = ConfidenceInterval(lower: small / r, upper: big / r, level: confidenceLevel)
    }
}
