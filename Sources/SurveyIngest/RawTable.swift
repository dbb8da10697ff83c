/// A table of raw strings as read from a survey export, before any coding.
///
/// Every cell is the exact text stored in the file (no trimming, no conversion). A cell is `nil`
/// when the record had no field there at all or the field was an *unquoted* empty field (libcsv's
/// `CSV_EMPTY_IS_NULL`), and `""` when it was a quoted empty field, so platforms that use the
/// difference to mark NULL keep it.
public struct RawTable: Sendable, Equatable {
    /// Reported column names, unique (duplicates are renamed `name~2`, `name~3`, … with a warning).
    public var columns: [String]
    /// Column names exactly as written in the column-name header row.
    public var rawColumnNames: [String]
    /// All header records (1 normally; 3 for Qualtrics, 2 for SurveyMonkey and legacy Qualtrics).
    public var headerRows: [[String]]
    /// Accepted data rows; each has exactly `columns.count` cells.
    public var rows: [[String?]]
    /// 1-based data-row number of each accepted row (rejected rows leave gaps).
    public var dataRowNumbers: [Int]
    /// 1-based physical line on which each accepted row starts.
    public var lines: [Int]

    public init(columns: [String], rawColumnNames: [String]? = nil, headerRows: [[String]] = [],
                rows: [[String?]], dataRowNumbers: [Int]? = nil, lines: [Int]? = nil) {
        self.columns = columns
        self.rawColumnNames = rawColumnNames ?? columns
        self.headerRows = headerRows.isEmpty ? [columns] : headerRows
        self.rows = rows
        self.dataRowNumbers = dataRowNumbers ?? Array(1...max(rows.count, 1)).prefix(rows.count).map { $0 }
        self.lines = lines ?? self.dataRowNumbers.map { $0 + 1 }
    }

    /// Number of accepted data rows.
    public var rowCount: Int { rows.count }

    /// Index of the column with this reported name, if any.
    public func columnIndex(named name: String) -> Int? { columns.firstIndex(of: name) }

    /// The cell text, `nil` for an absent or unquoted-empty field.
    public subscript(row: Int, column: Int) -> String? { rows[row][column] }
}
