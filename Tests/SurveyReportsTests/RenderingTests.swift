import Foundation
import Testing
@testable import SurveyReports

/// A small report model built by hand (no computation), with one suppressed cell.
func sampleReport(label: String = "Feel safe after dark") -> EvaluationReport {
    let shown = EvaluationReport.GroupEstimate(group: "before", estimate: 0.283, se: 0.012, ciLow: 0.258,
                                               ciHigh: 0.307, df: 46, n: 541, suppressed: false, flags: [])
    let hidden = EvaluationReport.GroupEstimate(group: "after", estimate: 0.123456789, se: 0.05, ciLow: 0.05,
                                                ciHigh: 0.26, df: 46, n: 7, suppressed: true, flags: [])
    let change = EvaluationReport.Change(from: "before", to: "after", difference: -0.16, differenceSE: 0.05,
                                         differenceLow: -0.26, differenceHigh: -0.06, relative: -0.56,
                                         relativeLow: -0.8, relativeHigh: -0.2, statistic: -3.2, df: 46,
                                         pValue: 0.0024, adjustedPValue: 0.0048, suppressed: true, method: "t")
    let ind = EvaluationReport.IndicatorResult(id: "safe", label: label, kind: .proportion, unit: "percent",
                                               higherIsBetter: true, decimals: 1, estimates: [shown, hidden],
                                               changes: [change])
    return EvaluationReport(
        title: "Test report", planID: "t", planDescription: nil,
        instrument: .init(id: "i", title: "Instrument", version: "1"), confidenceLevel: 0.95,
        dataAccount: [.init(file: "a.csv", group: "before", sha256: "00", recordsRead: 3, accepted: 2,
                            rejected: ["nul-byte": 1], invalidCells: ["q": 2], rowsUsed: 2)],
        groups: [.init(group: "before", respondents: 541, weightedCount: 1000, psus: 26)],
        indicators: [ind],
        sections: [ReportSection(id: "s", title: "Extra", findings: ["A finding."],
                                 tables: [ReportTable(columns: [.init("name"), .init("value", numeric: true)],
                                                      rows: [[.init("=SUM(A1)"), .number(1.5, decimals: 2)]])])],
        methods: .init(design: "d.", varianceMethod: "v.", degreesOfFreedom: 46, intervalMethod: "i.",
                       relativeChangeMethod: "r.", testMethod: "t.", lonelyPSU: "l.", multipleTesting: "m.",
                       missingData: "x."),
        warnings: [], suppression: .init(minimumCell: 10, suppressedCells: ["\(label), after"]),
        provenance: .init(coproVersion: CoproVersion.string, instrument: "i 1",
                          inputs: [.init(path: "a.csv", sha256: "00")], options: ["min_cell": "10"]))
}

@Suite struct SuppressionTests {
    /// No format may show a suppressed value (0.123456789 → "12.3%" or its digits) or its n.
    @Test(arguments: ["text", "markdown", "json", "csv", "html"])
    func suppressedValuesAppearInNoFormat(_ format: String) throws {
        let r = sampleReport()
        let out: String
        switch format {
        case "text": out = TextReport.render(r)
        case "markdown": out = MarkdownReport.render(r)
        case "json": out = try JSONReport.render(r)
        case "csv": out = CSVReport.render(r)
        default: out = HTMLReport.render(r)
        }
        #expect(!out.contains("12.3"), "\(format) leaks the suppressed estimate")
        #expect(!out.contains("0.123456789"), "\(format) leaks the suppressed estimate")
        #expect(!out.contains("n=7"), "\(format) leaks the suppressed n")
        // Secondary suppression: the change involving the suppressed cell is hidden too.
        #expect(!out.contains("-0.16") && !out.contains("−16.0"), "\(format) leaks the suppressed change")
        #expect(!out.contains("0.0024"), "\(format) leaks the suppressed p-value")
    }

    @Test func reportSaysWhatWasSuppressed() {
        let text = TextReport.render(sampleReport())
        #expect(text.contains("Suppressed: Feel safe after dark, after."))
        #expect(text.contains("fewer than 10 respondents"))
    }
}

@Suite struct InjectionTests {
    @Test(arguments: ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
    func formulaCellsAreMadeInert(_ text: String) {
        #expect(CSVText.guarded(text) == "'" + text)
    }

    @Test func ordinaryCellsAreUnchanged() {
        #expect(CSVText.guarded("before") == "before")
        #expect(CSVText.guarded("") == "")
    }

    @Test func aLabelStartingWithEqualsIsGuardedInTheCSVReport() {
        let csv = CSVReport.render(sampleReport(label: "=HYPERLINK(\"http://x\")"))
        #expect(csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\""))
        #expect(!csv.contains(",=HYPERLINK"))
    }

    @Test func htmlEscapesText() {
        let html = HTMLReport.render(sampleReport(label: "<script>alert(1)</script>"))
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;"))
        #expect(!html.contains("http://") || !html.contains("src=\"http"), "no external requests")
    }
}

@Suite struct DeterminismTests {
    @Test func everyFormatIsByteIdenticalOnRerun() throws {
        let a = sampleReport(), b = sampleReport()
        #expect(TextReport.render(a) == TextReport.render(b))
        #expect(MarkdownReport.render(a) == MarkdownReport.render(b))
        #expect(try JSONReport.render(a) == JSONReport.render(b))
        #expect(CSVReport.render(a) == CSVReport.render(b))
        #expect(HTMLReport.render(a) == HTMLReport.render(b))
    }

    @Test func textFitsOneHundredColumns() {
        for line in TextReport.render(sampleReport()).split(separator: "\n") {
            #expect(line.count <= 100, "\(line)")
        }
    }
}

@Suite struct FormatTests {
    @Test func numbersUseTrueMinusAndGrouping() {
        #expect(Format.fixed(-1.25, 1) == "−1.2" || Format.fixed(-1.25, 1) == "−1.3")
        #expect(Format.fixed(-0.01, 1) == "0.0")
        #expect(Format.grouped(1_234_567, 0) == "1,234,567")
        #expect(Format.grouped(-1_234.5, 1) == "−1,234.5")
        #expect(Format.signed(2, 0) == "+2")
        #expect(Format.pValue(0.0004) == "< 0.001")
        #expect(Format.pValue(0.0451) == "= 0.045")
    }

    @Test func wrapKeepsWordsAndWidth() {
        let text = String(repeating: "word ", count: 50)
        for line in Format.wrap(text, width: 30).split(separator: "\n") { #expect(line.count <= 30) }
    }
}
