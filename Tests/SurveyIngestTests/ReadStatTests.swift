import Foundation
import Testing
@testable import SurveyIngest

/// Fixtures written by pyreadstat (scripts/make_readstat_fixtures.py); the expected values below are
/// the values that script writes (its `labelled_frame()`), not values read back by ReadStat.
enum ReadStatFixtures {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/readstat")
    static func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    static var repoRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
    static let long = "Très long commentaire — " + String(repeating: "x", count: 300) + " fin"
}

@Suite struct ReadStatTests {
    typealias F = ReadStatFixtures

    @Test(arguments: ["labels.sav", "labels.zsav", "labels.dta"])
    func cellsOfTheLabelledFixture(_ name: String) throws {
        let result = try Ingest.read(path: F.path(name))
        let t = result.table
        #expect(t.columns == ["id", "sex", "q1", "income", "visit", "stamp", "name", "comment"])
        #expect(t.rowCount == 4)
        let stata = name.hasSuffix(".dta")
        // Numbers: shortest round-trip text, integers without ".0"; system-missing → nil.
        #expect(t.rows.map { $0[0] } == ["1", "2", "3", "4"])
        #expect(t.rows.map { $0[1] } == ["1", "2", "2", nil])
        #expect(t.rows.map { $0[2] } == (stata ? ["5", ".a", "3", ".b"] : ["5", "-99", "3", "-98"]))
        #expect(t.rows.map { $0[3] } == ["1250.5", "950", "0.1", "999"])
        // Dates from each format's epoch (SPSS 1582-10-14 seconds, Stata 1960-01-01 days / ms).
        #expect(t.rows.map { $0[4] } == ["2024-02-29", "1960-01-01", "1582-10-15", nil])
        #expect(t.rows.map { $0[5] } == ["2024-02-29T13:45:30", "1999-12-31T23:59:59", "1970-01-01T00:00:00", nil])
        // Non-ASCII text and a 331-byte string survive; an empty string is nil.
        #expect(t.rows.map { $0[6] } == ["Zoë", "東京", "plain", nil])
        #expect(t.rows.map { $0[7] } == [F.long, "short", nil, "€ sign"])

        #expect(result.summary.platform == (stata ? "stata-dta" : name.hasSuffix("zsav") ? "spss-zsav" : "spss-sav"))
        #expect(result.summary.headerRows == 0)
        #expect(result.summary.dataRows == 4 && result.summary.acceptedRows == 4)
        #expect(result.summary.delimiter == nil)
        #expect(result.summary.sha256.count == 64)
        #expect(t.platform.platform.rawValue == result.summary.platform)
    }

    @Test(arguments: ["labels.sav", "labels.zsav", "labels.dta"])
    func dictionaryKeepsLabelsAndMissingValues(_ name: String) throws {
        let dict = try #require(try Ingest.read(path: F.path(name)).table.dictionary)
        let stata = name.hasSuffix(".dta")
        #expect(dict.fileLabel == "copro ReadStat fixture")
        let q1 = try #require(dict.variable(named: "q1"))
        #expect(q1.label == "Satisfaction (1–5)")
        #expect(q1.label(of: "1") == "Very dissatisfied")
        #expect(q1.label(of: "5") == "Very satisfied")
        let refused = stata ? ".a" : "-99", dontKnow = stata ? ".b" : "-98"
        #expect(q1.label(of: refused) == "Refused")
        #expect(q1.label(of: dontKnow) == "Don't know")
        #expect(q1.missingValues == [.code(refused), .code(dontKnow)])
        #expect(q1.isMissing(refused) && !q1.isMissing("3"))
        #expect(dict.variable(named: "sex")?.valueLabels == [.init(code: "1", label: "Male"), .init(code: "2", label: "Female")])
        #expect(dict.variable(named: "visit")?.kind == .date)
        #expect(dict.variable(named: "stamp")?.kind == .datetime)
        #expect(dict.variable(named: "name")?.kind == .string)
        #expect(dict.variable(named: "income")?.label == "Monthly income (£)")
        if !stata {
            // SPSS missing range 900 THRU 999.
            let income = try #require(dict.variable(named: "income"))
            #expect(income.missingValues == [.range(low: 900, high: 999)])
            #expect(income.isMissing("950") && income.isMissing("999") && !income.isMissing("1250.5"))
        }
    }

    @Test func portableFile() throws {
        let result = try Ingest.read(path: F.path("labels.por"))
        #expect(result.summary.platform == "spss-por")
        #expect(result.table.columns.prefix(6).map { $0.lowercased() } == ["id", "sex", "q1", "income", "visit", "stamp"])
        #expect(result.table.rows.map { $0[4] } == ["2024-02-29", "1960-01-01", "1582-10-15", nil])
        #expect(result.table.rows.map { $0[3] } == ["1250.5", "950", "0.1", "999"])
    }

    @Test(arguments: ["truncated.sav", "not-stata.dta"])
    func badFilesAreFileErrors(_ name: String) throws {
        let error = try #require(throws: IngestError.self) { try Ingest.read(path: F.path(name)) }
        #expect(error.code == .parser)
        #expect(error.description.contains(name))
        #expect(error.message.contains("ReadStat"))
        let summarizing = try #require(throws: IngestError.self) { try Ingest.summarize(path: F.path(name)) }
        #expect(summarizing.code == .parser)
    }

    @Test func missingFileIsFileNotFound() throws {
        let error = try #require(throws: IngestError.self) { try Ingest.read(path: F.path("absent.sav")) }
        #expect(error.code == .fileNotFound)
    }

    @Test func summarizeStreamsTheSameRows() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("copro-readstat-\(UUID()).csv").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let summary = try Ingest.summarize(path: F.path("labels.sav"), dataOut: out)
        let read = try Ingest.read(path: F.path("labels.sav"))
        #expect(summary == read.summary)
        let back = try Ingest.read(path: out).table
        #expect(back.columns == read.table.columns)
        #expect(back.rows.map { $0[6] } == ["Zoë", "東京", "plain", nil])
        #expect(back.rows.map { $0[5] } == read.table.rows.map { $0[5] })
    }

    /// The Beacon sample's before.csv written to .sav and .dta by the script: same columns, and
    /// every cell the same text, or (numbers) the same double ("1.700680" in the CSV is 1.70068).
    @Test(arguments: ["beacon-before.sav", "beacon-before.dta"])
    func beaconExportsMatchTheCSV(_ name: String) throws {
        let csv = try Ingest.read(path: F.repoRoot.appendingPathComponent("SampleData/beacon/before.csv").path).table
        let other = try Ingest.read(path: F.path(name)).table
        #expect(other.columns == csv.columns)
        #expect(other.rowCount == csv.rowCount)
        var differing = 0
        for r in 0..<min(csv.rowCount, other.rowCount) {
            for c in 0..<csv.columns.count {
                let a = csv[r, c], b = other[r, c]
                if a == b { continue }
                if let a, let b, let x = Double(a), let y = Double(b), x == y { continue }
                differing += 1
            }
        }
        #expect(differing == 0)
    }

    @Test func dateArithmetic() {
        // Hinnant civil_from_days: day 0 = 1970-01-01; -141427 = 1582-10-15 (first Gregorian day).
        #expect(ReadStatTime.civil(0) == (1970, 1, 1))
        #expect(ReadStatTime.civil(-141_427) == (1582, 10, 15))
        #expect(ReadStatTime.civil(19_782) == (2024, 2, 29))
        #expect(ReadStatTime.text(0, kind: .date, file: .dta) == "1960-01-01")
        #expect(ReadStatTime.text(-0.5, kind: .datetime, file: .sas7bdat) == "1959-12-31T23:59:59.500")
        #expect(ReadStatTime.text(3_661, kind: .time, file: .sav) == "01:01:01")
        #expect(ReadStatTime.kind(format: "%td", file: .dta) == .date)
        #expect(ReadStatTime.kind(format: "%tc", file: .dta) == .datetime)
        #expect(ReadStatTime.kind(format: "%10.0g", file: .dta) == .numeric)
        #expect(ReadStatTime.kind(format: "E8601DA10.", file: .sas7bdat) == .date)
        #expect(ReadStatTime.kind(format: "F8.2", file: .sav) == .numeric)
        #expect(ReadStatCells.plain(2.121212) == "2.121212")
        #expect(ReadStatCells.plain(-97) == "-97")
        #expect(ReadStatCells.float(2.121212) == "2.121212")
    }
}

/// Sanitizer finding (`make sanitize`, address sanitizer): ReadStat keeps the encoding names it is
/// given and reads them during the parse, but they were Swift temporaries freed when the setter
/// returned (`dta_ctx_init` read freed memory). In a normal build the parse then failed at random
/// with "File has an unsupported character set", more often when other threads reused the memory.
/// Reads the fixtures many times, concurrently, with and without a declared encoding.
@Test func readStatEncodingNamesOutliveTheSetterCall() async throws {
    let names = ["labels.sav", "labels.zsav", "labels.dta", "labels.por"]
    let encodings: [IngestOptions.Encoding] = [.auto, .utf8]
    try await withThrowingTaskGroup(of: Int.self) { group in
        for round in 0..<24 {
            let name = names[round % names.count], encoding = encodings[(round / names.count) % encodings.count]
            group.addTask {
                let result = try Ingest.read(path: ReadStatFixtures.path(name), options: IngestOptions(encoding: encoding))
                return result.table.rowCount
            }
        }
        for try await rows in group { #expect(rows == 4) }
    }
}
