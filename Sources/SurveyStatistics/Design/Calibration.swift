import Foundation

/// How calibration changed a design's weights, kept so that the variance engine can use the
/// calibration residuals (R `svyrecvar`'s `postStrata` handling).
enum CalibrationStep: Sendable {
    /// Post-stratification (R `postStratify`): influence values z become
    /// z − w_new · (Σ_g w_old z / w_new) / Σ_g w_old within post-stratum g.
    case postStratification(group: [Int], newWeights: [Double], oldWeights: [Double])
    /// Raking (R `rake`): the margins' projections iterated 10 times, each
    /// z ← z − w_m · mean_g(z / w_m) with w_m the weights after margin m's last step.
    case raking(margins: [(group: [Int], groupCount: Int, weights: [Double])])
    /// Regression (GREG) calibration (R `calibrate`): z ← residual of z/(g√w) on X√w, times g√w.
    case regression(x: [[Double]], sqrtWeights: [Double], g: [Double])
}

/// The calibration function of ``SurveyDesign/calibrated(auxiliary:populationTotals:method:bounds:maxIterations:epsilon:)``.
public enum CalibrationMethod: String, Sendable, CaseIterable {
    /// Linear (GREG, chi-square distance): g = 1 + xᵀλ, optionally truncated to bounds.
    case linear
    /// Raking (multiplicative, entropy distance): g = exp(xᵀλ), optionally truncated to bounds.
    case raking
    /// Logit (Deville–Särndal), g within (lower, upper); needs finite bounds with lower < 1 < upper.
    case logit
}

/// The outcome of an iterative calibration.
public struct CalibrationResult: Sendable {
    /// The calibrated design.
    public var design: SurveyDesign
    /// Whether the stopping criterion was met within the iteration limit.
    public var converged: Bool
    /// Iterations used.
    public var iterations: Int
    /// The final misfit: the largest absolute difference between weighted and population
    /// totals (raking: of the cross-table of all margins; GREG: relative, |misfit|/(1 + |total|)).
    public var misfit: Double
}

extension SurveyDesign {
    /// Group index per row for string labels, in first-appearance order.
    private static func groupIndex(_ labels: [String]) -> (group: [Int], names: [String]) {
        var index: [String: Int] = [:]
        var names: [String] = []
        let group = labels.map { l -> Int in
            if let g = index[l] { return g }
            index[l] = names.count; names.append(l); return names.count - 1
        }
        return (group, names)
    }

    /// Post-stratifies the weights to known population counts (R `postStratify`): each row's
    /// weight is multiplied by N_g / N̂_g of its post-stratum g. The variance then uses the
    /// residuals from the post-stratum means (Lohr §4.4; R `svyrecvar`).
    ///
    /// - Parameters:
    ///   - groups: post-stratum label per row.
    ///   - populationCounts: population count per post-stratum label.
    ///   - partial: allow population post-strata absent from the sample (they are ignored).
    /// - Throws: `lengthMismatch`; `invalidArgument` when a sampled post-stratum has no
    ///   population count, or (without `partial`) a population post-stratum has no sample.
    public func postStratified(by groups: [String], populationCounts: [String: Double],
                               partial: Bool = false) throws -> SurveyDesign {
        guard groups.count == rowCount else {
            throw DesignError(.lengthMismatch, "\(groups.count) post-stratum labels for \(rowCount) rows")
        }
        let (group, names) = Self.groupIndex(groups)
        var sampleTotals = [Double](repeating: 0, count: names.count)
        for i in 0..<rowCount { sampleTotals[group[i]] += weights[i] }
        for (label, count) in populationCounts where count != 0 && !names.contains(label) && !partial {
            throw DesignError(.invalidArgument, "post-stratum \"\(label)\" (population \(count)) has no sampled rows",
                              hint: "merge it with a neighbouring post-stratum, or allow partial post-stratification")
        }
        var factor = [Double](repeating: 1, count: names.count)
        for (g, label) in names.enumerated() {
            let pop = populationCounts[label] ?? 0
            if sampleTotals[g] == 0 && pop == 0 { factor[g] = 1; continue }
            guard pop != 0, populationCounts[label] != nil else {
                throw DesignError(.invalidArgument, "post-stratum \"\(label)\" is in the sample but has no population count",
                                  hint: "give a population count for every post-stratum in the data")
            }
            guard sampleTotals[g] > 0 else {
                throw DesignError(.invalidArgument, "post-stratum \"\(label)\" has zero sample weight")
            }
            factor[g] = pop / sampleTotals[g]
        }
        let newWeights = (0..<rowCount).map { weights[$0] * factor[group[$0]] }
        var copy = try with(weights: newWeights)
        copy.calibrations.append(.postStratification(group: group, newWeights: newWeights, oldWeights: weights))
        return copy
    }

    /// Rakes the weights to several sets of marginal population counts by iterated
    /// post-stratification (R `rake`): each iteration post-stratifies on every margin in turn and
    /// stops when the weighted cross-table of all margin variables changes by less than
    /// `epsilon` (an absolute count if ≥ 1, else a fraction of the total weight).
    ///
    /// - Parameters:
    ///   - margins: per margin, a label per row and the population count per label.
    ///   - maxIterations: iteration limit (R default 10).
    ///   - epsilon: convergence tolerance (R default 1).
    /// - Returns: the raked design, whether it converged, and iterations used.
    /// - Throws: as ``postStratified(by:populationCounts:partial:)``.
    public func raked(margins: [(labels: [String], populationCounts: [String: Double])],
                      maxIterations: Int = 10, epsilon: Double = 1) throws -> CalibrationResult {
        guard !margins.isEmpty else { throw DesignError(.invalidArgument, "raking needs at least one margin") }
        let tolerance = epsilon < 1 ? epsilon * weights.reduce(0, +) : epsilon
        // Cross-table cells of all margins.
        let cellKeys = (0..<rowCount).map { i in margins.map { $0.labels[i] }.joined(separator: "\u{1F}") }
        let (cell, cellNames) = Self.groupIndex(cellKeys)
        func table(_ w: [Double]) -> [Double] {
            var t = [Double](repeating: 0, count: cellNames.count)
            for i in 0..<rowCount { t[cell[i]] += w[i] }
            return t
        }
        var current = self
        var oldTable = table(weights)
        var iterations = 0
        var converged = false
        var delta = Double.infinity
        var lastMargins: [(group: [Int], groupCount: Int, weights: [Double])] = []
        while iterations < maxIterations {
            var design = current
            lastMargins = []
            for margin in margins {
                let stepped = try design.postStratified(by: margin.labels, populationCounts: margin.populationCounts)
                let (group, names) = Self.groupIndex(margin.labels)
                lastMargins.append((group, names.count, stepped.weights))
                design = stepped
                design.calibrations = current.calibrations
            }
            current = design
            let newTable = table(current.weights)
            delta = zip(oldTable, newTable).map { abs($0 - $1) }.max() ?? 0
            if delta < tolerance { converged = true; break }
            oldTable = newTable
            iterations += 1
        }
        current.calibrations = calibrations + [.raking(margins: lastMargins)]
        return CalibrationResult(design: current, converged: converged, iterations: iterations, misfit: delta)
    }

    /// Calibrates the weights to known population totals of auxiliary variables (R `calibrate`,
    /// Deville & Särndal 1992): new weights w·g with Σ w g x = T. `.linear` without bounds is
    /// the GREG estimator's closed form g = 1 + xᵀ(XᵀWX)⁻¹(T − X̂); otherwise Newton iterations
    /// (R `grake`) until max |misfit|/(1 + |T|) < epsilon. The variance uses the residuals of the
    /// influence values regressed on the auxiliaries (R `svyrecvar` for `greg_calibration`).
    ///
    /// - Parameters:
    ///   - auxiliary: the model-matrix columns (include a column of ones for an intercept).
    ///   - populationTotals: the population total of each column.
    ///   - method: calibration function.
    ///   - bounds: limits on g (nil = unbounded).
    ///   - maxIterations: Newton iteration limit (R default 50).
    ///   - epsilon: relative misfit tolerance (R default 1e-7).
    /// - Throws: `lengthMismatch`; `invalidArgument` for a singular system; `notConverged`.
    public func calibrated(auxiliary: [[Double]], populationTotals: [Double], method: CalibrationMethod = .linear,
                           bounds: ClosedRange<Double>? = nil, maxIterations: Int = 50,
                           epsilon: Double = 1e-7) throws -> CalibrationResult {
        let fit = try calibrationFactors(auxiliary: auxiliary, weights: weights, populationTotals: populationTotals,
                                         method: method, bounds: bounds, maxIterations: maxIterations, epsilon: epsilon)
        // GREG weights may be negative (R allows them); they bypass the sampling-weight check.
        var copy = self
        copy.weights = (0..<rowCount).map { weights[$0] * fit.g[$0] }
        copy.calibrations.append(.regression(x: auxiliary, sqrtWeights: weights.map { $0.squareRoot() }, g: fit.g))
        return CalibrationResult(design: copy, converged: true, iterations: fit.iterations, misfit: fit.misfit)
    }

    /// Applies the calibration steps to influence values before the stage-wise variance.
    func calibrationResiduals(_ z: [[Double]]) -> [[Double]] {
        var z = z
        for step in calibrations {
            switch step {
            case .postStratification(let group, let newW, let oldW):
                let groupCount = (group.max() ?? -1) + 1
                for k in z.indices {
                    var num = [Double](repeating: 0, count: groupCount)
                    var den = [Double](repeating: 0, count: groupCount)
                    for i in 0..<rowCount {
                        let psw = (newW[i] == 0 && oldW[i] == 0) ? 1 : newW[i]
                        num[group[i]] += z[k][i] * oldW[i] / psw
                        den[group[i]] += oldW[i]
                    }
                    for i in 0..<rowCount where den[group[i]] != 0 {
                        let psw = (newW[i] == 0 && oldW[i] == 0) ? 1 : newW[i]
                        z[k][i] -= num[group[i]] / den[group[i]] * psw
                    }
                }
            case .raking(let margins):
                for k in z.indices {
                    for _ in 0..<10 {
                        for margin in margins {
                            var sum = [Double](repeating: 0, count: margin.groupCount)
                            var count = [Double](repeating: 0, count: margin.groupCount)
                            for i in 0..<rowCount {
                                let w = margin.weights[i]
                                sum[margin.group[i]] += w == 0 ? 0 : z[k][i] / w
                                count[margin.group[i]] += 1
                            }
                            for i in 0..<rowCount {
                                z[k][i] -= margin.weights[i] * sum[margin.group[i]] / count[margin.group[i]]
                            }
                        }
                    }
                }
            case .regression(let x, let sqrtW, let g):
                let design = (0..<x.count).map { k in (0..<rowCount).map { x[k][$0] * sqrtW[$0] } }
                let scale = (0..<rowCount).map { g[$0] * sqrtW[$0] }
                for k in z.indices {
                    let u = (0..<rowCount).map { scale[$0] == 0 ? 0 : z[k][$0] / scale[$0] }
                    let r = leastSquaresResiduals(columns: design, response: u)
                    z[k] = (0..<rowCount).map { r[$0] * scale[$0] }
                }
            }
        }
        return z
    }
}

/// The calibration factors g with Σ wᵢgᵢxᵢ = T (R `regcalibrate` for unbounded linear
/// calibration, else R `grake`'s Newton iterations with step halving and its pre-scaling of
/// weights far from the population scale).
///
/// - Throws: `lengthMismatch`; `invalidArgument` (singular system, logit without finite bounds);
///   `notConverged` when max |misfit|/(1 + |T|) ≥ epsilon after `maxIterations`.
func calibrationFactors(auxiliary: [[Double]], weights: [Double], populationTotals: [Double], method: CalibrationMethod,
                        bounds: ClosedRange<Double>?, maxIterations: Int, epsilon: Double)
    throws -> (g: [Double], iterations: Int, misfit: Double) {
    let p = auxiliary.count, n = weights.count
    guard p > 0, populationTotals.count == p, auxiliary.allSatisfy({ $0.count == n }) else {
        throw DesignError(.lengthMismatch, "calibration needs one population total per auxiliary column, each column with \(n) rows")
    }
    var ww = weights
    var sampleTotal = (0..<p).map { k in (0..<n).reduce(0.0) { $0 + auxiliary[k][$1] * ww[$1] } }
    if method == .linear && bounds == nil {
        // Closed form (R regcalibrate).
        let t = try solveLinearSystem(crossProduct(auxiliary, ww), zip(populationTotals, sampleTotal).map { $0 - $1 })
        let g = (0..<n).map { i in 1 + (0..<p).reduce(0.0) { $0 + auxiliary[$1][i] * t[$1] } }
        return (g, 1, 0)
    }
    let lower = bounds?.lowerBound ?? -.infinity, upper = bounds?.upperBound ?? .infinity
    if method == .logit {
        guard lower.isFinite, upper.isFinite, lower < 1, upper > 1 else {
            throw DesignError(.invalidArgument, "logit calibration needs finite bounds with lower < 1 < upper",
                              hint: "e.g. bounds 0.5...2")
        }
    }
    let a = (upper - lower) / ((upper - 1) * (1 - lower))
    func fm1(_ u: Double) -> Double {
        switch method {
        case .linear: return min(max(u + 1, lower), upper) - 1
        case .raking: return min(max(exp(u), lower), upper) - 1
        case .logit:
            let e = exp(a * u)
            return (lower * (upper - 1) + upper * (1 - lower) * e) / (upper - 1 + (1 - lower) * e) - 1
        }
    }
    func dF(_ u: Double) -> Double {
        let inside = u < upper - 1 && u > lower - 1
        switch method {
        case .linear: return inside ? 1 : 0
        case .raking: return inside ? exp(u) : 0
        case .logit:
            let e = exp(a * u), d = upper - 1 + (1 - lower) * e
            return upper * (1 - lower) * e * a / d - (lower * (upper - 1) + upper * (1 - lower) * e) * ((1 - lower) * e * a) / (d * d)
        }
    }
    // Pre-scaling for weights far from the population scale (R grake, threshold 20).
    var scale: Double? = nil
    let scales = zip(populationTotals, sampleTotal).map { $0 / $1 }
    if let smallest = scales.min(), smallest > 20 {
        let s = scales.reduce(0, +) / Double(scales.count)
        ww = ww.map { $0 * s }
        sampleTotal = sampleTotal.map { $0 * s }
        scale = s
    }
    var eta = [Double](repeating: 0, count: p)
    var xeta = [Double](repeating: 0, count: n)
    func update() {
        for i in 0..<n { xeta[i] = (0..<p).reduce(0.0) { $0 + auxiliary[$1][i] * eta[$1] } }
    }
    func misfit() -> [Double] {
        (0..<p).map { k in populationTotals[k] - sampleTotal[k] - (0..<n).reduce(0.0) { $0 + auxiliary[k][$1] * ww[$1] * fm1(xeta[$1]) } }
    }
    var iterations = 1
    var achieved = Double.infinity
    while true {
        let tmat = crossProduct(auxiliary, (0..<n).map { ww[$0] * dF(xeta[$0]) })
        var deta = try solveLinearSystem(tmat, misfit())
        for k in 0..<p { eta[k] += deta[k] }
        update()
        while iterations < maxIterations, xeta.contains(where: { !(fm1($0).isFinite && dF($0).isFinite) }) {
            iterations += 1
            deta = deta.map { $0 / 2 }
            for k in 0..<p { eta[k] -= deta[k] }
            update()
        }
        achieved = zip(misfit(), populationTotals).map { abs($0) / (1 + abs($1)) }.max() ?? 0
        if achieved < epsilon { break }
        iterations += 1
        if iterations > maxIterations {
            throw DesignError(.notConverged, "calibration did not converge in \(maxIterations) iterations (misfit \(achieved))",
                              hint: "relax the bounds, raise maxIterations, or check that the population totals are attainable")
        }
    }
    var g = xeta.map { 1 + fm1($0) }
    if let scale { g = g.map { $0 * scale } }
    return (g, iterations, achieved)
}

/// XᵀWX for columns X and row weights W.
func crossProduct(_ x: [[Double]], _ w: [Double]) -> [[Double]] {
    let p = x.count
    var m = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
    for a in 0..<p {
        for b in a..<p {
            var s = 0.0
            for i in w.indices { s += x[a][i] * w[i] * x[b][i] }
            m[a][b] = s; m[b][a] = s
        }
    }
    return m
}

/// Solves A x = b for a small square A by Gaussian elimination with partial pivoting.
/// - Throws: `invalidArgument` when A is singular to working precision.
func solveLinearSystem(_ a: [[Double]], _ b: [Double]) throws -> [Double] {
    let n = b.count
    var m = a
    var x = b
    let scale = a.flatMap { $0 }.map(abs).max() ?? 0
    for col in 0..<n {
        var pivot = col
        for r in (col + 1)..<max(n, col + 1) where abs(m[r][col]) > abs(m[pivot][col]) { pivot = r }
        guard abs(m[pivot][col]) > 1e-13 * scale else {
            throw DesignError(.invalidArgument, "the calibration system is singular",
                              hint: "remove redundant auxiliary variables (e.g. a level dummy together with all others and an intercept)")
        }
        if pivot != col { m.swapAt(pivot, col); x.swapAt(pivot, col) }
        for r in (col + 1)..<max(n, col + 1) {
            let f = m[r][col] / m[col][col]
            if f == 0 { continue }
            for c in col..<n { m[r][c] -= f * m[col][c] }
            x[r] -= f * x[col]
        }
    }
    for col in stride(from: n - 1, through: 0, by: -1) {
        var s = x[col]
        for c in (col + 1)..<max(n, col + 1) { s -= m[col][c] * x[c] }
        x[col] = s / m[col][col]
    }
    return x
}

/// Residuals of the least-squares fit of `response` on `columns` (R `qr.resid`), by the pivoted
/// QR of ``LeastSquares``; NaN when the fit is impossible.
func leastSquaresResiduals(columns: [[Double]], response: [Double]) -> [Double] {
    let n = response.count
    guard let x = try? Matrix((0..<n).map { i in columns.map { $0[i] } }),
          let fit = try? LeastSquares.fit(design: x, response: response) else {
        return [Double](repeating: .nan, count: n)
    }
    return fit.residuals
}
