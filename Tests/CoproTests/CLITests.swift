import Foundation
import Testing

/// Runs the built `copro` binary; the package root is found from this file's path.
enum CLI {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var binary: URL {
        // The test bundle sits in the products folder next to the `copro` executable.
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("copro")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/copro")
    }

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ arguments: [String], executable: URL? = nil) throws -> Result {
        let p = Process()
        p.executableURL = executable ?? binary
        p.arguments = arguments
        p.currentDirectoryURL = root
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self))
    }
}

@Suite struct ReportCommandTests {
    /// `copro report SampleData/beacon/plan.yaml | diff - reports/beacon.txt` must be empty.
    /// Re-record with COPRO_RECORD=1 swift test --filter ReportCommandTests.
    @Test func beaconReportMatchesTheCommittedReport() throws {
        let r = try CLI.run(["report", "SampleData/beacon/plan.yaml"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let golden = CLI.root.appendingPathComponent("reports/beacon.txt")
        if ProcessInfo.processInfo.environment["COPRO_RECORD"] == "1" {
            try Data(r.stdout.utf8).write(to: golden)
        }
        let committed = try String(contentsOf: golden, encoding: .utf8)
        #expect(r.stdout == committed, "reports/beacon.txt is stale: run `make reports`")
    }

    @Test func reportIsByteIdenticalOnRerun() throws {
        let a = try CLI.run(["report", "SampleData/beacon/plan.yaml", "--format", "json"])
        let b = try CLI.run(["report", "SampleData/beacon/plan.yaml", "--format", "json"])
        #expect(a.status == 0)
        #expect(a.stdout == b.stdout)
    }

    @Test func missingPlanIsAnInputError() throws {
        let r = try CLI.run(["report", "SampleData/nope/plan.yaml"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("SampleData/nope/plan.yaml"))
        #expect(r.stderr.hasPrefix("copro: error:"))
        #expect(!r.stderr.contains("Stack"))
    }

    @Test func unknownFlagIsAUsageError() throws {
        let r = try CLI.run(["report", "SampleData/beacon/plan.yaml", "--colour"])
        #expect(r.status == 2)
    }

    /// Writes `yaml` as a plan in a fresh temporary folder and runs `copro report` on it.
    func reportOnPlan(_ yaml: String) throws -> CLI.Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("copro-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let plan = dir.appendingPathComponent("plan.yaml")
        try yaml.write(to: plan, atomically: true, encoding: .utf8)
        return try CLI.run(["report", plan.path])
    }

    static let planHead = """
        plan: {id: x, title: X}
        instrument: \(CLI.root.path)/Instruments/beacon-household.yaml
        data:
          - {file: \(CLI.root.path)/SampleData/beacon/before.csv, wave: before}

        """

    @Test func planErrorsNameLineAndColumn() throws {
        let r = try reportOnPlan(Self.planHead + "design:\n  weight: weight\n  stratta: zone\n")
        #expect(r.status == 1)
        #expect(r.stderr.contains("plan.yaml:7:3: error: unknown key 'stratta'"), "\(r.stderr)")
    }

    @Test func missingDesignColumnIsNamed() throws {
        let r = try reportOnPlan(Self.planHead + "design: {weight: wgt}\n")
        #expect(r.status == 1)
        #expect(r.stderr.contains("column 'wgt'"), "\(r.stderr)")
    }
}
