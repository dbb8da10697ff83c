// Shared by every harness (compiled into each): input access and invariant failures.
#if canImport(Glibc)
import Glibc
#endif

/// The fuzzer's input as an array.
func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Stops the run with a message when an invariant does not hold; libFuzzer then saves the input
/// as `crash-…` (an abort is a finding, like a sanitizer report).
func invariant(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition {
        let line = Array("copro fuzz invariant failed: \(message())\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        abort()
    }
}

/// Writes the input to a per-process scratch file (for loaders that take a path).
func scratchFile(_ bytes: [UInt8], suffix: String) -> String {
    let path = "/tmp/copro-fuzz-\(getpid())\(suffix)"
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    invariant(fd >= 0, "cannot create \(path)")
    var written = 0
    bytes.withUnsafeBytes { raw in
        while written < raw.count {
            let r = write(fd, raw.baseAddress! + written, raw.count - written)
            invariant(r > 0, "cannot write \(path)")
            written += r
        }
    }
    close(fd)
    return path
}
