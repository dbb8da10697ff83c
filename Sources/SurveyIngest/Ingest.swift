import Crypto
import Foundation

/// Options for reading an export.
public struct IngestOptions: Sendable {
    public enum Delimiter: String, Sendable, CaseIterable { case auto, comma, semicolon, tab, pipe }
    public enum Encoding: String, Sendable, CaseIterable {
        case auto, utf8 = "utf-8", utf16le = "utf-16le", utf16be = "utf-16be", windows1252 = "windows-1252"
    }
    public var delimiter: Delimiter = .auto
    public var encoding: Encoding = .auto
    public init(delimiter: Delimiter = .auto, encoding: Encoding = .auto) {
        self.delimiter = delimiter; self.encoding = encoding
    }
}

/// Reads survey exports into ``RawTable``s, accounting for every record.
public enum Ingest {
    /// Reads the file at `path`.
    /// - Throws: ``IngestError`` when the file cannot be read at all.
    public static func read(path: String, options: IngestOptions = .init()) throws -> IngestResult {
        guard FileManager.default.fileExists(atPath: path) else {
            throw IngestError(.fileNotFound, path: path, message: "no such file",
                              hint: "check the path; relative paths are resolved from the current directory")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IngestError(.unreadable, path: path, message: "the file cannot be read",
                              hint: "check its permissions")
        }
        return try read(bytes: [UInt8](data), name: path, options: options)
    }

    /// Reads an export held in memory; `name` is used in messages and the summary.
    public static func read(bytes input: [UInt8], name: String, options: IngestOptions = .init()) throws -> IngestResult {
        let digest = SHA256.hash(data: input).map { String(format: "%02x", $0) }.joined()
        var bytes = input
        var encoding = "utf-8"
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3); encoding = "utf-8-bom" }
        let delimiter: UInt8 = detectDelimiter(bytes)
        let parser = try LibCSVParser(delimiter: delimiter)
        parser.parse(bytes)
        parser.finish()
        var records = parser.records
        guard !records.isEmpty else {
            throw IngestError(.emptyFile, path: name, message: "the file holds no records")
        }
        let header = records.removeFirst().map { $0 ?? "" }
        let rows = records.map { r -> [String?] in
            var r = r
            if r.count < header.count { r += Array(repeating: nil, count: header.count - r.count) }
            return Array(r.prefix(header.count))
        }
        let table = RawTable(columns: header, rows: rows)
        let summary = IngestSummary(
            file: name, sha256: digest, encoding: encoding, delimiter: String(UnicodeScalar(delimiter)),
            lineEnding: "LF", platform: "generic", headerRows: 1, columns: header, dataRows: rows.count,
            acceptedRows: rows.count, rejectedRows: [], warnings: [], fileError: nil)
        return IngestResult(table: table, summary: summary)
    }

    static func detectDelimiter(_ bytes: [UInt8]) -> UInt8 {
        var counts: [UInt8: Int] = [:]
        var inQuotes = false
        for b in bytes {
            if b == UInt8(ascii: "\"") { inQuotes.toggle() }
            if !inQuotes && (b == 10 || b == 13) { break }
            if !inQuotes, [UInt8(ascii: ","), UInt8(ascii: ";"), 9, UInt8(ascii: "|")].contains(b) { counts[b, default: 0] += 1 }
        }
        return counts.max { $0.value < $1.value }?.key ?? UInt8(ascii: ",")
    }
}
