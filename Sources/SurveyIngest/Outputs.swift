import Foundation

/// Collects accepted records into a ``RawTable``.
final class TableBuilder: AcceptedRowSink {
    private var table = RawTable(columns: [], rawColumnNames: [], headerRows: [],
                                 platform: PlatformMetadata(platform: .generic, columns: []))

    func begin(columns: [String], rawColumnNames: [String], headerRows: [[String]], platform: PlatformMetadata) throws {
        table = RawTable(columns: columns, rawColumnNames: rawColumnNames, headerRows: headerRows, platform: platform)
    }

    func accept(_ fields: FieldsView, columnCount: Int, dataRow: Int, line: Int) throws {
        table.appendRecord(fields, dataRow: dataRow, line: line)
    }

    /// The table, with the platform as finally decided (format heuristics such as `excel` are
    /// known only at the end of the file).
    func finish(platform: String) -> RawTable {
        if let p = SurveyPlatform(rawValue: platform) { table.platform.platform = p }
        return table
    }
}

/// Writes accepted records as CSV (`--data-out`).
final class DataOutSink: AcceptedRowSink {
    let writer: CSVFileWriter
    private var row: [UnsafeBufferPointer<UInt8>] = []
    init(writer: CSVFileWriter) { self.writer = writer }

    func begin(columns: [String], rawColumnNames: [String], headerRows: [[String]], platform: PlatformMetadata) throws {
        // The header row holds the names as written (JSON `columns`), so the output matches the summary.
        try writer.writeRecord(rawColumnNames.map { Array($0.utf8) })
    }

    func accept(_ fields: FieldsView, columnCount: Int, dataRow: Int, line: Int) throws {
        row.removeAll(keepingCapacity: true)
        for c in 0..<columnCount {
            row.append(c < fields.count ? fields.field(c) : UnsafeBufferPointer(start: nil, count: 0))
        }
        try writer.writeRecord(row)
    }
}

/// Writes RFC 4180 CSV (`,`, LF, minimal quoting: a field is quoted when it holds `,`, `"`, CR or
/// LF, or when it is the only field of its record and empty) to a temporary file next to the
/// destination, renamed into place by ``commit()``: the destination is never half-written.
final class CSVFileWriter {
    let path: String
    private let tempPath: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(path: String) throws {
        self.path = path
        self.tempPath = TemporaryFiles.path(for: path)
        TemporaryFiles.removeStale(besides: path)
        TemporaryFiles.register(tempPath)
        guard FileManager.default.createFile(atPath: tempPath, contents: nil),
              let h = FileHandle(forWritingAtPath: tempPath) else {
            TemporaryFiles.unregister(tempPath)
            throw IngestError(.unwritable, path: path, message: "cannot create the output file",
                              hint: "check that the folder exists and is writable")
        }
        handle = h
        buffer.reserveCapacity(1 << 20)
    }

    /// Appends one record.
    func writeRecord<C: Collection>(_ fields: [C]) throws where C.Element == UInt8 {
        // Work on a local array: appending to the stored property byte by byte would pay a
        // dynamic exclusivity check per byte.
        var out = buffer
        buffer = []
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ",")
        for i in fields.indices {
            let f = fields[i]
            if i > 0 { out.append(comma) }
            let needs = f.contains { $0 == comma || $0 == quote || $0 == 10 || $0 == 13 }
                || (fields.count == 1 && f.isEmpty)
            if needs {
                out.append(quote)
                for b in f {
                    if b == quote { out.append(b) }
                    out.append(b)
                }
                out.append(quote)
            } else {
                out.append(contentsOf: f)
            }
        }
        out.append(10)
        buffer = out
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        do { try handle.write(contentsOf: buffer) } catch {
            throw IngestError(.unwritable, path: path, message: "write failed: \(error.localizedDescription)",
                              hint: "check the free space on the disk")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Drops everything written so far (the import is being redone).
    func truncate() throws {
        buffer.removeAll(keepingCapacity: true)
        do { try handle.truncate(atOffset: 0); try handle.seek(toOffset: 0) } catch {
            throw IngestError(.unwritable, path: path, message: "cannot rewrite the output: \(error.localizedDescription)",
                              hint: "check that the destination is a regular, writable file")
        }
    }

    /// Flushes, closes and renames the temporary file onto the destination.
    func commit() throws {
        try flush()
        try? handle.close()
        if rename(tempPath, path) == 0 { TemporaryFiles.unregister(tempPath) } else {
            discard()
            throw IngestError(.unwritable, path: path, message: "cannot move the output into place",
                              hint: "check that the destination folder is writable")
        }
    }

    /// Removes the temporary file.
    func discard() {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: tempPath)
        TemporaryFiles.unregister(tempPath)
    }
}
