import Foundation
import SurveyIngest
@testable import SurveyInstruments

/// Paths of test fixtures and the repository's instruments.
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    static func instrument(_ name: String) -> String {
        packageRoot.appendingPathComponent("Instruments").appendingPathComponent(name).path
    }

    /// Parses instrument YAML and returns the error it throws (or nil).
    static func loadError(_ yaml: String) -> InstrumentError? {
        do {
            _ = try Instrument.parse(yaml: yaml, file: "test.yaml")
            return nil
        } catch let e as InstrumentError {
            return e
        } catch {
            return InstrumentError(.unreadable, file: "test.yaml", message: "unexpected error \(error)")
        }
    }

    /// A table from CSV text, through SurveyIngest.
    static func table(_ csv: String) throws -> RawTable {
        try Ingest.read(bytes: Array(csv.utf8), name: "test.csv").table
    }
}

/// Compares arrays where NaN equals NaN.
func sameValues(_ a: [Double], _ b: [Double], tolerance: Double = 1e-12) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { x, y in
        (x.isNaN && y.isNaN) || (!x.isNaN && !y.isNaN && abs(x - y) <= tolerance * max(1, abs(y)))
    }
}
