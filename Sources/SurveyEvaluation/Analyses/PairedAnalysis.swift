import Foundation
import SurveyInstruments
import SurveyReports
import SurveyStatistics

/// `kind: paired` — a panel's before/after change: the same respondents linked by an id.
///
/// ```yaml
/// analyses:
///   - kind: paired
///     indicator: feel_safe        # or variable:
///     id: hh_id                   # the question identifying a respondent in both waves
///     period: wave
///     before: before
///     after: after
/// ```
/// The design of the pairs takes the weight, stratum and PSU of each respondent's `after` record
/// (a longitudinal weight); no fpc is applied (conservative).
public struct PairedAnalysis: Analysis {
    public static let kind = "paired"
    public static let keys = ["indicator", "variable", "id", "period", "before", "after", "title"]

    public var indicator: String?
    public var variable: String?
    public var id: String
    public var period: String
    public var before: String
    public var after: String
    public var title: String?

    public func validate(plan: Plan, instrument: Instrument) throws {
        try ComparisonSupport.checkOutcome(indicator: indicator, variable: variable)
        guard before != after else { throw AnalysisError("before and after must be different levels") }
    }

    public func run(_ context: AnalysisContext) throws -> ReportSection {
        let outcome = try ComparisonSupport.outcome(indicator: indicator, variable: variable, context)
        let ids = try ComparisonSupport.labels(id, context)
        let periods = try ComparisonSupport.labels(period, context)
        var first: [String: Int] = [:], second: [String: Int] = [:]
        for i in 0..<context.rowCount {
            guard let key = ids[i], let p = periods[i] else { continue }
            if p == before {
                if first[key] != nil { throw AnalysisError("id \(key) appears twice with \(period) = \(before)") }
                first[key] = i
            } else if p == after {
                if second[key] != nil { throw AnalysisError("id \(key) appears twice with \(period) = \(after)") }
                second[key] = i
            }
        }
        let linked = second.keys.filter { first[$0] != nil }.sorted { (second[$0] ?? 0) < (second[$1] ?? 0) }
        guard linked.count >= 2 else {
            throw AnalysisError("only \(linked.count) respondent(s) of '\(id)' appear at both \(before) and \(after)",
                                hint: "'id:' names the question that identifies a respondent in both waves")
        }
        let a = linked.compactMap { second[$0] }, b = linked.compactMap { first[$0] }
        let design = try SurveyDesign(weights: a.map { context.weights[$0] }, strata: a.map { context.strata[$0] },
                                      clusters: context.clusters.isEmpty ? [] : [a.map { context.clusters[$0] }],
                                      lonelyPSU: context.design.lonelyPSU)
        let level = context.confidenceLevel
        let r = try PairedComparison.compare(before: b.map { outcome.y[$0] }, after: a.map { outcome.y[$0] }, design: design,
                                             confidenceLevel: level)
        let fmt = ComparisonSupport.Formatter(binary: outcome.binary)
        var rows: [[ReportTable.Cell]] = [
            [ReportTable.Cell("paired difference (design-based)"), fmt.difference(r.difference), fmt.difference(r.standardError),
             fmt.difference(r.interval.lower), fmt.difference(r.interval.upper), .number(r.degreesOfFreedom, decimals: 0),
             .pValue(r.pValue)],
        ]
        for t in r.tests {
            rows.append([ReportTable.Cell(t.name), .number(t.statistic, decimals: 3), ReportTable.Cell(""), ReportTable.Cell(""),
                         ReportTable.Cell(""), t.degreesOfFreedom.map { .number($0, decimals: 0) } ?? ReportTable.Cell(""),
                         .pValue(t.pValue)])
        }
        var findings = [
            "Among \(r.pairs) respondents seen at both \(before) and \(after), \(outcome.label) changed by \(fmt.signedText(r.difference)) (\(ReportNumber.percent(level, 0)) CI \(fmt.signedText(r.interval.lower)) to \(fmt.signedText(r.interval.upper)); p \(ReportNumber.pValue(r.pValue)))."
        ]
        if let b10 = r.discordantOneToZero, let c01 = r.discordantZeroToOne {
            findings.append("\(c01) respondents changed from no to yes and \(b10) from yes to no (the discordant pairs McNemar's test compares).")
        }
        var warnings = r.warnings
        let unmatched = first.count + second.count - 2 * linked.count
        if unmatched > 0 { warnings.append("\(unmatched) record(s) have no partner at the other occasion and are left out.") }
        return ReportSection(
            id: "paired-\(indicator ?? variable ?? "outcome")",
            title: title ?? "Paired change (panel): \(outcome.label)",
            findings: findings,
            tables: [ReportTable(caption: "\(after) − \(before), paired by \(id)" + (outcome.binary ? " (percentage points)" : ""),
                                 columns: [.init("statistic"), .init("estimate", numeric: true), .init("SE", numeric: true),
                                           .init("CI low", numeric: true), .init("CI high", numeric: true),
                                           .init("df", numeric: true), .init("p", numeric: true)],
                                 rows: rows)],
            methods: [
                "Paired difference: design-weighted mean of the per-respondent change with a linearised SE (weights, strata and PSUs of the \(after) record; no fpc), design-based one-sample t test (as R svyttest) on \(Int(r.degreesOfFreedom)) df.",
                outcome.binary ? "McNemar tests (exact binomial, mid-p, χ² with and without continuity correction) use the unweighted discordant pairs."
                    : "Wilcoxon signed-rank (exact without ties or zeros, else normal approximation with tie correction) and the paired t test are unweighted.",
            ],
            warnings: warnings)
    }
}
