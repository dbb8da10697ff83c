import Foundation
import SurveyIngest
import Testing
@testable import SurveyInstruments

/// Expected values below are worked out by hand from Fixtures/small.csv and small.yaml; each
/// expectation names the rule that produces it.
private func coded(_ policy: InvalidPolicy = .missing) throws -> (Instrument, CodedData) {
    let instrument = try Instrument.load(path: Fixture.path("small.yaml"))
    let table = try Ingest.read(path: Fixture.path("small.csv")).table
    return (instrument, try instrument.code(table, policy: policy, dataName: "small.csv"))
}

@Test func invalidCellsAreReportedNotMadeMissing() throws {
    let (_, data) = try coded()
    let found = data.invalidCells.map { "\($0.dataRow) \($0.column) \($0.value) \($0.rule)" }
    #expect(found == [
        "3 energy_bill 1,5 decimal-comma",            // "1,5" is not a thousands grouping
        "3 moved_in 31/02/2020 not-a-date",           // no 31 February
        "4 services bogus unknown-code",
        "5 energy_bill 12000 out-of-range",           // range max 10000
        "5 tenure 7 unknown-code",
    ])
    // children_u16 = 0, so school_ok was not asked: the "1" there is a skip-logic conflict, coded as not asked.
    #expect(data.skipLogicConflicts.map { "\($0.dataRow) \($0.column) \($0.value) \($0.rule)" }
            == ["4 school_ok 1 answered-when-not-relevant"])
    #expect(data.cellsChecked == 5 * 11)
    #expect(data.rowCount == 5)
}

@Test func statusesAndCounts() throws {
    let (_, data) = try coded()
    #expect(data.status("feel_safe") == [.valid, .valid, .missing(.dontKnow), .missing(.refused), .valid])
    #expect(data.status("school_ok") == [.valid, .notAsked, .valid, .notAsked, .valid])
    #expect(data.status("services") == [.valid, .missing(.blank), .valid, .invalid, .valid])
    let counts = data.byQuestion()
    #expect(counts["feel_safe"] == QuestionCounts(valid: 3, missing: 2, notAsked: 0, invalid: 0))
    #expect(counts["school_ok"] == QuestionCounts(valid: 3, missing: 0, notAsked: 2, invalid: 0))
    #expect(counts["moved_in"] == QuestionCounts(valid: 3, missing: 1, notAsked: 0, invalid: 1))
    #expect(counts["comment"] == QuestionCounts(valid: 2, missing: 3, notAsked: 0, invalid: 0))
    #expect(counts.values.allSatisfy { $0.total == 5 })
}

@Test func numericValuesFollowTheLocale() throws {
    let (_, data) = try coded()
    // "1,200" with thousands "," is 1200; "1,5" and 12000 are invalid → NaN.
    #expect(sameValues(data.numeric("energy_bill"), [1200, 850, .nan, 400.5, .nan]))
    #expect(sameValues(data.numeric("school_ok"), [1, .nan, 0, .nan, 1]))
    #expect(sameValues(data.numeric("feel_safe"), [5, 2, .nan, .nan, 4]))
    #expect(data.codes("tenure") == ["1", "2", "3", "1", nil])
    #expect(sameValues(data.selected("services", code: "watch"), [1, .nan, 0, .nan, 1]))
}

@Test func datesAreDaysSinceEpochInTheDeclaredOrder() throws {
    let (_, data) = try coded()
    // Independent route: Foundation's Gregorian calendar in UTC.
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
    func days(_ y: Int, _ m: Int, _ d: Int) throws -> Double {
        let date = try #require(calendar.date(from: DateComponents(year: y, month: m, day: d)))
        return (date.timeIntervalSince1970 / 86_400).rounded()
    }
    // 03/04/2019 under date_order dmy is 3 April 2019.
    #expect(sameValues(data.numeric("moved_in"), [try days(2019, 4, 3), try days(2020, 1, 31), .nan, try days(2018, 1, 1), .nan]))
    #expect(data.codes("moved_in") == ["2019-04-03", "2020-01-31", nil, "2018-01-01", nil])
}

@Test func derivedAndScales() throws {
    let (_, data) = try coded()
    #expect(sameValues(data.numeric("safe"), [1, 0, .nan, .nan, 1]))
    #expect(data.status("safe")[2] == .missing(.dontKnow))   // propagated from feel_safe
    #expect(sameValues(data.numeric("owner"), [0, 1, 0, 0, .nan]))
    #expect(sameValues(data.numeric("bill_plus_kids"), [1202, 850, .nan, 400.5, .nan]))
    #expect(data.status("bill_plus_kids")[2] == .invalid)
    // warmth: mean of p1, p2 and reverse-keyed p3 (1 + 3 − p3), at least 2 valid items.
    let expected: [Double] = [9.0 / 3, 4.0 / 3, 4.0 / 2, 2.0 / 2, 8.0 / 3]   // (3+3+3)/3, (1+2+1)/3, (2+2)/2, (1+1)/2, (3+2+3)/3
    #expect(sameValues(data.numeric("warmth"), expected))
}

@Test func indicatorValues() throws {
    let (instrument, data) = try coded()
    let safe = try instrument.values(of: try #require(instrument.indicator("feel_safe")), in: data)
    #expect(sameValues(safe.y, [1, 0, .nan, .nan, 1]))
    #expect(safe.exposure == nil)
    let rate = try instrument.values(of: try #require(instrument.indicator("kids_rate")), in: data)
    #expect(sameValues(rate.y, [2, 0, 1, 0, .nan]))
    #expect(sameValues(try #require(rate.exposure), [0, 1, 0, 0, .nan]))
    let school = try instrument.values(of: try #require(instrument.indicator("school")), in: data)
    #expect(sameValues(school.y, [1, .nan, 0, .nan, 1]))   // among children_u16 >= 1
    let bill = try instrument.values(of: try #require(instrument.indicator("energy_bill")), in: data)
    #expect(sameValues(bill.y, [1200, 850, .nan, 400.5, .nan]))
}

@Test func rejectRowDropsRowsWithInvalidCells() throws {
    let (instrument, data) = try coded(.rejectRow)
    #expect(data.rejectedDataRows == [3, 4, 5])
    #expect(data.rowCount == 2)
    #expect(data.dataRowNumbers == [1, 2])
    #expect(data.tableRows == [0, 1])
    #expect(data.invalidCells.count == 5)
    #expect(sameValues(data.numeric("energy_bill"), [1200, 850]))
    let safe = try instrument.values(of: try #require(instrument.indicator("feel_safe")), in: data)
    #expect(safe.y == [1, 0])
    #expect(data.byQuestion()["energy_bill"]?.invalid == 2)  // counts cover the whole table
}

@Test func failPolicyThrows() throws {
    do {
        _ = try coded(.fail)
        Issue.record("expected an error")
    } catch let e as InstrumentError {
        #expect(e.code == .invalidData)
        #expect(e.message.hasPrefix("5 invalid cell(s); first: data row 3, column 'energy_bill'"))
    }
}

@Test func localeOverrideReadsDecimalCommas() throws {
    let instrument = try Instrument.load(path: Fixture.path("small.yaml"))
    let full = try Ingest.read(path: Fixture.path("small.csv")).table
    let table = RawTable(columns: full.columns, rows: [full.rows[2]], dataRowNumbers: [3])
    let data = try instrument.code(table, locale: LocaleHints(decimal: ",", thousands: ".", dateOrder: .dmy))
    #expect(sameValues(data.numeric("energy_bill"), [1.5]))
}

@Test func missingColumnIsAnError() throws {
    let instrument = try Instrument.load(path: Fixture.path("small.yaml"))
    let table = try Fixture.table("q7_safe,children\n1,2\n")
    do {
        _ = try instrument.code(table)
        Issue.record("expected an error")
    } catch let e as InstrumentError {
        #expect(e.code == .columnNotFound)
        #expect(e.message.contains("children_u16"))
        #expect(e.hint?.contains("'children'") == true)
    }
}

@Test(arguments: [
    ("1234", ".", nil as String?, 1234.0 as Double?, nil as String?),
    ("-12.5", ".", nil, -12.5, nil),
    ("1,5", ".", nil, nil, "decimal-comma"),
    ("1,234.5", ".", ",", 1234.5, nil),
    ("1,234.5", ".", nil, nil, "decimal-comma"),
    ("12,34", ".", ",", nil, "decimal-comma"),
    ("1,234,567", ".", nil, nil, "thousands-grouping"),
    ("1.234,5", ",", ".", 1234.5, nil),
    ("2.5", ",", nil, nil, "decimal-point"),
    ("1 000", ".", " ", 1000, nil),
    ("abc", ".", nil, nil, "not-a-number"),
    ("1e5", ".", nil, nil, "not-a-number"),
    ("nan", ".", nil, nil, "not-a-number"),
    ("£12", ".", nil, nil, "not-a-number"),
    (".5", ".", nil, 0.5, nil),
])
func numberParsing(raw: String, decimal: String, thousands: String?, value: Double?, rule: String?) {
    let result = ValueParsing.number(raw, locale: LocaleHints(decimal: decimal, thousands: thousands))
    switch result {
    case let .success(v): #expect(v == value); #expect(rule == nil)
    case let .failure(r): #expect(r.rawValue == rule); #expect(value == nil)
    }
}

@Test func binaryColumnsLayout() throws {
    let yaml = """
    instrument: {id: t, title: T, version: "1"}
    questions:
      - id: use
        type: multiple_choice
        options: [{code: a, label: A}, {code: b, label: B}]
        select_multiple: {layout: binary_columns, column_pattern: "use/{code}"}
    indicators: []
    """
    let instrument = try Instrument.parse(yaml: yaml)
    let table = try Fixture.table("use/a,use/b\n1,0\n0,0\n,\n1,x\n")
    let data = try instrument.code(table)
    #expect(data.status("use") == [.valid, .valid, .missing(.blank), .invalid])
    #expect(sameValues(data.selected("use", code: "a"), [1, 0, .nan, .nan]))
    #expect(data.invalidCells.first?.column == "use/b")
    #expect(data.invalidCells.first?.rule == "not-binary")
}

@Test func columnsAreFoundByQualtricsImportIdAndKoboPath() throws {
    let yaml = """
    instrument: {id: t, title: T, version: "1"}
    questions:
      - {id: safe, type: integer, import_id: QID7}
      - {id: size, type: integer, kobo_path: "household/size"}
    """
    let instrument = try Instrument.parse(yaml: yaml)
    // Qualtrics: names, question texts, then {"ImportId":…} rows; Kobo export without group names.
    let table = RawTable(columns: ["Q7", "size"],
                         headerRows: [["Q7", "size"], ["How safe?", "Size"], ["{\"ImportId\":\"QID7\"}", "{\"ImportId\":\"QID9\"}"]],
                         rows: [["4", "2"], ["x", "3"]])
    let data = try instrument.code(table)
    #expect(sameValues(data.numeric("safe"), [4, .nan]))
    #expect(data.invalidCells.first?.column == "Q7")
    #expect(sameValues(data.numeric("size"), [2, 3]))
}
