import Foundation
import SurveyInstruments
import SurveyReports
import SurveyStatistics

/// Puts the computed pieces into the report model: data account, sample sizes, methods, warnings,
/// disclosure note and provenance.
struct ReportAssembly {
    let plan: Plan
    let instrument: Instrument
    let sample: SampleAssembly
    let design: SurveyDesign
    let indicators: [EvaluationReport.IndicatorResult]
    var sections: [ReportSection] = []

    var estimator: IndicatorEstimator {
        IndicatorEstimator(plan: plan, instrument: instrument, sample: sample, design: design)
    }

    func report() -> EvaluationReport {
        EvaluationReport(
            title: plan.header.title, planID: plan.header.id, planDescription: plan.header.description,
            instrument: .init(id: instrument.id, title: instrument.title, version: instrument.version),
            confidenceLevel: plan.analysis.confidenceLevel, dataAccount: dataAccount(), groups: groupSizes(),
            indicators: indicators, sections: sections, methods: methods(), warnings: warnings(), suppression: suppression(),
            provenance: provenance())
    }

    func dataAccount() -> [EvaluationReport.FileAccount] {
        sample.parts.map { part in
            let s = part.ingest.summary
            var rejected: [String: Int] = [:]
            for r in s.rejectedRows { rejected[r.reason, default: 0] += 1 }
            var invalid: [String: Int] = [:]
            for cell in part.coded.invalidCells { invalid[cell.question, default: 0] += 1 }
            let group = part.file.attributes.sorted { $0.key < $1.key }.map { $0.value }.joined(separator: ", ")
            return EvaluationReport.FileAccount(
                file: part.file.path, group: group.isEmpty ? "all" : group, sha256: s.sha256,
                recordsRead: s.dataRows, accepted: s.acceptedRows, rejected: rejected, invalidCells: invalid,
                rowsUsed: s.acceptedRows - part.coded.rejectedDataRows.count)
        }
    }

    func groupSizes() -> [EvaluationReport.GroupSize] {
        estimator.groups.map { group in
            let d = estimator.domain(group)
            var n = 0, w = 0.0
            var psus = Set<String>()
            for i in 0..<sample.rowCount where d[i] {
                n += 1
                w += sample.weights[i]
                psus.insert(sample.clusters.isEmpty ? "\(i)" : sample.clusters[i])
            }
            return EvaluationReport.GroupSize(group: group, respondents: n, weightedCount: w, psus: psus.count)
        }
    }

    func methods() -> EvaluationReport.Methods {
        let d = plan.design
        var design = ""
        let files = plan.data.map { $0.file }.joined(separator: ", ")
        if d.samples == .independent && plan.data.count > 1 {
            design += "Each file (\(files)) is an independent sample; strata and PSUs are kept apart between files. "
        } else {
            design += "One sample in \(plan.data.count) file(s) (\(files)). "
        }
        var parts: [String] = []
        if let s = d.strata { parts.append("stratified by '\(s)'") }
        if let c = d.cluster { parts.append("clustered by '\(c)' (the primary sampling units)") }
        parts.append("weighted by '\(d.weight)'")
        if let f = d.fpc { parts.append("with a first-stage finite population correction from '\(f)'") }
        design += "The design is " + parts.joined(separator: ", ") + "."
        let fpcNote = d.fpc == nil ? "" : ", multiplied by the finite population correction 1 − n_h/N_h"
        let variance = "Taylor-series linearisation: the between-PSU variance of the linearised values within strata\(fpcNote) (as R's survey package, svydesign and svymean/svytotal/svyratio). Estimates for groups are domain estimates that keep the whole design (as svyby), so they include the variability of the group's size."
        let level = percentLabel(plan.analysis.confidenceLevel)
        let interval = "\(level) intervals. Means, totals and rates: estimate ± t(df) × SE. Proportions: the interval for logit(p) by the delta method, transformed back (svyciprop method \"xlogit\"), so that it stays within 0–100%."
        let relative = "the ratio of the two estimates with its interval from the delta method on the log scale, using the design covariance of the two estimates (exp(log r ± t × SE) − 1)."
        let test = "Each change is tested with a design-based t test: the difference divided by its standard error, on the design's degrees of freedom (two-sided)."
        let multiple: String
        switch plan.analysis.multipleTesting {
        case "holm": multiple = "Holm's step-down method over the report's \(familySize()) change(s); both raw and adjusted p-values are shown, and the findings quote the adjusted ones."
        case "bh": multiple = "Benjamini–Hochberg false discovery rate over the report's \(familySize()) change(s)."
        default: multiple = "none (each p-value stands alone)."
        }
        let lonely: String
        switch d.lonelyPSU {
        case "fail": lonely = "a stratum with a single PSU stops the analysis (survey.lonely.psu = \"fail\")."
        default: lonely = "survey.lonely.psu = \"\(d.lonelyPSU)\" (R's semantics)."
        }
        let missing = "Answers coded as missing (don't know, refused) and questions not asked (skip logic) leave the indicator's denominator; nothing is imputed. Invalid cells are handled by on_invalid = \(plan.analysis.onInvalid) and counted in the data account."
        return EvaluationReport.Methods(design: design, varianceMethod: variance,
                                        degreesOfFreedom: design_df, intervalMethod: interval,
                                        relativeChangeMethod: relative, testMethod: test, lonelyPSU: lonely,
                                        multipleTesting: multiple, missingData: missing)
    }

    var design_df: Int { design.degreesOfFreedom }

    func familySize() -> Int {
        indicators.map { $0.changes.filter { !$0.suppressed && $0.pValue.isFinite }.count }.reduce(0, +)
    }

    func warnings() -> [String] {
        var w: [String] = []
        let df = design.degreesOfFreedom
        if df < 30 {
            w.append("The design has \(df) degrees of freedom (PSUs minus strata). Intervals use t with \(df) df and are wider than normal-theory ones; with fewer than about 30 PSUs variance estimates are themselves imprecise.")
        }
        if plan.comparisons.contains(where: { $0.factor == "wave" }) && !plan.data.contains(where: { $0.attributes["area"] != nil }) {
            w.append("This is a before/after comparison of one area without a comparison area: it shows what changed, not how much of the change the programme caused. Other changes over the same period (national trends, other services) are not separated out.")
        }
        for ind in indicators {
            for e in ind.estimates where !e.suppressed {
                for f in e.flags { w.append("\(ind.label), \(e.group): \(f).") }
            }
        }
        for part in sample.parts {
            let invalid = part.coded.invalidCells.count
            if invalid > 0 {
                w.append("\(part.file.path): \(invalid) invalid cell(s) were treated by on_invalid = \(plan.analysis.onInvalid) (see the data account).")
            }
            let rejected = part.ingest.summary.rejectedRows.count
            if rejected > 0 {
                w.append("\(part.file.path): \(rejected) record(s) were rejected at import and are not in the analysis.")
            }
        }
        return w
    }

    func suppression() -> EvaluationReport.SuppressionNote {
        var cells: [String] = []
        for ind in indicators {
            for e in ind.estimates where e.suppressed { cells.append("\(ind.label), \(e.group)") }
        }
        return EvaluationReport.SuppressionNote(minimumCell: plan.disclosure.minimumCell, suppressedCells: cells)
    }

    func provenance() -> EvaluationReport.Provenance {
        var inputs = [EvaluationReport.Provenance.Input(path: plan.file, sha256: sha256Hex(ofFile: plan.file)),
                      .init(path: plan.instrumentPath, sha256: sha256Hex(ofFile: plan.instrumentPath))]
        inputs += sample.parts.map { .init(path: $0.file.path, sha256: $0.ingest.summary.sha256) }
        return EvaluationReport.Provenance(
            coproVersion: CoproVersion.string, instrument: "\(instrument.id) \(instrument.version)", inputs: inputs,
            options: ["confidence_level": String(plan.analysis.confidenceLevel),
                      "on_invalid": plan.analysis.onInvalid,
                      "multiple_testing": plan.analysis.multipleTesting,
                      "lonely_psu": plan.design.lonelyPSU,
                      "min_cell": String(plan.disclosure.minimumCell)])
    }
}

func percentLabel(_ level: Double) -> String {
    let p = 100 * level
    return p == p.rounded() ? String(Int(p)) + "%" : String(p) + "%"
}
