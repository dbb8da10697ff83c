import Foundation

/// Power and minimum detectable effects for the next wave of a two-group (or two-wave) survey
/// comparison, by the normal approximation with the variance inflated by a design effect.
///
/// Definitions (two-sided test at level 1 − `confidenceLevel`, z = Φ⁻¹((1 + confidenceLevel)/2)):
/// - Design effect of a clustered sample: deff = 1 + (m − 1)·ICC for clusters of m respondents
///   (Kish 1965, §5.4).
/// - Two means, SD σ, group sizes n₁, n₂: SE = σ√(deff·(1/n₁ + 1/n₂)); power =
///   Φ(|δ|/SE − z) + Φ(−|δ|/SE − z); minimum detectable effect MDE = (z + Φ⁻¹(power))·SE
///   (Bloom 1995, Evaluation Review 19:547; the second tail, below 1e−3 at usual sizes, is ignored).
/// - Two proportions p₁ → p₂: p̄ = (n₁p₁ + n₂p₂)/(n₁ + n₂), SE₀ = √(deff·p̄(1 − p̄)(1/n₁ + 1/n₂)),
///   SE₁ = √(deff·(p₁(1 − p₁)/n₁ + p₂(1 − p₂)/n₂)); power = Φ((|p₂ − p₁| − z·SE₀)/SE₁) — with
///   deff = 1 and n₁ = n₂ exactly R's `power.prop.test` (strict = FALSE). The MDE is the p₂ above
///   (and below) p₁ with the requested power, found by bisection.
/// NaN inputs give NaN; invalid ones throw ``ComparisonError/Code/invalidArgument``.
public enum PowerAnalysis {
    /// deff = 1 + (m − 1)·ICC. Requires m ≥ 1 and ICC in [0, 1].
    public static func designEffect(icc: Double, clusterSize m: Double) throws -> Double {
        guard icc >= 0, icc <= 1, m >= 1 else {
            throw ComparisonError(.invalidArgument, "need ICC in [0, 1] and cluster size ≥ 1, got \(icc) and \(m)")
        }
        return 1 + (m - 1) * icc
    }

    static func check(_ n1: Double, _ n2: Double, _ deff: Double, _ level: Double) throws -> Double {
        guard n1 > 0, n2 > 0, deff > 0, level > 0, level < 1 else {
            throw ComparisonError(.invalidArgument, "need group sizes > 0, design effect > 0 and level in (0, 1)")
        }
        return Normal.quantile(0.5 + level / 2)
    }

    /// Power to detect a difference `difference` between two means with SD `sd`.
    public static func powerTwoMeans(difference: Double, sd: Double, n1: Double, n2: Double, designEffect: Double = 1,
                                     confidenceLevel: Double = 0.95) throws -> Double {
        let z = try check(n1, n2, designEffect, confidenceLevel)
        let se = sd * (designEffect * (1 / n1 + 1 / n2)).squareRoot()
        let shift = abs(difference) / se
        return Normal.cdf(shift - z) + Normal.cdf(-shift - z)
    }

    /// The minimum detectable difference between two means with the given power.
    public static func minimumDetectableDifference(sd: Double, n1: Double, n2: Double, designEffect: Double = 1,
                                                   power: Double = 0.8, confidenceLevel: Double = 0.95) throws -> Double {
        let z = try check(n1, n2, designEffect, confidenceLevel)
        guard power > 0, power < 1 else { throw ComparisonError(.invalidArgument, "power must lie in (0, 1), got \(power)") }
        return (z + Normal.quantile(power)) * sd * (designEffect * (1 / n1 + 1 / n2)).squareRoot()
    }

    /// Power to detect p₁ → p₂ with n₁, n₂ respondents.
    public static func powerTwoProportions(_ p1: Double, _ p2: Double, n1: Double, n2: Double, designEffect: Double = 1,
                                           confidenceLevel: Double = 0.95) throws -> Double {
        let z = try check(n1, n2, designEffect, confidenceLevel)
        guard p1 >= 0, p1 <= 1, p2 >= 0, p2 <= 1 else {
            throw ComparisonError(.invalidArgument, "proportions must lie in [0, 1], got \(p1) and \(p2)")
        }
        let pbar = (n1 * p1 + n2 * p2) / (n1 + n2)
        let se0 = (designEffect * pbar * (1 - pbar) * (1 / n1 + 1 / n2)).squareRoot()
        let se1 = (designEffect * (p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)).squareRoot()
        return Normal.cdf((abs(p2 - p1) - z * se0) / se1)
    }

    /// The proportions p₂ above and below p₁ that would be detected with `power`: nil in a
    /// direction where even p₂ = 1 (or 0) falls short.
    public static func minimumDetectableProportions(baseline p1: Double, n1: Double, n2: Double, designEffect: Double = 1,
                                                    power: Double = 0.8, confidenceLevel: Double = 0.95) throws
        -> (lower: Double?, upper: Double?) {
        guard power > 0, power < 1, p1 > 0, p1 < 1 else {
            throw ComparisonError(.invalidArgument, "need power in (0, 1) and a baseline proportion in (0, 1)")
        }
        func solve(towards end: Double) throws -> Double? {
            guard try powerTwoProportions(p1, end, n1: n1, n2: n2, designEffect: designEffect,
                                          confidenceLevel: confidenceLevel) >= power else { return nil }
            var near = p1, far = end
            for _ in 0..<200 {
                let mid = (near + far) / 2
                if mid == near || mid == far { break }
                if try powerTwoProportions(p1, mid, n1: n1, n2: n2, designEffect: designEffect,
                                           confidenceLevel: confidenceLevel) >= power { far = mid } else { near = mid }
            }
            return far
        }
        return (try solve(towards: 0), try solve(towards: 1))
    }

    /// The observed design effect of an estimate: its design variance over the SRS variance of
    /// the same n (``Estimate/designEffect`` when requested from the design), or ICC from a
    /// design effect and mean cluster size: ICC = (deff − 1)/(m − 1), clipped at 0.
    public static func intraclassCorrelation(designEffect: Double, clusterSize m: Double) -> Double {
        guard m > 1 else { return .nan }
        return max(0, (designEffect - 1) / (m - 1))
    }
}
