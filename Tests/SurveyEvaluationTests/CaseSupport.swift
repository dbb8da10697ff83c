import Foundation
import Testing
@testable import SurveyEvaluation
import SurveyReports
import SurveySamples

/// Runs the committed case plans in-process from the package root.
enum CaseRun {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The report model of `SampleData/<name>/plan.yaml` (paths in it are relative to the package root,
    /// as when `copro report` runs there).
    static func report(_ name: String) throws -> EvaluationReport {
        guard let cached = reports[name] else { return try run(name) }
        return try cached.get()
    }

    /// Each case's report, computed once per test process (a debug build is slow on large samples).
    static let reports: [String: Result<EvaluationReport, any Error>] = Dictionary(
        uniqueKeysWithValues: CaseGoldenTests.cases.map { name in (name, Result { try run(name) }) })

    static func run(_ name: String) throws -> EvaluationReport {
        let cwd = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(root.path)
        defer { FileManager.default.changeCurrentDirectoryPath(cwd) }
        return try Evaluation.run(try Plan.load(path: "SampleData/\(name)/plan.yaml"))
    }

    static func committed(_ relativePath: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// The section with this id prefix.
    static func section(_ report: EvaluationReport, _ prefix: String) throws -> ReportSection {
        try #require(report.sections.first { $0.id.hasPrefix(prefix) }, "no section \(prefix)")
    }

    /// The group estimate of an indicator.
    static func estimate(_ report: EvaluationReport, _ indicator: String, _ group: String) throws
        -> EvaluationReport.GroupEstimate {
        let ind = try #require(report.indicators.first { $0.id == indicator }, "no indicator \(indicator)")
        return try #require(ind.estimates.first { $0.group == group }, "no group \(group) for \(indicator)")
    }
}

/// Every case's committed sample is what its generator writes, and its committed reports are what
/// the pipeline renders now (re-record with `make sample-data reports`).
@Suite(.serialized) struct CaseGoldenTests {
    static let cases = ["profile", "porto-alegre", "tackley", "caterham", "villa-family"]

    @Test(arguments: cases) func committedSampleIsWhatTheGeneratorWrites(_ name: String) throws {
        let sample = try #require(SampleCatalog.generate(name))
        for file in sample.files {
            let committed = try CaseRun.committed("SampleData/\(name)/\(file.name)")
            #expect(committed == file.contents, "SampleData/\(name)/\(file.name) is stale: run make sample-data")
        }
        let readme = try CaseRun.committed("SampleData/\(name)/README.md")
        #expect(readme == sample.readme, "SampleData/\(name)/README.md is stale")
        #expect(readme.lowercased().contains("synthetic"))
    }

    @Test(arguments: cases) func committedReportsAreByteIdentical(_ name: String) throws {
        let report = try CaseRun.report(name)
        #expect(TextReport.render(report) == (try CaseRun.committed("reports/\(name).txt")),
                "reports/\(name).txt is stale: run make reports")
        #expect(HTMLReport.render(report) == (try CaseRun.committed("reports/\(name).html")),
                "reports/\(name).html is stale: run make reports")
    }

    @Test func sampleGenerationIsSeeded() throws {
        for name in Self.cases {
            let a = try #require(SampleCatalog.generate(name, seed: 7))
            let b = try #require(SampleCatalog.generate(name, seed: 7))
            #expect(a.files.map(\.contents) == b.files.map(\.contents), "\(name) is not reproducible")
        }
        // A different seed gives different data (the profile's random part is its volunteer hours).
        let tackley = try #require(SampleCatalog.generate("tackley", seed: 8))
        #expect(tackley.files[0].contents != (try #require(SampleCatalog.generate("tackley", seed: 7))).files[0].contents)
    }
}
