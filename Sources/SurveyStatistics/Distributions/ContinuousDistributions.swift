#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Student's t distribution with ν > 0 degrees of freedom
/// ([DLMF 8.17.4 relation](https://dlmf.nist.gov/8.17): P(T ≤ −|t|) = ½ I_{ν/(ν+t²)}(ν/2, ½)).
///
/// ν = ∞ is the standard normal. Non-integer ν is allowed. ν ≤ 0 or NaN gives NaN results.
/// Both tails are computed directly; quantiles invert the incomplete beta function.
public struct StudentT: Sendable, Equatable {
    /// Degrees of freedom ν.
    public let degreesOfFreedom: Double

    public init(degreesOfFreedom: Double) {
        self.degreesOfFreedom = degreesOfFreedom
    }

    private var isValid: Bool { degreesOfFreedom > 0 }

    /// (x, y) = (ν/(ν+t²), t²/(ν+t²)) without overflow.
    private func betaArguments(_ t: Double) -> (x: Double, y: Double) {
        let nu = degreesOfFreedom
        let t2 = t * t
        if t2 > 1e300 || nu / t2 < 1e-10 {
            let r = nu / t2
            return (r / (1 + r), 1 / (1 + r))
        }
        return (nu / (nu + t2), t2 / (nu + t2))
    }

    /// ½ P(|T| ≥ |t|) = P(T ≤ −|t|).
    private func smallTail(_ t: Double) -> Double {
        let (x, y) = betaArguments(t)
        return 0.5 * SpecialFunctions.incompleteBeta(a: degreesOfFreedom / 2, b: 0.5, x: x, y: y).lower
    }

    /// Density Γ((ν+1)/2)/(√(νπ) Γ(ν/2)) (1 + t²/ν)^(−(ν+1)/2).
    public func pdf(_ t: Double) -> Double {
        guard isValid, !t.isNaN else { return .nan }
        if degreesOfFreedom.isInfinite { return Normal.pdf(t) }
        if t.isInfinite { return 0 }
        let (x, y) = betaArguments(t)
        // pdf = x^(ν/2) y^(1/2) / B(ν/2, ½) / |t| … written via the beta power term.
        if t == 0 {
            return exp(-0.5 * log(degreesOfFreedom) - SpecialFunctions.logBeta(degreesOfFreedom / 2, 0.5))
        }
        return SpecialFunctions.betaPowerTerm(a: degreesOfFreedom / 2, b: 0.5, x: x, y: y) / abs(t)
    }

    /// P(T ≤ t).
    public func cdf(_ t: Double) -> Double {
        guard isValid, !t.isNaN else { return .nan }
        if degreesOfFreedom.isInfinite { return Normal.cdf(t) }
        if t.isInfinite { return t < 0 ? 0 : 1 }
        return t <= 0 ? smallTail(t) : 1 - smallTail(t)
    }

    /// P(T > t), computed directly.
    public func sf(_ t: Double) -> Double { cdf(-t) }

    /// The t with P(T ≤ t) = p; ±∞ at 0 and 1, NaN outside [0, 1].
    public func quantile(_ p: Double) -> Double {
        guard isValid, p >= 0, p <= 1 else { return .nan }
        if degreesOfFreedom.isInfinite { return Normal.quantile(p) }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        if p == 0.5 { return 0 }
        return p < 0.5 ? -magnitude(tailProbability: p) : magnitude(tailProbability: 1 - p)
    }

    /// The t with P(T > t) = p, accurate for tiny p.
    public func inverseSurvival(_ p: Double) -> Double { -quantile(p) }

    /// |t| with P(T ≤ −|t|) = p for 0 < p < ½: I_x(ν/2, ½) = 2p, t² = ν·y/x.
    private func magnitude(tailProbability p: Double) -> Double {
        let (x, y) = SpecialFunctions.inverseIncompleteBeta(a: degreesOfFreedom / 2, b: 0.5, p: 2 * p, q: 1 - 2 * p)
        return (degreesOfFreedom * y / x).squareRoot()
    }
}

/// The chi-square distribution with k > 0 degrees of freedom: P(X ≤ x) = P(k/2, x/2)
/// ([DLMF 8.2.4](https://dlmf.nist.gov/8.2.4)). Non-integer k is allowed; k ≤ 0 gives NaN.
public struct ChiSquared: Sendable, Equatable {
    /// Degrees of freedom k.
    public let degreesOfFreedom: Double

    public init(degreesOfFreedom: Double) {
        self.degreesOfFreedom = degreesOfFreedom
    }

    private var shape: Double { degreesOfFreedom / 2 }

    /// Density x^(k/2−1) e^(−x/2) / (2^(k/2) Γ(k/2)) for x > 0.
    public func pdf(_ x: Double) -> Double {
        guard degreesOfFreedom > 0, !x.isNaN else { return .nan }
        if x <= 0 { return x == 0 && degreesOfFreedom == 2 ? 0.5 : (x == 0 && degreesOfFreedom < 2 ? .infinity : 0) }
        return SpecialFunctions.gammaPowerTerm(a: shape, x: x / 2) / x
    }

    /// P(X ≤ x).
    public func cdf(_ x: Double) -> Double {
        guard degreesOfFreedom > 0, !x.isNaN else { return .nan }
        if x <= 0 { return 0 }
        return SpecialFunctions.incompleteGamma(a: shape, x: x / 2).lower
    }

    /// P(X > x), computed directly.
    public func sf(_ x: Double) -> Double {
        guard degreesOfFreedom > 0, !x.isNaN else { return .nan }
        if x <= 0 { return 1 }
        return SpecialFunctions.incompleteGamma(a: shape, x: x / 2).upper
    }

    /// The x with P(X ≤ x) = p; 0 at p = 0, ∞ at p = 1.
    public func quantile(_ p: Double) -> Double {
        guard degreesOfFreedom > 0 else { return .nan }
        return 2 * SpecialFunctions.inverseIncompleteGamma(a: shape, p: p, q: 1 - p)
    }

    /// The x with P(X > x) = p, accurate for tiny p.
    public func inverseSurvival(_ p: Double) -> Double {
        guard degreesOfFreedom > 0 else { return .nan }
        return 2 * SpecialFunctions.inverseIncompleteGamma(a: shape, p: 1 - p, q: p)
    }
}

/// Snedecor's F distribution with (d₁, d₂) degrees of freedom:
/// P(F ≤ f) = I_{d₁f/(d₁f+d₂)}(d₁/2, d₂/2) ([DLMF 8.17](https://dlmf.nist.gov/8.17)).
///
/// d₂ = ∞ gives χ²(d₁)/d₁. Non-integer degrees of freedom are allowed; non-positive ones give NaN.
public struct FDistribution: Sendable, Equatable {
    /// Numerator degrees of freedom d₁ > 0.
    public let numeratorDegreesOfFreedom: Double
    /// Denominator degrees of freedom d₂ > 0 (∞ allowed).
    public let denominatorDegreesOfFreedom: Double

    public init(numeratorDegreesOfFreedom: Double, denominatorDegreesOfFreedom: Double) {
        self.numeratorDegreesOfFreedom = numeratorDegreesOfFreedom
        self.denominatorDegreesOfFreedom = denominatorDegreesOfFreedom
    }

    private var isValid: Bool { numeratorDegreesOfFreedom > 0 && denominatorDegreesOfFreedom > 0 }

    /// (x, y) = (d₁f/(d₁f+d₂), d₂/(d₁f+d₂)), each computed directly.
    private func betaArguments(_ f: Double) -> (x: Double, y: Double) {
        let n1f = numeratorDegreesOfFreedom * f, d2 = denominatorDegreesOfFreedom
        if n1f > d2 {
            let r = d2 / n1f
            return (1 / (1 + r), r / (1 + r))
        }
        let r = n1f / d2
        return (r / (1 + r), 1 / (1 + r))
    }

    private var chiSquared: ChiSquared { ChiSquared(degreesOfFreedom: numeratorDegreesOfFreedom) }

    /// P(F ≤ f).
    public func cdf(_ f: Double) -> Double {
        guard isValid, !f.isNaN else { return .nan }
        if f <= 0 { return 0 }
        if f.isInfinite { return 1 }
        if denominatorDegreesOfFreedom.isInfinite { return chiSquared.cdf(f * numeratorDegreesOfFreedom) }
        let (x, y) = betaArguments(f)
        return SpecialFunctions.incompleteBeta(a: numeratorDegreesOfFreedom / 2, b: denominatorDegreesOfFreedom / 2,
                                               x: x, y: y).lower
    }

    /// P(F > f), computed directly.
    public func sf(_ f: Double) -> Double {
        guard isValid, !f.isNaN else { return .nan }
        if f <= 0 { return 1 }
        if f.isInfinite { return 0 }
        if denominatorDegreesOfFreedom.isInfinite { return chiSquared.sf(f * numeratorDegreesOfFreedom) }
        let (x, y) = betaArguments(f)
        return SpecialFunctions.incompleteBeta(a: numeratorDegreesOfFreedom / 2, b: denominatorDegreesOfFreedom / 2,
                                               x: x, y: y).upper
    }

    /// The f with P(F ≤ f) = p; 0 at p = 0, ∞ at p = 1.
    public func quantile(_ p: Double) -> Double { invert(p: p, q: 1 - p) }

    /// The f with P(F > f) = p, accurate for tiny p.
    public func inverseSurvival(_ p: Double) -> Double { invert(p: 1 - p, q: p) }

    private func invert(p: Double, q: Double) -> Double {
        guard isValid, p >= 0, p <= 1 else { return .nan }
        if denominatorDegreesOfFreedom.isInfinite {
            return 2 * SpecialFunctions.inverseIncompleteGamma(a: numeratorDegreesOfFreedom / 2, p: p, q: q)
                / numeratorDegreesOfFreedom
        }
        if p == 0 { return 0 }
        if q == 0 { return .infinity }
        let (x, y) = SpecialFunctions.inverseIncompleteBeta(a: numeratorDegreesOfFreedom / 2,
                                                            b: denominatorDegreesOfFreedom / 2, p: p, q: q)
        return denominatorDegreesOfFreedom * x / (numeratorDegreesOfFreedom * y)
    }
}

/// The beta distribution Beta(α, β) on [0, 1]: P(X ≤ x) = I_x(α, β) ([DLMF 8.17.2](https://dlmf.nist.gov/8.17.2)).
///
/// α, β > 0; otherwise results are NaN.
public struct BetaDistribution: Sendable, Equatable {
    /// First shape parameter α > 0.
    public let alpha: Double
    /// Second shape parameter β > 0.
    public let beta: Double

    public init(alpha: Double, beta: Double) {
        self.alpha = alpha
        self.beta = beta
    }

    private var isValid: Bool { alpha > 0 && beta > 0 }

    /// P(X ≤ x).
    public func cdf(_ x: Double) -> Double {
        guard isValid, !x.isNaN else { return .nan }
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        return SpecialFunctions.incompleteBeta(a: alpha, b: beta, x: x, y: 1 - x).lower
    }

    /// P(X > x), computed directly.
    public func sf(_ x: Double) -> Double {
        guard isValid, !x.isNaN else { return .nan }
        if x <= 0 { return 1 }
        if x >= 1 { return 0 }
        return SpecialFunctions.incompleteBeta(a: alpha, b: beta, x: x, y: 1 - x).upper
    }

    /// The x with P(X ≤ x) = p.
    public func quantile(_ p: Double) -> Double {
        guard isValid else { return .nan }
        return SpecialFunctions.inverseIncompleteBeta(a: alpha, b: beta, p: p, q: 1 - p).x
    }

    /// The x with P(X > x) = p, accurate for tiny p.
    public func inverseSurvival(_ p: Double) -> Double {
        guard isValid else { return .nan }
        return SpecialFunctions.inverseIncompleteBeta(a: alpha, b: beta, p: 1 - p, q: p).x
    }
}
