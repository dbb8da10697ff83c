/// A table of raw strings as read from a survey export, before any coding.
///
/// Every cell is the exact text stored in the file (no trimming, no conversion). A cell is `nil`
/// when the record had no field there at all (a short row) or the field was an *unquoted* empty
/// field (libcsv's `CSV_EMPTY_IS_NULL`), and `""` when it was a quoted empty field, so platforms
/// that use the difference to mark NULL keep it (LimeSurvey). Both mean "empty" under the corpus
/// policy; only code that cares about NULL should look at the difference.
///
/// Storage: all cell bytes of the accepted rows in one UTF-8 buffer, with per-cell end offsets
/// relative to the row (32 bits, the top bit marking `nil`) and one start offset per row: about
/// 4 bytes per cell plus the text, so a 1,000,000 × 60 table needs its text plus ~240 MB.
/// - Complexity: `subscript(row:column:)` is O(length of the cell).
public struct RawTable: Sendable, Equatable {
    /// Reported column names, unique (policy: docs/ingest.md, "Column names").
    public var columns: [String]
    /// Column names exactly as written in the column-name header row.
    public var rawColumnNames: [String]
    /// All header records (1 normally; 3 for Qualtrics, 2 for SurveyMonkey and legacy Qualtrics),
    /// each padded or cut to the number of columns.
    public var headerRows: [[String]]
    /// 1-based data-row number of each accepted row (rejected rows leave gaps).
    public var dataRowNumbers: [Int]
    /// 1-based physical line on which each accepted row starts.
    public var lines: [Int]
    /// The platform and what its header rows say about each column.
    public var platform: PlatformMetadata
    /// Variable and value labels and missing values of an SPSS/Stata/SAS file (`nil` for text exports).
    public var dictionary: DataDictionary? = nil

    var bytes: [UInt8] = []
    var rowStarts: [Int] = []
    /// Cell end offsets relative to the row start; bit 31 set = `nil`.
    var cellEnds: [UInt32] = []

    static let nullBit: UInt32 = 1 << 31

    /// Builds a table from string rows (for tests and other modules' fixtures). Rows shorter than
    /// `columns` are padded with `nil`, longer ones are cut.
    public init(columns: [String], rawColumnNames: [String]? = nil, headerRows: [[String]] = [],
                rows: [[String?]], dataRowNumbers: [Int]? = nil, lines: [Int]? = nil,
                platform: PlatformMetadata? = nil) {
        self.columns = columns
        self.rawColumnNames = rawColumnNames ?? columns
        self.headerRows = headerRows.isEmpty ? [columns] : headerRows
        self.dataRowNumbers = dataRowNumbers ?? Array(0..<rows.count).map { $0 + 1 }
        self.lines = lines ?? self.dataRowNumbers.map { $0 + 1 }
        self.platform = platform ?? PlatformMetadata(
            platform: .generic, columns: columns.map { PlatformMetadata.Column(name: $0) })
        for row in rows {
            appendRow((0..<columns.count).map { $0 < row.count ? row[$0].map { Array($0.utf8) } : nil })
        }
    }

    init(columns: [String], rawColumnNames: [String], headerRows: [[String]], platform: PlatformMetadata) {
        self.columns = columns; self.rawColumnNames = rawColumnNames; self.headerRows = headerRows
        self.platform = platform; self.dataRowNumbers = []; self.lines = []
    }

    mutating func appendRow(_ cells: [[UInt8]?]) {
        let start = bytes.count
        rowStarts.append(start)
        for cell in cells {
            if let cell { bytes.append(contentsOf: cell); cellEnds.append(UInt32(bytes.count - start)) } else {
                cellEnds.append(UInt32(bytes.count - start) | Self.nullBit)
            }
        }
    }

    /// Appends an accepted record: the first `columns.count` fields, padded with `nil`.
    /// The caller guarantees the record's bytes fit in 2³¹ − 1 bytes.
    mutating func appendRecord(_ fields: FieldsView, dataRow: Int, line: Int) {
        let start = bytes.count
        rowStarts.append(start)
        let n = columns.count
        for c in 0..<n {
            if c < fields.spans.count {
                let s = fields.spans[c]
                bytes.append(contentsOf: fields.field(c))
                cellEnds.append(UInt32(bytes.count - start) | (s.isNull ? Self.nullBit : 0))
            } else {
                cellEnds.append(UInt32(bytes.count - start) | Self.nullBit)
            }
        }
        dataRowNumbers.append(dataRow)
        lines.append(line)
    }

    /// Number of accepted data rows.
    public var rowCount: Int { rowStarts.count }

    /// Index of the column with this reported name, if any.
    public func columnIndex(named name: String) -> Int? { columns.firstIndex(of: name) }

    /// The cell text, `nil` for an absent or unquoted-empty field.
    /// - Precondition: `row < rowCount`, `column < columns.count`.
    public subscript(row: Int, column: Int) -> String? {
        let n = columns.count
        let end = cellEnds[row * n + column]
        if end & Self.nullBit != 0 { return nil }
        let begin = column == 0 ? 0 : Int(cellEnds[row * n + column - 1] & ~Self.nullBit)
        let base = rowStarts[row]
        return bytes.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[(base + begin)..<(base + Int(end))]), as: UTF8.self)
        }
    }

    /// The cell's UTF-8 bytes (empty for `nil`).
    public func cellBytes(row: Int, column: Int) -> ArraySlice<UInt8> {
        let n = columns.count
        let end = Int(cellEnds[row * n + column] & ~Self.nullBit)
        let begin = column == 0 ? 0 : Int(cellEnds[row * n + column - 1] & ~Self.nullBit)
        return bytes[(rowStarts[row] + begin)..<(rowStarts[row] + end)]
    }

    /// All accepted rows as strings, built anew on every access: O(rows × columns) allocations.
    /// For tests and small tables only; code that reads cells uses `table[row, column]`.
    public var rows: [[String?]] {
        (0..<rowCount).map { r in (0..<columns.count).map { self[r, $0] } }
    }
}
