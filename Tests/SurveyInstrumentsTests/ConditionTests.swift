import Testing
@testable import SurveyInstruments

/// A fixed row for evaluating conditions without a table.
private struct Row: ConditionRow {
    var values: [String: ConditionValue]
    var selections: [String: Set<String>] = [:]
    func value(_ id: String) -> ConditionValue { values[id] ?? .unknown }
    func isSelected(_ id: String, code: String) -> Bool? {
        guard values[id] != .unknown, values[id] != nil else { return nil }
        return selections[id]?.contains(code)
    }
    func isAnswered(_ id: String) -> Bool { (values[id] ?? .unknown) != .unknown }
}

private let row = Row(values: ["x": .known(text: "4", number: 4), "y": .unknown, "calc": .known(text: "400.17", number: nil),
                               "t": .known(text: "b", number: nil), "m": .known(text: "a c", number: nil)],
                      selections: ["m": ["a", "c"]])

private func eval(_ s: String) throws -> Bool? { try Condition(parsing: s).evaluate(row) }

@Test func comparisonsAndLists() throws {
    #expect(try eval("x >= 4") == true)
    #expect(try eval("x > 4") == false)
    #expect(try eval("x != 3") == true)
    #expect(try eval("x in [1, 4]") == true)
    #expect(try eval("x in [1, 2]") == false)
    #expect(try eval("t == 'b'") == true)
    #expect(try eval("t in ['a', 'c']") == false)
    #expect(try eval("x > -1") == true)
    #expect(try eval("x == '4'") == true)
    // A text value against a number compares numerically (never "400.17" < "5" as text) …
    #expect(try eval("calc > 5") == true)
    // … and is unknown when the text is not a number.
    #expect(try eval("t > 5") == nil)
    #expect(try eval("t == 'b' and calc >= 400.17") == true)
}

@Test func threeValuedLogic() throws {
    #expect(try eval("y > 1") == nil)
    #expect(try eval("not (y > 1)") == nil)
    #expect(try eval("y > 1 and x > 10") == false)
    #expect(try eval("y > 1 and x > 1") == nil)
    #expect(try eval("y > 1 or x > 1") == true)
    #expect(try eval("y > 1 or x > 10") == nil)
    #expect(try eval("y in [1]") == nil)
    #expect(try eval("answered(y)") == false)
    #expect(try eval("answered(x) and not answered(y)") == true)
}

@Test func precedenceAndParentheses() throws {
    // and binds tighter than or: false or (true and true)
    #expect(try eval("x > 10 or x > 1 and t == 'b'") == true)
    #expect(try eval("(x > 10 or x > 1) and t == 'a'") == false)
    #expect(try eval("not x > 10 and x < 5") == true)
}

@Test func selectedFunction() throws {
    #expect(try eval("selected(m, 'a')") == true)
    #expect(try eval("selected(m, 'b')") == false)
    #expect(try eval("selected(y, 'a')") == nil)
}

@Test func syntaxErrorsHaveOffsets() {
    func offset(_ s: String) -> Int? {
        do { _ = try Condition(parsing: s); return nil } catch { return error.offset }
    }
    #expect(offset("x >") == 3)
    #expect(offset("x = 1") == 2)
    #expect(offset("(x > 1") == 6)
    #expect(offset("x in [1, ]") == 9)
    #expect(offset("'abc") == 0)
    #expect(offset("") == 0)
    #expect(offset("x > 1 y") == 6)
}

@Test func referencesAreListedWithOffsets() throws {
    let c = try Condition(parsing: "a > 1 and selected(bb, 'x') or answered(c)")
    #expect(c.references.map(\.name) == ["a", "bb", "c"])
    #expect(c.references.map(\.offset) == [0, 19, 40])
}
