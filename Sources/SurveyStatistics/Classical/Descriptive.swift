#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unweighted descriptive statistics, computed so that large offsets (NIST NumAcc3/4: values near
/// 10⁶ or 10¹³ with tiny spread) lose no accuracy.
///
/// NaN in the input propagates to the result; empty input gives NaN.
public enum Descriptive {
    /// Arithmetic mean Σx/n, by a compensated (Neumaier) sum followed by one correction pass
    /// x̄ += Σ(x − x̄)/n, which removes the rounding of the first pass.
    public static func mean(_ x: [Double]) -> Double {
        guard !x.isEmpty else { return .nan }
        let n = Double(x.count)
        let first = neumaierSum(x) / n
        if !first.isFinite { return first }
        return first + neumaierSum(x.map { $0 - first }) / n
    }

    /// Sum of squared deviations Σ(x − x̄)², two-pass with the corrected-two-pass term
    /// (Chan, Golub & LeVeque 1983): Σd² − (Σd)²/n with d = x − x̄.
    public static func sumOfSquaredDeviations(_ x: [Double]) -> Double {
        guard !x.isEmpty else { return .nan }
        let m = mean(x)
        let d = x.map { $0 - m }
        let s = neumaierSum(d)
        return neumaierSum(d.map { $0 * $0 }) - s * s / Double(x.count)
    }

    /// Sample variance with denominator n − 1 (NaN for n < 2).
    public static func variance(_ x: [Double]) -> Double {
        guard x.count >= 2 else { return .nan }
        return sumOfSquaredDeviations(x) / Double(x.count - 1)
    }

    /// Sample standard deviation √variance (denominator n − 1; NaN for n < 2).
    public static func standardDeviation(_ x: [Double]) -> Double {
        variance(x).squareRoot()
    }

    /// Lag-1 autocorrelation r(1) = Σᵢ₌₁ⁿ⁻¹ (xᵢ − x̄)(xᵢ₊₁ − x̄) / Σᵢ (xᵢ − x̄)², the NIST StRD
    /// definition. NaN for n < 2 or zero variance.
    public static func lagOneAutocorrelation(_ x: [Double]) -> Double {
        guard x.count >= 2 else { return .nan }
        let m = mean(x)
        let d = x.map { $0 - m }
        let denominator = neumaierSum(d.map { $0 * $0 })
        guard denominator > 0 else { return .nan }
        let numerator = neumaierSum((0..<(d.count - 1)).map { d[$0] * d[$0 + 1] })
        return numerator / denominator
    }

    /// Σx by Neumaier's improved Kahan–Babuška compensated summation.
    public static func neumaierSum(_ x: [Double]) -> Double {
        var sum = 0.0, compensation = 0.0
        for v in x {
            let t = sum + v
            if abs(sum) >= abs(v) { compensation += (sum - t) + v } else { compensation += (v - t) + sum }
            sum = t
        }
        return sum + compensation
    }
}

/// One-way analysis of variance table (fixed effects), as in the NIST StRD ANOVA sets.
public struct OneWayANOVA: Sendable, Equatable {
    /// Number of groups − 1.
    public var betweenDegreesOfFreedom: Int
    /// Number of observations − number of groups.
    public var withinDegreesOfFreedom: Int
    /// Σ_g n_g (x̄_g − x̄)².
    public var betweenSumOfSquares: Double
    /// Σ_g Σ (x − x̄_g)².
    public var withinSumOfSquares: Double
    /// SS_between / df_between.
    public var betweenMeanSquare: Double { betweenSumOfSquares / Double(betweenDegreesOfFreedom) }
    /// SS_within / df_within (df_within ≥ 1 by construction).
    public var withinMeanSquare: Double { withinSumOfSquares / Double(withinDegreesOfFreedom) }
    /// F = MS_between / MS_within.
    public var fStatistic: Double { betweenMeanSquare / withinMeanSquare }
    /// P(F(df_b, df_w) > F).
    public var pValue: Double {
        FDistribution(numeratorDegreesOfFreedom: Double(betweenDegreesOfFreedom),
                      denominatorDegreesOfFreedom: Double(withinDegreesOfFreedom)).sf(fStatistic)
    }
    /// R² = SS_between / (SS_between + SS_within).
    public var rSquared: Double { betweenSumOfSquares / (betweenSumOfSquares + withinSumOfSquares) }
    /// √MS_within.
    public var residualStandardDeviation: Double { withinMeanSquare.squareRoot() }

    /// Builds the table from groups of observations.
    ///
    /// Every deviation is taken from a centred value (group means and the grand mean are computed by
    /// the corrected two-pass mean), so data with a huge common offset (NIST SmLs07–09, values near
    /// 10¹²) keep their precision: SS_within = Σ_g Σ(x − x̄_g)², SS_between = Σ_g n_g (x̄_g − x̄)².
    /// Groups need not be equal in size; empty groups are ignored. Returns nil with fewer than two
    /// non-empty groups or no within-group degrees of freedom.
    public init?(groups: [[Double]]) {
        let groups = groups.filter { !$0.isEmpty }
        let total = groups.reduce(0) { $0 + $1.count }
        guard groups.count >= 2, total > groups.count else { return nil }
        let grandMean = Descriptive.mean(groups.flatMap { $0 })
        var within: [Double] = []
        var between: [Double] = []
        for g in groups {
            within.append(Descriptive.sumOfSquaredDeviations(g))
            let d = Descriptive.mean(g) - grandMean
            between.append(Double(g.count) * d * d)
        }
        betweenDegreesOfFreedom = groups.count - 1
        withinDegreesOfFreedom = total - groups.count
        betweenSumOfSquares = Descriptive.neumaierSum(between)
        withinSumOfSquares = Descriptive.neumaierSum(within)
    }
}
