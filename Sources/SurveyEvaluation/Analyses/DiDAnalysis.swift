import Foundation
import SurveyInstruments
import SurveyReports
import SurveyStatistics

/// `kind: did` — a difference-in-differences between a programme and a comparison group over two
/// periods.
///
/// ```yaml
/// analyses:
///   - kind: did
///     indicator: feel_safe          # or variable: wellbeing (a question, derived variable or scale)
///     group: area                   # a file attribute or a question
///     treated: programme
///     control: comparison
///     period: wave
///     before: before
///     after: after
///     variance: design              # design (default: svyglm) or cluster (CR1 by `cluster:`)
///     cluster: neighbourhood        # question holding the area of each row (needed for cluster)
///     bootstrap: 999                # optional: wild cluster bootstrap replications (needs cluster)
///     bootstrap_weights: webb       # webb (default) or rademacher
///     seed: 1
///     covariates: [age]             # optional regression adjustment
/// ```
public struct DiDAnalysis: Analysis {
    public static let kind = "did"
    public static let keys = ["indicator", "variable", "group", "treated", "control", "period", "before", "after",
                              "variance", "cluster", "bootstrap", "bootstrap_weights", "seed", "covariates", "title"]

    public var indicator: String?
    public var variable: String?
    public var group: String
    public var treated: String
    public var control: String
    public var period: String
    public var before: String
    public var after: String
    public var variance: String?
    public var cluster: String?
    public var bootstrap: Int?
    public var bootstrapWeights: String?
    public var seed: UInt64?
    public var covariates: [String]?
    public var title: String?

    enum CodingKeys: String, CodingKey {
        case indicator, variable, group, treated, control, period, before, after, variance, cluster, bootstrap
        case bootstrapWeights = "bootstrap_weights", seed, covariates, title
    }

    public func validate(plan: Plan, instrument: Instrument) throws {
        try ComparisonSupport.checkOutcome(indicator: indicator, variable: variable)
        guard ["design", "cluster"].contains(variance ?? "design") else {
            throw AnalysisError("variance must be design or cluster, got '\(variance ?? "")'")
        }
        if variance == "cluster" || (bootstrap ?? 0) > 0, cluster == nil {
            throw AnalysisError("cluster-robust variance and the wild bootstrap need 'cluster:' (the question holding each row's area)")
        }
        if let b = bootstrap, b != 0, b < 99 { throw AnalysisError("bootstrap needs at least 99 replications, got \(b)") }
        if let w = bootstrapWeights, WildBootstrapWeights(rawValue: w) == nil {
            throw AnalysisError("bootstrap_weights must be webb or rademacher, got '\(w)'")
        }
        guard treated != control, before != after else {
            throw AnalysisError("treated/control and before/after must be different levels")
        }
    }

    public func run(_ context: AnalysisContext) throws -> ReportSection {
        let outcome = try ComparisonSupport.outcome(indicator: indicator, variable: variable, context)
        let groups = try ComparisonSupport.labels(group, context)
        let periods = try ComparisonSupport.labels(period, context)
        for (factor, labels, levels) in [(group, groups, [treated, control]), (period, periods, [before, after])] {
            for level in levels where !labels.contains(level) {
                throw AnalysisError("no row has \(factor) = \(level)", hint: "check the levels of '\(factor)'")
            }
        }
        let t = groups.map { $0 == treated ? 1.0 : ($0 == control ? 0.0 : .nan) }
        let p = periods.map { $0 == after ? 1.0 : ($0 == before ? 0.0 : .nan) }
        let (x, xNames) = try ComparisonSupport.covariates(covariates ?? [], context)
        let level = context.confidenceLevel
        let design = context.design
        let fmt = ComparisonSupport.Formatter(binary: outcome.binary)

        // The four cells and their joint covariance.
        let cells = [(control, before, 0.0, 0.0), (control, after, 0.0, 1.0), (treated, before, 1.0, 0.0), (treated, after, 1.0, 1.0)]
        let joint = try design.jointEstimates(cells.map { c in
            DomainStatistic(.mean(outcome.y), domain: (0..<context.rowCount).map { t[$0] == c.2 && p[$0] == c.3 })
        })
        var cellRows: [[ReportTable.Cell]] = []
        for (k, c) in cells.enumerated() {
            let e = joint.estimates[k]
            let ci = e.confidenceInterval(level: level)
            cellRows.append([ReportTable.Cell(c.0), ReportTable.Cell(c.1), fmt.level(e.value), fmt.level(ci.lower),
                             fmt.level(ci.upper), .count(e.sampleSize)])
        }
        let controlChange = try joint.contrast([-1, 1, 0, 0]), treatedChange = try joint.contrast([0, 0, -1, 1])

        let did: DifferenceInDifferencesEstimate
        var methods: [String] = []
        var warnings: [String] = []
        var areaLabels: [String]? = nil
        if let cluster {
            areaLabels = try ComparisonSupport.labels(cluster, context).map { $0 ?? "" }
        }
        if variance == "cluster", let areas = areaLabels {
            did = try DifferenceInDifferences.clusterRobust(outcome: outcome.y, treated: t, post: p, covariates: x,
                                                            covariateNames: xNames, weights: context.weights, clusters: areas,
                                                            confidenceLevel: level)
        } else {
            did = try DifferenceInDifferences.designBased(outcome: outcome.y, treated: t, post: p, covariates: x,
                                                          covariateNames: xNames, design: design, confidenceLevel: level)
        }
        methods.append("Difference-in-differences of \(outcome.label): the \(group) × \(period) interaction of a regression of the outcome on \(group) (\(treated) vs \(control)), \(period) (\(after) vs \(before)) and their product"
                       + (xNames.isEmpty ? "" : ", adjusted for " + xNames.joined(separator: ", ")) + ". " + did.method + ".")
        warnings += did.warnings
        var resultRows: [[ReportTable.Cell]] = []
        func row(_ what: String, _ value: Double, _ se: Double, _ lo: Double, _ hi: Double, _ df: Double?, _ pv: Double) -> [ReportTable.Cell] {
            [ReportTable.Cell(what), fmt.difference(value), fmt.difference(se), fmt.difference(lo), fmt.difference(hi),
             df.map { .number($0, decimals: 0) } ?? ReportTable.Cell("normal"), .number(pv, decimals: 4)]
        }
        for (name, e) in [("change in \(control)", controlChange), ("change in \(treated)", treatedChange)] {
            let ci = e.confidenceInterval(level: level)
            let pv = 2 * StudentT(degreesOfFreedom: e.degreesOfFreedom).sf(abs(e.value / e.standardError))
            resultRows.append(row(name, e.value, e.standardError, ci.lower, ci.upper, e.degreesOfFreedom, pv))
        }
        resultRows.append(row("difference-in-differences", did.estimate, did.standardError, did.interval.lower,
                              did.interval.upper, did.degreesOfFreedom, did.pValue))
        if let areas = areaLabels, variance != "cluster" {
            let cr1 = try DifferenceInDifferences.clusterRobust(outcome: outcome.y, treated: t, post: p, covariates: x,
                                                                weights: context.weights, clusters: areas, confidenceLevel: level)
            resultRows.append(row("DiD, cluster-robust CR1 by \(cluster ?? "")", cr1.estimate, cr1.standardError,
                                  cr1.interval.lower, cr1.interval.upper, cr1.degreesOfFreedom, cr1.pValue))
            warnings += cr1.warnings
            methods.append("Cluster-robust check: " + cr1.method + ".")
        }
        if let areas = areaLabels, let b = bootstrap, b > 0 {
            var rng = SeededGenerator(seed: seed ?? 1)
            let kind = WildBootstrapWeights(rawValue: bootstrapWeights ?? "webb") ?? .webb
            let boot = try DifferenceInDifferences.wildClusterBootstrap(
                outcome: outcome.y, treated: t, post: p, covariates: x, sampleWeights: context.weights, clusters: areas,
                replications: b, weights: kind, confidenceLevel: level, using: &rng)
            resultRows.append([ReportTable.Cell("DiD, wild cluster bootstrap"), fmt.difference(did.estimate), ReportTable.Cell(""),
                               fmt.difference(boot.interval.lower), fmt.difference(boot.interval.upper), ReportTable.Cell(""),
                               .pValue(boot.pValue)])
            methods.append("Wild cluster bootstrap-t (\(kind.rawValue) weights, \(b) replications, seed \(seed ?? 1)): p-value with the null imposed, symmetric percentile-t interval from the unrestricted bootstrap (Cameron, Gelbach & Miller 2008; Roodman et al. 2019).")
        }
        if outcome.binary {
            let logit = try DifferenceInDifferences.designBased(outcome: outcome.y, treated: t, post: p, covariates: x,
                                                                design: design, family: .quasibinomial, confidenceLevel: level)
            resultRows.append([ReportTable.Cell("ratio of odds ratios (logistic DiD)"), .number(exp(logit.estimate), decimals: 3),
                               ReportTable.Cell(""), .number(exp(logit.interval.lower), decimals: 3),
                               .number(exp(logit.interval.upper), decimals: 3), .number(logit.degreesOfFreedom, decimals: 0),
                               .pValue(logit.pValue)])
            methods.append("Logistic difference-in-differences: " + logit.method + "; the interaction is exponentiated to a ratio of odds ratios.")
        }
        let ci = did.interval
        let findings = [
            "Between \(before) and \(after), \(outcome.label) changed by \(fmt.signedText(treatedChange.value)) in \(treated) and by \(fmt.signedText(controlChange.value)) in \(control): a difference-in-differences of \(fmt.signedText(did.estimate)) (\(ReportNumber.percent(level, 0)) CI \(fmt.signedText(ci.lower)) to \(fmt.signedText(ci.upper)); p \(ReportNumber.pValue(did.pValue)))."
        ]
        methods.append("Cell estimates are design-weighted \(outcome.binary ? "proportions" : "means") with linearised standard errors; the changes use their joint design covariance, t on \(joint.degreesOfFreedom) df.")
        return ReportSection(
            id: "did-\(indicator ?? variable ?? "outcome")",
            title: title ?? "Difference-in-differences: \(outcome.label)",
            findings: findings,
            tables: [
                ReportTable(caption: "Estimates by \(group) and \(period)",
                            columns: [.init(group), .init(period), .init("estimate", numeric: true), .init("CI low", numeric: true),
                                      .init("CI high", numeric: true), .init("n", numeric: true)],
                            rows: cellRows),
                ReportTable(caption: "Changes and difference-in-differences" + (outcome.binary ? " (percentage points)" : ""),
                            columns: [.init("contrast"), .init("estimate", numeric: true), .init("SE", numeric: true),
                                      .init("CI low", numeric: true), .init("CI high", numeric: true), .init("df", numeric: true),
                                      .init("p", numeric: true)],
                            rows: resultRows),
            ],
            methods: methods, warnings: warnings)
    }
}

/// Helpers shared by the comparison analyses (did, propensity, paired, rate_ratio, power).
enum ComparisonSupport {
    /// Exactly one of `indicator:` and `variable:`.
    static func checkOutcome(indicator: String?, variable: String?) throws {
        guard (indicator == nil) != (variable == nil) else {
            throw AnalysisError("give exactly one of 'indicator:' and 'variable:'")
        }
    }

    /// The outcome per stacked row (NaN where not valid), a label, and whether it is 0/1.
    static func outcome(indicator: String?, variable: String?, _ context: AnalysisContext) throws
        -> (y: [Double], label: String, binary: Bool) {
        let y: [Double], label: String
        if let indicator {
            let v = try context.values(ofIndicator: indicator)
            if v.exposure != nil {
                // A rate indicator: its per-row values are counts over an exposure, not a mean.
                throw AnalysisError("indicator '\(indicator)' is a rate", hint: "compare rates with kind: rate_ratio")
            }
            y = v.y
            label = context.instrument.indicator(indicator)?.label ?? indicator
        } else if let variable {
            y = try context.numeric(variable)
            label = variable
        } else {
            throw AnalysisError("give 'indicator:' or 'variable:'")
        }
        let binary = y.allSatisfy { $0.isNaN || $0 == 0 || $0 == 1 }
        return (y, label, binary)
    }

    /// Per-row labels of a file attribute (e.g. `wave`) or else a question's codes.
    static func labels(_ factor: String, _ context: AnalysisContext) throws -> [String?] {
        if let a = context.attribute(factor) { return a.map { $0.isEmpty ? nil : $0 } }
        return try context.codes(factor)
    }

    /// Covariate columns (numeric questions, derived variables or scales).
    static func covariates(_ names: [String], _ context: AnalysisContext) throws -> ([[Double]], [String]) {
        (try names.map { try context.numeric($0) }, names)
    }

    /// Formats levels as percentages and differences as percentage points for 0/1 outcomes.
    struct Formatter {
        var binary: Bool
        func level(_ x: Double) -> ReportTable.Cell { binary ? .percent(x) : .number(x, decimals: 2) }
        func difference(_ x: Double) -> ReportTable.Cell {
            binary ? ReportTable.Cell(ReportNumber.fixed(100 * x, 1), value: x) : .number(x, decimals: 2)
        }
        func signedText(_ x: Double) -> String {
            binary ? ReportNumber.signed(100 * x, 1) + " percentage points" : ReportNumber.signed(x, 2)
        }
    }
}
