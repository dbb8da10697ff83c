/// Receives the accepted records of an import, in order.
protocol AcceptedRowSink: AnyObject {
    /// Called once, before any row, with the reported column names and header rows.
    func begin(columns: [String], rawColumnNames: [String], headerRows: [[String]], platform: PlatformMetadata) throws
    /// An accepted record; use its first `columnCount` fields, missing ones are `nil`.
    func accept(_ fields: FieldsView, columnCount: Int, dataRow: Int, line: Int) throws
}

/// A record kept while the header layout is not yet known.
private struct HeldRecord {
    var fields: FieldBuffer
    /// Number of fields, including any beyond ``IngestSession/maxColumns``.
    var count: Int
    var raw: [UInt8]
    var line: Int
    var issues: RecordIssues
    var unterminated: Bool
}

/// The header record has more than ``IngestSession/maxColumns`` fields; ``Ingest`` turns it into
/// an ``IngestError`` `too-many-columns` naming the file.
struct ColumnLimitExceeded: Error {
    var line: Int
    var count: Int
}

/// Applies the record policy (header rows, field counts, rejections, warnings) to the records a
/// ``RecordReader`` produces, and keeps the account: data rows = accepted + rejected.
final class IngestSession: RecordConsumer {
    let validateRecords: Bool
    private let sink: AcceptedRowSink?
    private let onReject: ((IngestSummary.Rejection) throws -> Void)?

    private var held: [HeldRecord] = []
    private(set) var headerDone = false
    private(set) var sawRecord = false
    private(set) var platform: SurveyPlatform = .generic
    private(set) var headerRows: [[String]] = []
    private(set) var columns: [String] = []
    private(set) var rawColumnNames: [String] = []
    private(set) var metadata = PlatformMetadata(platform: .generic, columns: [])
    private(set) var columnCount = 0

    private(set) var dataRows = 0
    private(set) var acceptedRows = 0
    private(set) var rejections: [IngestSummary.Rejection] = []
    private(set) var warnings: [IngestSummary.Warning] = []
    private var pendingBlankLines: [Int] = []
    /// Blank lines after the last record (not warned about).
    private(set) var droppedBlankLines: [Int] = []
    /// A session for the second part of a split file: the header is already known.
    private var isContinuation = false

    /// A session that continues another one after a record boundary (``Ingest`` splits large
    /// files): no header rows, `columnCount` columns, local data-row and line numbers from 1.
    init(continuingWith columnCount: Int, validateRecords: Bool, sink: AcceptedRowSink? = nil) {
        self.validateRecords = validateRecords
        self.sink = sink
        self.onReject = nil
        self.headerDone = true
        self.columnCount = columnCount
        self.isContinuation = true
    }

    /// Largest record kept (bytes); larger records are rejected `field-too-large` because the
    /// table stores 31-bit offsets within a row.
    static let maxRecordBytes = Int(Int32.max)

    /// Most fields a record may have (docs/ingest.md, "Limits"): 131,072 = 2¹⁷, eight times
    /// Excel's 16,384 columns and above Stata/MP's 120,000 variables, so any table a spreadsheet
    /// or statistics package holds passes. A header with more fields is an ``IngestError``
    /// `too-many-columns`; a data record with more is rejected `too-many-columns`. The parsers
    /// store at most this many fields of a record and only count the rest, so a record of
    /// millions of empty fields costs at most 3 MiB of field spans, not 24 bytes per field.
    static let maxColumns = 131_072

    init(validateRecords: Bool, sink: AcceptedRowSink?, onReject: ((IngestSummary.Rejection) throws -> Void)?) {
        self.validateRecords = validateRecords
        self.sink = sink
        self.onReject = onReject
    }

    func blankLine(_ line: Int) { pendingBlankLines.append(line) }

    var needsFieldBytes: Bool { !headerDone || sink != nil }

    static func blankLineWarning(_ l: Int) -> IngestSummary.Warning {
        .init(code: "blank-line-skipped", line: l, message: "blank line skipped")
    }

    private func flushBlankLines() {
        for l in pendingBlankLines { warnings.append(Self.blankLineWarning(l)) }
        pendingBlankLines.removeAll()
    }

    /// Called once the header layout is known, with the number of columns.
    var onHeaderDecided: ((Int) -> Void)?

    func consume(_ record: RecordView) throws {
        flushBlankLines()
        sawRecord = true
        if headerDone {
            try data(fields: record.fields, raw: record.raw, line: record.line, issues: record.issues,
                     unterminated: record.unterminated)
            return
        }
        held.append(HeldRecord(fields: record.fields.copy(), count: record.fields.count, raw: Array(record.raw), line: record.line,
                               issues: record.issues, unterminated: record.unterminated))
        if held.count == 3 { try decideHeader() }
    }

    /// Ends the input. Blank lines after the last record are dropped silently.
    func finish() throws {
        if !headerDone && !held.isEmpty { try decideHeader() }
        droppedBlankLines = pendingBlankLines
        pendingBlankLines.removeAll()
        if headerDone && dataRows == 0 && !isContinuation {
            warnings.append(.init(code: "no-data-rows", message: "the file has header rows but no data rows"))
        }
    }

    private func text(_ r: HeldRecord) -> [String] {
        if r.unterminated { return [String(decoding: r.raw, as: UTF8.self)] }
        // One view for all fields: `FieldBuffer.string(_:)` builds a view per call, which scans
        // the spans, so calling it per field was quadratic in the number of columns.
        return r.fields.withView { view in (0..<view.spans.count).map { view.string($0) ?? "" } }
    }

    private func decideHeader() throws {
        headerDone = true
        let texts = held.map { text($0) }
        // Records that will be rejected cannot be platform header rows.
        let cut = held.firstIndex { $0.unterminated || $0.raw.contains(0) } ?? held.count
        let usable = Array(texts.prefix(max(cut, 1)))
        var (detected, rows) = PlatformDetection.detect(usable)
        if rows > usable.count { detected = .generic; rows = 1 }
        platform = detected
        let first = held[0]
        if !first.unterminated && first.count > Self.maxColumns {
            throw ColumnLimitExceeded(line: first.line, count: first.count)
        }
        if first.unterminated {
            warnings.append(.init(code: "unterminated-quote", line: first.line,
                                  message: "the header record has a quote still open at end of file"))
        }
        if validateRecords, !first.raw.withUnsafeBufferPointer(UTF8Validation.isValid) {
            warnings.append(.init(code: "invalid-encoding", line: first.line,
                                  message: "the header record is not valid UTF-8; invalid bytes were replaced in column names"))
        }
        rawColumnNames = texts[0]
        columnCount = rawColumnNames.count
        headerRows = texts.prefix(rows).map { row in
            (0..<columnCount).map { $0 < row.count ? row[$0] : "" }
        }
        let (names, unnamed) = PlatformDetection.reportedNames(platform: platform, headerRows: headerRows)
        columns = names
        metadata = PlatformDetection.metadata(platform: platform, headerRows: headerRows, names: names)
        var firstIndex: [String: Int] = [:]
        var reportedDuplicate = Set<Int>()
        for (c, name) in rawColumnNames.enumerated() where !name.isEmpty {
            if let f = firstIndex[name] {
                for k in [f, c] where !reportedDuplicate.contains(k) {
                    reportedDuplicate.insert(k)
                    warnings.append(.init(code: "duplicate-column-name", line: first.line, column: k,
                                          message: "column name '\(name)' is not unique; column \(k) is reported as '\(columns[k])'"))
                }
            } else { firstIndex[name] = c }
        }
        for c in unnamed {
            warnings.append(.init(code: "empty-column-name", line: first.line, column: c,
                                  message: "column \(c) has no name; it is reported as '\(columns[c])'"))
        }
        try sink?.begin(columns: columns, rawColumnNames: rawColumnNames, headerRows: headerRows, platform: metadata)
        onHeaderDecided?(columnCount)
        let rest = held.dropFirst(rows)
        held = []
        for r in rest {
            try r.raw.withUnsafeBufferPointer { raw in
                try r.fields.withView { view in
                    try data(fields: view, raw: raw, line: r.line, issues: r.issues, unterminated: r.unterminated)
                }
            }
        }
    }

    private func reject(_ reason: String, raw: UnsafeBufferPointer<UInt8>, line: Int) throws {
        let bytes = Array(raw)
        // Line breaks inside the record (CRLF once); a final one is its terminator.
        var breaks = 0
        var k = 0
        while k < bytes.count {
            if bytes[k] == 13 { breaks += 1; if k + 1 < bytes.count && bytes[k + 1] == 10 { k += 1 } } else if bytes[k] == 10 { breaks += 1 }
            k += 1
        }
        if let last = bytes.last, last == 10 || last == 13 { breaks -= 1 }
        let r = IngestSummary.Rejection(dataRow: dataRows, line: line, reason: reason,
                                        raw: UTF8Validation.escaped(bytes), rawBytes: bytes, endLine: line + breaks)
        rejections.append(r)
        try onReject?(r)
    }

    private func warn(_ code: String, line: Int, _ message: String) {
        warnings.append(.init(code: code, dataRow: dataRows, line: line, message: message))
    }

    private func data(fields: FieldsView, raw: UnsafeBufferPointer<UInt8>, line: Int, issues: RecordIssues,
                      unterminated: Bool) throws {
        dataRows += 1
        if unterminated { return try reject("unterminated-quote", raw: raw, line: line) }
        if let base = raw.baseAddress, raw.count > 0, memchr(base, 0, raw.count) != nil {
            return try reject("nul-byte", raw: raw, line: line)
        }
        if validateRecords && !UTF8Validation.isValid(raw) { return try reject("invalid-encoding", raw: raw, line: line) }
        if raw.count > Self.maxRecordBytes { return try reject("field-too-large", raw: raw, line: line) }
        let n = fields.count
        if n > Self.maxColumns { return try reject("too-many-columns", raw: raw, line: line) }
        if n > columnCount {
            if fields.lastNonEmpty >= columnCount { return try reject("too-many-fields", raw: raw, line: line) }
            warn("trailing-empty-fields", line: line,
                 "\(n) fields, the header has \(columnCount); the extra fields are empty and dropped")
        } else if n < columnCount {
            warn("short-row", line: line, "\(n) of \(columnCount) fields; the missing cells are empty")
        }
        if issues.strayQuote {
            warn("stray-quote", line: line, "a quote inside or after a field is kept as text")
        }
        if issues.spaceAroundQuotedField {
            warn("space-around-quoted-field", line: line,
                 "spaces or tabs around a quoted field; the quoted text is kept")
        }
        if columnCount > 1 && fields.lastNonEmpty < 0 {
            warn("empty-record", line: line, "every field is empty")
        }
        acceptedRows += 1
        try sink?.accept(fields, columnCount: columnCount, dataRow: dataRows, line: line)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
