// libFuzzer harness for XLSForm import: arbitrary bytes as an .xlsx; only InstrumentError may be
// thrown, and an imported form's YAML reads back as an instrument.
import SurveyInstruments

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXLSForm(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = scratchFile(fuzzBytes(data, size), suffix: ".xlsx")
    do {
        let imported = try XLSForm.importForm(path: path)
        do {
            _ = try Instrument.parse(yaml: imported.yaml, file: "imported.yaml")
        } catch {
            invariant(false, "imported YAML does not read back: \(error)")
        }
    } catch let e as InstrumentError {
        invariant(!e.message.isEmpty, "an InstrumentError without a message")
    } catch {
        invariant(false, "untyped error \(type(of: error)): \(error)")
    }
    return 0
}
