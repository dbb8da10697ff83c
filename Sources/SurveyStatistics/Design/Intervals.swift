import Foundation

/// The (1 + level)/2 quantile of Student's t on `df` degrees of freedom, the standard normal's
/// when `df` is infinite; NaN when level ∉ (0, 1) or df ≤ 0.
func criticalValue(level: Double, degreesOfFreedom df: Double) -> Double {
    guard level > 0, level < 1, df > 0 else { return .nan }
    let p = (1 + level) / 2
    return df.isInfinite ? Normal.quantile(p) : StudentT(degreesOfFreedom: df).quantile(p)
}

extension Estimate {
    /// The two-sided confidence interval `value ± q · SE` with q the (1 + level)/2 quantile of
    /// Student's t on ``degreesOfFreedom`` (the standard normal when it is `.infinity`), as R's
    /// `confint(..., df = degf(design))`.
    ///
    /// - Parameter level: confidence level in (0, 1), e.g. 0.95.
    /// - Returns: (lower, upper); both NaN when `level` is outside (0, 1), the degrees of
    ///   freedom are not positive, or the value or SE is NaN. An infinite SE gives infinite bounds.
    public func confidenceInterval(level: Double) -> (lower: Double, upper: Double) {
        let half = criticalValue(level: level, degreesOfFreedom: degreesOfFreedom) * standardError
        return (value - half, value + half)
    }
}

/// How ``DesignBasedVariance/proportionInterval(_:domain:method:level:degreesOfFreedom:)`` builds
/// the interval for a proportion (R `svyciprop(method = ...)`).
public enum SurveyProportionMethod: String, Sendable, CaseIterable {
    /// Wald interval on the logit scale from the intercept-only quasi-binomial model; at
    /// convergence its coefficient is logit(p̂) with variance var(p̂)/(p̂(1−p̂))², as `xlogit`.
    case logit
    /// Rao–Scott scaled profile likelihood of the quasi-binomial model.
    case likelihood
    /// Delta-method interval for asin(√p), mapped back with sin².
    case asin
    /// Clopper–Pearson with the Korn–Graubard effective sample size
    /// n* = p̂(1−p̂)/var · (t_{α/2, n−1}/t_{α/2, df})².
    case beta
    /// p̂ ± t·SE (can leave [0, 1]).
    case mean
    /// Delta-method interval for logit(p): expit(logit(p̂) ± t·SE/(p̂(1−p̂))).
    case xlogit
}

/// A proportion with its confidence interval.
public struct ProportionInterval: Sendable, Equatable {
    /// The estimated proportion (weighted mean of the 0/1 variable).
    public var estimate: Double
    /// √ of the design variance of the weighted mean.
    public var standardError: Double
    public var lower: Double
    public var upper: Double
    public var level: Double
    /// Degrees of freedom of the t quantiles (`.infinity` = normal).
    public var degreesOfFreedom: Double
    public var method: SurveyProportionMethod
    /// Rows that contributed.
    public var sampleSize: Int
}

/// expit(x) = 1/(1 + e^−x).
func expit(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

extension DesignBasedVariance {
    /// A confidence interval for a proportion in a domain (R `svyciprop`).
    ///
    /// - Parameters:
    ///   - y: values in [0, 1] (usually 0/1 indicators); NaN = missing (out of the domain).
    ///   - domain: rows of the domain (nil = all).
    ///   - method: the interval construction.
    ///   - level: confidence level in (0, 1).
    ///   - degreesOfFreedom: df of the t quantiles; nil = the domain's design df (R `degf(design)`).
    /// - Throws: `invalidArgument` for y outside [0, 1] or level ∉ (0, 1); `emptyDomain`, `lonelyPSU`.
    public func proportionInterval(_ y: [Double], domain: [Bool]? = nil, method: SurveyProportionMethod = .logit,
                                   level: Double = 0.95, degreesOfFreedom: Double? = nil) throws -> ProportionInterval {
        guard level > 0, level < 1 else {
            throw DesignError(.invalidArgument, "confidence level \(level) is not in (0, 1)", hint: "use e.g. 0.95")
        }
        let active = try activeRows([y], domain: domain)
        for i in 0..<rowCount where active[i] && !(y[i] >= 0 && y[i] <= 1) {
            throw DesignError(.invalidArgument, "row \(i + 1) has value \(y[i]); a proportion needs values in [0, 1]")
        }
        let m = try mean(y, domain: domain, deff: false, baseline: .withoutReplacement)
        let p = m.value, se = m.standardError, v = m.variance
        let df = degreesOfFreedom ?? m.degreesOfFreedom
        let t = criticalValue(level: level, degreesOfFreedom: df)
        var lower = Double.nan, upper = Double.nan
        switch method {
        case .mean:
            (lower, upper) = (p - t * se, p + t * se)
        case .asin:
            let theta = Foundation.asin(p.squareRoot())
            let seTheta = se / (2 * (p * (1 - p)).squareRoot())
            (lower, upper) = (pow(sin(theta - t * seTheta), 2), pow(sin(theta + t * seTheta), 2))
        case .xlogit, .logit:
            let eta = log(p / (1 - p))
            let seEta = method == .logit ? try modelLogitStandardError(y, domain: domain, p: p, se: se) : se / (p * (1 - p))
            (lower, upper) = (expit(eta - t * seEta), expit(eta + t * seEta))
        case .beta:
            // R: n = nrow(design) (rows of the domain), df = degf(design) of the domain.
            let n = Double(active.filter { $0 }.count)
            let alpha = 1 - level
            let ratio = StudentT(degreesOfFreedom: n - 1).quantile(alpha / 2)
                / StudentT(degreesOfFreedom: m.degreesOfFreedom).quantile(alpha / 2)
            let nEff = p * (1 - p) / v * ratio * ratio
            lower = BetaDistribution(alpha: nEff * p, beta: nEff * (1 - p) + 1).quantile(alpha / 2)
            upper = BetaDistribution(alpha: nEff * p + 1, beta: nEff * (1 - p)).quantile(1 - alpha / 2)
        case .likelihood:
            (lower, upper) = try likelihoodInterval(y, active: active, estimate: p, variance: v,
                                                    logitStandardError: try modelLogitStandardError(y, domain: domain, p: p, se: se),
                                                    level: level, df: df)
        }
        return ProportionInterval(estimate: p, standardError: se, lower: lower, upper: upper, level: level,
                                  degreesOfFreedom: df, method: method, sampleSize: m.sampleSize)
    }

    /// The design SE of the intercept of the quasi-binomial model y ~ 1 (R `svyglm`): by
    /// linearisation var(p̂)/(p̂(1−p̂))²; with replicate weights R refits the model per replicate,
    /// so it is the replicate SE of the replicate logits.
    func modelLogitStandardError(_ y: [Double], domain: [Bool]?, p: Double, se: Double) throws -> Double {
        guard let rep = self as? ReplicateDesign else { return se / (p * (1 - p)) }
        let r = try rep.replicateMean(y, domain: domain)
        let logits = ReplicateEstimate(value: log(p / (1 - p)), replicates: r.replicates.map { log($0 / (1 - $0)) },
                                       n: r.n, domain: r.domain)
        return try rep.covariance([logits])[0][0].squareRoot()
    }

    /// Rao–Scott scaled profile-likelihood interval for the intercept-only quasi-binomial model
    /// (R `confint.svyglm(method = "likelihood")`, which profiles with MASS `profile.glm`).
    ///
    /// With w' = w/mean(w) over the domain, the binomial deviance
    /// D(η) = 2 Σ w'[y log(y/π) + (1−y) log((1−y)/(1−π))], π = expit(η), gives the signed root
    /// τ(η) = sign(η − η̂)·√((D(η) − D(η̂))/φ), φ = the design-based variance of the Pearson
    /// residuals (R `summary.svyglm`). The interval is where τ = ±|t_{α/2,df}|·√λ with
    /// λ = design variance / model variance of η̂ (Rao–Scott). As R does, τ is evaluated on the
    /// MASS grid η̂ ± k·(z_max/5)·SE(η̂), k = 1…9 while |τ| < z_max = √F⁻¹(1 − α*; 1, n − 1),
    /// α* = Φ(t_{α/2,df}√λ)/2, interpolated with an FMM cubic spline on 3× as many equally spaced
    /// points, and inverted by linear interpolation — so copro reproduces R's interpolation
    /// rather than the exact root. λ uses R's model variance, taken at the penultimate IRLS
    /// iterate (see ``interceptOnlyLogitIRLS(_:active:meanWeight:)``); with it the public
    /// reference cases agree to ~1e−13.
    func likelihoodInterval(_ y: [Double], active: [Bool], estimate pHat: Double, variance: Double,
                            logitStandardError seHat: Double, level: Double, df: Double) throws -> (Double, Double) {
        guard pHat > 0, pHat < 1, seHat > 0 else { return (.nan, .nan) }
        var sumW = 0.0, rows = 0, positive = 0
        for i in 0..<rowCount where active[i] {
            sumW += weights[i]; rows += 1
            if weights[i] != 0 { positive += 1 }
        }
        let meanW = sumW / Double(rows)
        // R fits the model by glm's IRLS (glm.control() defaults) and takes the model variance
        // (`naive.cov`) from the QR of the last iteration, whose weights are evaluated at the
        // previous iterate; reproduce that iteration to get the same λ.
        let (p, naive) = interceptOnlyLogitIRLS(y, active: active, meanWeight: meanW)
        let se = seHat * pHat * (1 - pHat) / (p * (1 - p))
        let lambda = se * se / naive
        // φ = svyvar of the Pearson residuals r = (y − p)/√(p(1−p)).
        var sr = 0.0
        for i in 0..<rowCount where active[i] { sr += weights[i] * (y[i] - p) / (p * (1 - p)).squareRoot() }
        let rBar = sr / sumW
        var ss = 0.0
        for i in 0..<rowCount where active[i] {
            let r = (y[i] - p) / (p * (1 - p)).squareRoot() - rBar
            ss += weights[i] * r * r
        }
        let phi = Double(positive) / Double(positive - 1) * ss / sumW
        let alpha = 1 - level
        let q = df.isInfinite ? Normal.quantile(alpha / 2) : StudentT(degreesOfFreedom: df).quantile(alpha / 2)
        let adjustedAlpha = Normal.cdf(q * lambda.squareRoot()) / 2
        let cutoff = abs(Normal.quantile(2 * adjustedAlpha))
        let zmax = FDistribution(numeratorDegreesOfFreedom: 1, denominatorDegreesOfFreedom: Double(rows - 1))
            .inverseSurvival(adjustedAlpha).squareRoot()
        let step = zmax / 5
        func deviance(_ pi: Double) -> Double {
            var d = 0.0
            for i in 0..<rowCount where active[i] {
                let w = weights[i] / meanW, yi = y[i]
                if yi > 0 { d += w * yi * log(yi / pi) }
                if yi < 1 { d += w * (1 - yi) * log((1 - yi) / (1 - pi)) }
            }
            return 2 * d
        }
        let eta0 = log(p / (1 - p))
        let d0 = deviance(p)
        var grid: [(eta: Double, z: Double)] = [(eta0, 0)]
        for sign in [-1.0, 1.0] {
            var k = 0
            var z = 0.0
            while true {
                k += 1
                guard k < 10, abs(z) < zmax else { break }
                let eta = eta0 + sign * Double(k) * step * se
                z = sign * (max(deviance(expit(eta)) - d0, 0) / phi).squareRoot()
                grid.append((eta, z))
            }
        }
        grid.sort { $0.z < $1.z }
        let (xs, ys) = fmmSplineTable(x: grid.map(\.eta), y: grid.map(\.z), count: 3 * grid.count)
        let lower = linearInterpolation(x: ys, y: xs, at: -cutoff)
        let upper = linearInterpolation(x: ys, y: xs, at: cutoff)
        return (expit(lower), expit(upper))
    }
}

extension DesignBasedVariance {
    /// R `glm.fit` for y ~ 1 with the quasi-binomial family and prior weights w/mean(w):
    /// start μ = (w'y + ½)/(w' + 1), iterate until |D − D_old|/(|D| + 0.1) < 1e−8 (at most 25
    /// iterations). Returns the final fitted probability and the model (naive) variance of the
    /// logit, 1/Σ w'μ(1−μ) at the iterate before the last, as R's `summary.glm` computes it.
    func interceptOnlyLogitIRLS(_ y: [Double], active: [Bool], meanWeight: Double) -> (Double, Double) {
        let rows = (0..<rowCount).filter { active[$0] }
        let w = rows.map { weights[$0] / meanWeight }
        let ys = rows.map { y[$0] }
        func deviance(_ mu: [Double]) -> Double {
            var d = 0.0
            for k in rows.indices { d += w[k] * RegressionFamily.quasibinomial.deviance(ys[k], mu[k]) }
            return d
        }
        var mu = rows.indices.map { (w[$0] * ys[$0] + 0.5) / (w[$0] + 1) }
        var eta = mu.map { log($0 / (1 - $0)) }
        var devOld = deviance(mu)
        var previous = mu
        for _ in 0..<25 {
            previous = mu
            var num = 0.0, den = 0.0
            for k in rows.indices {
                let v = mu[k] * (1 - mu[k])
                let z = eta[k] + (ys[k] - mu[k]) / v
                num += w[k] * v * z; den += w[k] * v
            }
            let coefficient = num / den
            eta = [Double](repeating: coefficient, count: rows.count)
            mu = eta.map(expit)
            let dev = deviance(mu)
            if abs(dev - devOld) / (abs(dev) + 0.1) < 1e-8 { break }
            devOld = dev
        }
        // The final iteration's working weights were evaluated at `previous`.
        var information = 0.0
        for k in rows.indices { information += w[k] * previous[k] * (1 - previous[k]) }
        return (mu.first ?? .nan, 1 / information)
    }
}

/// R `spline(x, y, n = count, method = "fmm")`: the Forsythe–Malcolm–Moler cubic spline through
/// (x, y) (end conditions from third divided differences) evaluated at `count` equally spaced
/// points from min(x) to max(x). Returns (abscissae, values).
func fmmSplineTable(x xIn: [Double], y yIn: [Double], count: Int) -> ([Double], [Double]) {
    let order = xIn.indices.sorted { xIn[$0] < xIn[$1] }
    let x = order.map { xIn[$0] }, y = order.map { yIn[$0] }
    let n = x.count
    guard n >= 2, count >= 2, let lo = x.first, let hi = x.last else { return (x, y) }
    var b = [Double](repeating: 0, count: n), c = b, d = b
    if n < 3 {
        b[0] = (y[1] - y[0]) / (x[1] - x[0]); b[1] = b[0]
    } else {
        d[0] = x[1] - x[0]
        c[1] = (y[1] - y[0]) / d[0]
        for i in 1..<(n - 1) {
            d[i] = x[i + 1] - x[i]
            b[i] = 2 * (d[i - 1] + d[i])
            c[i + 1] = (y[i + 1] - y[i]) / d[i]
            c[i] = c[i + 1] - c[i]
        }
        b[0] = -d[0]
        b[n - 1] = -d[n - 2]
        c[0] = 0; c[n - 1] = 0
        if n > 3 {
            c[0] = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0])
            c[n - 1] = c[n - 2] / (x[n - 1] - x[n - 3]) - c[n - 3] / (x[n - 2] - x[n - 4])
            c[0] = c[0] * d[0] * d[0] / (x[3] - x[0])
            c[n - 1] = -c[n - 1] * d[n - 2] * d[n - 2] / (x[n - 1] - x[n - 4])
        }
        for i in 1..<n {
            let t = d[i - 1] / b[i - 1]
            b[i] -= t * d[i - 1]
            c[i] -= t * c[i - 1]
        }
        c[n - 1] /= b[n - 1]
        for i in stride(from: n - 2, through: 0, by: -1) { c[i] = (c[i] - d[i] * c[i + 1]) / b[i] }
        b[n - 1] = (y[n - 1] - y[n - 2]) / d[n - 2] + d[n - 2] * (c[n - 2] + 2 * c[n - 1])
        for i in 0..<(n - 1) {
            b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2 * c[i])
            d[i] = (c[i + 1] - c[i]) / d[i]
            c[i] = 3 * c[i]
        }
        c[n - 1] = 3 * c[n - 1]
        d[n - 1] = d[n - 2]
    }
    // Equally spaced abscissae as R's seq.int(from, to, length.out).
    var u = [Double](repeating: lo, count: count)
    u[count - 1] = hi
    let by = (hi - lo) / Double(count - 1)
    for i in 1..<(count - 1) { u[i] = i < count / 2 ? lo + Double(i) * by : hi - Double(count - 1 - i) * by }
    let v = u.map { ul -> Double in
        var i = 0, j = n
        repeat {
            let k = (i + j) / 2
            if ul < x[k] { j = k } else { i = k }
        } while j > i + 1
        let dx = ul - x[i]
        return y[i] + dx * (b[i] + dx * (c[i] + dx * d[i]))
    }
    return (u, v)
}

/// R `approx(x, y, xout)` (linear, rule 1): x is sorted first; NaN outside [min x, max x].
func linearInterpolation(x xIn: [Double], y yIn: [Double], at v: Double) -> Double {
    let order = xIn.indices.sorted { xIn[$0] < xIn[$1] }
    let x = order.map { xIn[$0] }, y = order.map { yIn[$0] }
    guard let first = x.first, let last = x.last, v >= first, v <= last else { return .nan }
    var i = 0, j = x.count - 1
    while i < j - 1 {
        let ij = (i + j) / 2
        if v < x[ij] { j = ij } else { i = ij }
    }
    if v == x[j] { return y[j] }
    if v == x[i] { return y[i] }
    return y[i] + (y[j] - y[i]) * ((v - x[i]) / (x[j] - x[i]))
}
