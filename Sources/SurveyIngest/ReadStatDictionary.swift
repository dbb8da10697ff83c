/// The dictionary of an SPSS, Stata or SAS file: what each variable means, as the file declares it.
///
/// CSV exports carry none of this; statistical-package files do. It is kept on ``RawTable/dictionary``
/// so that instruments can be built from it (`copro instrument import FILE.sav`). Codes are written
/// exactly as the cells are (docs/readstat.md, "How values become strings"): `"-99"`, `"1.5"`, `".a"`.
public struct DataDictionary: Sendable, Equatable {
    /// A user-defined missing value: one code, or an SPSS range `low…high` (both ends included).
    public enum MissingValue: Sendable, Equatable {
        /// A discrete code (SPSS discrete missing value, or a Stata/SAS extended missing value `.a`).
        case code(String)
        /// An SPSS missing range; either end may be infinite (`LO THRU x`, `x THRU HI`).
        case range(low: Double, high: Double)

        /// Whether a cell holding `text` is this missing value (a range matches numbers within it).
        public func matches(_ text: String) -> Bool {
            switch self {
            case .code(let c): return c == text
            case .range(let lo, let hi):
                guard let v = Double(text) else { return false }
                return v >= lo && v <= hi
            }
        }
    }

    /// A code and its label (`1 → "Male"`, `.a → "Refused"`).
    public struct ValueLabel: Sendable, Equatable {
        public var code: String
        public var label: String
        public init(code: String, label: String) { self.code = code; self.label = label }
    }

    /// How a variable's values are stored and shown.
    public enum Kind: String, Sendable, Equatable {
        case numeric, string
        /// A date (cells `YYYY-MM-DD`).
        case date
        /// A date and time (cells `YYYY-MM-DDTHH:MM:SS`).
        case datetime
        /// A time of day or duration (cells `HH:MM:SS`).
        case time
    }

    /// One variable (column).
    public struct Variable: Sendable, Equatable {
        public var name: String
        /// The variable label (question text), if any.
        public var label: String?
        public var kind: Kind
        /// The display format as the file states it (`F8.2`, `DATE11`, `%td`, `DATE9`).
        public var format: String?
        /// Value labels, in the order the file gives them.
        public var valueLabels: [ValueLabel]
        /// SPSS user-missing values and ranges; Stata/SAS extended missing values that are labelled
        /// or occur in the data.
        public var missingValues: [MissingValue]

        public init(name: String, label: String? = nil, kind: Kind, format: String? = nil,
                    valueLabels: [ValueLabel] = [], missingValues: [MissingValue] = []) {
            self.name = name; self.label = label; self.kind = kind; self.format = format
            self.valueLabels = valueLabels; self.missingValues = missingValues
        }

        /// Whether `text` is one of this variable's declared missing values.
        public func isMissing(_ text: String) -> Bool { missingValues.contains { $0.matches(text) } }

        /// The label of `code`, if the file gives one.
        public func label(of code: String) -> String? { valueLabels.first { $0.code == code }?.label }
    }

    /// The file format (`spss-sav`, `spss-zsav`, `spss-por`, `stata-dta`, `sas7bdat`).
    public var format: String
    /// The file label, if any.
    public var fileLabel: String?
    /// The character set the file declares (`UTF-8`, `WINDOWS-1252`), if it declares one.
    public var encoding: String?
    public var variables: [Variable]

    public init(format: String, fileLabel: String? = nil, encoding: String? = nil, variables: [Variable]) {
        self.format = format; self.fileLabel = fileLabel; self.encoding = encoding; self.variables = variables
    }

    /// The variable with this name.
    public func variable(named name: String) -> Variable? { variables.first { $0.name == name } }
}
