import Foundation

/// How a weighted quantile is read off the weighted empirical distribution (R `survey` ≥ 4.1
/// `svyquantile(qrule = ...)`, `R/qrule.R`). Zero weights are dropped first. With x sorted,
/// cumulative weights C_k and total W, `pos` = the last k with C_k ≤ pW (1 if none) and
/// `next` = pos + 1 (capped at n):
public enum QuantileRule: String, Sendable, CaseIterable {
    /// x[pos] when C_pos = pW exactly, else x[next] (the lower inverse of F̂; also `hf1`).
    case math
    /// As `math`, but the average of x[pos] and x[next] when C_pos = pW (also `hf2`).
    case school
    case hf1, hf2
    /// As `math` on tied values pooled, taking x[pos] at an exact hit only when pos is even.
    case hf3
    /// Linear between x[pos] and x[next] by the weight fractions.
    case hf4
    /// Linear interpolation of x on p_k = (C_k − w_k/2)/W.
    case hf5
    /// Linear interpolation on p_k = C_k/(W + w_n).
    case hf6
    /// Linear interpolation on p_k = C_{k−1}/C_{n−1} (R's default `quantile()` generalised).
    case hf7
    /// Linear interpolation on p_k = (C_{k−1}/3 + 2C_k/3)/(W + w_n/3).
    case hf8
    /// Linear interpolation on p_k = (3C_{k−1}/8 + 5C_k/8)/(W + w_n/4).
    case hf9
}

/// How the interval of a quantile is built.
public enum QuantileIntervalType: String, Sendable, CaseIterable {
    /// Woodruff: a CI for F̂(q̂) = mean(x ≤ q̂) with t(df) quantiles, mapped back through the rule.
    case mean
    /// Woodruff with a Korn–Graubard (Clopper–Pearson) interval for F̂(q̂).
    case beta
    /// Woodruff with a logit-scale interval for F̂(q̂).
    case xlogit
    /// Woodruff with an arcsine-square-root interval for F̂(q̂).
    case asin
    /// Francisco–Fuller: inverts the design-based score test of P(X ≤ θ) = p.
    case score
    /// Replicate designs: q̂ ± t·SE with SE from the replicate quantiles.
    case quantile
}

/// One estimated quantile with its interval.
public struct QuantileEstimate: Sendable, Equatable {
    public var probability: Double
    public var quantile: Double
    public var lower: Double
    public var upper: Double
    /// (upper − lower)/(2·t_{1−α/2, df}), as R reports it.
    public var standardError: Double
    public var degreesOfFreedom: Double
}

/// A weighted quantile by `rule` (R `qrule_*`); `x` and `w` already restricted to the domain.
func weightedQuantile(_ x: [Double], _ w: [Double], _ p: Double, rule: QuantileRule) -> Double {
    var pairs = zip(x, w).filter { $0.1 != 0 }
    guard !pairs.isEmpty else { return .nan }
    pairs.sort { $0.0 < $1.0 }  // ties keep their values, so their order does not matter
    var xs = pairs.map(\.0)
    var ws = pairs.map(\.1)
    if rule == .hf3 {
        var ux: [Double] = [], uw: [Double] = []
        for (xi, wi) in zip(xs, ws) {
            if let last = ux.last, last == xi { uw[uw.count - 1] += wi } else { ux.append(xi); uw.append(wi) }
        }
        xs = ux; ws = uw
    }
    let n = xs.count
    var cum = [Double](repeating: 0, count: n)
    var s = 0.0
    for k in 0..<n { s += ws[k]; cum[k] = s }
    let total = cum[n - 1]
    // R qs(): pos = last k with C_k <= pW (index 0 if none), next = pos + 1 capped.
    var pos = 0
    for k in 0..<n where cum[k] <= p * total { pos = k }
    let next = pos == n - 1 ? pos : pos + 1
    let wlow = p - cum[pos] / total
    let wup = cum[next] / total - p
    func interpolate(_ pk: [Double]) -> Double {
        // R approx(pk, x, p, rule = 2).
        if p <= pk[0] { return xs[0] }
        if p >= pk[n - 1] { return xs[n - 1] }
        var j = 0
        while j + 1 < n, pk[j + 1] < p { j += 1 }
        let (p0, p1) = (pk[j], pk[j + 1])
        if p1 == p0 { return xs[j + 1] }
        return xs[j] + (xs[j + 1] - xs[j]) * (p - p0) / (p1 - p0)
    }
    switch rule {
    case .math, .hf1: return wlow == 0 ? xs[pos] : xs[next]
    case .school, .hf2: return wlow == 0 ? (xs[pos] + xs[next]) / 2 : xs[next]
    case .hf3: return (wlow == 0 && (pos + 1) % 2 == 0) ? xs[pos] : xs[next]
    case .hf4:
        let gamma = wlow / (wup + wlow)
        return xs[pos] * (1 - gamma) + xs[next] * gamma
    case .hf5: return interpolate((0..<n).map { (cum[$0] - ws[$0] / 2) / total })
    case .hf6: return interpolate(cum.map { $0 / (total + ws[n - 1]) })
    case .hf7:
        guard n > 1 else { return xs[0] }
        return interpolate((0..<n).map { ($0 == 0 ? 0 : cum[$0 - 1]) / cum[n - 2] })
    case .hf8: return interpolate((0..<n).map { (($0 == 0 ? 0 : cum[$0 - 1]) / 3 + cum[$0] * 2 / 3) / (total + ws[n - 1] / 3) })
    case .hf9: return interpolate((0..<n).map { (($0 == 0 ? 0 : cum[$0 - 1]) * 3 / 8 + cum[$0] * 5 / 8) / (total + ws[n - 1] / 4) })
    }
}

extension DesignBasedVariance {
    /// Quantiles of `x` in a domain with design-based confidence intervals (R `svyquantile`,
    /// survey ≥ 4.1).
    ///
    /// - Parameters:
    ///   - x: values; NaN = missing (out of the domain, R `na.rm = TRUE`).
    ///   - probabilities: each in [0, 1].
    ///   - domain: rows of the domain (nil = all).
    ///   - rule: how the quantile is read off the weighted ECDF.
    ///   - interval: the interval construction (`.quantile` needs a ``ReplicateDesign``).
    ///   - level: confidence level (R `1 − alpha`).
    ///   - degreesOfFreedom: df of the t quantiles; nil = the domain's design df.
    /// - Returns: one ``QuantileEstimate`` per probability. Bounds whose proportion interval
    ///   leaves [0, 1] are NaN, as in R.
    /// - Throws: `invalidArgument`, `emptyDomain`, `lonelyPSU`.
    public func quantiles(_ x: [Double], probabilities: [Double], domain: [Bool]? = nil, rule: QuantileRule = .math,
                          interval: QuantileIntervalType = .mean, level: Double = 0.95,
                          degreesOfFreedom: Double? = nil) throws -> [QuantileEstimate] {
        guard level > 0, level < 1 else { throw DesignError(.invalidArgument, "confidence level \(level) is not in (0, 1)") }
        for p in probabilities where !(p >= 0 && p <= 1) {
            throw DesignError(.invalidArgument, "quantile probability \(p) is not in [0, 1]")
        }
        let active = try activeRows([x], domain: domain)
        let rows = (0..<rowCount).filter { active[$0] }
        let xs = rows.map { x[$0] }
        let ws = rows.map { weights[$0] }
        guard ws.contains(where: { $0 > 0 }) else {
            throw DesignError(.emptyDomain, "the domain has no rows with positive weight and a non-missing value")
        }
        // The domain's df (as R's degf(subset)), from a trivial estimate on the domain.
        let domainDF = try mean(x.map { $0.isNaN ? .nan : 0 }, domain: domain, deff: false, baseline: .withoutReplacement)
            .degreesOfFreedom
        let df = degreesOfFreedom ?? domainDF
        let crit = criticalValue(level: level, degreesOfFreedom: df)
        return try probabilities.map { p in
            let q = weightedQuantile(xs, ws, p, rule: rule)
            var lower = Double.nan, upper = Double.nan
            switch interval {
            case .mean, .beta, .xlogit, .asin:
                let method: SurveyProportionMethod = interval == .mean ? .mean : interval == .beta ? .beta
                    : interval == .xlogit ? .xlogit : .asin
                let indicator = x.map { $0.isNaN ? .nan : ($0 <= q ? 1.0 : 0.0) }
                let ci = try proportionInterval(indicator, domain: domain, method: method, level: level, degreesOfFreedom: df)
                lower = ci.lower.isNaN || ci.lower < 0 ? .nan : weightedQuantile(xs, ws, ci.lower, rule: rule)
                upper = ci.upper.isNaN || ci.upper > 1 ? .nan : weightedQuantile(xs, ws, ci.upper, rule: rule)
            case .score:
                (lower, upper) = try scoreInterval(x, xs: xs, ws: ws, domain: domain, p: p, level: level, df: df, rule: rule)
            case .quantile:
                guard let rep = self as? ReplicateDesign else {
                    throw DesignError(.invalidArgument, "interval type 'quantile' needs replicate weights",
                                      hint: "use mean (Woodruff), beta, xlogit, asin or score for a linearisation design")
                }
                let reps = rep.replicateWeights.map { column in weightedQuantile(xs, rows.map { column[$0] }, p, rule: rule) }
                let v = try rep.covariance([ReplicateEstimate(value: q, replicates: reps, n: rows.count, domain: active)])[0][0]
                (lower, upper) = (q - v.squareRoot() * crit, q + v.squareRoot() * crit)
            }
            return QuantileEstimate(probability: p, quantile: q, lower: lower, upper: upper,
                                    standardError: (upper - lower) / (2 * crit), degreesOfFreedom: df)
        }
    }

    /// Francisco–Fuller score interval (R `ffullerCI`): roots θ of
    /// mean(1{x > θ} − (1 − p)) / SE = ±t_{α/2}, found as R does with Brent's method on
    /// [min + IQR/100, max − IQR/100] to tolerance 1/(100√n); each root θ is mapped to the
    /// rule's quantile at the (unweighted, as in R) share of values ≤ θ.
    func scoreInterval(_ x: [Double], xs: [Double], ws: [Double], domain: [Bool]?, p: Double, level: Double,
                       df: Double, rule: QuantileRule) throws -> (Double, Double) {
        let alpha = 1 - level
        let qUpper = df.isInfinite ? -Normal.quantile(alpha / 2) : -StudentT(degreesOfFreedom: df).quantile(alpha / 2)
        func score(_ theta: Double, _ limit: Double) throws -> Double {
            let u = x.map { $0.isNaN ? .nan : (($0 > theta ? 1.0 : 0.0) - (1 - p)) }
            let m = try mean(u, domain: domain, deff: false, baseline: .withoutReplacement)
            return m.value / m.standardError - limit
        }
        let sorted = xs.sorted()
        let iqr = typeSevenQuantile(sorted, 0.75) - typeSevenQuantile(sorted, 0.25)
        guard let lo = sorted.first, let hi = sorted.last else { return (.nan, .nan) }
        let a = lo + iqr / 100, b = hi - iqr / 100
        let tol = 1 / (100 * Double(xs.count).squareRoot())
        let thetaLow = try brentRoot(a, b, tol: tol) { try score($0, qUpper) }
        let thetaHigh = try brentRoot(a, b, tol: tol) { try score($0, -qUpper) }
        let n = Double(xs.count)
        let fLow = Double(xs.filter { $0 <= thetaLow }.count) / n
        let fHigh = Double(xs.filter { $0 <= thetaHigh }.count) / n
        return (weightedQuantile(xs, ws, fLow, rule: rule), weightedQuantile(xs, ws, fHigh, rule: rule))
    }
}

/// R's default (type 7) sample quantile of sorted values.
func typeSevenQuantile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let h = Double(sorted.count - 1) * p
    let j = Int(h.rounded(.down))
    let g = h - Double(j)
    return j + 1 < sorted.count ? sorted[j] + g * (sorted[j + 1] - sorted[j]) : sorted[j]
}

/// Brent's root finder as in R's `uniroot` (`R_zeroin2`, netlib zeroin): finds x in [a, b] with
/// f(x) ≈ 0 to tolerance `tol`; f(a) and f(b) must differ in sign.
/// - Throws: `invalidArgument` when the end points do not bracket a root.
func brentRoot(_ ax: Double, _ bx: Double, tol: Double, maxIterations: Int = 1000,
               _ f: (Double) throws -> Double) throws -> Double {
    var a = ax, b = bx
    var fa = try f(a), fb = try f(b)
    guard fa * fb <= 0 else {
        throw DesignError(.invalidArgument, "the score test does not change sign over the data range",
                          hint: "use a Woodruff interval (mean, beta, xlogit or asin) for this variable")
    }
    if fa == 0 { return a }
    if fb == 0 { return b }
    var c = a, fc = fa
    let eps = Double.ulpOfOne
    for _ in 0..<maxIterations {
        let prevStep = b - a
        if abs(fc) < abs(fb) {
            a = b; b = c; c = a
            fa = fb; fb = fc; fc = fa
        }
        let tolAct = 2 * eps * abs(b) + tol / 2
        var newStep = (c - b) / 2
        if abs(newStep) <= tolAct || fb == 0 { return b }
        if abs(prevStep) >= tolAct && abs(fa) > abs(fb) {
            var p: Double, q: Double
            let cb = c - b
            if a == c {
                let t1 = fb / fa
                p = cb * t1
                q = 1 - t1
            } else {
                let qq = fa / fc, t1 = fb / fc, t2 = fb / fa
                p = t2 * (cb * qq * (qq - t1) - (b - a) * (t1 - 1))
                q = (qq - 1) * (t1 - 1) * (t2 - 1)
            }
            if p > 0 { q = -q } else { p = -p }
            if p < 0.75 * cb * q - abs(tolAct * q) / 2 && p < abs(prevStep * q / 2) { newStep = p / q }
        }
        if abs(newStep) < tolAct { newStep = newStep > 0 ? tolAct : -tolAct }
        a = b; fa = fb
        b += newStep; fb = try f(b)
        if (fb > 0 && fc > 0) || (fb < 0 && fc < 0) { c = a; fc = fa }
    }
    return b
}
