import Foundation
import Testing

/// Interrupted runs and the column limit, through the binary (docs/robustness.md, "Failure modes";
/// README, "Exit codes").
@Suite struct InterruptCLITests {
    private func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("copro-interrupt-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A CSV of about `mib` MiB (header `id,text`, rows of 64 bytes).
    private func bigCSV(_ url: URL, mib: Int) throws {
        let row = Array("0000000,some free text of a respondent; padded to sixty-four by\n".utf8)
        var block: [UInt8] = []
        for _ in 0..<16_384 { block.append(contentsOf: row) }
        _ = FileManager.default.createFile(atPath: url.path, contents: Data("id,text\n".utf8))
        let h = try FileHandle(forWritingTo: url)
        defer { try? h.close() }
        try h.seekToEnd()
        for _ in 0..<mib { try h.write(contentsOf: block) }
    }

    /// A pid that was just used and is no longer alive: that of a finished `/bin/true`.
    private func deadPID() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    /// SIGINT or SIGTERM while `ingest --data-out` is writing: exit status 128 + signal (130,
    /// 143), the hidden temporary file is removed, and no output file exists.
    @Test(arguments: [SIGINT, SIGTERM])
    func interruptRemovesTheTemporaryOutput(signal: Int32) throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try bigCSV(dir.appendingPathComponent("in.csv"), mib: 64)
        let out = dir.appendingPathComponent("out.csv").path
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["ingest", dir.appendingPathComponent("in.csv").path, "--data-out", out]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let temp = dir.appendingPathComponent(".out.csv.\(p.processIdentifier).tmp").path
        // Wait until the temporary file holds data (the writer flushes every MiB): mid-write.
        var seen = false
        while p.isRunning && !seen {
            var info = stat()
            seen = stat(temp, &info) == 0 && info.st_size > 0
            if !seen { usleep(2_000) }
        }
        try #require(seen, "the run ended (status \(p.terminationStatus)) before its output was being written")
        kill(p.processIdentifier, signal)
        p.waitUntilExit()
        #expect(p.terminationReason == .exit)
        #expect(p.terminationStatus == 128 + signal)
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(left == ["in.csv"], "left behind: \(left)")
    }

    /// What a SIGKILL leaves (`.NAME.PID.tmp` of a dead process) is removed by the next write to
    /// NAME, through both writers (`ingest --data-out`, `report -o`); a temporary file of a live
    /// process (a concurrent run: here, the test process) is kept.
    @Test func staleTemporaryFilesOfDeadProcessesAreRemoved() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("id,x\n1,2\n".utf8).write(to: dir.appendingPathComponent("in.csv"))
        let dead = try deadPID()
        let live = getpid()
        let staleCSV = ".out.csv.\(dead).tmp", liveCSV = ".out.csv.\(live).tmp"
        let staleReport = ".report.txt.\(dead).tmp", other = ".other.csv.\(dead).tmp"
        for name in [staleCSV, liveCSV, staleReport, other] {
            try Data("partial".utf8).write(to: dir.appendingPathComponent(name))
        }
        let a = try CLI.run(["ingest", dir.appendingPathComponent("in.csv").path, "--data-out",
                             dir.appendingPathComponent("out.csv").path])
        #expect(a.status == 0, "stderr: \(a.stderr)")
        let b = try CLI.run(["report", "SampleData/beacon/plan.yaml", "-o", dir.appendingPathComponent("report.txt").path])
        #expect(b.status == 0, "stderr: \(b.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        // Only the named output's own temporaries are swept; `.other.csv.*` belongs to another output.
        #expect(left == [liveCSV, other, "in.csv", "out.csv", "report.txt"].sorted(), "left: \(left)")
    }

    /// A header over the column limit: exit 1, a message with the file, line, count and limit,
    /// a hint; with `--format json` the summary's `file_error` names the reason.
    @Test func tooManyColumnsIsAnInputError() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let limit = 131_072  // docs/ingest.md, "Limits"
        let header = (0...limit).map { "q\($0)" }.joined(separator: ",")
        let file = dir.appendingPathComponent("wide.csv")
        try Data((header + "\n1,2\n").utf8).write(to: file)
        let r = try CLI.run(["ingest", file.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("copro: error: \(file.path): line 1: the header record has \(limit + 1) fields"),
                "stderr: \(r.stderr)")
        #expect(r.stderr.contains("limit of \(limit) columns") && r.stderr.contains("hint:"), "stderr: \(r.stderr)")
        let j = try CLI.run(["ingest", file.path, "--format", "json"])
        #expect(j.status == 1)
        #expect(j.stdout.contains("\"reason\" : \"too-many-columns\""), "stdout: \(j.stdout.prefix(400))")
    }
}
