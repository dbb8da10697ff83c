#if canImport(Glibc)
import Glibc
#endif

/// What identifies a file's contents cheaply: device, inode, size and modification time.
///
/// Ingest reads a file twice (once to hash it and check its encoding, once to parse it), so a
/// file that changes while it is read (an export still being written, a sync client replacing
/// it) could give a summary whose hash and rows describe different bytes. ``Ingest`` takes a
/// snapshot before the first read and compares it after the last; any difference is the error
/// `unreadable` ("the file changed while it was read"). The corresponding C function is `stat`.
struct FileSnapshot: Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: timespec

    static func == (a: FileSnapshot, b: FileSnapshot) -> Bool {
        a.device == b.device && a.inode == b.inode && a.size == b.size
            && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
    }

    /// The file's current state, or `nil` when it cannot be examined (the open that follows
    /// reports that case with its own error).
    init?(path: String) {
        var s = stat()
        guard stat(path, &s) == 0 else { return nil }
        device = UInt64(s.st_dev); inode = UInt64(s.st_ino); size = Int64(s.st_size); modified = s.st_mtim
    }

    /// Throws `unreadable` when the file at `path` is no longer the file this snapshot describes.
    func verifyUnchanged(path: String) throws {
        guard let now = FileSnapshot(path: path), now == self else {
            throw IngestError(.unreadable, path: path, message: "the file changed while it was read",
                              hint: "wait until the export is complete (or copy it) and run again")
        }
    }
}
