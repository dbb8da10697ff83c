import SurveyIngest
import Yams

/// Namespace marker for the module.
public enum SurveyInstrumentsModule {
    public static let yamlLibrary = "Yams"
}

/// A survey instrument: its questions, how they are coded, skip logic, derived variables, scales
/// and the indicators an evaluation reports.
///
/// Read one with ``Instrument/load(path:)``, which checks everything the decoder cannot (unknown
/// keys, duplicate ids, undefined references, conditions, cycles) and reports `file:line:col`
/// errors. The file format is documented in `docs/instrument-format.md`.
public struct Instrument: Sendable, Decodable {
    public var id: String
    public var title: String
    public var version: String
    public var source: String?
    /// Number and date conventions of the exports this instrument is read from.
    public var locale: LocaleHints
    /// Instrument-wide missing codes (each question may add its own).
    public var missingCodes: [MissingCode]
    public var questions: [Question]
    public var derived: [DerivedVariable]
    public var scales: [Scale]
    public var indicators: [Indicator]

    public init(id: String, title: String, version: String, source: String? = nil, locale: LocaleHints = .init(),
                missingCodes: [MissingCode] = [], questions: [Question], derived: [DerivedVariable] = [],
                scales: [Scale] = [], indicators: [Indicator] = []) {
        self.id = id; self.title = title; self.version = version; self.source = source; self.locale = locale
        self.missingCodes = missingCodes; self.questions = questions; self.derived = derived
        self.scales = scales; self.indicators = indicators
    }

    /// The `instrument:` header block.
    struct Header: Decodable {
        var id: String
        var title: String
        var version: String
        var source: String?
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case instrument, locale, questions, derived, scales, indicators
        case missingCodes = "missing_codes"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let header = try c.decode(Header.self, forKey: .instrument)
        id = header.id; title = header.title; version = header.version; source = header.source
        locale = try c.decodeIfPresent(LocaleHints.self, forKey: .locale) ?? LocaleHints()
        missingCodes = try c.decodeIfPresent([MissingCode].self, forKey: .missingCodes) ?? []
        questions = try c.decode([Question].self, forKey: .questions)
        derived = try c.decodeIfPresent([DerivedVariable].self, forKey: .derived) ?? []
        scales = try c.decodeIfPresent([Scale].self, forKey: .scales) ?? []
        indicators = try c.decodeIfPresent([Indicator].self, forKey: .indicators) ?? []
    }

    /// The question with this id, if any.
    public func question(_ id: String) -> Question? { questions.first { $0.id == id } }
    /// The indicator with this id, if any.
    public func indicator(_ id: String) -> Indicator? { indicators.first { $0.id == id } }
    /// The derived variable with this id, if any.
    public func derivedVariable(_ id: String) -> DerivedVariable? { derived.first { $0.id == id } }
    /// The scale with this id, if any.
    public func scale(_ id: String) -> Scale? { scales.first { $0.id == id } }

    /// Every variable id a condition may use: questions, derived variables and scales, in file order.
    public var variableIds: [String] { questions.map(\.id) + derived.map(\.id) + scales.map(\.id) }
}

/// How a question's answers are recorded.
public enum QuestionType: String, Sendable, Codable, CaseIterable {
    case singleChoice = "single_choice"
    case multipleChoice = "multiple_choice"
    case likert, numeric, integer, binary, date, text
}

/// Why a response is missing.
public enum MissingKind: String, Sendable, Codable, CaseIterable, Hashable {
    case dontKnow = "dont_know"
    case refused
    case notApplicable = "not_applicable"
    /// An empty cell (no answer recorded), or a code declared with this kind.
    case blank
}

/// A value in the export that means "no answer", with the reason.
public struct MissingCode: Sendable, Codable, Equatable {
    public var code: String
    public var kind: MissingKind
    public var label: String?
    public init(code: String, kind: MissingKind, label: String? = nil) {
        self.code = code; self.kind = kind; self.label = label
    }
}

/// One answer option (choice questions) or scale point (Likert questions).
public struct Choice: Sendable, Codable, Equatable {
    public var code: String
    public var label: String
    public init(code: String, label: String) { self.code = code; self.label = label }
}

/// Closed bounds for a numeric answer; either end may be open.
public struct NumericRange: Sendable, Codable, Equatable {
    public var min: Double?
    public var max: Double?
    public init(min: Double? = nil, max: Double? = nil) { self.min = min; self.max = max }
}

/// How a multiple-choice answer is laid out in the export.
public struct SelectMultipleLayout: Sendable, Codable, Equatable {
    public enum Layout: String, Sendable, Codable, CaseIterable {
        /// One column holding the selected codes separated by whitespace (Kobo/ODK default).
        case spaceSeparated = "space_separated"
        /// One 1/0 column per option, named by `column_pattern` with `{code}` replaced.
        case binaryColumns = "binary_columns"
    }
    public var layout: Layout
    public var columnPattern: String?
    enum CodingKeys: String, CodingKey, CaseIterable {
        case layout
        case columnPattern = "column_pattern"
    }
    public init(layout: Layout, columnPattern: String? = nil) {
        self.layout = layout; self.columnPattern = columnPattern
    }
}

/// Day, month and year order of dates that are not ISO 8601 (`yyyy-mm-dd` is always accepted).
public enum DateOrder: String, Sendable, Codable, CaseIterable { case dmy, mdy, ymd }

/// Number and date conventions of an export: set per instrument, and overridable by a plan.
public struct LocaleHints: Sendable, Codable, Equatable {
    /// Decimal mark: `"."` or `","`.
    public var decimal: String
    /// Thousands separator (`","`, `"."`, `" "`, `"'"`), or `nil` when values carry none: then any
    /// separator in a number makes the cell invalid.
    public var thousands: String?
    public var dateOrder: DateOrder

    enum CodingKeys: String, CodingKey, CaseIterable {
        case decimal, thousands
        case dateOrder = "date_order"
    }
    public init(decimal: String = ".", thousands: String? = nil, dateOrder: DateOrder = .dmy) {
        self.decimal = decimal; self.thousands = thousands; self.dateOrder = dateOrder
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        decimal = try c.decodeIfPresent(String.self, forKey: .decimal) ?? "."
        let t = try c.decodeIfPresent(String.self, forKey: .thousands)
        thousands = (t?.isEmpty ?? true) ? nil : t
        dateOrder = try c.decodeIfPresent(DateOrder.self, forKey: .dateOrder) ?? .dmy
    }
}

/// One question of the instrument and where its answers are in an export.
public struct Question: Sendable, Codable, Equatable {
    public var id: String
    public var text: String?
    public var type: QuestionType
    /// Export column header; defaults to `id`.
    public var column: String?
    /// Qualtrics import id (`QID7`), matched against the export's header rows.
    public var importId: String?
    /// KoboToolbox/ODK group path (`grp/q7`); the last segment is tried when the full path is absent.
    public var koboPath: String?
    /// Likert scale points (numeric codes).
    public var points: [Choice]?
    /// Choice options (single/multiple choice; optional labels for binary).
    public var options: [Choice]?
    /// Missing codes added to the instrument-wide ones for this question.
    public var missingCodes: [MissingCode]?
    /// Skip logic in the condition language: when false the question was not asked.
    public var relevant: String?
    /// Likert reverse keying: the score is `min + max − x`.
    public var reverse: Bool?
    public var unit: String?
    public var range: NumericRange?
    public var selectMultiple: SelectMultipleLayout?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, text, type, column, points, options, relevant, reverse, unit, range
        case importId = "import_id"
        case koboPath = "kobo_path"
        case missingCodes = "missing_codes"
        case selectMultiple = "select_multiple"
    }

    public init(id: String, text: String? = nil, type: QuestionType, column: String? = nil,
                points: [Choice]? = nil, options: [Choice]? = nil, missingCodes: [MissingCode]? = nil,
                relevant: String? = nil, reverse: Bool? = nil, unit: String? = nil, range: NumericRange? = nil,
                selectMultiple: SelectMultipleLayout? = nil, importId: String? = nil, koboPath: String? = nil) {
        self.id = id; self.text = text; self.type = type; self.column = column; self.points = points
        self.options = options; self.missingCodes = missingCodes; self.relevant = relevant
        self.reverse = reverse; self.unit = unit; self.range = range; self.selectMultiple = selectMultiple
        self.importId = importId; self.koboPath = koboPath
    }

    /// The codes answers may take: `points` for Likert questions, `options` otherwise.
    public var codes: [Choice] { points ?? options ?? [] }
    /// Whether the question is reverse-keyed.
    public var isReversed: Bool { reverse ?? false }
    /// The label of a code, if declared.
    public func label(of code: String) -> String? { codes.first { $0.code == code }?.label }
}

/// A variable computed from others after coding.
public struct DerivedVariable: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Maps the codes of `from` to numbers with `map` (and `default` for codes not listed).
        case recode
        /// Sum of `of`; known only when every input is valid.
        case sum
        /// Mean of the valid inputs among `of`, known when at least `min_valid` (default: all) are valid.
        case mean
        /// 1 when `condition` is true, 0 when false, unknown (NaN) when it cannot be decided.
        case condition
    }
    public var id: String
    public var label: String?
    public var kind: Kind
    public var from: String?
    public var map: [String: Double]?
    public var `default`: Double?
    public var of: [String]?
    public var minValid: Int?
    public var condition: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, label, kind, from, map, `default`, of, condition
        case minValid = "min_valid"
    }
    public init(id: String, label: String? = nil, kind: Kind, from: String? = nil, map: [String: Double]? = nil,
                default: Double? = nil, of: [String]? = nil, minValid: Int? = nil, condition: String? = nil) {
        self.id = id; self.label = label; self.kind = kind; self.from = from; self.map = map
        self.default = `default`; self.of = of; self.minValid = minValid; self.condition = condition
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        label = try c.decodeIfPresent(String.self, forKey: .label)
        kind = try c.decode(Kind.self, forKey: .kind)
        from = try c.decodeIfPresent(String.self, forKey: .from)
        // Codes such as "1" must stay string keys (a plain [String: Double] treats them as indices).
        if c.contains(.map) {
            let m = try c.nestedContainer(keyedBy: TextKey.self, forKey: .map)
            map = try Dictionary(uniqueKeysWithValues: m.allKeys.map { ($0.stringValue, try m.decode(Double.self, forKey: $0)) })
        }
        self.default = try c.decodeIfPresent(Double.self, forKey: .default)
        of = try c.decodeIfPresent([String].self, forKey: .of)
        minValid = try c.decodeIfPresent(Int.self, forKey: .minValid)
        condition = try c.decodeIfPresent(String.self, forKey: .condition)
    }
    /// The variables this one is computed from (the condition's identifiers are added by the loader).
    var directInputs: [String] { (from.map { [$0] } ?? []) + (of ?? []) }
}

/// A coding key that is only ever a string (map keys such as codes).
struct TextKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A multi-item scale scored from Likert (or bounded numeric) items.
public struct Scale: Sendable, Codable, Equatable {
    public enum Scoring: String, Sendable, Codable, CaseIterable {
        /// Mean of the valid item scores.
        case mean
        /// Prorated sum: mean of the valid item scores × number of items.
        case sum
    }
    public var id: String
    public var label: String?
    public var items: [String]
    /// Items reverse-keyed within this scale (`min + max − x` with the item's own points or range).
    public var reverse: [String]?
    public var scoring: Scoring
    /// Fewest valid items for a score (default: all items).
    public var minValid: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, label, items, reverse, scoring
        case minValid = "min_valid"
    }
    public init(id: String, label: String? = nil, items: [String], reverse: [String]? = nil,
                scoring: Scoring = .mean, minValid: Int? = nil) {
        self.id = id; self.label = label; self.items = items; self.reverse = reverse
        self.scoring = scoring; self.minValid = minValid
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        label = try c.decodeIfPresent(String.self, forKey: .label)
        items = try c.decode([String].self, forKey: .items)
        reverse = try c.decodeIfPresent([String].self, forKey: .reverse)
        scoring = try c.decodeIfPresent(Scoring.self, forKey: .scoring) ?? .mean
        minValid = try c.decodeIfPresent(Int.self, forKey: .minValid)
    }
    /// Fewest valid items needed for a score.
    public var requiredItems: Int { minValid ?? items.count }
}

/// What an indicator estimates.
public enum IndicatorKind: String, Sendable, Codable, CaseIterable {
    /// Share of rows where `condition` is true among rows where it is known.
    case proportion
    /// Mean of `variable`.
    case mean
    /// Population total of `variable`.
    case total
    /// Ratio of totals `variable / exposure`, times `per`.
    case rate
}

/// A quantity the evaluation reports, defined on the instrument's variables.
public struct Indicator: Sendable, Codable, Equatable {
    public var id: String
    public var label: String
    public var kind: IndicatorKind
    /// Proportion: the event (condition language).
    public var condition: String?
    /// Mean/total/rate: the variable; proportion: a 0/1 variable instead of `condition`.
    public var variable: String?
    /// Rate: the exposure variable (person-years, child-years, …).
    public var exposure: String?
    /// Rate: multiplier (per 100, per 1000 …).
    public var per: Double?
    public var unit: String?
    public var higherIsBetter: Bool
    /// Optional domain: rows where this condition is not true are out of the indicator.
    public var among: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, label, kind, condition, variable, exposure, per, unit, among
        case higherIsBetter = "higher_is_better"
    }
    public init(id: String, label: String, kind: IndicatorKind, condition: String? = nil, variable: String? = nil,
                exposure: String? = nil, per: Double? = nil, unit: String? = nil, higherIsBetter: Bool,
                among: String? = nil) {
        self.id = id; self.label = label; self.kind = kind; self.condition = condition; self.variable = variable
        self.exposure = exposure; self.per = per; self.unit = unit; self.higherIsBetter = higherIsBetter
        self.among = among
    }
}
