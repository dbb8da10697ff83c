import Foundation
import SurveyInstruments
import SurveyReports
import SurveyStatistics

/// Estimates every indicator in every group of the plan's comparisons, and the changes between them.
struct IndicatorEstimator {
    let plan: Plan
    let instrument: Instrument
    let sample: SampleAssembly
    let design: SurveyDesign

    /// The factor whose levels are the report's groups: the first comparison's, else the first
    /// file attribute, else one group `all`.
    var factor: String? {
        plan.comparisons.first?.factor ?? plan.data.first?.attributes.keys.sorted().first
    }

    var groups: [String] {
        guard let factor else { return ["all"] }
        return plan.levels(of: factor)
    }

    func domain(_ group: String) -> [Bool] {
        guard let factor else { return sample.usable }
        return sample.domain(factor, group)
    }

    func selectedIndicators() throws -> [Indicator] {
        guard let ids = plan.analysis.indicators else { return instrument.indicators }
        return try ids.map { id in
            guard let i = instrument.indicator(id) else {
                throw PlanError(.invalidValue, file: plan.file,
                                message: "analysis.indicators names '\(id)', which the instrument does not define",
                                hint: "the instrument's indicators are: " + instrument.indicators.map(\.id).joined(separator: ", "))
            }
            return i
        }
    }

    func results() throws -> [EvaluationReport.IndicatorResult] {
        let level = plan.analysis.confidenceLevel
        let df = Double(design.degreesOfFreedom)
        let minimum = plan.disclosure.minimumCell
        var out: [EvaluationReport.IndicatorResult] = []
        for indicator in try selectedIndicators() {
            let (y, exposure) = try sample.values(of: indicator)
            let kind = ReportKind(indicator.kind)
            let scale = indicator.per ?? 1
            var linearized: [String: Linearized] = [:]
            var estimates: [EvaluationReport.GroupEstimate] = []
            for group in groups {
                let d = domain(group)
                let lin: Linearized
                do {
                    switch kind {
                    case .proportion, .mean: lin = try design.linearizedMean(y, domain: d)
                    case .total: lin = try design.linearizedTotal(y, domain: d)
                    case .rate:
                        lin = try design.linearizedRatio(numerator: y, denominator: exposure ?? y, domain: d)
                    }
                } catch {
                    throw PlanError(.design, file: plan.file, message: "indicator '\(indicator.id)' in \(group): \(error)")
                }
                let scaled = kind == .rate ? lin.scaled(by: scale) : lin
                linearized[group] = scaled
                let variance = try design.covariance([scaled])[0][0]
                estimates.append(groupEstimate(scaled, variance: variance, group: group, kind: kind, df: df,
                                               level: level, minimum: minimum))
            }
            var changes: [EvaluationReport.Change] = []
            for c in plan.comparisons {
                guard let a = linearized[c.from], let b = linearized[c.to] else { continue }
                let cov = try design.covariance([a, b])
                let ch = ChangeEstimate(from: a.value, to: b.value, covariance: cov, degreesOfFreedom: df,
                                        confidenceLevel: level)
                let suppressed = a.n < minimum || b.n < minimum
                changes.append(EvaluationReport.Change(
                    from: c.from, to: c.to, difference: ch.difference, differenceSE: ch.standardError,
                    differenceLow: ch.differenceInterval.lower, differenceHigh: ch.differenceInterval.upper,
                    relative: ch.relative, relativeLow: ch.relativeInterval?.lower,
                    relativeHigh: ch.relativeInterval?.upper, statistic: ch.statistic, df: df, pValue: ch.pValue,
                    adjustedPValue: nil, suppressed: suppressed,
                    method: "design-based t test of the difference; relative change by the delta method on the log scale"))
            }
            out.append(EvaluationReport.IndicatorResult(
                id: indicator.id, label: indicator.label, kind: kind, unit: indicator.unit,
                higherIsBetter: indicator.higherIsBetter, decimals: decimals(kind, estimates),
                estimates: estimates, changes: changes))
        }
        return try adjust(out)
    }

    /// One group's estimate, its interval, suppression and reliability flags.
    func groupEstimate(_ lin: Linearized, variance: Double, group: String, kind: EvaluationReport.Kind,
                       df: Double, level: Double, minimum: Int) -> EvaluationReport.GroupEstimate {
        let se = variance.squareRoot()
        let q = StudentT(degreesOfFreedom: df).quantile(0.5 + level / 2)
        var low = lin.value - q * se, high = lin.value + q * se
        if kind == .proportion && lin.value > 0 && lin.value < 1 {
            // svyciprop(method = "xlogit"): a Wald interval for logit(p) by the delta method.
            let p = lin.value
            let l = log(p / (1 - p)), s = se / (p * (1 - p))
            low = 1 / (1 + exp(-(l - q * s)))
            high = 1 / (1 + exp(-(l + q * s)))
        }
        var flags: [String] = []
        if lin.n >= minimum {
            if se / abs(lin.value) > 0.3 { flags.append("unreliable: relative standard error above 30%") }
            if kind == .proportion && (lin.value == 0 || lin.value == 1) {
                flags.append("no variation in the sample: interval not estimable")
            }
        }
        return EvaluationReport.GroupEstimate(group: group, estimate: lin.value, se: se, ciLow: low, ciHigh: high,
                                              df: df, n: lin.n, suppressed: lin.n < minimum, flags: flags)
    }

    /// Decimal places: enough to show three significant figures of the typical estimate.
    func decimals(_ kind: EvaluationReport.Kind, _ estimates: [EvaluationReport.GroupEstimate]) -> Int {
        guard kind != .proportion, kind != .total else { return kind == .total ? 0 : 1 }
        let typical = estimates.map { abs($0.estimate) }.filter(\.isFinite).max() ?? 1
        if typical >= 100 { return 0 }
        if typical >= 10 { return 1 }
        return 2
    }

    /// Multiplicity adjustment over the report's family of changes (every indicator × comparison that
    /// is shown and has a p-value).
    func adjust(_ results: [EvaluationReport.IndicatorResult]) throws -> [EvaluationReport.IndicatorResult] {
        let method: MultipleTestingMethod
        switch plan.analysis.multipleTesting {
        case "holm": method = .holm
        case "bh": method = .benjaminiHochberg
        default: return results
        }
        var family: [(Int, Int)] = []
        for i in results.indices {
            for j in results[i].changes.indices
            where !results[i].changes[j].suppressed && results[i].changes[j].pValue.isFinite {
                family.append((i, j))
            }
        }
        let adjusted = try MultipleTesting.adjust(family.map { results[$0.0].changes[$0.1].pValue }, method: method)
        var out = results
        for (k, (i, j)) in family.enumerated() { out[i].changes[j].adjustedPValue = adjusted[k] }
        return out
    }
}

extension EvaluationReport.Kind {
    init(_ kind: IndicatorKind) {
        switch kind {
        case .proportion: self = .proportion
        case .mean: self = .mean
        case .total: self = .total
        case .rate: self = .rate
        }
    }
}
typealias ReportKind = EvaluationReport.Kind
