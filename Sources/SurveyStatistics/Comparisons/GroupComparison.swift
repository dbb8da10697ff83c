import Foundation

/// A comparison of an outcome between two independent groups (programme vs comparison area, or
/// two waves sampled independently): design-based difference and relative change, the classical
/// tests and effect sizes beside them.
public struct GroupComparisonResult: Sendable, Equatable {
    /// The design-based estimate of each group (mean or proportion), reference group first.
    public var reference: Estimate
    public var comparison: Estimate
    /// B − A: the design-based difference (regression-adjusted when covariates were given), its SE,
    /// df, t and p (R `svyttest`: the group coefficient of `svyglm(y ~ group (+ covariates))`, df =
    /// degf + 1 − p).
    public var difference: Double
    public var standardError: Double
    public var degreesOfFreedom: Double
    public var statistic: Double
    public var pValue: Double
    public var interval: ConfidenceInterval
    /// Whether the difference is adjusted for covariates.
    public var adjusted: Bool
    /// B/A − 1 by the delta method on the log scale (nil unless both estimates are positive), with
    /// the Wald test of log(B/A) = 0 on the same df.
    public var relativeChange: Double?
    public var relativeStandardError: Double?
    public var relativeInterval: ConfidenceInterval?
    public var relativeStatistic: Double?
    public var relativePValue: Double?
    /// Whether the outcome is 0/1 (proportions).
    public var binary: Bool
    /// Classical and design-based alternative tests.
    public var tests: [NamedTest]
    /// Effect sizes (Cohen's d, Hedges' g for means; risk difference, risk ratio, odds ratio and
    /// number needed to treat for proportions).
    public var effectSizes: [EffectMeasure]
    public var warnings: [String]
}

public enum GroupComparison {
    /// Compares an outcome between the rows of group A (`group[i] == false`) and group B
    /// (`group[i] == true`); rows with `group[i] == nil` or a NaN outcome are outside both groups
    /// but keep their place in the design (domain estimation, as R `subset`).
    ///
    /// The main statistic is design-based: without covariates, the difference of the two domain
    /// means with the design-based t test of `svyttest` (df = degf − 1); with covariates, the group
    /// coefficient of the survey-weighted linear model. The relative change B/A − 1 uses the joint
    /// design covariance of the two domain means (``ChangeEstimate``).
    ///
    /// Alongside (unweighted, assuming simple random samples, so labelled "unweighted"): for a
    /// numeric outcome Welch and Student t, Mann–Whitney U (normal approximation with tie
    /// correction and continuity correction), Cohen's d and Hedges' g with the pooled SD
    /// s²ₚ = ((n_A−1)s²_A + (n_B−1)s²_B)/(n_A+n_B−2) (so d is the difference in pooled-SD units);
    /// for a 0/1 outcome the two-proportion z test, Pearson χ² and Fisher's exact test, the
    /// design-based Rao–Scott χ² (second-order F), the design-based risk difference, risk ratio and
    /// odds ratio (delta method on the log scale, t on the same df), the unweighted 2×2 table's risk
    /// ratio (Katz) and odds ratio (Woolf) as `…_unweighted`, and the
    /// number needed to treat 1/|RD| with the interval from inverting the RD interval (Altman 1998,
    /// BMJ 317:1309).
    ///
    /// - Throws: ``ComparisonError`` (`lengthMismatch`, `emptyGroup`, `insufficientData`) or
    ///   ``DesignError`` from the design.
    public static func compare(outcome y: [Double], group: [Bool?], design: SurveyDesign,
                               covariates: [[Double]] = [], confidenceLevel: Double = 0.95) throws -> GroupComparisonResult {
        let n = design.rowCount
        guard y.count == n, group.count == n, covariates.allSatisfy({ $0.count == n }) else {
            throw ComparisonError(.lengthMismatch, "outcome, group and covariates need \(n) values (one per design row)")
        }
        guard confidenceLevel > 0, confidenceLevel < 1 else {
            throw ComparisonError(.invalidArgument, "confidenceLevel must lie in (0, 1), got \(confidenceLevel)")
        }
        let complete = Set(completeRows([y] + covariates, count: n))
        let inA = (0..<n).map { group[$0] == false && complete.contains($0) && design.weights[$0] > 0 }
        let inB = (0..<n).map { group[$0] == true && complete.contains($0) && design.weights[$0] > 0 }
        let ya = (0..<n).filter { inA[$0] }.map { y[$0] }, yb = (0..<n).filter { inB[$0] }.map { y[$0] }
        guard !ya.isEmpty, !yb.isEmpty else {
            throw ComparisonError(.emptyGroup, "group \(ya.isEmpty ? "A (reference)" : "B") has no rows with an outcome")
        }
        let binary = (ya + yb).allSatisfy { $0 == 0 || $0 == 1 }
        let domain = (0..<n).map { inA[$0] || inB[$0] }
        let groupColumn = (0..<n).map { inB[$0] ? 1.0 : (inA[$0] ? 0.0 : .nan) }
        let yDomain = (0..<n).map { domain[$0] ? y[$0] : .nan }

        // Design-based difference: svyttest (y ~ group) or the adjusted coefficient.
        let fit = try design.regression(columns: [[Double](repeating: 1, count: n), groupColumn] + covariates,
                                        response: yDomain, family: .gaussian, domain: domain)
        let df = Double(fit.residualDegreesOfFreedom)
        let difference = fit.coefficients[1], se = fit.standardErrors[1]
        let inf = tInference(statistic: difference / se, degreesOfFreedom: df, confidenceLevel: confidenceLevel)

        // Group estimates and their joint covariance for the relative change.
        let joint = try design.jointEstimates([DomainStatistic(.mean(y), domain: inA), DomainStatistic(.mean(y), domain: inB)])
        let change = ChangeEstimate(from: joint.estimates[0].value, to: joint.estimates[1].value,
                                    covariance: joint.covariance, degreesOfFreedom: df, confidenceLevel: confidenceLevel)
        var relStat: Double? = nil, relP: Double? = nil, relSE: Double? = nil
        if let seLog = change.logRatioStandardError, let r = change.relative {
            relStat = log1p(r) / seLog
            relP = tInference(statistic: log1p(r) / seLog, degreesOfFreedom: df, confidenceLevel: confidenceLevel).p
            relSE = (1 + r) * seLog
        }

        var tests: [NamedTest] = []
        var effects: [EffectMeasure] = []
        var warnings: [String] = []
        if binary {
            let xa = Int(ya.reduce(0, +)), xb = Int(yb.reduce(0, +))
            let table = [[xb, yb.count - xb], [xa, ya.count - xa]]
            let z = try ContingencyTests.twoProportionZ(successes1: xb, trials1: yb.count, successes2: xa, trials2: ya.count)
            tests.append(NamedTest(name: "two-proportion z test (pooled, unweighted)", statistic: z.statistic, pValue: z.pValue))
            if let chi = try? ContingencyTests.chiSquareIndependence(table) {
                tests.append(NamedTest(name: "Pearson chi-square (unweighted)", statistic: chi.test.statistic,
                                       degreesOfFreedom: chi.test.degreesOfFreedom, pValue: chi.test.pValue))
            }
            let fisher = try ContingencyTests.fisherExact(table)
            tests.append(NamedTest(name: "Fisher exact test (unweighted)", statistic: fisher.statistic, pValue: fisher.pValue))
            let rows: [String?] = (0..<n).map { domain[$0] ? (inB[$0] ? "B" : "A") : nil }
            let cols: [String?] = (0..<n).map { domain[$0] ? (y[$0] == 1 ? "1" : "0") : nil }
            if let rs = try? design.independenceTest(rows: rows, columns: cols, rowLevels: ["A", "B"], columnLevels: ["0", "1"]) {
                tests.append(NamedTest(name: "Rao-Scott chi-square (design-based, second-order F)", statistic: rs.test.statistic,
                                       degreesOfFreedom: rs.test.degreesOfFreedom, pValue: rs.test.pValue))
            }
            effects.append(EffectMeasure(name: "risk_difference", value: difference,
                                         lower: difference - inf.critical * se, upper: difference + inf.critical * se))
            // Design-based risk and odds ratios: delta method on the log scale with the joint
            // covariance V of (p_A, p_B): Var log RR = V_BB/p_B² + V_AA/p_A² − 2V_AB/(p_A p_B);
            // Var log OR the same with p(1 − p) in place of p.
            let pa = joint.estimates[0].value, pb = joint.estimates[1].value, v = joint.covariance
            if let rel = change.relative, let ci = change.relativeInterval {
                effects.append(EffectMeasure(name: "risk_ratio", value: 1 + rel, lower: 1 + ci.lower, upper: 1 + ci.upper))
            }
            let qa = pa * (1 - pa), qb = pb * (1 - pb)
            if qa > 0, qb > 0 {
                let logOR = log(pb / (1 - pb)) - log(pa / (1 - pa))
                let seLogOR = max(0, v[1][1] / (qb * qb) + v[0][0] / (qa * qa) - 2 * v[0][1] / (qa * qb)).squareRoot()
                effects.append(EffectMeasure(name: "odds_ratio", value: exp(logOR), lower: exp(logOR - inf.critical * seLogOR),
                                             upper: exp(logOR + inf.critical * seLogOR)))
            }
            if let m = try? ContingencyTests.riskAndOddsRatios(table, confidenceLevel: confidenceLevel) {
                effects.append(EffectMeasure(name: "risk_ratio_unweighted", value: m.riskRatio, lower: m.riskRatioInterval.lower,
                                             upper: m.riskRatioInterval.upper))
                effects.append(EffectMeasure(name: "odds_ratio_unweighted", value: m.oddsRatio, lower: m.oddsRatioInterval.lower,
                                             upper: m.oddsRatioInterval.upper))
            }
            let nnt = NumberNeededToTreat(riskDifference: difference, lower: difference - inf.critical * se,
                                          upper: difference + inf.critical * se)
            effects.append(EffectMeasure(name: "number_needed_to_treat", value: nnt.value, lower: nnt.lower, upper: nnt.upper))
            if let note = nnt.note { warnings.append(note) }
        } else {
            if ya.count >= 2, yb.count >= 2 {
                let welch = try TTest.welch(yb, ya, confidenceLevel: confidenceLevel)
                tests.append(NamedTest(name: "Welch two-sample t test (unweighted)", statistic: welch.statistic,
                                       degreesOfFreedom: welch.degreesOfFreedom, pValue: welch.pValue))
                let student = try TTest.student(yb, ya, confidenceLevel: confidenceLevel)
                tests.append(NamedTest(name: "Student two-sample t test (pooled variance, unweighted)", statistic: student.statistic,
                                       degreesOfFreedom: student.degreesOfFreedom, pValue: student.pValue))
                let d = try EffectSize.cohenD(yb, ya), g = try EffectSize.hedgesG(yb, ya)
                effects.append(EffectMeasure(name: "cohens_d", value: d))
                effects.append(EffectMeasure(name: "hedges_g", value: g))
            }
            let mw = try RankTests.mannWhitney(yb, ya)
            tests.append(NamedTest(name: "Mann-Whitney U (normal approximation, unweighted)", statistic: mw.test.statistic,
                                   pValue: mw.test.pValue))
        }
        if df < 10 {
            warnings.append("Only \(Int(df)) design degrees of freedom: intervals are wide and the variance estimate is unstable.")
        }
        return GroupComparisonResult(
            reference: joint.estimates[0], comparison: joint.estimates[1], difference: difference, standardError: se,
            degreesOfFreedom: df, statistic: difference / se, pValue: inf.p,
            interval: ConfidenceInterval(lower: difference - inf.critical * se, upper: difference + inf.critical * se,
                                         level: confidenceLevel),
            adjusted: !covariates.isEmpty, relativeChange: change.relative, relativeStandardError: relSE,
            relativeInterval: change.relativeInterval.map { ConfidenceInterval(lower: $0.lower, upper: $0.upper, level: confidenceLevel) },
            relativeStatistic: relStat, relativePValue: relP, binary: binary, tests: tests, effectSizes: effects,
            warnings: warnings)
    }
}

/// The number needed to treat, 1/|RD|, with the interval from inverting the risk-difference
/// interval (Altman 1998, BMJ 317:1309–1312).
///
/// When the RD interval excludes 0 the NNT interval is [1/|upper|, 1/|lower|] (ordered). When it
/// includes 0 the interval runs through infinity: it is reported as the benefit and harm bounds
/// (NNTB 1/upper to ∞ to NNTH 1/|lower|), with `lower`/`upper` nil and a note. RD = 0 gives ∞.
public struct NumberNeededToTreat: Sendable, Equatable {
    public var value: Double
    public var lower: Double?
    public var upper: Double?
    public var note: String?

    public init(riskDifference rd: Double, lower: Double, upper: Double) {
        value = rd == 0 ? .infinity : 1 / abs(rd)
        if lower > 0 || upper < 0 {
            let a = 1 / abs(lower), b = 1 / abs(upper)
            self.lower = min(a, b)
            self.upper = max(a, b)
            note = nil
        } else {
            self.lower = nil
            self.upper = nil
            note = "The risk difference's interval includes 0, so the number needed to treat's interval runs through infinity (NNT for benefit "
                + (upper > 0 ? String(format: "%.1f", 1 / upper) : "∞") + " to ∞ to NNT for harm "
                + (lower < 0 ? String(format: "%.1f", 1 / abs(lower)) : "∞") + ")."
        }
    }
}
