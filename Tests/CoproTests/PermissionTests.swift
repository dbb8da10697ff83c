import Foundation
import Testing

/// Running the binary as `nobody` through util-linux `setpriv`.
enum Unprivileged {
    static let setpriv = "/usr/bin/setpriv"
    static var available: Bool { getuid() == 0 && FileManager.default.isExecutableFile(atPath: setpriv) }
}

/// Permission errors, through the binary run as an unprivileged user (docs/robustness.md, "Failure
/// modes"). The tests run as root, for whom permissions deny nothing, so the binary is started with
/// `setpriv` as `nobody` (uid/gid 65534); without root or without setpriv they are skipped.
@Suite(.enabled(if: Unprivileged.available,
                "needs root and /usr/bin/setpriv to run copro as nobody (root ignores permissions)"))
struct PermissionCLITests {

    /// Runs copro as nobody.
    private func asNobody(_ arguments: [String]) throws -> CLI.Result {
        try CLI.run(["--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary.path] + arguments,
                    executable: URL(fileURLWithPath: Unprivileged.setpriv))
    }

    /// A scratch folder that nobody may enter and read (mode 755, files in it chosen per test).
    private func scratch() throws -> URL {
        let dir = URL(fileURLWithPath: "/tmp").appendingPathComponent("copro-perm-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        return dir
    }

    @Test func unreadableDataFileIsAnInputError() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("secret.csv")
        try Data("id,x\n1,2\n".utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: file.path)
        let r = try asNobody(["ingest", file.path])
        #expect(r.status == 1, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("copro: error: \(file.path): the file cannot be read"), "stderr: \(r.stderr)")
        #expect(r.stderr.contains("hint: check its permissions"), "stderr: \(r.stderr)")
    }

    /// An output folder nobody may write to: exit 1, the output named, nothing written.
    @Test func unwritableOutputFolderIsAnInputError() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.csv")
        try Data("id,x\n1,2\n".utf8).write(to: input)
        let locked = dir.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o555])
        let out = locked.appendingPathComponent("out.csv").path
        let r = try asNobody(["ingest", input.path, "--data-out", out])
        #expect(r.status == 1, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("copro: error: \(out)"), "stderr: \(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: locked.path).isEmpty)
        let report = locked.appendingPathComponent("report.txt").path
        let s = try asNobody(["report", CLI.root.appendingPathComponent("SampleData/beacon/plan.yaml").path, "-o", report])
        #expect(s.status == 1, "stderr: \(s.stderr)")
        #expect(s.stderr.contains("copro: error: \(report): cannot write the output"), "stderr: \(s.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: locked.path).isEmpty)
    }
}
