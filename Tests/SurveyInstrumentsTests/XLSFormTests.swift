import Foundation
import SurveyIngest
import Testing
@testable import SurveyInstruments

/// Fixtures are written by scripts/make_xlsform_fixtures.py (openpyxl) and committed.

@Test func readsSharedInlineRichAndNumericCells() throws {
    let sheets = try XLSXReader.read(path: Fixture.path("household_form.xlsx"))
    #expect(sheets.map(\.name) == ["survey", "choices", "settings"])
    let settings = try #require(sheets.last)
    // settings keeps openpyxl's inline strings; version is a numeric cell.
    #expect(settings.rows == [["form_title", "form_id", "version", "default_language"],
                              ["Beacon household (XLSForm)", "beacon_xls", "2024031501", "English (en)"]])
    let survey = sheets[0]
    // Shared strings, one stored as two rich-text runs.
    #expect(survey.rows[6][2] == "How many people live here?")
    #expect(survey.rowNumbers.first == 1)
    // Choice names 1…5 are numeric cells.
    #expect(sheets[1].rows.contains { $0[0] == "safety" && $0[1] == "5" })
}

@Test func importsTheHouseholdForm() throws {
    let result = try XLSForm.importForm(path: Fixture.path("household_form.xlsx"))
    let i = result.instrument
    #expect(i.id == "beacon_xls")
    #expect(i.version == "2024031501")
    #expect(i.questions.count == 17)   // 20 survey rows − note − begin_group − end_group
    let hh = try #require(i.question("hh_size"))
    #expect(hh.koboPath == "household/hh_size")
    #expect(hh.range == NumericRange(min: 1, max: 20))
    #expect(hh.relevant == "consent == '1'")   // the group's relevance
    #expect(i.question("school_ok")?.relevant == "(consent == '1') and (children > 0)")
    #expect(i.question("services_other")?.relevant == "selected(services_used, 'other')")
    #expect(i.question("safe_reason")?.relevant == "feel_safe == '1' or feel_safe == '2'")
    #expect(i.question("gp_visits")?.relevant == "answered(hh_size)")
    #expect(i.question("services_used")?.type == .multipleChoice)
    #expect(i.question("start")?.type == .date)
    #expect(i.question("intro") == nil)
    // Untranslatable relevance: a warning and a comment, never dropped silently.
    #expect(i.question("comments")?.relevant == nil)
    #expect(result.warnings.map(\.row) == [15, 17, 21])
    #expect(result.warnings[2].message.contains("string-length"))
    #expect(result.yaml.contains("# relevant not translated (function string-length() is not supported): string-length(${safe_reason}) > 0"))
    #expect(result.yaml.contains("# choice_filter (not enforced): region=${area}"))
    // The YAML reads back to the same instrument.
    let again = try Instrument.parse(yaml: result.yaml)
    #expect(again.questions == i.questions)
}

@Test func importedFormValidatesItsExport() throws {
    let instrument = try XLSForm.importForm(path: Fixture.path("household_form.xlsx")).instrument
    let table = try Ingest.read(path: Fixture.path("household_export.csv")).table
    let data = try instrument.code(table)
    #expect(data.invalidCells.map { "\($0.dataRow) \($0.column) \($0.value) \($0.rule)" } == [
        "3 household/hh_size 25 out-of-range",       // constraint . <= 20
        "3 energy_bill abc not-a-number",
        "3 moved_in 2018-13-01 not-a-date",
        "4 household/school_ok 2 unknown-code",      // yesno has 1 and 0
        "4 services_used bogus unknown-code",
    ])
    // Row 2 has no children, row 5 did not consent: school_ok was not asked there.
    #expect(data.status("school_ok") == [.valid, .notAsked, .valid, .invalid, .notAsked])
    #expect(data.byQuestion()["hh_size"] == QuestionCounts(valid: 3, missing: 0, notAsked: 1, invalid: 1))
    #expect(data.selected("services_used", code: "other")[1] == 1)
    #expect(data.skipLogicConflicts.isEmpty)
}

@Test func repeatGroupsAreRejectedNamingTheRow() throws {
    do {
        _ = try XLSForm.importForm(path: Fixture.path("repeat_form.xlsx"))
        Issue.record("expected an error")
    } catch let e as InstrumentError {
        #expect(e.code == .xlsformUnsupported)
        #expect(e.line == 3)
        #expect(e.message.contains("repeat group 'members'"))
    }
}

@Test func labelLanguageCanBeChosen() throws {
    let result = try XLSForm.importForm(path: Fixture.path("household_form.xlsx"), language: "fr")
    #expect(result.instrument.question("consent")?.text == "Acceptez-vous de participer ?")
    #expect(result.instrument.question("consent")?.options?.first?.label == "Oui")
    #expect(throws: InstrumentError.self) { try XLSForm.importForm(path: Fixture.path("household_form.xlsx"), language: "de") }
}

@Test func notAWorkbookIsAReadError() {
    do {
        _ = try XLSForm.importForm(path: Fixture.path("small.csv"))
        Issue.record("expected an error")
    } catch let e as InstrumentError {
        #expect(e.code == .xlsformRead)
    } catch { Issue.record("unexpected \(error)") }
}

/// Translation of relevant expressions, on a converter whose earlier questions are q (integer),
/// c (select_one a/b) and m (select_multiple x/y).
@Test(arguments: [
    ("${q} > 3", "q > 3"),
    ("${c} = 'a'", "c == 'a'"),
    ("${c} != 'b' and ${q} <= -1", "c != 'b' and q <= -1"),
    ("selected(${m}, 'y') or not(selected(${m}, 'x'))", "selected(m, 'y') or not (selected(m, 'x'))"),
    ("${q} = ''", "not answered(q)"),
    ("(${q} >= 1 or ${c} = \"b\") and ${q} < 10", "(q >= 1 or c == 'b') and q < 10"),
])
func relevantTranslation(xpath: String, condition: String) throws {
    #expect(try converter().translate(xpath).get() == condition)
}

@Test(arguments: [
    "string-length(${c}) > 0", "${q} + 1 > 2", ". > 3", "${zz} = 1", "selected(${q}, '1')", "selected(${m}, 'z')",
    "count-selected(${m}) >= 1", "${q} > ",
])
func untranslatableRelevant(xpath: String) throws {
    if case .success(let s) = try converter().translate(xpath) { Issue.record("translated '\(xpath)' to '\(s)'") }
}

@Test func rangeConstraints() throws {
    let c = try converter()
    #expect(c.rangeConstraint(". >= 0 and . <= 120", integer: true) == NumericRange(min: 0, max: 120))
    #expect(c.rangeConstraint(". > 0", integer: true) == NumericRange(min: 1))
    #expect(c.rangeConstraint(". > 0", integer: false) == nil)
    #expect(c.rangeConstraint(". != 5", integer: true) == nil)
}

private func converter() throws -> XLSFormConverter {
    let survey = XLSXSheet(name: "survey", rows: [["type", "name", "label"], ["integer", "q", "Q"],
                                                  ["select_one ab", "c", "C"], ["select_multiple xy", "m", "M"]],
                           rowNumbers: [1, 2, 3, 4])
    let choices = XLSXSheet(name: "choices", rows: [["list_name", "name", "label"], ["ab", "a", "A"], ["ab", "b", "B"],
                                                    ["xy", "x", "X"], ["xy", "y", "Y"]], rowNumbers: [1, 2, 3, 4, 5])
    var c = try XLSFormConverter(sheets: [survey, choices], file: "t.xlsx", language: nil)
    _ = try c.run()
    return c
}
