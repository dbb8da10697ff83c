import ArgumentParser
import Foundation

/// Exit codes, documented in README.md ("Exit codes").
enum ExitStatus {
    /// The job ran (a report or summary was produced; rejected rows and invalid cells included).
    static let ok: Int32 = 0
    /// Bad input or data: a missing or unreadable file, a malformed plan or instrument, a column the
    /// plan names that the export lacks, a design that cannot be estimated.
    static let inputError: Int32 = 1
    /// Bad usage: unknown flags or invalid option values (ArgumentParser's own exit code).
    static let usage: Int32 = 2
    /// An internal error: a bug in copro. Please report it with the command line.
    static let internalError: Int32 = 3
}

/// Prints `copro: error: …` to standard error and returns the exit code to throw.
func failure(_ message: String, status: Int32 = ExitStatus.inputError) -> ExitCode {
    FileHandle.standardError.write(Data(("copro: error: " + message + "\n").utf8))
    return ExitCode(status)
}

/// Prints a warning line to standard error.
func warn(_ message: String) {
    FileHandle.standardError.write(Data(("copro: warning: " + message + "\n").utf8))
}

/// Writes `text` to standard output, or atomically to `path` (a temporary file in the same folder,
/// then a rename), so that an interrupted run never leaves half a file.
func emit(_ text: String, to path: String?) throws {
    guard let path, path != "-" else {
        FileHandle.standardOutput.write(Data(text.utf8))
        return
    }
    try writeAtomically(Data(text.utf8), to: path)
}

/// Writes `data` to `path` through a temporary file and a rename.
func writeAtomically(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let dir = url.deletingLastPathComponent()
    do {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        guard FileManager.default.createFile(atPath: tmp.path, contents: data) else {
            throw CocoaError(.fileWriteUnknown)
        }
        if rename(tmp.path, url.path) != 0 {
            let e = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: tmp)
            throw failure("\(path): cannot write the output (\(e))")
        }
    } catch let exit as ExitCode {
        throw exit
    } catch {
        throw failure("\(path): cannot write the output (\(error.localizedDescription)); check that the folder exists and is writable")
    }
}
