/// How ReadStat values become cell text (docs/readstat.md, "How values become strings").
enum ReadStatCells {
    /// Whether `code` is an extended missing value (`.a`…`.z`, SAS `.A`…`.Z`, `._`).
    static func isTag(_ code: String) -> Bool {
        code.count == 2 && code.first == "." && code.last.map { $0.isLetter || $0 == "_" } == true
    }

    /// A double in its shortest round-trip form (Swift's `description`), integers without `.0`;
    /// `nil` for NaN; dates and times in ISO 8601 when `kind` says so.
    /// ±∞ is written `inf`/`-inf` (Swift's description); no package stores it in data.
    static func number(_ v: Double, kind: DataDictionary.Kind, format: ReadStatFormat) -> String? {
        guard !v.isNaN else { return nil }
        switch kind {
        case .date, .datetime, .time:
            if let t = ReadStatTime.text(v, kind: kind, file: format) { return t }
            return plain(v)
        case .numeric, .string: return plain(v)
        }
    }

    static func plain(_ v: Double) -> String {
        if v.isFinite && v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        return v.description
    }

    /// A Stata/SAS 4-byte float in the shortest form that reads back to the same `Float`
    /// (`2.121212`, not `2.1212120056152344`).
    static func float(_ f: Float) -> String? {
        guard !f.isNaN else { return nil }
        if f.isFinite && f == f.rounded() && abs(f) < 1e7 { return String(Int64(f)) }
        return f.description
    }
}

/// Dates and times in each format's epoch.
///
/// - SPSS (`.sav`, `.zsav`, `.por`): seconds since 1582-10-14 00:00:00 (formats `DATE`, `ADATE`,
///   `EDATE`, `SDATE`, `JDATE`, `QYR`, `MOYR`, `WKYR` → date; `DATETIME`, `YMDHMS` → datetime;
///   `TIME`, `DTIME`, `MTIME` → time).
/// - Stata: `%td`/`%d` days and `%tc`/`%tC` milliseconds since 1960-01-01 (`%tC` leap seconds are
///   not removed); `%tw`, `%tm`, `%tq`, `%th`, `%ty` stay numbers.
/// - SAS: date formats days, datetime formats seconds since 1960-01-01; time formats seconds.
enum ReadStatTime {
    static let spssEpochDays: Int64 = -141_428   // 1582-10-14 relative to 1970-01-01
    static let epoch1960Days: Int64 = -3_653     // 1960-01-01 relative to 1970-01-01

    static let spssDate: Set<String> = ["DATE", "ADATE", "EDATE", "SDATE", "JDATE", "QYR", "MOYR", "WKYR"]
    static let spssDatetime: Set<String> = ["DATETIME", "YMDHMS"]
    static let spssTime: Set<String> = ["TIME", "DTIME", "MTIME"]
    static let sasDate: Set<String> = ["DATE", "DAY", "DDMMYY", "MMDDYY", "YYMMDD", "E8601DA", "B8601DA", "WEEKDATE",
                                       "WORDDATE", "WEEKDATX", "WORDDATX", "MONYY", "YYMON", "JULIAN", "MMYY", "YYMM",
                                       "YYQ", "DDMMYYN", "MMDDYYN", "YYMMDDN", "NLDATE", "MINGUO", "NENGO"]
    static let sasDatetime: Set<String> = ["DATETIME", "E8601DT", "B8601DT", "DATEAMPM", "NLDATM", "MDYAMPM"]
    static let sasTime: Set<String> = ["TIME", "HHMM", "TOD", "E8601TM", "B8601TM", "TIMEAMPM", "MMSS", "HOUR"]

    /// The kind a numeric variable's display format implies.
    static func kind(format: String?, file: ReadStatFormat) -> DataDictionary.Kind {
        guard let format else { return .numeric }
        switch file {
        case .dta:
            var f = format.lowercased().drop { $0 == "%" || $0 == "-" }
            if f.hasPrefix("t") { f = f.dropFirst() } else if f.hasPrefix("d") { return .date }
            if f.hasPrefix("d") { return .date }
            if f.hasPrefix("c") { return .datetime }
            return .numeric
        case .sav, .zsav, .por:
            let name = stem(format)
            return spssDate.contains(name) ? .date : spssDatetime.contains(name) ? .datetime
                : spssTime.contains(name) ? .time : .numeric
        case .sas7bdat:
            let name = stem(format)
            return sasDate.contains(name) ? .date : sasDatetime.contains(name) ? .datetime
                : sasTime.contains(name) ? .time : .numeric
        }
    }

    /// The format name without its width and decimals (`DATE11` → `DATE`, `E8601DA10.` → `E8601DA`).
    static func stem(_ format: String) -> String {
        String(format.uppercased().reversed().drop { $0.isNumber || $0 == "." }.reversed())
    }

    /// ISO 8601 text for a stored value, or `nil` when it is out of range (then the number is kept).
    static func text(_ v: Double, kind: DataDictionary.Kind, file: ReadStatFormat) -> String? {
        guard v.isFinite, abs(v) < 1e15 else { return nil }
        // Milliseconds since 1970-01-01 (time: since midnight).
        let ms: Double
        switch (file, kind) {
        case (_, .time): ms = file == .dta ? v : v * 1000
        case (.sav, _), (.zsav, _), (.por, _): ms = (v + Double(spssEpochDays) * 86_400) * 1000
        case (.dta, .date), (.sas7bdat, .date): ms = (v + Double(epoch1960Days)) * 86_400_000
        case (.dta, _): ms = v + Double(epoch1960Days) * 86_400_000
        case (.sas7bdat, _): ms = (v + Double(epoch1960Days) * 86_400) * 1000
        }
        let total = Int64(ms.rounded())
        if kind == .time {
            let sign = total < 0 ? "-" : ""
            let a = abs(total)
            let s = a / 1000, frac = a % 1000
            return sign + pad(s / 3600, 2) + ":" + pad(s / 60 % 60, 2) + ":" + pad(s % 60, 2) + fraction(frac)
        }
        let days = floorDiv(total, 86_400_000)
        let rest = total - days * 86_400_000
        let (y, m, d) = civil(days)
        let date = (y < 0 ? "-" + pad(-y, 4) : pad(y, 4)) + "-" + pad(m, 2) + "-" + pad(d, 2)
        if kind == .date { return date }
        let s = rest / 1000
        return date + "T" + pad(s / 3600, 2) + ":" + pad(s / 60 % 60, 2) + ":" + pad(s % 60, 2) + fraction(rest % 1000)
    }

    static func fraction(_ ms: Int64) -> String { ms == 0 ? "" : "." + pad(ms, 3) }

    static func pad(_ n: Int64, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// Proleptic Gregorian year, month, day of a day count from 1970-01-01
    /// (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms", `civil_from_days`).
    static func civil(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
