/// Parsing of raw cell text into numbers and dates under ``LocaleHints``.
///
/// Nothing here guesses: a value that does not fit the declared conventions is rejected with a
/// rule name (reported per cell), never turned into a missing value.
enum ValueParsing {
    /// Why a cell could not be read; the raw value is the rule name used in reports.
    enum Rule: String, Sendable, Error {
        case notANumber = "not-a-number"
        case decimalComma = "decimal-comma"
        case decimalPoint = "decimal-point"
        case thousandsGrouping = "thousands-grouping"
        case notAnInteger = "not-an-integer"
        case outOfRange = "out-of-range"
        case unknownCode = "unknown-code"
        case notABinary = "not-binary"
        case notADate = "not-a-date"
        case notRelevant = "answered-when-not-relevant"
        case mixedMissing = "missing-code-among-answers"
    }

    /// Reads a decimal number written with `locale`'s decimal mark and optional thousands separator.
    ///
    /// Accepts an optional sign, digits, at most one decimal mark, and — only when `locale.thousands`
    /// is set — thousands separators in groups of exactly three digits. `1,5` under decimal `.` is
    /// `decimal-comma`; `1.5` under decimal `,` (and no `.` grouping) is `decimal-point`.
    /// Exponents, `nan` and `inf` are rejected. Result is always finite.
    static func number(_ raw: String, locale: LocaleHints) -> Result<Double, Rule> {
        var s = Substring(raw)
        var negative = false
        if let f = s.first, f == "-" || f == "+" { negative = f == "-"; s = s.dropFirst() }
        guard !s.isEmpty else { return .failure(.notANumber) }
        let decimal: Character = locale.decimal == "," ? "," : "."
        let thousands: Character? = locale.thousands?.first
        let allowed = Set("0123456789").union([decimal]).union(thousands.map { [$0] } ?? [])
        let otherMark: Character = decimal == "." ? "," : "."
        if s.contains(where: { !allowed.contains($0) }) {
            // A foreign decimal mark gets its own rule; anything else is not a number.
            let rest = s.filter { !("0"..."9").contains($0) }
            let foreign = rest.filter { $0 == otherMark }.count
            if rest.allSatisfy({ $0 == otherMark || $0 == thousands || $0 == decimal }) {
                if foreign == 1 { return .failure(decimal == "." ? .decimalComma : .decimalPoint) }
                if foreign > 1 { return .failure(.thousandsGrouping) }
            }
            return .failure(.notANumber)
        }
        let parts = s.split(separator: decimal, omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return .failure(.notANumber) }
        var integer = parts[0]
        let fraction = parts.count == 2 ? parts[1] : ""
        if parts.count == 2 && fraction.isEmpty && integer.isEmpty { return .failure(.notANumber) }
        if fraction.contains(where: { $0 == thousands }) { return .failure(.thousandsGrouping) }
        if let thousands, integer.contains(thousands) {
            let groups = integer.split(separator: thousands, omittingEmptySubsequences: false)
            let wellGrouped = (1...3).contains(groups[0].count) && groups.dropFirst().allSatisfy { $0.count == 3 }
            guard wellGrouped else {
                // `12,5` with "," as thousands separator and "." as decimal mark: a decimal comma.
                if thousands == otherMark, groups.count == 2, parts.count == 1 { return .failure(decimal == "." ? .decimalComma : .decimalPoint) }
                return .failure(.thousandsGrouping)
            }
            integer = Substring(groups.joined())
        }
        if integer.isEmpty && fraction.isEmpty { return .failure(.notANumber) }
        let text = (integer.isEmpty ? "0" : String(integer)) + (fraction.isEmpty ? "" : "." + fraction)
        guard let value = Double(text) else { return .failure(.notANumber) }
        guard value.isFinite else { return .failure(.notANumber) }
        return .success(negative ? -value : value)
    }

    /// A calendar date: ISO `yyyy-mm-dd` (optionally followed by a time), or day, month and
    /// four-digit year separated by `/`, `.` or `-` in `order`.
    /// - Returns: days since 1970-01-01 (proleptic Gregorian) and the ISO text.
    static func date(_ raw: String, order: DateOrder) -> Result<(Double, String), Rule> {
        var s = Substring(raw)
        if let cut = s.firstIndex(where: { $0 == "T" || $0 == " " }) { s = s[..<cut] }
        let fields = s.split(omittingEmptySubsequences: false, whereSeparator: { "/.-".contains($0) })
        guard fields.count == 3, fields.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) }),
              let a = Int(fields[0]), let b = Int(fields[1]), let c = Int(fields[2]) else { return .failure(.notADate) }
        let (y, m, d): (Int, Int, Int)
        if fields[0].count == 4 {
            (y, m, d) = (a, b, c)
        } else {
            guard fields[2].count == 4 else { return .failure(.notADate) }
            switch order {
            case .dmy, .ymd: (y, m, d) = (c, b, a)
            case .mdy: (y, m, d) = (c, a, b)
            }
        }
        guard (1...12).contains(m), d >= 1, d <= daysInMonth(y, m) else { return .failure(.notADate) }
        let iso = String(format4(y)) + "-" + two(m) + "-" + two(d)
        return .success((Double(daysFromCivil(y, m, d)), iso))
    }

    private static func format4(_ y: Int) -> String {
        let s = String(y)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }
    private static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    static func daysInMonth(_ y: Int, _ m: Int) -> Int {
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-Compatible
    /// Low-Level Date Algorithms", days_from_civil).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// Reads a 0/1 answer: `1`/`0`, `yes`/`no`, `true`/`false`, `y`/`n` (any case).
    static func binary(_ raw: String) -> Double? {
        switch raw.lowercased() {
        case "1", "yes", "true", "y", "1.0": return 1
        case "0", "no", "false", "n", "0.0": return 0
        default: return nil
        }
    }
}
