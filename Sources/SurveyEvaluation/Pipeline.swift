import Crypto
import Foundation
import SurveyIngest
import SurveyInstruments
import SurveyReports
import SurveyStatistics

/// Runs an evaluation plan end to end: ingest → coding → design → estimates → report model.
public enum Evaluation {
    /// Runs `plan` and returns the report model (rendering is SurveyReports' job).
    /// - Throws: ``PlanError`` for anything wrong with the inputs.
    public static func run(_ plan: Plan) throws -> EvaluationReport {
        let instrument: Instrument
        do { instrument = try Instrument.load(path: plan.instrumentPath) } catch let e as InstrumentError {
            throw PlanError(.instrument, file: plan.instrumentPath, message: e.description)
        }
        guard let policy = InvalidPolicy(rawValue: plan.analysis.onInvalid) else {
            throw PlanError(.invalidValue, file: plan.file, message: "unknown on_invalid policy '\(plan.analysis.onInvalid)'")
        }
        let combined = try SampleAssembly(plan: plan, instrument: instrument, policy: policy)
        let design: SurveyDesign
        do {
            design = try combined.makeDesign()
        } catch {
            throw PlanError(.design, file: plan.file, message: "the design cannot be estimated: \(error)",
                            hint: "see design: in the plan; lonely_psu: adjust, average, remove or certainty handle single-PSU strata")
        }
        let estimator = IndicatorEstimator(plan: plan, instrument: instrument, sample: combined, design: design)
        let indicators = try estimator.results()
        let context = AnalysisContext(plan: plan, instrument: instrument, design: design, sample: combined)
        var sections: [ReportSection] = []
        for planned in plan.analyses {
            do {
                try planned.analysis.validate(plan: plan, instrument: instrument)
                sections.append(try planned.analysis.run(context))
            } catch let e as AnalysisError {
                throw PlanError(.invalidValue, file: plan.file, line: planned.line,
                                message: "analysis '\(planned.kind)': \(e.message)", hint: e.hint)
            } catch let e as PlanError {
                throw e
            } catch {
                throw PlanError(.design, file: plan.file, line: planned.line,
                                message: "analysis '\(planned.kind)' could not be computed: \(error)")
            }
        }
        return ReportAssembly(plan: plan, instrument: instrument, sample: combined, design: design,
                              indicators: indicators, sections: sections).report()
    }
}

/// SHA-256 of a file's bytes, lower-case hex (the files are read once more; inputs are small enough).
func sha256Hex(ofFile path: String) -> String {
    guard let data = FileManager.default.contents(atPath: path) else { return "unreadable" }
    return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}
