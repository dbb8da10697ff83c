import Foundation
import Testing

/// Every instrument shipped in Instruments/ loads and has a codebook, in both formats.
@Suite struct InstrumentsFolderTests {
    static var instruments: [String] {
        let dir = CLI.root.appendingPathComponent("Instruments")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { "Instruments/" + $0 }
    }

    @Test func thereAreInstruments() {
        #expect(Self.instruments.contains("Instruments/beacon-household.yaml"))
        #expect(Self.instruments.count >= 3)
    }

    @Test(arguments: instruments)
    func loadsAndHasACodebook(_ path: String) throws {
        for format in ["text", "markdown"] {
            let r = try CLI.run(["codebook", path, "--format", format])
            #expect(r.status == 0, "\(path) (\(format)): \(r.stderr)")
            #expect(r.stdout.count > 200, "\(path): codebook too short")
        }
    }
}
