import Foundation
import SurveyInstruments
import SurveyReports
import SurveyStatistics

/// `kind: propensity` — a programme vs comparison contrast weighted by propensity scores, with
/// the balance table and overlap diagnostics.
///
/// ```yaml
/// analyses:
///   - kind: propensity
///     indicator: warm_parenting     # or variable:
///     treatment: area               # a file attribute or a question
///     treated: programme
///     control: comparison
///     covariates: [mother_age, lone_parent, benefits]
///     estimand: ate                 # ate (default) or att
/// ```
public struct PropensityAnalysis: Analysis {
    public static let kind = "propensity"
    public static let keys = ["indicator", "variable", "treatment", "treated", "control", "covariates", "estimand", "title"]

    public var indicator: String?
    public var variable: String?
    public var treatment: String
    public var treated: String
    public var control: String
    public var covariates: [String]
    public var estimand: String?
    public var title: String?

    public func validate(plan: Plan, instrument: Instrument) throws {
        try ComparisonSupport.checkOutcome(indicator: indicator, variable: variable)
        guard !covariates.isEmpty else { throw AnalysisError("a propensity model needs at least one covariate") }
        guard PropensityEstimand(rawValue: estimand ?? "ate") != nil else {
            throw AnalysisError("estimand must be ate or att, got '\(estimand ?? "")'")
        }
        guard treated != control else { throw AnalysisError("treated and control must be different levels") }
    }

    public func run(_ context: AnalysisContext) throws -> ReportSection {
        let outcome = try ComparisonSupport.outcome(indicator: indicator, variable: variable, context)
        let groups = try ComparisonSupport.labels(treatment, context)
        for level in [treated, control] where !groups.contains(level) {
            throw AnalysisError("no row has \(treatment) = \(level)", hint: "check the levels of '\(treatment)'")
        }
        let t = groups.map { $0 == treated ? 1.0 : ($0 == control ? 0.0 : .nan) }
        let (x, names) = try ComparisonSupport.covariates(covariates, context)
        let target = PropensityEstimand(rawValue: estimand ?? "ate") ?? .ate
        let level = context.confidenceLevel
        let r = try PropensityScore.weightedComparison(treatment: t, covariates: x, names: names, outcome: outcome.y,
                                                       design: context.design, estimand: target, confidenceLevel: level)
        // The unweighted (survey-weighted only) contrast for comparison.
        let naive = try GroupComparison.compare(outcome: outcome.y, group: t.map { $0.isNaN ? nil : $0 == 1 },
                                                design: context.design, confidenceLevel: level)
        let fmt = ComparisonSupport.Formatter(binary: outcome.binary)
        let balanceRows = r.balance.map { b -> [ReportTable.Cell] in
            [ReportTable.Cell(b.name), .number(b.treatedMean, decimals: 3), .number(b.comparisonMean, decimals: 3),
             .number(b.standardizedDifferenceBefore, decimals: 3), .number(b.weightedTreatedMean, decimals: 3),
             .number(b.weightedComparisonMean, decimals: 3), .number(b.standardizedDifferenceAfter, decimals: 3)]
        }
        let o = r.overlap
        let overlapRows: [[ReportTable.Cell]] = [
            [ReportTable.Cell(treated), .number(o.treatedRange.lowerBound, decimals: 3), .number(o.treatedRange.upperBound, decimals: 3),
             .number(r.effectiveSampleSize.treated, decimals: 1)],
            [ReportTable.Cell(control), .number(o.comparisonRange.lowerBound, decimals: 3), .number(o.comparisonRange.upperBound, decimals: 3),
             .number(r.effectiveSampleSize.comparison, decimals: 1)],
        ]
        let contrastRows: [[ReportTable.Cell]] = [
            [ReportTable.Cell("survey-weighted (unadjusted)"), fmt.difference(naive.difference), fmt.difference(naive.standardError),
             fmt.difference(naive.interval.lower), fmt.difference(naive.interval.upper), .pValue(naive.pValue)],
            [ReportTable.Cell("propensity-weighted (\(target.rawValue.uppercased()))"), fmt.difference(r.difference),
             fmt.difference(r.standardError), fmt.difference(r.interval.lower), fmt.difference(r.interval.upper),
             .pValue(r.pValue)],
        ]
        let findings = [
            "Weighting by propensity scores on \(names.joined(separator: ", ")), \(outcome.label) differs between \(treated) and \(control) by \(fmt.signedText(r.difference)) (\(ReportNumber.percent(level, 0)) CI \(fmt.signedText(r.interval.lower)) to \(fmt.signedText(r.interval.upper)); p \(ReportNumber.pValue(r.pValue))), against \(fmt.signedText(naive.difference)) before adjustment."
        ]
        let methods = [
            "Propensity scores: survey-weighted logistic regression of \(treatment) (\(treated) = 1) on \(names.joined(separator: ", ")) (as R svyglm, quasi-binomial).",
            target == .ate ? "ATE weights: survey weight × 1/e for \(treated), × 1/(1 − e) for \(control)."
                : "ATT weights: survey weight × 1 for \(treated), × e/(1 − e) for \(control).",
            "Balance: standardized differences (treated − comparison)/√((s²_T + s²_C)/2) with the survey-weighted variances before weighting in the denominator (Austin & Stuart 2015); |d| < 0.1 is usually taken as balanced.",
            "Weighted difference: design-based linearisation SE with the combined weights, t on \(Int(r.degreesOfFreedom)) df; the propensity model is treated as known (conservative for the ATE).",
        ]
        return ReportSection(
            id: "propensity-\(indicator ?? variable ?? "outcome")",
            title: title ?? "Propensity-weighted comparison: \(outcome.label)",
            findings: findings,
            tables: [
                ReportTable(caption: "Covariate balance before and after weighting",
                            columns: [.init("covariate"), .init("\(treated) mean", numeric: true), .init("\(control) mean", numeric: true),
                                      .init("std. diff. before", numeric: true), .init("\(treated) weighted", numeric: true),
                                      .init("\(control) weighted", numeric: true), .init("std. diff. after", numeric: true)],
                            rows: balanceRows),
                ReportTable(caption: "Propensity score overlap",
                            columns: [.init("group"), .init("min score", numeric: true), .init("max score", numeric: true),
                                      .init("effective n", numeric: true)],
                            rows: overlapRows),
                ReportTable(caption: "\(treated) − \(control)" + (outcome.binary ? " (percentage points)" : ""),
                            columns: [.init("comparison"), .init("estimate", numeric: true), .init("SE", numeric: true),
                                      .init("CI low", numeric: true), .init("CI high", numeric: true), .init("p", numeric: true)],
                            rows: contrastRows),
            ],
            methods: methods, warnings: r.warnings)
    }
}
