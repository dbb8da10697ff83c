import Foundation

/// Reading SPSS, Stata and SAS files into the same ``RawTable`` and ``IngestSummary`` as CSV.
///
/// ``Ingest/read(path:options:)`` and ``Ingest/summarize(path:options:dataOut:rejectsOut:)`` dispatch
/// here by extension (``ReadStatFormat``). Every row is accepted (these files have no malformed
/// records; a file ReadStat cannot read is an ``IngestError`` `parser`). The summary's `platform` is
/// the format (`spss-sav`, `stata-dta`, …), `header_rows` is 0, `delimiter` and `line_ending` are
/// `null`, `encoding` is the character set the file declares (lower case), or `unspecified`.
public enum ReadStatIngest {
    /// Reads the whole file into a table with its ``DataDictionary``.
    /// - Throws: ``IngestError`` (`file-not-found`, `unreadable`, `parser`).
    public static func read(path: String, format: ReadStatFormat, options: IngestOptions = .init()) throws -> IngestResult {
        let sha = try hash(path)
        var rows: [[String?]] = []
        let reader = try ReadStatReader(path: path)
        let (dictionary, names) = try reader.parse(path: path, format: format, options: options) { row, _ in rows.append(row) }
        var table = RawTable(columns: names, rawColumnNames: names, headerRows: [],
                             platform: PlatformMetadata(platform: SurveyPlatform(rawValue: format.rawValue) ?? .generic,
                                                        columns: dictionary.variables.map {
                                                            .init(name: $0.name, questionText: $0.label) }))
        for (i, row) in rows.enumerated() {
            table.appendRow((0..<names.count).map { $0 < row.count ? row[$0].map { Array($0.utf8) } : nil })
            table.dataRowNumbers.append(i + 1)
            table.lines.append(i + 1)
        }
        table.dictionary = dictionary
        return IngestResult(table: table, summary: summary(path: path, sha: sha, format: format, dictionary: dictionary,
                                                           names: names, rows: rows.count))
    }

    /// The summary only, streaming the rows to `dataOut` (CSV as for text exports) without keeping them.
    /// `rejectsOut` gets the header line only: no row is ever rejected.
    /// - Throws: ``IngestError``.
    public static func summarize(path: String, format: ReadStatFormat, options: IngestOptions = .init(),
                                 dataOut: String? = nil, rejectsOut: String? = nil) throws -> IngestSummary {
        let sha = try hash(path)
        let data = try dataOut.map { try CSVFileWriter(path: $0) }
        let rejects = try rejectsOut.map { try CSVFileWriter(path: $0) }
        do {
            try rejects?.writeRecord(["data_row", "line", "reason", "raw"].map { Array($0.utf8) })
            var count = 0
            let reader = try ReadStatReader(path: path)
            let (dictionary, names) = try reader.parse(path: path, format: format, options: options) { row, names in
                if count == 0 { try data?.writeRecord(names.map { Array($0.utf8) }) }
                try data?.writeRecord(row.map { Array(($0 ?? "").utf8) })
                count += 1
            }
            if let data, count == 0 { try data.writeRecord(names.map { Array($0.utf8) }) }
            try data?.commit()
            try rejects?.commit()
            return summary(path: path, sha: sha, format: format, dictionary: dictionary, names: names, rows: count)
        } catch {
            data?.discard(); rejects?.discard()
            throw error
        }
    }

    static func summary(path: String, sha: String, format: ReadStatFormat, dictionary: DataDictionary,
                        names: [String], rows: Int) -> IngestSummary {
        IngestSummary(file: path, sha256: sha, encoding: dictionary.encoding?.lowercased() ?? "unspecified",
                      delimiter: nil, lineEnding: "", platform: format.rawValue, headerRows: 0, columns: names,
                      dataRows: rows, acceptedRows: rows, rejectedRows: [], warnings: [], fileError: nil)
    }

    /// SHA-256 of the file's bytes (also checks that it exists and can be read).
    static func hash(_ path: String) throws -> String {
        var input = try FileInput(path: path)
        defer { input.close() }
        return try scanAll(&input).sha256
    }
}
