import Foundation
import Testing
@testable import SurveyEvaluation
import SurveyReports
import SurveySamples

/// The Beacon sample recovers the population it was generated from.
@Suite struct BeaconTruthTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func report() throws -> EvaluationReport {
        let cwd = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(root.path)
        defer { FileManager.default.changeCurrentDirectoryPath(cwd) }
        return try Evaluation.run(try Plan.load(path: "SampleData/beacon/plan.yaml"))
    }

    @Test func committedSampleIsWhatTheGeneratorWrites() throws {
        let sample = try #require(SampleCatalog.generate("beacon"))
        for file in sample.files {
            let committed = try String(contentsOf: Self.root.appendingPathComponent("SampleData/beacon/\(file.name)"),
                                       encoding: .utf8)
            #expect(committed == file.contents, "SampleData/beacon/\(file.name) is stale: run make sample-data")
        }
        let readme = try String(contentsOf: Self.root.appendingPathComponent("SampleData/beacon/README.md"), encoding: .utf8)
        #expect(readme == sample.readme)
        #expect(readme.lowercased().contains("synthetic"))
    }

    /// Every before and after estimate's 95% interval covers the generator's population value.
    /// With 18 intervals about one miss would be expected by chance; this seed gives none.
    @Test func intervalsCoverThePopulationValues() throws {
        let report = try Self.report()
        let truths = BeaconGenerator(seed: BeaconGenerator.defaultSeed).populationTruths()
        #expect(truths.count == report.indicators.count)
        var misses: [String] = []
        for truth in truths {
            let ind = try #require(report.indicators.first { $0.id == truth.indicator })
            for (group, value) in [("before", truth.before), ("after", truth.after)] {
                let e = try #require(ind.estimates.first { $0.group == group })
                if !(e.ciLow <= value && value <= e.ciHigh) {
                    misses.append("\(truth.indicator) \(group): truth \(value) outside [\(e.ciLow), \(e.ciHigh)]")
                }
            }
        }
        #expect(misses.isEmpty, "\(misses)")
    }

    /// The calibrated relative drops (CASES.md) lie inside the report's relative-change intervals,
    /// and the point estimates land near them.
    @Test func relativeDropsLandNearTheCalibratedOnes() throws {
        let report = try Self.report()
        let targets: [(String, Double, Double)] = [
            ("pnd", -0.88, 0.12), ("child_accident", -0.50, 0.25), ("child_protection", -0.60, 0.40),
        ]
        for (id, target, tolerance) in targets {
            let ind = try #require(report.indicators.first { $0.id == id })
            let change = try #require(ind.changes.first)
            let rel = try #require(change.relative)
            #expect(abs(rel - target) < tolerance, "\(id): relative change \(rel), calibrated \(target)")
            #expect(try #require(change.relativeLow) <= target && target <= (try #require(change.relativeHigh)),
                    "\(id): \(target) outside the relative-change interval")
        }
        let safe = try #require(report.indicators.first { $0.id == "feel_safe" }?.estimates.first { $0.group == "after" })
        #expect(safe.ciLow <= 0.87 && 0.87 <= safe.ciHigh)
        let total = try #require(report.indicators.first { $0.id == "energy_total" }?.changes.first)
        #expect(total.differenceLow <= -180_000 && -180_000 <= total.differenceHigh,
                "estate-wide saving interval \(total.differenceLow)…\(total.differenceHigh) misses £180,000")
    }

    @Test func everyRecordIsAccountedFor() throws {
        for file in try Self.report().dataAccount {
            #expect(file.accepted + file.rejected.values.reduce(0, +) == file.recordsRead)
        }
    }
}
