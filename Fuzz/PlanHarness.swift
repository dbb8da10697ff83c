// libFuzzer harness for evaluation plans: load arbitrary text as a plan file; only the project's
// typed errors may be thrown.
import SurveyEvaluation
import SurveyIngest
import SurveyInstruments

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPlan(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = scratchFile(fuzzBytes(data, size), suffix: ".plan.yaml")
    do {
        _ = try Plan.load(path: path)
    } catch let e as PlanError {
        invariant(!e.message.isEmpty, "a PlanError without a message")
    } catch is InstrumentError {
    } catch is IngestError {
    } catch {
        invariant(false, "untyped error \(type(of: error)): \(error)")
    }
    return 0
}
