#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The standard normal distribution N(0, 1) ([DLMF 7.2.2](https://dlmf.nist.gov/7.2.2)).
///
/// Tails are computed directly: `cdf(x)` for x → −∞ and `sf(x)` for x → +∞ keep full relative
/// accuracy until they underflow (about |x| > 38.5). NaN in, NaN out; ±∞ give 0 or 1.
public enum Normal {
    /// Density φ(x) = exp(−x²/2)/√(2π).
    public static func pdf(_ x: Double) -> Double {
        exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
    }

    /// P(Z ≤ x) = ½ erfc(−x/√2).
    public static func cdf(_ x: Double) -> Double { upperTail(-x) }

    /// P(Z > x) = ½ erfc(x/√2), computed directly (never 1 − cdf).
    public static func sf(_ x: Double) -> Double { upperTail(x) }

    /// ½ erfc(x/√2) with the rounding error of x/√2 corrected to first order
    /// (d erfc(u)/du = −2/√π e^(−u²)); without it the relative error grows like x²·ε in the tail.
    private static func upperTail(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x.isInfinite { return x > 0 ? 0 : 1 }
        let s = 0.7071067811865476            // nearest double to 1/√2
        let sLow = -4.8336466567264567e-17     // 1/√2 − s
        let u = x * s
        let error = fma(x, s, -u) + x * sLow   // (x/√2) − u, exactly to first order
        let base = erfc(u)
        if error == 0 || !base.isFinite { return 0.5 * base }
        let derivative = 2 / Double.pi.squareRoot() * exp(-u * u)
        return 0.5 * (base - derivative * error)
    }

    /// The quantile z with P(Z ≤ z) = p; −∞ at 0, +∞ at 1, NaN outside [0, 1].
    ///
    /// Start from Abramowitz & Stegun 26.2.23 (|error| < 4.5·10⁻⁴), then Halley steps on the directly
    /// computed lower tail (the refinement used by P. J. Acklam's algorithm), which converge cubically
    /// to full double precision; for p > ½ the symmetric lower-tail problem in 1 − p is solved.
    public static func quantile(_ p: Double) -> Double {
        guard p >= 0, p <= 1 else { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        if p > 0.5 { return -lowerQuantile(1 - p) }
        return lowerQuantile(p)
    }

    /// The z with P(Z > z) = p, i.e. `−quantile(p)`, accurate for tiny p.
    public static func inverseSurvival(_ p: Double) -> Double {
        -quantile(p)
    }

    /// Quantile for 0 < p ≤ ½ (z ≤ 0).
    private static func lowerQuantile(_ p: Double) -> Double {
        if p == 0.5 { return 0 }
        let t = (-2 * log(p)).squareRoot()
        let numerator = 2.515517 + t * (0.802853 + t * 0.010328)
        let denominator = 1 + t * (1.432788 + t * (0.189269 + t * 0.001308))
        var z = -(t - numerator / denominator)
        for _ in 0..<8 {
            let density = pdf(z)
            if density == 0 { break }
            let r = (cdf(z) - p) / density
            let step = r / (1 + 0.5 * z * r)
            z -= step
            if abs(step) <= 1e-17 * max(1, abs(z)) { break }
        }
        return z
    }
}
