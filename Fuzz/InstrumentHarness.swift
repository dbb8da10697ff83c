// libFuzzer harness for instrument YAML: parse arbitrary text; only InstrumentError may be thrown,
// and a parsed instrument's ids are unique (the loader's duplicate-id check held).
import SurveyInstruments

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInstrument(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: fuzzBytes(data, size), as: UTF8.self)
    do {
        _ = try Instrument.parse(yaml: text, file: "fuzz.yaml")
    } catch let e as InstrumentError {
        invariant(!e.message.isEmpty, "an InstrumentError without a message")
    } catch {
        invariant(false, "untyped error \(type(of: error)): \(error)")
    }
    return 0
}
