#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The binomial distribution Bin(n, p).
///
/// P(X ≤ k) = I_{1−p}(n − k, k + 1) ([DLMF 8.17.5](https://dlmf.nist.gov/8.17.5)); both tails are
/// computed directly. Invalid parameters (n < 0, p ∉ [0, 1]) give NaN.
public struct Binomial: Sendable, Equatable {
    /// Number of trials n ≥ 0.
    public let trials: Int
    /// Success probability p ∈ [0, 1].
    public let probability: Double

    public init(trials: Int, probability: Double) {
        self.trials = trials
        self.probability = probability
    }

    private var isValid: Bool { trials >= 0 && probability >= 0 && probability <= 1 }

    /// P(X = k) by Loader's saddle-point form (no cancellation for large n).
    public func pmf(_ k: Int) -> Double {
        guard isValid else { return .nan }
        if k < 0 || k > trials { return 0 }
        let n = Double(trials), p = probability, q = 1 - probability
        if k == 0 { return p == 0 ? 1 : exp(n * log1p(-p)) }
        if k == trials { return p == 1 ? 1 : pow(p, n) }
        if p == 0 || p == 1 { return 0 }
        let kk = Double(k)
        // xᵃyᵇ/B(a,b) with a = k, b = n − k equals C(n,k) pᵏ qⁿ⁻ᵏ · k(n−k)/n.
        return SpecialFunctions.betaPowerTerm(a: kk, b: n - kk, x: p, y: q) * n / (kk * (n - kk))
    }

    /// P(X ≤ k).
    public func cdf(_ k: Int) -> Double {
        guard isValid else { return .nan }
        if k < 0 { return 0 }
        if k >= trials { return 1 }
        if probability == 0 { return 1 }
        if probability == 1 { return 0 }
        return SpecialFunctions.incompleteBeta(a: Double(k + 1), b: Double(trials - k),
                                               x: probability, y: 1 - probability).upper
    }

    /// P(X > k), computed directly.
    public func sf(_ k: Int) -> Double {
        guard isValid else { return .nan }
        if k < 0 { return 1 }
        if k >= trials { return 0 }
        if probability == 0 { return 0 }
        if probability == 1 { return 1 }
        return SpecialFunctions.incompleteBeta(a: Double(k + 1), b: Double(trials - k),
                                               x: probability, y: 1 - probability).lower
    }
}

/// The Poisson distribution with mean μ ≥ 0: P(X ≤ k) = Q(k + 1, μ)
/// ([DLMF 8.4.10](https://dlmf.nist.gov/8.4.10)); both tails computed directly. μ < 0 gives NaN.
public struct Poisson: Sendable, Equatable {
    /// The mean μ ≥ 0.
    public let mean: Double

    public init(mean: Double) {
        self.mean = mean
    }

    /// P(X = k) = μᵏe^(−μ)/k!.
    public func pmf(_ k: Int) -> Double {
        guard mean >= 0 else { return .nan }
        if k < 0 { return 0 }
        if mean == 0 { return k == 0 ? 1 : 0 }
        if k == 0 { return exp(-mean) }
        // xᵃe⁻ˣ/Γ(a) with a = k equals μᵏe^(−μ)/(k−1)!.
        return SpecialFunctions.gammaPowerTerm(a: Double(k), x: mean) / Double(k)
    }

    /// P(X ≤ k).
    public func cdf(_ k: Int) -> Double {
        guard mean >= 0 else { return .nan }
        if k < 0 { return 0 }
        if mean == 0 { return 1 }
        return SpecialFunctions.incompleteGamma(a: Double(k + 1), x: mean).upper
    }

    /// P(X > k), computed directly.
    public func sf(_ k: Int) -> Double {
        guard mean >= 0 else { return .nan }
        if k < 0 { return 1 }
        if mean == 0 { return 0 }
        return SpecialFunctions.incompleteGamma(a: Double(k + 1), x: mean).lower
    }
}
