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

    /// The before and after estimates' 95% intervals cover the generator's population values.
    ///
    /// 18 intervals at 95% miss about 0.9 values by chance: for independent intervals the number of
    /// misses is Binomial(18, 0.05), with P(≤ 2) = 0.942. The test allows two misses and fails at
    /// three (which a correct method shows with probability 0.058; a broken variance shows many).
    /// The committed seed misses one: postnatal depression before (population 24.85%; the sampled
    /// blocks held 23 cases among 110 mothers, 20.9%, and 14 of 87 respondents said yes).
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
        #expect(misses.count <= 2, "\(misses)")
        if !misses.isEmpty { print("Beacon intervals missing the population value: \(misses)") }
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

    /// The administrative counts' exact rate-ratio intervals cover the generator's true rate ratios
    /// (four 95% intervals: a miss has probability about 0.19 by chance; none is allowed here, and the
    /// committed seed has none).
    @Test func routineRecordRateRatiosCoverTheTrueRatios() throws {
        let report = try Self.report()
        for series in BeaconGenerator.adminSeries {
            let section = try #require(report.sections.first { $0.id == "rate-ratio-\(series.file)" },
                                       "no rate-ratio section for \(series.file)")
            let row = try #require(section.tables.dropFirst().first?.rows.first)
            let low = try #require(row[2].value), high = try #require(row[3].value)
            let truth = series.after / series.before
            #expect(low <= truth && truth <= high, "\(series.file): true ratio \(truth) outside [\(low), \(high)]")
        }
    }

    @Test func everyRecordIsAccountedFor() throws {
        for file in try Self.report().dataAccount {
            #expect(file.accepted + file.rejected.values.reduce(0, +) == file.recordsRead)
        }
    }
}
