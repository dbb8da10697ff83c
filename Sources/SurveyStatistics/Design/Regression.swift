import Foundation

/// The model family of ``DesignBasedVariance/regression(columns:response:family:domain:offset:maxIterations:epsilon:)``.
public enum RegressionFamily: String, Sendable, CaseIterable {
    /// Linear regression (identity link, constant variance).
    case gaussian
    /// Logistic regression with estimated dispersion (logit link, variance μ(1−μ)); y in [0, 1].
    case quasibinomial
    /// Log-linear regression with estimated dispersion (log link, variance μ); y ≥ 0.
    case quasipoisson

    func linkInverse(_ eta: Double) -> Double {
        switch self {
        case .gaussian: return eta
        case .quasibinomial: return expit(eta)
        case .quasipoisson: return exp(eta)
        }
    }
    func link(_ mu: Double) -> Double {
        switch self {
        case .gaussian: return mu
        case .quasibinomial: return log(mu / (1 - mu))
        case .quasipoisson: return log(mu)
        }
    }
    /// dμ/dη; equal to V(μ) for these canonical links except gaussian (1).
    func muEta(_ mu: Double) -> Double {
        switch self {
        case .gaussian: return 1
        case .quasibinomial: return max(mu * (1 - mu), Double.ulpOfOne)
        case .quasipoisson: return max(mu, Double.ulpOfOne)
        }
    }
    func variance(_ mu: Double) -> Double {
        switch self {
        case .gaussian: return 1
        case .quasibinomial: return mu * (1 - mu)
        case .quasipoisson: return mu
        }
    }
    /// Unit deviance of one observation (R `family$dev.resids` without the weight).
    func deviance(_ y: Double, _ mu: Double) -> Double {
        switch self {
        case .gaussian: return (y - mu) * (y - mu)
        case .quasibinomial:
            var d = 0.0
            if y > 0 { d += y * log(y / mu) }
            if y < 1 { d += (1 - y) * log((1 - y) / (1 - mu)) }
            return 2 * d
        case .quasipoisson:
            return 2 * ((y > 0 ? y * log(y / mu) : 0) - (y - mu))
        }
    }
}

/// A design-based regression fit (R `svyglm`): coefficients from the weighted (quasi-)likelihood
/// estimating equations, design-based sandwich covariance, t tests on
/// degf + 1 − p residual degrees of freedom.
public struct SurveyRegression: Sendable, Equatable {
    public var family: RegressionFamily
    public var coefficients: [Double]
    /// Design-based covariance of the coefficients (linearisation sandwich, or replicate).
    public var covariance: [[Double]]
    public var standardErrors: [Double]
    public var tValues: [Double]
    public var pValues: [Double]
    /// degf(domain design) + 1 − number of coefficients (R `df.residual`).
    public var residualDegreesOfFreedom: Int
    /// The dispersion R reports: the design-based variance of the Pearson residuals (linearisation
    /// designs) or n·Σw r²/Σw (replicate designs).
    public var dispersion: Double
    /// IRLS iterations used.
    public var iterations: Int
    /// Rows that entered the fit.
    public var sampleSize: Int

    /// Wald intervals β ± t_{df} · SE (R `confint.svyglm`, default method).
    public func confidenceIntervals(level: Double) -> [(lower: Double, upper: Double)] {
        let q = criticalValue(level: level, degreesOfFreedom: Double(residualDegreesOfFreedom))
        return zip(coefficients, standardErrors).map { ($0 - q * $1, $0 + q * $1) }
    }
}

/// Iteratively reweighted least squares for one weight vector (R `glm.fit`): stops when
/// |D − D_old|/(|D| + 0.1) < epsilon.
struct IRLSFit {
    var coefficients: [Double]
    var mu: [Double]
    var unscaledCovariance: Matrix
    var iterations: Int
}

func irls(x: Matrix, y: [Double], weights w: [Double], offset: [Double], family: RegressionFamily, start: [Double]?,
          maxIterations: Int, epsilon: Double) throws -> IRLSFit {
    let n = y.count
    var eta: [Double]
    if let start {
        eta = zip(try x.multiply(start), offset).map { $0 + $1 }
    } else {
        // R's initialisation: binomial mustart (wy + 0.5)/(w + 1); poisson y + 0.1; gaussian y.
        eta = (0..<n).map { i in
            switch family {
            case .gaussian: return y[i]
            case .quasibinomial: return family.link((w[i] * y[i] + 0.5) / (w[i] + 1))
            case .quasipoisson: return family.link(y[i] + 0.1)
            }
        }
    }
    var mu = eta.map(family.linkInverse)
    var devOld = Double.infinity
    var beta = [Double](repeating: .nan, count: x.columns)
    var cov = Matrix(rows: x.columns, columns: x.columns)
    for iteration in 1...max(maxIterations, 1) {
        var z = [Double](repeating: 0, count: n), ww = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let d = family.muEta(mu[i])
            z[i] = eta[i] - offset[i] + (y[i] - mu[i]) / d
            ww[i] = w[i] * d * d / max(family.variance(mu[i]), Double.ulpOfOne)
            if family == .gaussian { ww[i] = w[i] }
        }
        let fit: LeastSquaresFit
        do { fit = try LeastSquares.fit(design: x, response: z, weights: ww) } catch {
            throw DesignError(.invalidArgument, "the regression could not be fitted: \(error)",
                              hint: "check for constant or collinear predictors and missing values")
        }
        beta = fit.coefficients
        cov = fit.unscaledCovariance
        guard !beta.contains(where: { $0.isNaN }) else {
            throw DesignError(.invalidArgument, "the regression's predictors are collinear (aliased coefficients)",
                              hint: "remove redundant predictors")
        }
        eta = zip(try x.multiply(beta), offset).map { $0 + $1 }
        mu = eta.map(family.linkInverse)
        var dev = 0.0
        for i in 0..<n where w[i] != 0 { dev += w[i] * family.deviance(y[i], mu[i]) }
        if family == .gaussian || abs(dev - devOld) / (abs(dev) + 0.1) < epsilon {
            // Final working weights at convergence for the unscaled covariance.
            if family != .gaussian {
                var ww = [Double](repeating: 0, count: n)
                for i in 0..<n { let d = family.muEta(mu[i]); ww[i] = w[i] * d * d / max(family.variance(mu[i]), Double.ulpOfOne) }
                if let refit = try? LeastSquares.fit(design: x, response: eta, weights: ww) { cov = refit.unscaledCovariance }
            }
            return IRLSFit(coefficients: beta, mu: mu, unscaledCovariance: cov, iterations: iteration)
        }
        devOld = dev
    }
    throw DesignError(.notConverged, "the regression did not converge in \(maxIterations) iterations",
                      hint: "check for separation (a predictor that perfectly predicts the outcome)")
}

extension DesignBasedVariance {
    /// Fits a design-based generalised linear model (R `svyglm`) on the domain.
    ///
    /// Coefficients solve Σ wᵢ xᵢ (yᵢ − μᵢ) = 0 by IRLS with weights normalised to mean 1 over
    /// the fitted rows. Linearisation designs: the sandwich covariance is the design covariance
    /// of the influence values (xᵢ wᵢ (yᵢ − μᵢ))ᵀ (XᵀWX)⁻¹ (R `svy.varcoef`); replicate designs:
    /// the model is refitted with each replicate's weights and the replicate formula applied.
    ///
    /// - Parameters:
    ///   - columns: model-matrix columns (include a column of ones for an intercept).
    ///   - response: y; NaN (in y or any column) = missing, left out (R `na.omit` → subset).
    ///   - family: model family.
    ///   - domain: rows of the domain (nil = all); the variance keeps the full design.
    ///   - offset: a known term added to the linear predictor (e.g. log exposure); nil = none.
    ///   - maxIterations, epsilon: IRLS control (R `glm.control`).
    /// - Throws: `lengthMismatch`, `invalidArgument` (collinear predictors, y outside the family's
    ///   range), `notConverged`, `emptyDomain`, `lonelyPSU`.
    public func regression(columns: [[Double]], response y: [Double], family: RegressionFamily = .gaussian,
                           domain: [Bool]? = nil, offset: [Double]? = nil, maxIterations: Int = 100,
                           epsilon: Double = 1e-12) throws -> SurveyRegression {
        let p = columns.count
        guard p > 0 else { throw DesignError(.invalidArgument, "the regression has no predictors") }
        let active = try activeRows(columns + [y] + (offset.map { [$0] } ?? []), domain: domain)
        let rows = (0..<rowCount).filter { active[$0] }
        guard rows.count > p else {
            throw DesignError(.emptyDomain, "the regression has \(rows.count) complete rows for \(p) coefficients")
        }
        for i in rows {
            switch family {
            case .quasibinomial where !(y[i] >= 0 && y[i] <= 1):
                throw DesignError(.invalidArgument, "row \(i + 1): y = \(y[i]) is outside [0, 1] for a quasi-binomial model")
            case .quasipoisson where !(y[i] >= 0):
                throw DesignError(.invalidArgument, "row \(i + 1): y = \(y[i]) is negative for a quasi-Poisson model")
            default: break
            }
        }
        let ys = rows.map { y[$0] }
        let off = rows.map { offset?[$0] ?? 0 }
        let x = try Matrix(rows.map { i in columns.map { $0[i] } })
        let sumW = rows.reduce(0.0) { $0 + weights[$1] }
        guard sumW > 0 else { throw DesignError(.emptyDomain, "the regression rows have zero total weight") }
        let meanW = sumW / Double(rows.count)
        let w = rows.map { weights[$0] / meanW }
        let fit = try irls(x: x, y: ys, weights: w, offset: off, family: family, start: nil, maxIterations: maxIterations,
                           epsilon: epsilon)
        var covariance: [[Double]]
        var dispersion: Double
        let residualDF: Int
        if let design = self as? SurveyDesign {
            // Influence values: estfun · Ainv, zero outside the fitted rows.
            var z = [[Double]](repeating: [Double](repeating: 0, count: rowCount), count: p)
            for (k, i) in rows.enumerated() {
                let r = w[k] * (ys[k] - fit.mu[k]) * family.muEta(fit.mu[k]) / max(family.variance(fit.mu[k]), Double.ulpOfOne)
                for a in 0..<p {
                    var s = 0.0
                    for b in 0..<p { s += x[k, b] * fit.unscaledCovariance[b, a] }
                    z[a][i] = r * s
                }
            }
            covariance = try design.designCovariance(z, active: active)
            // Dispersion: svyvar of the Pearson residuals over the fitted rows.
            var pearson = [Double](repeating: .nan, count: rowCount)
            for (k, i) in rows.enumerated() {
                pearson[i] = (ys[k] - fit.mu[k]) / max(family.variance(fit.mu[k]), Double.ulpOfOne).squareRoot()
            }
            dispersion = svyvarOfRows(pearson, active: active)
            residualDF = design.degreesOfFreedom(active: active) + 1 - p
        } else if let rep = self as? ReplicateDesign {
            var betas: [[Double]] = []
            for column in rep.replicateWeights {
                let wr = rows.map { column[$0] }
                let total = wr.reduce(0, +)
                let f = try irls(x: x, y: ys, weights: wr.map { $0 / total }, offset: off, family: family,
                                 start: fit.coefficients, maxIterations: maxIterations, epsilon: epsilon)
                betas.append(f.coefficients)
            }
            let items = (0..<p).map { a in
                ReplicateEstimate(value: fit.coefficients[a], replicates: betas.map { $0[a] }, n: rows.count, domain: active)
            }
            covariance = try rep.covariance(items)
            var s = 0.0
            for (k, i) in rows.enumerated() {
                let e = ys[k] - fit.mu[k]
                s += weights[i] * e * e / max(family.variance(fit.mu[k]), Double.ulpOfOne)
            }
            dispersion = Double(rows.count) * s / sumW
            let allRows = active.allSatisfy { $0 }
            residualDF = (allRows ? rep.degreesOfFreedom : ReplicateDesign.rank(rep.replicateWeights, rows: active) - 1) + 1 - p
        } else {
            throw DesignError(.invalidArgument, "regression needs a SurveyDesign or a ReplicateDesign")
        }
        let se = (0..<p).map { covariance[$0][$0].squareRoot() }
        let t = zip(fit.coefficients, se).map { $0 / $1 }
        let dist = StudentT(degreesOfFreedom: Double(residualDF))
        let pv = t.map { residualDF > 0 ? 2 * dist.cdf(-abs($0)) : .nan }
        return SurveyRegression(family: family, coefficients: fit.coefficients, covariance: covariance,
                                standardErrors: se, tValues: t, pValues: pv, residualDegreesOfFreedom: residualDF,
                                dispersion: dispersion, iterations: fit.iterations, sampleSize: rows.count)
    }

    /// R `svyvar` of one variable over the active rows: n/(n−1)·Σw(x − x̄)²/Σw.
    func svyvarOfRows(_ x: [Double], active: [Bool]) -> Double {
        var sw = 0.0, swx = 0.0, n = 0
        for i in 0..<rowCount where active[i] && weights[i] != 0 { sw += weights[i]; swx += weights[i] * x[i]; n += 1 }
        guard n > 1 else { return .nan }
        let m = swx / sw
        var ss = 0.0
        for i in 0..<rowCount where active[i] && weights[i] != 0 { ss += weights[i] * (x[i] - m) * (x[i] - m) }
        return Double(n) / Double(n - 1) * ss / sw
    }

    /// Design-based two-sample t test of a mean difference between two groups (R `svyttest(y ~ g)`):
    /// the coefficient of the group indicator in the linear model y ~ 1 + g, its design-based SE,
    /// df = degf + 1 − 2 of the domain, and the 95 % Wald interval on those df.
    ///
    /// - Parameters:
    ///   - y: outcome (NaN = missing).
    ///   - group: 0/1 group indicator (NaN = missing); the difference is group 1 − group 0.
    ///   - domain: rows of the domain (R `subset(design, ...)`).
    public func twoSampleTTest(_ y: [Double], group: [Double], domain: [Bool]? = nil) throws -> TestResult {
        for (i, g) in group.enumerated() where !(g.isNaN || g == 0 || g == 1) {
            throw DesignError(.invalidArgument, "row \(i + 1): the group indicator is \(g); it must be 0 or 1")
        }
        let fit = try regression(columns: [[Double](repeating: 1, count: rowCount), group], response: y,
                                 family: .gaussian, domain: domain)
        let ci = fit.confidenceIntervals(level: 0.95)[1]
        return TestResult(statistic: fit.tValues[1], degreesOfFreedom: Double(fit.residualDegreesOfFreedom),
                          pValue: fit.pValues[1], estimate: fit.coefficients[1],
                          confidenceInterval: ConfidenceInterval(lower: ci.lower, upper: ci.upper, level: 0.95),
                          method: "Design-based t-test")
    }

    /// Design-based one-sample t test of H₀: mean = 0 (R `svyttest(y ~ 0)`): t = ȳ/SE on degf − 1 df.
    public func oneSampleTTest(_ y: [Double], domain: [Bool]? = nil) throws -> TestResult {
        let m = try mean(y, domain: domain, deff: false, baseline: .withoutReplacement)
        let df = m.degreesOfFreedom - 1
        let t = m.value / m.standardError
        var e = m
        e.degreesOfFreedom = df
        let ci = e.confidenceInterval(level: 0.95)
        return TestResult(statistic: t, degreesOfFreedom: df, pValue: 2 * StudentT(degreesOfFreedom: df).cdf(-abs(t)),
                          estimate: m.value, confidenceInterval: ConfidenceInterval(lower: ci.lower, upper: ci.upper, level: 0.95),
                          method: "Design-based one-sample t-test")
    }
}
