import Foundation
import Testing
@testable import SurveyInstruments

/// A minimal valid instrument; tests splice errors into it.
private let base = """
instrument: {id: t, title: "T", version: "1"}
questions:
  - id: a
    type: likert
    points: [{code: "1", label: No}, {code: "2", label: Yes}]
  - {id: b, type: numeric, range: {min: 0, max: 10}}
indicators:
  - {id: a_yes, label: "A yes", kind: proportion, condition: "a == 2", higher_is_better: true}

"""

@Test func loadsTheSmallFixture() throws {
    let i = try Instrument.load(path: Fixture.path("small.yaml"))
    #expect(i.id == "small")
    #expect(i.questions.count == 11)
    #expect(i.question("feel_safe")?.column == "q7_safe")
    #expect(i.question("feel_safe")?.missingCodes?.first?.kind == .dontKnow)
    #expect(i.missingCodes.map(\.code) == ["-99", "-98"])
    #expect(i.locale.thousands == ",")
    #expect(i.indicator("kids_rate")?.per == 100)
    #expect(i.indicator("energy_bill")?.higherIsBetter == false)
    #expect(i.scale("warmth")?.reverse == ["p3"])
    #expect(i.derivedVariable("owner")?.map?["2"] == 1)
}

@Test func unknownKeyIsReportedWithPositionAndSuggestion() throws {
    let yaml = base.replacingOccurrences(of: "    type: likert", with: "    type: likert\n    colum: q7")
    let e = try #require(Fixture.loadError(yaml))
    #expect(e.code == .unknownKey)
    #expect(e.line == 5)
    #expect(e.column == 5)
    #expect(e.hint?.contains("'column'") == true)
    #expect(e.description.hasPrefix("test.yaml:5:5: error: unknown key 'colum'"))
    #expect(e.description.contains("\n        colum: q7\n        ^\n"))
}

@Test func duplicateIdsAreErrors() throws {
    let yaml = base.replacingOccurrences(of: "{id: b,", with: "{id: a,")
    let e = try #require(Fixture.loadError(yaml))
    #expect(e.code == .duplicateId)
    #expect(e.line == 6)
}

@Test func undefinedReferenceInConditionPointsInsideTheString() throws {
    let yaml = base.replacingOccurrences(of: "condition: \"a == 2\"", with: "condition: \"a == 2 and bb > 1\"")
    let e = try #require(Fixture.loadError(yaml))
    #expect(e.code == .undefinedReference)
    #expect(e.line == 8)
    // "bb" is 11 scalars into the condition string, which starts one past its opening quote.
    let line = try #require(e.sourceLine)
    let key = try #require(line.range(of: "condition: \""))
    let quoteColumn = line.distance(from: line.startIndex, to: key.upperBound)   // 1-based column of the quote
    let expectedColumn = quoteColumn + 1 + 11
    #expect(e.column == expectedColumn)
    #expect(e.hint?.contains("'b'") == true)
}

@Test func conditionSyntaxErrorsCarryExpectation() throws {
    let yaml = base.replacingOccurrences(of: "condition: \"a == 2\"", with: "condition: \"a = 2\"")
    let e = try #require(Fixture.loadError(yaml))
    #expect(e.code == .conditionSyntax)
    #expect(e.expected == "'==' to compare")
}

@Test func wrongEnumValueSuggestsTheClosest() throws {
    let yaml = base.replacingOccurrences(of: "type: numeric", with: "type: numerik")
    let e = try #require(Fixture.loadError(yaml))
    #expect(e.code == .invalidValue)
    #expect(e.line == 6)
    #expect(e.hint == "did you mean 'numeric'?")
}

@Test func missingRequiredKey() throws {
    let yaml = base.replacingOccurrences(of: ", higher_is_better: true", with: "")
    let e = try #require(Fixture.loadError(yaml))
    #expect(e.code == .missingKey)
    #expect(e.message.contains("higher_is_better"))
}

@Test func likertNeedsNumericPoints() throws {
    let yaml = base.replacingOccurrences(of: "{code: \"2\", label: Yes}", with: "{code: \"y\", label: Yes}")
    let e = try #require(Fixture.loadError(yaml))
    #expect(e.code == .invalidValue)
}

@Test func selectedNeedsAnExistingOption() throws {
    let yaml = base + """
    derived:
      - {id: c, kind: condition, condition: "selected(a, '3')"}
    """
    let e = try #require(Fixture.loadError(yaml))
    #expect(e.code == .conditionType)  // a is Likert, not a choice question
}

@Test func cyclesAreDetected() throws {
    let yaml = base + """
    derived:
      - {id: c, kind: condition, condition: "d == 1"}
      - {id: d, kind: condition, condition: "c == 1"}
    """
    let e = try #require(Fixture.loadError(yaml))
    #expect(e.code == .cycle)
    #expect(e.message.contains("→"))
}

@Test func yamlSyntaxErrorsAreLocated() throws {
    let e = try #require(Fixture.loadError("instrument: {id: t\nquestions: [\n"))
    #expect(e.code == .yamlSyntax)
    #expect(e.line != nil)
}

@Test func missingFileIsAnError() {
    #expect(throws: InstrumentError.self) { try Instrument.load(path: "/nonexistent/x.yaml") }
    do { _ = try Instrument.load(path: "/nonexistent/x.yaml") } catch let e as InstrumentError {
        #expect(e.code == .fileNotFound)
    } catch { Issue.record("unexpected \(error)") }
}

@Test func recodeMustCoverEveryCode() throws {
    let yaml = base + """
    derived:
      - {id: c, kind: recode, from: a, map: {"1": 0}}
    """
    let e = try #require(Fixture.loadError(yaml))
    #expect(e.code == .invalidValue)
    #expect(e.message.contains("does not map code(s) 2"))
}

@Test func theDocumentedExampleLoads() throws {
    let doc = try String(contentsOf: Fixture.packageRoot.appendingPathComponent("docs/instrument-format.md"), encoding: .utf8)
    let start = try #require(doc.range(of: "```yaml\n"))
    let end = try #require(doc.range(of: "\n```", range: start.upperBound..<doc.endIndex))
    let instrument = try Instrument.parse(yaml: String(doc[start.upperBound..<end.lowerBound]), file: "instrument-format.md")
    #expect(instrument.id == "beacon-household")
    #expect(instrument.indicators.map(\.kind) == [.proportion, .proportion, .mean, .total, .rate])
    #expect(instrument.question("services")?.selectMultiple?.layout == .binaryColumns)
}

@Test func meanOfANonNumericChoiceIsAnError() throws {
    let yaml = base + """
      - {id: c, label: C, kind: mean, variable: t, higher_is_better: true}
    """
    let withChoice = yaml.replacingOccurrences(
        of: "  - {id: b, type: numeric", with: "  - {id: t, type: single_choice, options: [{code: x, label: X}]}\n  - {id: b, type: numeric")
    let e = try #require(Fixture.loadError(withChoice))
    #expect(e.code == .conditionType)
    #expect(e.hint?.contains("recode") == true)
}
