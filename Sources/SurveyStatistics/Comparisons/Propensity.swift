import Foundation

/// Which population the propensity-weighted comparison describes.
public enum PropensityEstimand: String, Sendable, CaseIterable {
    /// Average treatment effect: weights 1/e for treated and 1/(1 − e) for comparison rows.
    case ate
    /// Average treatment effect on the treated: weight 1 for treated and e/(1 − e) (the odds) for
    /// comparison rows.
    case att
}

/// One covariate's balance before and after weighting.
public struct BalanceRow: Sendable, Equatable {
    public var name: String
    /// Survey-weighted means in the treated and comparison groups before propensity weighting.
    public var treatedMean: Double
    public var comparisonMean: Double
    /// The same after weighting.
    public var weightedTreatedMean: Double
    public var weightedComparisonMean: Double
    /// Standardized differences (treated − comparison)/√((s²_T + s²_C)/2), with the survey-weighted
    /// group variances before weighting in the denominator both times (Austin & Stuart 2015, Stat.
    /// Med. 34:3661), so the change reflects the means only.
    public var standardizedDifferenceBefore: Double
    public var standardizedDifferenceAfter: Double
}

/// The overlap of the propensity-score distributions.
public struct OverlapSummary: Sendable, Equatable {
    public var treatedRange: ClosedRange<Double>
    public var comparisonRange: ClosedRange<Double>
    /// [max of the minima, min of the maxima]; nil when the ranges do not overlap at all.
    public var commonSupport: ClosedRange<Double>?
    /// Rows whose score lies outside the common support.
    public var outsideCommonSupport: Int
    /// Rows with a score below 0.1 or above 0.9 (Crump, Hotz, Imbens & Mitnik 2009, Biometrika 96:187).
    public var extremeScores: Int
}

/// A propensity-score weighted comparison.
public struct PropensityResult: Sendable, Equatable {
    public var estimand: PropensityEstimand
    /// Logistic-regression coefficients: intercept, then the covariates.
    public var coefficients: [Double]
    /// Each row's propensity score (NaN for rows not used).
    public var scores: [Double]
    /// Survey weight × propensity weight (0 for rows not used).
    public var weights: [Double]
    public var balance: [BalanceRow]
    public var overlap: OverlapSummary
    /// Weighted difference of means treated − comparison with its design-based SE (the design with
    /// the combined weights; the propensity model is treated as known, which is conservative for the
    /// ATE: Lunceford & Davidian 2004, Stat. Med. 23:2937).
    public var difference: Double
    public var standardError: Double
    public var degreesOfFreedom: Double
    public var statistic: Double
    public var pValue: Double
    public var interval: ConfidenceInterval
    /// Kish effective sample size (Σw)²/Σw² of each group after weighting.
    public var effectiveSampleSize: (treated: Double, comparison: Double)
    public var warnings: [String]

    public static func == (a: PropensityResult, b: PropensityResult) -> Bool {
        a.estimand == b.estimand && a.coefficients == b.coefficients && a.balance == b.balance && a.difference == b.difference
            && a.standardError == b.standardError && a.overlap == b.overlap
    }
}

public enum PropensityScore {
    /// Estimates propensity scores by survey-weighted logistic regression of the treatment on the
    /// covariates (IRLS, as R `svyglm(family = quasibinomial)`; DuGoff, Schuler & Stuart 2014,
    /// Health Serv. Res. 49:284 for using the survey weights), forms ATE or ATT weights, and
    /// reports balance, overlap and the weighted difference in the outcome.
    ///
    /// - Parameters:
    ///   - treatment: 0/1 per row (NaN = missing).
    ///   - covariates: columns (NaN = missing); `names` label them in the balance table.
    ///   - outcome: per row (NaN = missing: the row still enters the score model and balance).
    ///   - design: the sample's design (its weights are the survey weights).
    /// - Throws: ``ComparisonError`` (`invalidArgument`, `emptyGroup`, `notEstimable` when the
    ///   logistic model fails, e.g. under perfect separation).
    public static func weightedComparison(treatment: [Double], covariates: [[Double]], names: [String], outcome: [Double],
                                          design: SurveyDesign, estimand: PropensityEstimand = .ate,
                                          confidenceLevel: Double = 0.95) throws -> PropensityResult {
        let n = design.rowCount
        guard treatment.count == n, outcome.count == n, covariates.allSatisfy({ $0.count == n }), !covariates.isEmpty else {
            throw ComparisonError(.lengthMismatch, "treatment, outcome and (at least one) covariate need \(n) values")
        }
        try DifferenceInDifferences.checkIndicator(treatment, "treatment")
        let rows = completeRows([treatment] + covariates, count: n).filter { design.weights[$0] > 0 }
        let treatedCount = rows.filter { treatment[$0] == 1 }.count
        guard treatedCount > 0, treatedCount < rows.count else {
            throw ComparisonError(.emptyGroup, "the propensity model needs treated and comparison rows (treated: \(treatedCount) of \(rows.count))")
        }
        let x = try Matrix(rows.map { i in [1.0] + covariates.map { $0[i] } })
        let sw = rows.map { design.weights[$0] }
        let meanW = sw.reduce(0, +) / Double(rows.count)
        let fit: IRLSFit
        do {
            fit = try irls(x: x, y: rows.map { treatment[$0] }, weights: sw.map { $0 / meanW }, offset: [Double](repeating: 0, count: rows.count), family: .quasibinomial,
                           start: nil, maxIterations: 100, epsilon: 1e-10)
        } catch {
            throw ComparisonError(.notEstimable, "the propensity model could not be fitted: \(error)",
                                  hint: "a covariate that perfectly predicts treatment makes the groups incomparable; drop it or restrict the sample")
        }
        var scores = [Double](repeating: .nan, count: n)
        var combined = [Double](repeating: 0, count: n)
        for (k, i) in rows.enumerated() {
            let e = fit.mu[k]
            scores[i] = e
            let ps: Double
            switch estimand {
            case .ate: ps = treatment[i] == 1 ? 1 / e : 1 / (1 - e)
            case .att: ps = treatment[i] == 1 ? 1 : e / (1 - e)
            }
            combined[i] = design.weights[i] * ps
        }
        let treated = rows.filter { treatment[$0] == 1 }, control = rows.filter { treatment[$0] == 0 }
        // Balance.
        func moments(_ v: [Double], _ idx: [Int], _ w: [Double]) -> (mean: Double, variance: Double) {
            var sw = 0.0, s = 0.0
            for i in idx { sw += w[i]; s += w[i] * v[i] }
            let m = s / sw
            var ss = 0.0
            for i in idx { ss += w[i] * (v[i] - m) * (v[i] - m) }
            return (m, ss / sw)
        }
        let balance = covariates.enumerated().map { j, v -> BalanceRow in
            let t0 = moments(v, treated, design.weights), c0 = moments(v, control, design.weights)
            let t1 = moments(v, treated, combined), c1 = moments(v, control, combined)
            let sd = ((t0.variance + c0.variance) / 2).squareRoot()
            return BalanceRow(name: j < names.count ? names[j] : "x\(j + 1)", treatedMean: t0.mean, comparisonMean: c0.mean,
                              weightedTreatedMean: t1.mean, weightedComparisonMean: c1.mean,
                              standardizedDifferenceBefore: (t0.mean - c0.mean) / sd,
                              standardizedDifferenceAfter: (t1.mean - c1.mean) / sd)
        }
        // Overlap.
        let ts = treated.map { scores[$0] }, cs = control.map { scores[$0] }
        let tr = (ts.min() ?? .nan)...(ts.max() ?? .nan), cr = (cs.min() ?? .nan)...(cs.max() ?? .nan)
        let lo = max(tr.lowerBound, cr.lowerBound), hi = min(tr.upperBound, cr.upperBound)
        let support: ClosedRange<Double>? = lo <= hi ? lo...hi : nil
        let outside = rows.filter { i in support.map { !$0.contains(scores[i]) } ?? true }.count
        let extreme = rows.filter { scores[$0] < 0.1 || scores[$0] > 0.9 }.count
        let overlap = OverlapSummary(treatedRange: tr, comparisonRange: cr, commonSupport: support,
                                     outsideCommonSupport: outside, extremeScores: extreme)
        // Weighted outcome difference under the design with combined weights.
        let weighted = try design.with(weights: combined)
        let inT = (0..<n).map { combined[$0] > 0 && treatment[$0] == 1 }, inC = (0..<n).map { combined[$0] > 0 && treatment[$0] == 0 }
        let joint = try weighted.jointEstimates([DomainStatistic(.mean(outcome), domain: inC), DomainStatistic(.mean(outcome), domain: inT)])
        let contrast = try joint.contrast([-1, 1])
        let df = contrast.degreesOfFreedom
        let inf = tInference(statistic: contrast.value / contrast.standardError, degreesOfFreedom: df, confidenceLevel: confidenceLevel)
        func kish(_ idx: [Int]) -> Double {
            let s = idx.reduce(0.0) { $0 + combined[$1] }, s2 = idx.reduce(0.0) { $0 + combined[$1] * combined[$1] }
            return s * s / s2
        }
        var warnings: [String] = []
        if outside > 0 {
            warnings.append("\(outside) row(s) have propensity scores outside the common support [\(String(format: "%.3f", lo)), \(String(format: "%.3f", hi))]: for them there is no comparable row in the other group (check the overlap before trusting the weighted comparison).")
        }
        if extreme > 0 {
            warnings.append("\(extreme) row(s) have propensity scores below 0.1 or above 0.9; their weights dominate the comparison (consider trimming, Crump et al. 2009).")
        }
        if let worst = balance.map({ abs($0.standardizedDifferenceAfter) }).max(), worst > 0.1 {
            warnings.append("After weighting a covariate's standardized difference is still \(String(format: "%.2f", worst)) (> 0.1): balance is not achieved.")
        }
        return PropensityResult(
            estimand: estimand, coefficients: fit.coefficients, scores: scores, weights: combined, balance: balance,
            overlap: overlap, difference: contrast.value, standardError: contrast.standardError, degreesOfFreedom: df,
            statistic: contrast.value / contrast.standardError, pValue: inf.p,
            interval: ConfidenceInterval(lower: contrast.value - inf.critical * contrast.standardError,
                                         upper: contrast.value + inf.critical * contrast.standardError, level: confidenceLevel),
            effectiveSampleSize: (kish(treated), kish(control)), warnings: warnings)
    }
}
