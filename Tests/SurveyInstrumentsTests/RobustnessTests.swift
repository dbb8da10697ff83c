import Foundation
import Testing
@testable import SurveyInstruments

/// YAML resource limits (``YAMLLimits``, docs/robustness.md): alias bombs and deep nesting are
/// refused with `resource-limit` before anything expands them, in bounded time and memory.
@Suite struct YAMLLimitTests {
    /// "Billion laughs": ten levels of ten aliases each expand to 10¹⁰ scalars.
    static var aliasBomb: String {
        var yaml = "instrument: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 {
            yaml += "k\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        return yaml
    }

    @Test func aliasBombIsRefusedQuickly() throws {
        let start = Date()
        let error = #expect(throws: InstrumentError.self) { try Instrument.parse(yaml: Self.aliasBomb) }
        #expect(error?.code == .resourceLimit)
        #expect(error?.message.contains("alias") == true)
        #expect(Date().timeIntervalSince(start) < 10)
    }

    @Test func deepFlowNestingIsRefusedBeforeComposing() throws {
        // 100 000 nested flow sequences would overflow the stack of Yams' recursive composer.
        let yaml = "instrument: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let v = try #require(YAMLLimits.preScan(yaml))
        #expect(v.kind == .depth)
        let error = #expect(throws: InstrumentError.self) { try Instrument.parse(yaml: yaml) }
        #expect(error?.code == .resourceLimit)
    }

    @Test func deepCompactBlockNestingIsRefused() {
        // `- - - … x` nests one block sequence per two bytes on a single line.
        let yaml = "questions:\n" + String(repeating: "- ", count: 50_000) + "x\n"
        #expect(YAMLLimits.preScan(yaml)?.kind == .depth)
    }

    @Test func manyAliasesAreRefused() {
        let yaml = "a: &a x\nb: [" + Array(repeating: "*a", count: YAMLLimits.maxAliases + 1).joined(separator: ", ") + "]\n"
        #expect(YAMLLimits.preScan(yaml)?.kind == .aliases)
    }

    @Test func oversizedTextIsRefused() {
        let yaml = "# " + String(repeating: "x", count: YAMLLimits.maxBytes) + "\n"
        #expect(YAMLLimits.preScan(yaml)?.kind == .size)
    }

    /// The estimate must never refuse the project's own files, nor quoted or commented brackets.
    @Test func realInstrumentsPassTheLimits() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appendingPathComponent("Instruments")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
        #expect(!files.isEmpty)
        for f in files {
            let text = try String(contentsOf: folder.appendingPathComponent(f), encoding: .utf8)
            #expect(YAMLLimits.preScan(text) == nil, "\(f)")
        }
        let tricky = "a: \"[[[[\" # {{{{ \nb: '[[[[ it''s'\nc: *x\n"
        #expect(YAMLLimits.preScan(tricky) == nil)
    }

    @Test func expansionBudgetCountsSharedNodesAgain() throws {
        // Composing shares the anchored node; the budget must count every alias's expansion.
        let node = try #require(try YAMLLimits.compose("a: &a [1, 2]\nb: [*a, *a]\n"))
        #expect(YAMLLimits.checkExpansion(node) == nil)
        #expect(throws: YAMLLimits.Violation.self) { try YAMLLimits.compose(Self.aliasBomb) }
    }
}

/// Fuzzing finding (xlsform harness, first run): a workbook whose sharedStrings.xml holds a byte
/// sequence that is not UTF-8 made Foundation's XMLParser trap (illegal instruction in
/// `_NSXMLParserStartElementNs`). Fixed in `XLSXReader.parse`: such a part is refused first.
@Test func fuzzFindingInvalidUTF8InWorkbookPartIsAnError() throws {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fuzz-xlsform-invalid-utf8.xlsx").path
    let error = #expect(throws: InstrumentError.self) { try XLSForm.importForm(path: path) }
    #expect(error?.code == .xlsformRead)
}

/// Fuzzing finding (xlsform, 10-minute run): `xlsform-timeout-689019cc…`, a workbook whose last
/// part (`xl/sharedStrings.xml`) has a deflate stream that never ends. ZIPFoundation's inflate
/// loop then asked for input past the end of the file forever (a hang, not a crash). The reader
/// now extracts parts with a provider that stops at the part's compressed size: an
/// `xlsform-read` error naming the part, at once.
@Test func fuzzFindingUnterminatedDeflateStreamIsAnError() throws {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fuzz-xlsform-unterminated-deflate.xlsx").path
    let start = Date()
    let error = #expect(throws: InstrumentError.self) { try XLSForm.importForm(path: path) }
    #expect(error?.code == .xlsformRead)
    #expect(error?.message.contains("xl/sharedStrings.xml") == true, "\(error?.message ?? "")")
    #expect(Date().timeIntervalSince(start) < 20)
}

