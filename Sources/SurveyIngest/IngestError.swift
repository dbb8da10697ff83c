/// An error that stops an import before any record is produced.
///
/// Rendered like a compiler diagnostic: `path: error: message`, plus a hint on how to fix it.
public struct IngestError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case fileNotFound = "file-not-found"
        case unreadable
        case emptyFile = "empty-file"
        case notText = "not-text"
        case parser
        case badOption = "bad-option"
        case unwritable
        /// The header record has more fields than ``Ingest/maxColumns``.
        case tooManyColumns = "too-many-columns"
    }
    public var code: Code
    public var path: String
    public var message: String
    public var hint: String?
    /// For `empty-file` and `not-text`: the summary to report, with `fileError` set.
    public var summary: IngestSummary?

    public init(_ code: Code, path: String, message: String, hint: String? = nil, summary: IngestSummary? = nil) {
        self.code = code; self.path = path; self.message = message; self.hint = hint; self.summary = summary
    }

    public var description: String {
        var s = "\(path): error: \(message)"
        if let hint { s += "\n  hint: \(hint)" }
        return s
    }
}
