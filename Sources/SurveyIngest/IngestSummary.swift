/// What an import did, in the shape `copro ingest --format json` prints (README, "copro ingest").
public struct IngestSummary: Codable, Sendable, Equatable {
    public struct Rejection: Codable, Sendable, Equatable {
        public var dataRow: Int
        public var line: Int
        public var reason: String
        /// The record's text; bytes that are not valid UTF-8 are written `\xHH` (see `rawBytes`).
        public var raw: String
        /// The physical line on which the record ends (its last byte before the terminator).
        public var endLine: Int?
        /// The record's bytes exactly as stored (after decoding UTF-16/Windows-1252 to UTF-8),
        /// without its terminator. Not part of the JSON; `--rejects` writes them verbatim.
        public var rawBytes: [UInt8] = []
        enum CodingKeys: String, CodingKey { case dataRow = "data_row", line, endLine = "end_line", reason, raw }
        public init(dataRow: Int, line: Int, reason: String, raw: String, rawBytes: [UInt8]? = nil, endLine: Int? = nil) {
            self.dataRow = dataRow; self.line = line; self.reason = reason; self.raw = raw
            self.rawBytes = rawBytes ?? Array(raw.utf8)
            self.endLine = endLine
        }
    }
    public struct Warning: Codable, Sendable, Equatable {
        public var code: String
        public var dataRow: Int?
        public var line: Int?
        public var column: Int?
        public var message: String
        enum CodingKeys: String, CodingKey { case code, dataRow = "data_row", line, column, message }
        public init(code: String, dataRow: Int? = nil, line: Int? = nil, column: Int? = nil, message: String) {
            self.code = code; self.dataRow = dataRow; self.line = line; self.column = column; self.message = message
        }
    }
    public struct FileError: Codable, Sendable, Equatable {
        public var reason: String
        public var message: String
        public init(reason: String, message: String) { self.reason = reason; self.message = message }
    }

    public var file: String
    public var sha256: String
    public var encoding: String
    public var delimiter: String?
    public var lineEnding: String
    public var platform: String
    public var headerRows: Int
    public var columns: [String]
    public var dataRows: Int
    public var acceptedRows: Int
    public var rejectedRows: [Rejection]
    public var warnings: [Warning]
    public var fileError: FileError?
    /// Column names exactly as in the column-name header row. JSON `columns` holds these (the names as
    /// written, as the corpus manifest's `column_names`); JSON `unique_columns` holds ``columns``, the
    /// unique names copro uses to address columns (duplicates renamed `name~2`, empty names filled).
    public var rawColumnNames: [String]

    enum CodingKeys: String, CodingKey {
        case file, sha256, encoding, delimiter, lineEnding = "line_ending", platform
        case headerRows = "header_rows", columns, dataRows = "data_rows", acceptedRows = "accepted_rows"
        case rejectedRows = "rejected_rows", warnings, fileError = "file_error"
        case uniqueColumns = "unique_columns"
    }

    public init(file: String, sha256: String, encoding: String, delimiter: String?, lineEnding: String,
                platform: String, headerRows: Int, columns: [String], dataRows: Int, acceptedRows: Int,
                rejectedRows: [Rejection], warnings: [Warning], fileError: FileError?,
                rawColumnNames: [String]? = nil) {
        self.file = file; self.sha256 = sha256; self.encoding = encoding; self.delimiter = delimiter
        self.lineEnding = lineEnding; self.platform = platform; self.headerRows = headerRows
        self.columns = columns; self.dataRows = dataRows; self.acceptedRows = acceptedRows
        self.rejectedRows = rejectedRows; self.warnings = warnings; self.fileError = fileError
        self.rawColumnNames = rawColumnNames ?? columns
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        file = try c.decode(String.self, forKey: .file)
        sha256 = try c.decode(String.self, forKey: .sha256)
        encoding = try c.decode(String.self, forKey: .encoding)
        delimiter = try c.decodeIfPresent(String.self, forKey: .delimiter)
        lineEnding = try c.decodeIfPresent(String.self, forKey: .lineEnding) ?? ""
        platform = try c.decode(String.self, forKey: .platform)
        headerRows = try c.decode(Int.self, forKey: .headerRows)
        rawColumnNames = try c.decode([String].self, forKey: .columns)
        columns = try c.decodeIfPresent([String].self, forKey: .uniqueColumns) ?? rawColumnNames
        dataRows = try c.decode(Int.self, forKey: .dataRows)
        acceptedRows = try c.decode(Int.self, forKey: .acceptedRows)
        rejectedRows = try c.decode([Rejection].self, forKey: .rejectedRows)
        warnings = try c.decode([Warning].self, forKey: .warnings)
        fileError = try c.decodeIfPresent(FileError.self, forKey: .fileError)
    }

    // `file_error` and absent optionals are written as explicit nulls where the contract asks.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(file, forKey: .file)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(encoding, forKey: .encoding)
        try c.encode(delimiter, forKey: .delimiter)
        // No line ending is known for a file rejected before its records were read.
        try c.encode(lineEnding.isEmpty ? nil : lineEnding, forKey: .lineEnding)
        try c.encode(platform, forKey: .platform)
        try c.encode(headerRows, forKey: .headerRows)
        try c.encode(rawColumnNames, forKey: .columns)
        try c.encode(dataRows, forKey: .dataRows)
        try c.encode(acceptedRows, forKey: .acceptedRows)
        try c.encode(rejectedRows, forKey: .rejectedRows)
        try c.encode(warnings, forKey: .warnings)
        try c.encode(fileError, forKey: .fileError)
        try c.encode(columns, forKey: .uniqueColumns)
    }
}

/// The result of reading one export: the accepted table and the account of what happened.
public struct IngestResult: Sendable {
    public var table: RawTable
    public var summary: IngestSummary
    public init(table: RawTable, summary: IngestSummary) { self.table = table; self.summary = summary }
}
