import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The hidden temporary files through which outputs are written (`.NAME.PID.tmp` beside `NAME`,
/// renamed onto `NAME` when complete), so that an interrupted run can remove them.
///
/// Writers ``register(_:)`` a temporary file before creating it and ``unregister(_:)`` it once it
/// is renamed or removed; the command line's SIGINT/SIGTERM handler calls ``removeAllAndHold()``
/// and exits. A SIGKILL cannot be caught: its leftovers are removed by ``removeStale(besides:)``
/// the next time an output is written into the same folder (docs/robustness.md, "Failure modes").
public enum TemporaryFiles {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var paths: Set<String> = []

    /// The temporary file for `path` written by process `pid`: `.NAME.PID.tmp` in the same folder.
    public static func path(for path: String, pid: Int32 = getpid()) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(pid).tmp").path
    }

    /// Notes that `temporary` is about to be created. Blocks forever once an interrupt handler
    /// has called ``removeAllAndHold()``, so that no new temporary file appears while the process exits.
    public static func register(_ temporary: String) {
        lock.lock(); defer { lock.unlock() }
        paths.insert(temporary)
    }

    /// Notes that `temporary` was renamed into place or removed.
    public static func unregister(_ temporary: String) {
        lock.lock(); defer { lock.unlock() }
        paths.remove(temporary)
    }

    /// Removes every registered temporary file and keeps the registry locked (the caller is
    /// about to exit). The corresponding C function is `unlink`.
    /// - Returns: the files removed.
    @discardableResult
    public static func removeAllAndHold() -> [String] {
        lock.lock()
        let removed = paths.sorted().filter { unlink($0) == 0 }
        paths.removeAll()
        return removed
    }

    /// Removes temporary files of `path` (`.NAME.PID.tmp` in its folder) left by processes that
    /// no longer exist — `kill(pid, 0)` fails with `ESRCH` — such as a run killed with SIGKILL.
    /// Files of live processes (a concurrent run) and of this process are kept. Errors are ignored:
    /// this is housekeeping before a write, which reports its own errors.
    /// The corresponding C functions are `kill` and `unlink`.
    /// - Returns: the files removed.
    @discardableResult
    public static func removeStale(besides path: String) -> [String] {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        let prefix = ".\(url.lastPathComponent).", suffix = ".tmp"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(suffix)
            && name.count > prefix.count + suffix.count {
            let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
            guard digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let pid = Int32(digits),
                  pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) == -1 && errno == ESRCH {
                let stale = dir.appendingPathComponent(name).path
                if unlink(stale) == 0 { removed.append(stale) }
            }
        }
        return removed
    }
}
