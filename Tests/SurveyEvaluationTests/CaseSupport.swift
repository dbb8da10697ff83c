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
        let cached: Result<EvaluationReport, any Error>
        switch name {
        case "profile": cached = profile
        case "porto-alegre": cached = portoAlegre
        case "tackley": cached = tackley
        case "caterham": cached = caterham
        case "villa-family": cached = villaFamily
        case "sure-start": cached = sureStart
        case "sure-start-after": cached = sureStartAfter
        default: return try run(name)
        }
        return try cached.get()
    }

    // Each case's report, computed once per test process and only when a test needs it (static lets
    // are lazy): a debug build takes minutes on the larger samples.
    static let profile = Result { try run("profile") }
    static let portoAlegre = Result { try run("porto-alegre") }
    static let tackley = Result { try run("tackley") }
    static let caterham = Result { try run("caterham") }
    static let villaFamily = Result { try run("villa-family") }
    static let sureStart = Result { try run("sure-start") }
    static let sureStartAfter = Result { try run("sure-start-after") }

    static func run(_ name: String) throws -> EvaluationReport {
        let cwd = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(root.path)
        defer { FileManager.default.changeCurrentDirectoryPath(cwd) }
        return try Evaluation.run(try Plan.load(path: planPath(name)))
    }

    /// `sure-start-after` is `SampleData/sure-start/plan-after.yaml`; any other name is `SampleData/NAME/plan.yaml`.
    static func planPath(_ name: String) -> String {
        name == "sure-start-after" ? "SampleData/sure-start/plan-after.yaml" : "SampleData/\(name)/plan.yaml"
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
    static let cases = ["profile", "porto-alegre", "tackley", "caterham", "villa-family", "sure-start"]
    /// The committed reports (one per plan).
    static let reports = cases + ["sure-start-after"]

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

    @Test(arguments: reports) func committedReportsAreByteIdentical(_ name: String) throws {
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
