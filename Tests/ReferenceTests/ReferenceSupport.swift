import Foundation
import Testing

/// Where the reference cases live: `COPRO_REFERENCE_DIR`, default `../shared/reference`
/// relative to the package root.
enum ReferenceDirectory {
    static var url: URL {
        if let env = ProcessInfo.processInfo.environment["COPRO_REFERENCE_DIR"], !env.isEmpty {
            return URL(fileURLWithPath: env, isDirectory: true)
        }
        // Tests/ReferenceTests/ReferenceSupport.swift → package root → ../shared/reference
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.deletingLastPathComponent().appendingPathComponent("shared/reference", isDirectory: true)
    }

    /// Loads `<folder>/cases.json` as a JSON object, or `nil` when the folder has none.
    static func cases(_ folder: String) throws -> [String: Any]? {
        let file = url.appendingPathComponent(folder).appendingPathComponent("cases.json")
        guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
        return try JSONSerialization.jsonObject(with: data) as? [String: Any]
    }
}

/// Tallies one reference folder and prints `reference FOLDER: N passed, M failed, K skipped`.
///
/// A case is *skipped* only when the harness cannot map its documented fields to a copro call;
/// the reason is recorded and printed, and the documented list is docs/reference-skips.md.
final class ReferenceTally: @unchecked Sendable {
    let folder: String
    private(set) var passed = 0
    private(set) var failed: [(id: String, why: String)] = []
    private(set) var skipped: [(id: String, why: String)] = []
    private let lock = NSLock()

    init(_ folder: String) { self.folder = folder }

    func pass(_ id: String) { lock.withLock { passed += 1 } }
    func fail(_ id: String, _ why: String) { lock.withLock { failed.append((id, why)) } }
    func skip(_ id: String, _ why: String) { lock.withLock { skipped.append((id, why)) } }

    /// Prints the summary line (and each failure and skip with its reason) and records a test
    /// issue per failure.
    func report() {
        for f in failed { print("reference \(folder): FAILED \(f.id): \(f.why)") }
        for s in skipped { print("reference \(folder): skipped \(s.id): \(s.why)") }
        print("reference \(folder): \(passed) passed, \(failed.count) failed, \(skipped.count) skipped")
        for f in failed { Issue.record("\(folder)/\(f.id): \(f.why)") }
    }
}

/// Relative closeness with an absolute floor for values near zero.
func close(_ actual: Double, _ expected: Double, rel: Double, abs absTol: Double = 0) -> Bool {
    if actual.isNaN || expected.isNaN { return actual.isNaN && expected.isNaN }
    if actual.isInfinite || expected.isInfinite { return actual == expected }
    if actual == expected { return true }
    return abs(actual - expected) <= max(rel * abs(expected), absTol)
}
