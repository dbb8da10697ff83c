import Foundation
import SurveyInstruments
import SurveyReports
import SurveyStatistics

/// `kind: power` — the minimum detectable effect (and optionally the power for a target effect)
/// of the next wave, from the observed estimate and design effect in a baseline group.
///
/// ```yaml
///   - kind: power
///     indicator: feel_safe        # or variable:
///     factor: wave                # the baseline group: rows with factor = level
///     level: after
///     n_per_group: 300            # planned respondents per group in the next comparison
///     icc: 0.05                   # optional, with cluster_size: deff = 1 + (m − 1)·ICC
///     cluster_size: 15            #   (default: the observed design effect)
///     power: 0.8                  # default 0.8
///     effect: 0.1                 # optional: power to detect this difference
/// ```
public struct PowerPlanAnalysis: Analysis {
    public static let kind = "power"
    public static let keys = ["indicator", "variable", "factor", "level", "n_per_group", "icc", "cluster_size", "power",
                              "effect", "title"]

    public var indicator: String?
    public var variable: String?
    public var factor: String
    public var level: String
    public var nPerGroup: Double
    public var icc: Double?
    public var clusterSize: Double?
    public var power: Double?
    public var effect: Double?
    public var title: String?

    enum CodingKeys: String, CodingKey {
        case indicator, variable, factor, level, nPerGroup = "n_per_group", icc, clusterSize = "cluster_size", power, effect, title
    }

    public func validate(plan: Plan, instrument: Instrument) throws {
        try ComparisonSupport.checkOutcome(indicator: indicator, variable: variable)
        guard nPerGroup >= 2 else { throw AnalysisError("n_per_group must be at least 2") }
        guard (icc == nil) == (clusterSize == nil) else { throw AnalysisError("give icc and cluster_size together") }
        if let p = power, !(p > 0 && p < 1) { throw AnalysisError("power must lie in (0, 1)") }
    }

    public func run(_ context: AnalysisContext) throws -> ReportSection {
        let outcome = try ComparisonSupport.outcome(indicator: indicator, variable: variable, context)
        let labels = try ComparisonSupport.labels(factor, context)
        let domain = labels.map { $0 == level }
        guard domain.contains(true) else { throw AnalysisError("no row has \(factor) = \(level)") }
        let e = try context.design.mean(outcome.y, domain: domain, deff: true)
        let observedDeff = e.designEffect ?? 1
        let deff: Double
        var methods: [String] = []
        if let icc, let m = clusterSize {
            deff = try PowerAnalysis.designEffect(icc: icc, clusterSize: m)
            methods.append("Design effect 1 + (m − 1)·ICC = 1 + (\(ReportNumber.fixed(m, 0)) − 1)·\(ReportNumber.fixed(icc, 3)) = \(ReportNumber.fixed(deff, 2)) (Kish 1965); the observed design effect in \(factor) = \(level) was \(ReportNumber.fixed(observedDeff, 2)).")
        } else {
            deff = max(observedDeff, 1e-9)
            methods.append("Design effect: the observed one of the \(level) estimate (design variance / SRS variance of the same n, as R deff = TRUE), \(ReportNumber.fixed(deff, 2)).")
        }
        let target = power ?? 0.8
        let cl = context.confidenceLevel
        let n = nPerGroup
        var rows: [[ReportTable.Cell]] = [
            [ReportTable.Cell("baseline (\(factor) = \(level))"), outcome.binary ? .percent(e.value) : .number(e.value, decimals: 2)],
            [ReportTable.Cell("design effect used"), .number(deff, decimals: 2)],
            [ReportTable.Cell("respondents per group"), .number(n, decimals: 0)],
            [ReportTable.Cell("effective respondents per group"), .number(n / deff, decimals: 1)],
        ]
        var findings: [String] = []
        if outcome.binary {
            let mde = try PowerAnalysis.minimumDetectableProportions(baseline: e.value, n1: n, n2: n, designEffect: deff,
                                                                     power: target, confidenceLevel: cl)
            if let up = mde.upper { rows.append([ReportTable.Cell("detectable rise to"), .percent(up)]) }
            if let down = mde.lower { rows.append([ReportTable.Cell("detectable fall to"), .percent(down)]) }
            findings.append("With \(ReportNumber.grouped(n)) respondents per group and a design effect of \(ReportNumber.fixed(deff, 2)), a change from \(ReportNumber.percent(e.value)) "
                            + "to \(mde.lower.map { ReportNumber.percent($0) } ?? "—") or \(mde.upper.map { ReportNumber.percent($0) } ?? "—") would be detected with \(ReportNumber.percent(target, 0)) power at the \(ReportNumber.percent(1 - cl, 0)) level.")
            if let effect {
                let p = try PowerAnalysis.powerTwoProportions(e.value, min(1, max(0, e.value + effect)), n1: n, n2: n,
                                                              designEffect: deff, confidenceLevel: cl)
                rows.append([ReportTable.Cell("power for a change of \(ReportNumber.signed(100 * effect, 1)) points"), .percent(p)])
            }
            methods.append("Two proportions, normal approximation with pooled variance under H₀ (as R power.prop.test), variances multiplied by the design effect; the detectable proportions solve power = \(ReportNumber.fixed(target, 2)) by bisection.")
        } else {
            let sdEstimate = try context.design.mean(outcome.y.map { ($0 - e.value) * ($0 - e.value) }, domain: domain).value
            let sd = max(sdEstimate, 0).squareRoot()
            let mde = try PowerAnalysis.minimumDetectableDifference(sd: sd, n1: n, n2: n, designEffect: deff, power: target,
                                                                   confidenceLevel: cl)
            rows.append([ReportTable.Cell("standard deviation"), .number(sd, decimals: 2)])
            rows.append([ReportTable.Cell("minimum detectable difference"), .number(mde, decimals: 2)])
            findings.append("With \(ReportNumber.grouped(n)) respondents per group and a design effect of \(ReportNumber.fixed(deff, 2)), a difference of \(ReportNumber.fixed(mde, 2)) in \(outcome.label) (\(ReportNumber.fixed(mde / sd, 2)) SD) would be detected with \(ReportNumber.percent(target, 0)) power.")
            if let effect {
                let p = try PowerAnalysis.powerTwoMeans(difference: effect, sd: sd, n1: n, n2: n, designEffect: deff, confidenceLevel: cl)
                rows.append([ReportTable.Cell("power for a difference of \(ReportNumber.fixed(effect, 2))"), .percent(p)])
            }
            methods.append("Two means, normal approximation: MDE = (z₁₋α/₂ + z_power)·SD·√(deff·2/n) (Bloom 1995); SD is the design-weighted SD in the baseline group.")
        }
        return ReportSection(id: "power-\(indicator ?? variable ?? "outcome")", title: title ?? "Planning the next wave: \(outcome.label)",
                             findings: findings,
                             tables: [ReportTable(caption: "Minimum detectable effect", columns: [.init("quantity"), .init("value", numeric: true)],
                                                  rows: rows)],
                             methods: methods,
                             warnings: deff > 3 ? ["The design effect is \(ReportNumber.fixed(deff, 1)): clustering costs most of the sample; more, smaller clusters would help."] : [])
    }
}
