import Foundation
import Testing

/// Whether this test process runs under a sanitizer (`swift test --sanitize=address|thread`,
/// `make sanitize`): the sanitizer runtimes export `__asan_init` / `__tsan_init`, found with
/// `dlsym` in the process's own symbols. The corresponding C functions are `dlopen` and `dlsym`.
enum Sanitizers {
    static let active: String? = {
        let me = dlopen(nil, RTLD_NOW)
        defer { if let me { dlclose(me) } }
        if dlsym(me, "__asan_init") != nil { return "address" }
        if dlsym(me, "__tsan_init") != nil { return "thread" }
        return nil
    }()

    /// Reason for skipping a test that bounds peak memory (RSS).
    static let rssReason: Comment = "peak-memory bound not meaningful under a sanitizer (shadow memory, ASan's 256 MiB quarantine of freed blocks)"
}
