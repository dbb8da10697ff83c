import ArgumentParser
import Testing
@testable import copro

@Test func versionFlagIsKnown() {
    #expect(Copro.configuration.version == "0.1.0")
}
