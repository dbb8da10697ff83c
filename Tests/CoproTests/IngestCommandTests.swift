import Foundation
import Testing
@testable import copro

// `copro ingest`: argument parsing in-process, then the built binary's exit codes and outputs.

@Test func ingestParsesTheContractOptions() throws {
    let p = try IngestCommand.parse(["f.csv", "--format", "json", "--data-out=out.csv", "--rejects", "r.csv",
                                     "--delimiter", "tab", "--encoding", "windows-1252"])
    #expect(p == IngestCommand.Parsed(file: "f.csv", format: .json, dataOut: "out.csv", rejects: "r.csv",
                                      delimiter: .tab, encoding: .windows1252))
}

@Test func ingestRejectsBadUsage() {
    for args in [[], ["--format", "xml", "f.csv"], ["f.csv", "--delimiter"], ["a.csv", "b.csv"], ["f.csv", "--bogus"]] {
        #expect(throws: IngestCommand.UsageError.self) { try IngestCommand.parse(args) }
    }
}

/// Runs the built `copro` binary (next to the test bundle) with `args`.
private func copro(_ args: [String], in dir: URL) throws -> (status: Int32, stdout: String, stderr: String) {
    let exe = Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("copro")
    let process = Process()
    process.executableURL = FileManager.default.fileExists(atPath: exe.path)
        ? exe : Bundle.main.bundleURL.appendingPathComponent("copro")
    process.arguments = args
    process.currentDirectoryURL = dir
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

private func scratch() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("copro-ingest-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

@Test func ingestBinaryExitCodesAndJSON() throws {
    let dir = try scratch()
    defer { try? FileManager.default.removeItem(at: dir) }
    try Data("id,name\n1,\"Ann, B\"\n2,x,extra\n3,\"a\"\"b\"\n".utf8).write(to: dir.appendingPathComponent("in.csv"))
    try Data().write(to: dir.appendingPathComponent("empty.csv"))

    let ok = try copro(["ingest", "in.csv", "--format", "json", "--data-out", "out.csv", "--rejects", "rej.csv"], in: dir)
    #expect(ok.status == 0)
    let json = try #require(try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any])
    #expect(json["encoding"] as? String == "utf-8")
    #expect(json["delimiter"] as? String == ",")
    #expect(json["line_ending"] as? String == "LF")
    #expect(json["platform"] as? String == "generic")
    #expect(json["columns"] as? [String] == ["id", "name"])
    #expect(json["data_rows"] as? Int == 3)
    #expect(json["accepted_rows"] as? Int == 2)
    #expect(json["file_error"] is NSNull)
    let rejected = try #require(json["rejected_rows"] as? [[String: Any]])
    #expect(rejected.first?["reason"] as? String == "too-many-fields")
    #expect(rejected.first?["line"] as? Int == 3)
    #expect(rejected.first?["raw"] as? String == "2,x,extra")
    let out = try String(contentsOf: dir.appendingPathComponent("out.csv"), encoding: .utf8)
    #expect(out == "id,name\n1,\"Ann, B\"\n3,\"a\"\"b\"\n")
    let rej = try String(contentsOf: dir.appendingPathComponent("rej.csv"), encoding: .utf8)
    #expect(rej == "data_row,line,reason,raw\n2,3,too-many-fields,\"2,x,extra\"\n")

    let empty = try copro(["ingest", "empty.csv", "--format", "json"], in: dir)
    #expect(empty.status == 1)
    let ejson = try #require(try JSONSerialization.jsonObject(with: Data(empty.stdout.utf8)) as? [String: Any])
    #expect((ejson["file_error"] as? [String: Any])?["reason"] as? String == "empty-file")
    #expect(empty.stderr.hasPrefix("copro: error: empty.csv: "))
    #expect(empty.stderr.contains("\nhint: "))

    let missing = try copro(["ingest", "nope.csv"], in: dir)
    #expect(missing.status == 1)
    #expect(missing.stderr.hasPrefix("copro: error: nope.csv: no such file"))

    let usage = try copro(["ingest", "in.csv", "--delimiter", "colon"], in: dir)
    #expect(usage.status == 2)
    #expect(usage.stderr.hasPrefix("copro: error: "))

    let text = try copro(["ingest", "in.csv"], in: dir)
    #expect(text.status == 0)
    #expect(text.stdout.contains("data row 2, line 3: too-many-fields"))
}
