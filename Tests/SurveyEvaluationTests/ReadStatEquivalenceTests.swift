import Foundation
import Testing
@testable import SurveyEvaluation
import SurveyReports

/// The Beacon plan gives the same indicator estimates when its `before` wave is read from the
/// `.sav` or `.dta` written from `SampleData/beacon/before.csv` by scripts/make_readstat_fixtures.py.
@Suite struct ReadStatEquivalenceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func run(before: String) throws -> EvaluationReport {
        let beacon = root.appendingPathComponent("SampleData/beacon")
        var plan = try String(contentsOf: beacon.appendingPathComponent("plan.yaml"), encoding: .utf8)
        plan = plan.replacingOccurrences(of: "../../Instruments/", with: root.appendingPathComponent("Instruments").path + "/")
            .replacingOccurrences(of: "file: before.csv", with: "file: \(before)")
            .replacingOccurrences(of: "file: after.csv", with: "file: \(beacon.appendingPathComponent("after.csv").path)")
            .replacingOccurrences(of: "table: admin_", with: "table: \(beacon.path)/admin_")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("copro-readstat-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("plan.yaml")
        try Data(plan.utf8).write(to: path)
        return try Evaluation.run(try Plan.load(path: path.path))
    }

    @Test(arguments: ["beacon-before.sav", "beacon-before.dta"])
    func sameEstimatesAsTheCSV(_ name: String) throws {
        let csv = try Self.run(before: Self.root.appendingPathComponent("SampleData/beacon/before.csv").path)
        let other = try Self.run(before: Self.root.appendingPathComponent("Tests/SurveyIngestTests/Fixtures/readstat/\(name)").path)
        #expect(csv.indicators.count == other.indicators.count)
        #expect(!csv.indicators.isEmpty)
        for (a, b) in zip(csv.indicators, other.indicators) {
            #expect(a.id == b.id)
            // Same parsed doubles in, same arithmetic: the estimates are identical, not just close.
            #expect(a.estimates == b.estimates, "\(a.id)")
        }
    }
}
