import Testing
@testable import SurveyInstruments

/// SplitMix64 (Steele, Lea & Flood 2014): a small seeded generator so runs are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random token soup never crashes the parser, and every error offset lies inside the text.
@Test func conditionParserSurvivesRandomInput() {
    var rng = SplitMix64(seed: 20_070_501)
    let pieces = ["a", "b1", "_x", "1", "2.5", "-3", "'s'", "\"t\"", "'", "==", "!=", "<", "<=", ">", ">=", "=",
                  "and", "or", "not", "in", "[", "]", "(", ")", ",", "selected", "answered", " ", "é", "#", ".", "-"]
    var parsed = 0
    for _ in 0..<3000 {
        let count = Int.random(in: 1...9, using: &rng)
        let text = (0..<count).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined(separator: " ")
        do {
            _ = try Condition(parsing: text)
            parsed += 1
        } catch {
            #expect(error.offset >= 0 && error.offset <= text.unicodeScalars.count, "offset \(error.offset) in '\(text)'")
        }
    }
    #expect(parsed > 0)   // the soup does produce some valid conditions
}

/// Numbers written with grouping under each locale read back exactly.
@Test func groupedNumbersRoundTrip() {
    var rng = SplitMix64(seed: 1989)
    let locales = [LocaleHints(decimal: ".", thousands: ","), LocaleHints(decimal: ",", thousands: "."),
                   LocaleHints(decimal: ".", thousands: " "), LocaleHints(decimal: ",", thousands: "'")]
    for _ in 0..<2000 {
        let whole = Int.random(in: 0...999_999_999, using: &rng)
        let cents = Int.random(in: 0...99, using: &rng)
        let negative = Bool.random(using: &rng)
        let locale = locales.randomElement(using: &rng) ?? locales[0]
        var digits = String(whole)
        var groups: [String] = []
        while digits.count > 3 { groups.insert(String(digits.suffix(3)), at: 0); digits.removeLast(3) }
        groups.insert(digits, at: 0)
        let text = (negative ? "-" : "") + groups.joined(separator: locale.thousands ?? "") + locale.decimal
            + (cents < 10 ? "0\(cents)" : "\(cents)")
        let expected = (negative ? -1.0 : 1.0) * (Double(whole) + Double(cents) / 100)
        switch ValueParsing.number(text, locale: locale) {
        case let .success(v): #expect(abs(v - expected) <= 1e-9 * max(1, abs(expected)), "\(text)")
        case let .failure(rule): Issue.record("\(text) rejected as \(rule.rawValue)")
        }
    }
}

/// days_from_civil agrees with counting days month by month from 1970-01-01.
@Test func civilDaysAgreeWithCounting() {
    var days = 0
    for year in 1970...2030 {
        for month in 1...12 {
            #expect(ValueParsing.daysFromCivil(year, month, 1) == days)
            days += ValueParsing.daysInMonth(year, month)
        }
    }
    #expect(ValueParsing.daysFromCivil(1969, 12, 31) == -1)
}
