/// A self-describing part of a report beyond the indicator table: a scale's reliability, the
/// representativeness of participants, a difference-in-differences, a ranking with bootstrap
/// intervals, a resource account, a coproduction profile.
///
/// Analyses in SurveyEvaluation fill it with numbers (each cell keeps its value) and with sentences
/// written through ``ReportNumber``; every renderer shows it the same way, so a new analysis needs no
/// renderer changes.
public struct ReportSection: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    /// Plain-language sentences, shown first (and in the report's findings list).
    public var findings: [String]
    public var tables: [ReportTable]
    /// Pre-formatted text blocks shown as they are (e.g. a 3×3 typology grid), fixed-width in text.
    public var figures: [String]
    /// Method notes: how each number was computed (design, variance, df, interval).
    public var methods: [String]
    public var warnings: [String]

    public init(id: String, title: String, findings: [String] = [], tables: [ReportTable] = [],
                figures: [String] = [], methods: [String] = [], warnings: [String] = []) {
        self.id = id; self.title = title; self.findings = findings; self.tables = tables
        self.figures = figures; self.methods = methods; self.warnings = warnings
    }
}

/// A table whose cells carry both the shown text and, for numbers, the value.
public struct ReportTable: Codable, Sendable, Equatable {
    public struct Column: Codable, Sendable, Equatable {
        public var title: String
        public var numeric: Bool
        public init(_ title: String, numeric: Bool = false) { self.title = title; self.numeric = numeric }
    }
    public struct Cell: Codable, Sendable, Equatable {
        public var text: String
        public var value: Double?
        public init(_ text: String, value: Double? = nil) { self.text = text; self.value = value }
        /// A number shown with `decimals` places.
        public static func number(_ x: Double, decimals: Int) -> Cell { Cell(Format.fixed(x, decimals), value: x) }
        /// A proportion shown as a percentage with `decimals` places.
        public static func percent(_ p: Double, decimals: Int = 1) -> Cell { Cell(Format.percent(p, decimals), value: p) }
        /// A p-value: `< 0.001` below 0.001, else three decimals.
        public static func pValue(_ p: Double) -> Cell {
            Cell(p < 0.001 ? "< 0.001" : Format.fixed(p, 3), value: p)
        }
        /// An integer count.
        public static func count(_ n: Int) -> Cell { Cell(String(n), value: Double(n)) }
    }
    public var caption: String?
    public var columns: [Column]
    public var rows: [[Cell]]
    public init(caption: String? = nil, columns: [Column], rows: [[Cell]]) {
        self.caption = caption; self.columns = columns; self.rows = rows
    }
}

/// The report's number formats, public so analyses write sentences that match the tables.
public enum ReportNumber {
    /// Fixed decimals, `−` for negatives.
    public static func fixed(_ x: Double, _ decimals: Int) -> String { Format.fixed(x, decimals) }
    /// `+1.2` / `−1.2`.
    public static func signed(_ x: Double, _ decimals: Int) -> String { Format.signed(x, decimals) }
    /// `12.3%` from 0.123.
    public static func percent(_ p: Double, _ decimals: Int = 1) -> String { Format.percent(p, decimals) }
    /// `1,234,567`.
    public static func grouped(_ x: Double, _ decimals: Int = 0) -> String { Format.grouped(x, decimals) }
    /// `< 0.001` or `= 0.042`.
    public static func pValue(_ p: Double) -> String { Format.pValue(p) }
}
