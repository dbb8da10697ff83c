#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Special functions behind the continuous and discrete distributions: log-gamma, log-beta, the
/// regularized incomplete gamma and beta functions and their inverses.
///
/// Both tails of every incomplete function are computed directly (never as `1 − other` for the
/// small tail), so upper-tail probabilities keep full relative accuracy down to the underflow
/// threshold. The "power terms" xᵃyᵇ/B(a,b) and xᵃe⁻ˣ/Γ(a) are evaluated in the saddle-point form
/// of Loader (2000), *Fast and accurate computation of binomial probabilities*: Stirling-series
/// errors δ(·) plus a deviance term that is computed without cancellation, so that large shape
/// parameters (10⁶) lose no accuracy to `lgamma` of huge arguments.
///
/// Arguments outside a function's domain give NaN; NaN in, NaN out.
public enum SpecialFunctions {

    // MARK: Gamma and beta functions

    /// log Γ(x) for x > 0 ([DLMF 5.2.1](https://dlmf.nist.gov/5.2.1)); the C library `lgamma`.
    ///
    /// Returns +∞ at 0, NaN for NaN. For negative non-integers the log of |Γ(x)| is returned.
    public static func logGamma(_ x: Double) -> Double {
        lgamma(x)
    }

    /// log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b) ([DLMF 5.12.1](https://dlmf.nist.gov/5.12.1)).
    ///
    /// Domain a, b > 0 (NaN otherwise). For large arguments the Stirling form is used so the three
    /// large log-gamma values never cancel.
    public static func logBeta(_ a: Double, _ b: Double) -> Double {
        guard a > 0, b > 0 else { return .nan }
        let small = min(a, b), large = max(a, b)
        if large < 10 { return lgamma(small) + lgamma(large) - lgamma(small + large) }
        let n = small + large
        if small < 10 {
            // log Γ(large) − log Γ(n) by Stirling: −(n − ½) log1p(small/large) − small·log(large) + small + δ(large) − δ(n)
            let ratio = -(n - 0.5) * log1p(small / large) - small * log(large) + small
                + stirlingError(large) - stirlingError(n)
            return lgamma(small) + ratio
        }
        // Both large: ½ log 2π + (a−½)log(a/n) + (b−½)log(b/n) − ½ log n + δ(a) + δ(b) − δ(n)
        return 0.5 * log(2 * Double.pi) + (small - 0.5) * log(small / n) + (large - 0.5) * log1p(-small / n)
            - 0.5 * log(n) + stirlingError(small) + stirlingError(large) - stirlingError(n)
    }

    /// Stirling-series error δ(z) = log Γ(z) − [(z − ½) log z − z + ½ log 2π] for z > 0
    /// ([DLMF 5.11.1](https://dlmf.nist.gov/5.11.1)); the asymptotic series for z ≥ 10, else `lgamma`.
    static func stirlingError(_ z: Double) -> Double {
        if z >= 10 {
            let r = 1 / z, r2 = r * r
            // 1/12z − 1/360z³ + 1/1260z⁵ − 1/1680z⁷ + 1/1188z⁹ − 691/360360z¹¹ + 1/156z¹³
            return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680
                - r2 * (1.0 / 1188 - r2 * (691.0 / 360360 - r2 / 156))))))
        }
        return lgamma(z) - ((z - 0.5) * log(z) - z + 0.5 * log(2 * Double.pi))
    }

    /// log(1 + t) − t without cancellation, for t > −1.
    ///
    /// For −½ < t < 1 the series 2Σ v^(2j+1)/(2j+1) in v = t/(2 + t) (Loader's `bd0` form) is used.
    static func log1pMinusX(_ t: Double) -> Double {
        if t > -0.5 && t < 1 {
            let v = t / (2 + t)
            let v2 = v * v
            // log1p(t) − t = −t·v + 2Σ_{j≥1} v^(2j+1)/(2j+1)   (since log1p(t) = 2 atanh v and t − 2v = t·v)
            var term = v * v2
            var sum = 0.0
            var j = 3.0
            while true {
                let add = term / j
                sum += add
                if abs(add) <= abs(sum) * 1e-17 { break }
                term *= v2
                j += 2
            }
            return -t * v + 2 * sum
        }
        return log1p(t) - t
    }

    // MARK: Power terms

    /// xᵃ (1−x)ᵇ / B(a, b), given x and y = 1 − x separately (the smaller of the two must be accurate;
    /// the larger is derived from it).
    static func betaPowerTerm(a: Double, b: Double, x: Double, y: Double) -> Double {
        if x <= 0 || y <= 0 { return 0 }
        let n = a + b
        let x0 = a / n, y0 = b / n
        // d = x − x0 = y0 − y, from the smaller argument.
        let d = x <= y ? x - x0 : y0 - y
        let t1 = d / x0, t2 = -d / y0
        // a·log(x/x0) + b·log(y/y0) = a·L(t1) + b·L(t2) because a·t1 + b·t2 = n·d − n·d = 0.
        var e = 0.0
        if t1 < -0.9 {
            let logRatio = x <= y ? log(x) - log(x0) : log1p(-y) - log(x0)
            e += a * (logRatio - t1)
        } else {
            e += a * log1pMinusX(t1)
        }
        if t2 < -0.9 {
            let logRatio = y <= x ? log(y) - log(y0) : log1p(-x) - log(y0)
            e += b * (logRatio - t2)
        } else {
            e += b * log1pMinusX(t2)
        }
        let delta = stirlingError(n) - stirlingError(a) - stirlingError(b)
        return (a * b / (2 * Double.pi * n)).squareRoot() * exp(e + delta)
    }

    /// xᵃ e⁻ˣ / Γ(a) for a > 0, x ≥ 0.
    static func gammaPowerTerm(a: Double, x: Double) -> Double {
        if x == 0 { return 0 }
        if x.isInfinite { return 0 }
        let t = (x - a) / a
        // a·log(x/a) − (x − a) = a·L(t)
        let e = t < -0.9 ? a * (log(x / a) - t) : a * log1pMinusX(t)
        return (a / (2 * Double.pi)).squareRoot() * exp(e - stirlingError(a))
    }

    // MARK: Incomplete gamma

    /// Regularized lower incomplete gamma P(a, x) = γ(a, x)/Γ(a) ([DLMF 8.2.4](https://dlmf.nist.gov/8.2.4)).
    ///
    /// Domain a > 0, x ≥ 0 (NaN otherwise); P(a, ∞) = 1.
    public static func regularizedGammaP(a: Double, x: Double) -> Double {
        incompleteGamma(a: a, x: x).lower
    }

    /// Regularized upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a) = 1 − P(a, x), computed directly.
    ///
    /// Domain a > 0, x ≥ 0 (NaN otherwise); Q(a, ∞) = 0.
    public static func regularizedGammaQ(a: Double, x: Double) -> Double {
        incompleteGamma(a: a, x: x).upper
    }

    /// Both tails of the regularized incomplete gamma function.
    ///
    /// Series (DLMF 8.7.1) for x < a + 1, Legendre continued fraction (DLMF 8.9.2) evaluated by the
    /// modified Lentz method (Press et al., *Numerical Recipes*, 3rd ed., §6.2 and §5.2) otherwise;
    /// the other tail is 1 − (the computed one), which is then the larger.
    static func incompleteGamma(a: Double, x: Double) -> (lower: Double, upper: Double) {
        guard a > 0, x >= 0, !a.isNaN, !x.isNaN else { return (.nan, .nan) }
        if x == 0 { return (0, 1) }
        if x.isInfinite { return (1, 0) }
        if a.isInfinite { return (0, 1) }
        if a < 1 && x < 1.5 {
            // Small a: P is near 1 and 1 − P would lose the digits of Q; compute Q directly too.
            return (gammaSeries(a: a, x: x), gammaUpperSmallShape(a: a, x: x))
        }
        if x < a + 1 && !(a < 1) {
            let p = gammaSeries(a: a, x: x)
            return (p, 1 - p)
        }
        let q = gammaContinuedFraction(a: a, x: x)
        return (1 - q, q)
    }

    private static func gammaSeries(a: Double, x: Double) -> Double {
        let prefix = gammaPowerTerm(a: a, x: x) / a
        if prefix == 0 { return 0 }
        var term = 1.0, sum = 1.0, ap = a
        var compensation = 0.0
        for _ in 0..<10_000_000 {
            ap += 1
            term *= x / ap
            // Kahan summation: the series can need thousands of terms when a is large.
            let y = term - compensation
            let t = sum + y
            compensation = (t - sum) - y
            sum = t
            if term < sum * 1e-17 { break }
        }
        return min(1, prefix * sum)
    }

    /// Q(a, x) for 0 < a < 1, x < 1.5 from the termwise-integrated series DLMF 8.7.1:
    /// Q = [1 − xᵃ/Γ(1+a)] − xᵃ/Γ(1+a) · a Σ_{n≥1} (−x)ⁿ/(n!(a+n)), the bracket by `expm1`
    /// (the split used by DiDonato & Morris 1986, ACM TOMS 12, Algorithm 654).
    private static func gammaUpperSmallShape(a: Double, x: Double) -> Double {
        var term = 1.0, sum = 0.0
        for n in 1..<200 {
            term *= -x / Double(n)
            let add = term / (a + Double(n))
            sum += add
            if abs(add) <= 1e-17 * abs(sum) { break }
        }
        let logPower = a * log(x) - lgamma(1 + a)
        return max(0, -expm1(logPower) - exp(logPower) * a * sum)
    }

    private static func gammaContinuedFraction(a: Double, x: Double) -> Double {
        let prefix = gammaPowerTerm(a: a, x: x)
        if prefix == 0 { return 0 }
        // 1/(b₀ + a₁/(b₁ + a₂/(b₂ + …))) with b_i = x + 2i + 1 − a, a_i = −i(i − a).
        var lentz = Lentz(start: x + 1 - a)
        for i in 1..<10_000_000 {
            let delta = lentz.step(numerator: -Double(i) * (Double(i) - a), denominator: x + 1 - a + 2 * Double(i))
            if abs(delta - 1) < 1e-16 { break }
        }
        return min(1, prefix / lentz.value)
    }

    // MARK: Incomplete beta

    /// Regularized incomplete beta function I_x(a, b) = B(x; a, b)/B(a, b)
    /// ([DLMF 8.17.2](https://dlmf.nist.gov/8.17.2)).
    ///
    /// Domain a, b > 0 and 0 ≤ x ≤ 1 (NaN otherwise).
    public static func regularizedIncompleteBeta(a: Double, b: Double, x: Double) -> Double {
        guard x >= 0, x <= 1 else { return .nan }
        return incompleteBeta(a: a, b: b, x: x, y: 1 - x).lower
    }

    /// The complement 1 − I_x(a, b) = I_{1−x}(b, a), computed directly.
    public static func complementedIncompleteBeta(a: Double, b: Double, x: Double) -> Double {
        guard x >= 0, x <= 1 else { return .nan }
        return incompleteBeta(a: a, b: b, x: x, y: 1 - x).upper
    }

    /// Both tails (I_x(a, b), 1 − I_x(a, b)) given x and y = 1 − x separately, so that callers who
    /// know 1 − x more accurately than `1 - x` (t and F distributions) keep that accuracy.
    ///
    /// The continued fraction DLMF 8.17.22 (Lentz) on whichever of (a, b, x) and (b, a, y) lies below
    /// the mean-ish switch point x < (a + 1)/(a + b + 2), where it converges fast.
    static func incompleteBeta(a: Double, b: Double, x: Double, y: Double) -> (lower: Double, upper: Double) {
        guard a > 0, b > 0, x >= 0, y >= 0, !x.isNaN, !y.isNaN else { return (.nan, .nan) }
        if x == 0 { return (0, 1) }
        if y == 0 { return (1, 0) }
        // One shape parameter huge, the other moderate: the continued fraction needs thousands of
        // terms and accumulates rounding; use the large-parameter expansion instead.
        if max(a, b) >= largeShapeThreshold && min(a, b) <= min(1000, max(a, b) / 50) {
            if a >= b { return betaLargeShapeExpansion(a: a, b: b, x: x, y: y) }
            let swapped = betaLargeShapeExpansion(a: b, b: a, x: y, y: x)
            return (swapped.upper, swapped.lower)
        }
        if x < (a + 1) / (a + b + 2) {
            let lower = betaContinuedFraction(a: a, b: b, x: x, y: y)
            return (lower, 1 - lower)
        }
        let upper = betaContinuedFraction(a: b, b: a, x: y, y: x)
        return (1 - upper, upper)
    }

    /// Shape size from which `betaLargeShapeExpansion` replaces the continued fraction.
    static let largeShapeThreshold = 500.0

    /// Bernoulli numbers B₂, B₄, …, B₃₀ (DLMF Table 24.2.1).
    private static let bernoulli: [Double] = [
        1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6, -3617.0 / 510,
        43867.0 / 798, -174611.0 / 330, 854513.0 / 138, -236364091.0 / 2730, 8553103.0 / 6,
        -23749461029.0 / 870, 8615841276005.0 / 14322,
    ]

    /// Both tails of I_x(a, b) for large a (a ≫ b), by the expansion in incomplete gamma functions of
    /// Temme / DiDonato & Morris (1992, ACM TOMS 18, §"BGRAT"), derived as follows. With t = e⁻ᵘ and
    /// ν = a + (b − 1)/2,
    ///
    ///     I_x(a,b) = 1/B(a,b) ∫_{−ln x}^∞ e^(−νu) u^(b−1) (sinh(u/2)/(u/2))^(b−1) du,
    ///
    /// and expanding (sinh(u/2)/(u/2))^(b−1) = Σ dₙ u²ⁿ (dₙ from log(sinh w/w) = Σ B₂ₖ(2w)²ᵏ/(2k(2k)!))
    /// gives I_x(a,b) = Γ(a+b)/(Γ(a)νᵇ) Σ dₙ (b)₂ₙ ν⁻²ⁿ Q(b + 2n, z), z = −ν ln x. The same sum with
    /// P(b + 2n, z) gives the upper tail, so both tails are computed directly. The terms fall like
    /// (2n)!/(2πν)²ⁿ, so a few suffice when ν is large.
    static func betaLargeShapeExpansion(a: Double, b: Double, x: Double, y: Double) -> (lower: Double, upper: Double) {
        let nu = a + (b - 1) / 2
        let logX = x <= 0.5 ? log(x) : log1p(-y)
        let z = -nu * logX
        // log K = log Γ(a+b) − log Γ(a) − b log ν, by Stirling differences (no large cancellation).
        // (a − ½)·log1p(b/a) − b = a·[log1p(t) − t] − ½·log1p(t), t = b/a, written without cancellation.
        let t = b / a
        let logK = a * log1pMinusX(t) - 0.5 * log1p(t) + b * log1p((b + 1) / (2 * nu))
            + stirlingError(a + b) - stirlingError(a)
        let k = exp(logK)
        // g_k: coefficients of u^(2k) in (b − 1) log(sinh(u/2)/(u/2)).
        let g = bernoulli.enumerated().map { index, b2k -> Double in
            let k2 = Double(2 * (index + 1))
            return (b - 1) * b2k / (k2 * exp(lgamma(k2 + 1)))
        }
        var d: [Double] = [1]
        var lower = 0.0, upper = 0.0
        var pochhammer = 1.0 // (b)_{2n} ν^{−2n}
        for n in 0..<g.count {
            if n > 0 {
                // exp of a power series: dₙ = (1/n) Σ_{j=1}^{n} j g_j d_{n−j}
                var s = 0.0
                for j in 1...n { s += Double(j) * g[j - 1] * d[n - j] }
                d.append(s / Double(n))
                let s2 = b + Double(2 * n)
                pochhammer *= (s2 - 2) * (s2 - 1) / (nu * nu)
            }
            let weight = d[n] * pochhammer
            let tails = incompleteGamma(a: b + Double(2 * n), x: z)
            let termLower = weight * tails.upper, termUpper = weight * tails.lower
            lower += termLower
            upper += termUpper
            if abs(weight) <= 1e-17 * max(abs(lower + upper), 1e-300) && n > 0 { break }
        }
        return (min(1, max(0, k * lower)), min(1, max(0, k * upper)))
    }

    /// I_x(a, b) = xᵃyᵇ/(a B(a,b)) · 1/(1 + d₁/(1 + d₂/(1 + …))) by the modified Lentz method.
    private static func betaContinuedFraction(a: Double, b: Double, x: Double, y: Double) -> Double {
        let prefix = betaPowerTerm(a: a, b: b, x: x, y: y) / a
        if prefix == 0 { return 0 }
        // 1 + d₁/(1 + d₂/(1 + …)) with d₂ₘ₊₁ = −(a+m)(a+b+m)x/((a+2m)(a+2m+1)),
        // d₂ₘ = m(b−m)x/((a+2m−1)(a+2m)).
        var lentz = Lentz(start: 1)
        _ = lentz.step(numerator: -(a + b) * x / (a + 1), denominator: 1)
        for mi in 1..<10_000_000 {
            let m = Double(mi), m2 = 2 * m
            _ = lentz.step(numerator: m * (b - m) * x / ((a - 1 + m2) * (a + m2)), denominator: 1)
            let delta = lentz.step(numerator: -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1 + m2)),
                                   denominator: 1)
            if abs(delta - 1) < 1e-16 { break }
        }
        return min(1, prefix / lentz.value)
    }

    // MARK: Inverses

    /// The x with I_x(a, b) = p ([DLMF 8.17](https://dlmf.nist.gov/8.17)); 0 at p = 0, 1 at p = 1,
    /// NaN outside [0, 1] or for a, b ≤ 0.
    public static func inverseRegularizedIncompleteBeta(a: Double, b: Double, p: Double) -> Double {
        inverseIncompleteBeta(a: a, b: b, p: p, q: 1 - p).x
    }

    /// The x with 1 − I_x(a, b) = q, solving the upper tail directly (accurate for tiny q).
    public static func inverseComplementedIncompleteBeta(a: Double, b: Double, q: Double) -> Double {
        inverseIncompleteBeta(a: a, b: b, p: 1 - q, q: q).x
    }

    /// The x with P(a, x) = p; 0 at p = 0, ∞ at p = 1, NaN outside [0, 1] or for a ≤ 0.
    public static func inverseRegularizedGammaP(a: Double, p: Double) -> Double {
        inverseIncompleteGamma(a: a, p: p, q: 1 - p)
    }

    /// The x with Q(a, x) = q, solving the upper tail directly (accurate for tiny q).
    public static func inverseRegularizedGammaQ(a: Double, q: Double) -> Double {
        inverseIncompleteGamma(a: a, p: 1 - q, q: q)
    }

    /// Solves I_x(a, b) = p (equivalently 1 − I_x = q; the smaller of p, q is the one used) and returns
    /// both x and y = 1 − x, the smaller of which carries full relative accuracy.
    ///
    /// The root is sought for whichever of x, y is ≤ ½ (deciding by I_½(a, b)), by safeguarded Newton
    /// iteration on log(tail) against log(x) — the tail behaves like a power of x near 0 — with a
    /// bisection fallback inside a maintained bracket (cf. DiDonato & Morris 1992, ACM TOMS 18,
    /// Algorithm 708, which also iterates on the directly computed tails).
    static func inverseIncompleteBeta(a: Double, b: Double, p: Double, q: Double) -> (x: Double, y: Double) {
        guard a > 0, b > 0, p >= 0, q >= 0, p <= 1, q <= 1 else { return (.nan, .nan) }
        if p == 0 { return (0, 1) }
        if q == 0 { return (1, 0) }
        let half = incompleteBeta(a: a, b: b, x: 0.5, y: 0.5)
        if p <= half.lower {
            let u = solveBetaSmallVariable(a: a, b: b, p: p, q: q)
            return (u, 1 - u)
        }
        // I_x(a,b) = p  ⇔  I_y(b,a) = q
        let v = solveBetaSmallVariable(a: b, b: a, p: q, q: p)
        return (1 - v, v)
    }

    /// Finds u ∈ (0, ½] with I_u(a, b) = p (1 − I_u = q).
    private static func solveBetaSmallVariable(a: Double, b: Double, p: Double, q: Double) -> Double {
        let useLower = p <= q
        let target = log(useLower ? p : q)
        func h(_ u: Double) -> (value: Double, slope: Double) {
            let tails = incompleteBeta(a: a, b: b, x: u, y: 1 - u)
            let tail = useLower ? tails.lower : tails.upper
            // d tail / d log u = ± u·pdf = ± power/(1 − u)
            let dens = betaPowerTerm(a: a, b: b, x: u, y: 1 - u) / (1 - u)
            return (log(tail) - target, (useLower ? dens : -dens) / tail)
        }
        // Initial guess from I_u ≈ uᵃ/(a B(a,b)) near 0 (lower tail), clamped into the bracket.
        var guess = exp((log(p) + log(a) + logBeta(a, b)) / a)
        if !(guess > 0 && guess < 0.5) { guess = 0.25 }
        return solveMonotone(lo: 0, hi: 0.5, start: guess, increasing: useLower, function: h)
    }

    /// Solves P(a, x) = p (or Q(a, x) = q with the smaller of the two).
    static func inverseIncompleteGamma(a: Double, p: Double, q: Double) -> Double {
        guard a > 0, p >= 0, q >= 0, p <= 1, q <= 1 else { return .nan }
        if p == 0 { return 0 }
        if q == 0 { return .infinity }
        let useLower = p <= q
        let target = log(useLower ? p : q)
        func h(_ x: Double) -> (value: Double, slope: Double) {
            let tails = incompleteGamma(a: a, x: x)
            let tail = useLower ? tails.lower : tails.upper
            let dens = gammaPowerTerm(a: a, x: x) // x·pdf(x)
            return (log(tail) - target, (useLower ? dens : -dens) / tail)
        }
        // Wilson–Hilferty start (Abramowitz & Stegun 26.4.17), or the small-x power law.
        let z = useLower ? Normal.quantile(p) : -Normal.quantile(q)
        let c = 1 / (9 * a)
        var guess = a * pow(1 - c + z * c.squareRoot(), 3)
        let small = exp((log(p) + lgamma(a + 1)) / a)
        if !(guess > 0) || (useLower && small < guess * 0.5 && p < 0.1) { guess = small }
        if !(guess > 0 && guess.isFinite) { guess = a }
        // Upper bracket: double until the tail crosses.
        var hi = max(2 * guess, a + 1)
        for _ in 0..<2000 {
            let value = h(hi).value
            if useLower ? value >= 0 : value <= 0 { break }
            hi *= 2
        }
        return solveMonotone(lo: 0, hi: hi, start: min(guess, hi), increasing: useLower, function: h)
    }

    /// Safeguarded Newton iteration in log(x) for a monotone function h(x) = log(tail(x)) − log(target)
    /// on (lo, hi) with lo ≥ 0; `slope` is dh/d(log x). Falls back to bisection (geometric when the
    /// bracket spans orders of magnitude) whenever a step leaves the bracket.
    private static func solveMonotone(lo: Double, hi: Double, start: Double, increasing: Bool,
                                      function h: (Double) -> (value: Double, slope: Double)) -> Double {
        var lo = lo, hi = hi
        var x = start
        var lastStep = Double.infinity
        for _ in 0..<400 {
            let (value, slope) = h(x)
            if value == 0 { return x }
            if value.isNaN { // tail underflowed to 0 or overflowed: shrink toward the interior
                if increasing { lo = x } else { hi = x }
            } else if (value < 0) == increasing {
                lo = x
            } else {
                hi = x
            }
            var next = x
            if value.isFinite && slope.isFinite && slope != 0 {
                next = x * exp(-value / slope)
            }
            if !(next > lo && next < hi) || value.isNaN || !value.isFinite {
                if lo > 0 && hi / lo > 4 {
                    next = (lo * hi).squareRoot()
                } else if lo == 0 {
                    next = value.isInfinite && !increasing ? hi / 2 : x / 16
                    if !(next > lo && next < hi) { next = hi / 2 }
                } else {
                    next = 0.5 * (lo + hi)
                }
            }
            let step = abs(next - x)
            if step <= 2e-16 * abs(next) || next == x {
                return next
            }
            // Stop when Newton stalls (no progress relative to the previous step).
            if step >= lastStep && step <= 1e-14 * abs(next) { return next }
            lastStep = step
            x = next
            if hi - lo <= 2e-16 * hi { return x }
        }
        return x
    }
}

/// The modified Lentz method for a continued fraction b₀ + a₁/(b₁ + a₂/(b₂ + …))
/// (Press et al., *Numerical Recipes*, 3rd ed., §5.2; Lentz 1976, Thompson & Barnett 1986).
struct Lentz {
    private static let tiny = 1e-300
    private var c: Double
    private var d = 0.0
    /// The current convergent.
    private(set) var value: Double

    init(start b0: Double) {
        value = b0 == 0 ? Self.tiny : b0
        c = value
    }

    /// Appends the term aⱼ/(bⱼ + …) and returns the factor by which the convergent changed.
    mutating func step(numerator a: Double, denominator b: Double) -> Double {
        d = b + a * d
        if abs(d) < Self.tiny { d = Self.tiny }
        c = b + a / c
        if abs(c) < Self.tiny { c = Self.tiny }
        d = 1 / d
        let delta = c * d
        value *= delta
        return delta
    }
}
