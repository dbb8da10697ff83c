import Foundation
import Testing

/// Failure modes of the binary (docs/robustness.md): each gives a one-line `copro: error:`
/// message, exit code 1 (input or data error; README "Exit codes"), and leaves no output file
/// behind. Tests run as root, so permissions cannot make a file unreadable: a directory stands
/// in for an unreadable file, and `ulimit -f` (RLIMIT_FSIZE, with SIGXFSZ ignored so that
/// write(2) fails with EFBIG) stands in for a full disk.
@Suite struct RobustnessCLITests {
    private func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("copro-robust-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Runs `copro` through /bin/sh (as `$1`) so that a resource limit can be set first.
    private func shell(_ script: String, in dir: URL) throws -> CLI.Result {
        try CLI.run(["-c", "cd \"$2\" && " + script, "sh", CLI.binary.path, dir.path],
                    executable: URL(fileURLWithPath: "/bin/sh"))
    }

    @Test func directoryGivenAsDataFileIsAnInputError() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["ingest", dir.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("copro: error:") && r.stderr.contains("directory"), "stderr: \(r.stderr)")
    }

    @Test func outputIntoAFileInsteadOfAFolderIsAnInputError() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let blocker = dir.appendingPathComponent("not-a-folder")
        try Data("x".utf8).write(to: blocker)
        let target = blocker.appendingPathComponent("report.txt").path
        let r = try CLI.run(["report", "SampleData/beacon/plan.yaml", "-o", target])
        #expect(r.status == 1, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("copro: error:"))
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    /// A full disk while `--data-out` is written: the error names the output, the exit code is
    /// 1, and neither the output nor its temporary file is left.
    @Test func fullDiskWhileWritingLeavesNoOutput() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        var csv = "id,text\n"
        for i in 0..<40_000 { csv += "\(i),some text for row \(i) to fill the output\n" }
        try Data(csv.utf8).write(to: dir.appendingPathComponent("in.csv"))
        // ulimit -f counts 1024-byte blocks on dash and bash: 64 KiB of output at most.
        let r = try shell("trap '' XFSZ; ulimit -f 64; exec \"$1\" ingest in.csv --data-out out.csv", in: dir)
        #expect(r.status == 1, "status \(r.status), stderr: \(r.stderr)")
        #expect(r.stderr.contains("copro: error:") && r.stderr.contains("out.csv"), "stderr: \(r.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(left == ["in.csv"], "left behind: \(left)")
    }

    /// An alias bomb as a plan is refused quickly with exit code 1.
    @Test func aliasBombPlanIsRefused() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 {
            yaml += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let plan = dir.appendingPathComponent("bomb.yaml")
        try Data(yaml.utf8).write(to: plan)
        let start = Date()
        let r = try CLI.run(["report", plan.path])
        #expect(r.status == 1, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("alias"), "stderr: \(r.stderr)")
        #expect(Date().timeIntervalSince(start) < 30)
    }
}
