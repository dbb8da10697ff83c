import ArgumentParser
import Foundation
import SurveyIngest

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

/// Writes `data` to `path` through a temporary file `.NAME.PID.tmp` in the same folder and a
/// rename, so that `path` is either absent, its old content, or complete. Temporary files of
/// `path` left by dead processes (a SIGKILLed run) are removed first; an interrupt (SIGINT,
/// SIGTERM) removes this run's (``InterruptHandling``).
func writeAtomically(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let dir = url.deletingLastPathComponent()
    let tmp = TemporaryFiles.path(for: path)
    do {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        TemporaryFiles.removeStale(besides: path)
        TemporaryFiles.register(tmp)
        defer { TemporaryFiles.unregister(tmp) }
        guard FileManager.default.createFile(atPath: tmp, contents: data) else {
            try? FileManager.default.removeItem(atPath: tmp)
            throw CocoaError(.fileWriteUnknown)
        }
        if rename(tmp, url.path) != 0 {
            let e = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: tmp)
            throw failure("\(path): cannot write the output (\(e))")
        }
    } catch let exit as ExitCode {
        throw exit
    } catch {
        throw failure("\(path): cannot write the output (\(error.localizedDescription)); check that the folder exists and is writable")
    }
}

/// SIGINT and SIGTERM: remove this run's temporary output files, then exit with 130 (SIGINT) or
/// 143 (SIGTERM), 128 + the signal number as shells report it (README, "Exit codes").
///
/// ``install()`` blocks both signals in the calling thread — the main thread, before any other
/// thread exists, so every later thread inherits the mask — and starts one thread that waits for
/// them with `sigwait`. The cleanup therefore runs as ordinary code (it may take a lock and
/// unlink files), not in an asynchronous signal handler. SIGKILL cannot be caught or blocked: a
/// killed run may leave a hidden `.NAME.PID.tmp`, never a partial `NAME`, and the next write to
/// `NAME` removes it (``TemporaryFiles/removeStale(besides:)``).
/// The corresponding C functions are `pthread_sigmask`, `sigwait` and `_exit`.
enum InterruptHandling {
    static func install() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        guard pthread_sigmask(SIG_BLOCK, &set, nil) == 0 else { return }
        let signals = set
        let waiter = Thread {
            var wanted = signals
            var received: Int32 = 0
            guard sigwait(&wanted, &received) == 0 else { return }
            TemporaryFiles.removeAllAndHold()
            _exit(128 + received)
        }
        waiter.name = "copro-signals"
        waiter.start()
    }
}
