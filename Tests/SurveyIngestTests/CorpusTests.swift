import Crypto
import Foundation
import Testing
@testable import SurveyIngest

/// The ingest corpus: `COPRO_CORPUS_DIR`, default `../shared/corpus` relative to the package root.
/// Every entry of its manifest.json is checked against the corpus policy (corpus README.md,
/// "Manifest format"): outcome, header rows, column names, row counts, rejections, warnings,
/// format (encoding, delimiter, line ending), platform, cells and header-row cells.
enum CorpusDirectory {
    static var url: URL {
        if let env = ProcessInfo.processInfo.environment["COPRO_CORPUS_DIR"], !env.isEmpty {
            return URL(fileURLWithPath: env, isDirectory: true)
        }
        // Tests/SurveyIngestTests/CorpusTests.swift → package root → ../shared/corpus
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.deletingLastPathComponent().appendingPathComponent("shared/corpus", isDirectory: true)
    }

    static func manifest() throws -> [[String: Any]] {
        let data = try Data(contentsOf: url.appendingPathComponent("manifest.json"))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return object?["files"] as? [[String: Any]] ?? []
    }
}

/// Compares one import with one manifest entry; collects every difference.
struct CorpusCheck {
    let entry: [String: Any]
    var problems: [String] = []

    init(entry: [String: Any]) { self.entry = entry }

    var expected: [String: Any] { entry["expected"] as? [String: Any] ?? [:] }

    mutating func expect(_ ok: Bool, _ what: @autoclosure () -> String) {
        if !ok { problems.append(what()) }
    }

    static func ints(_ any: Any?) -> [Int] { (any as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.intValue } }
    static func int(_ any: Any?) -> Int? { (any as? NSNumber)?.intValue }

    /// Platform names used in the manifest's `source.platform` → `copro ingest` names.
    static let platformNames: [String: String] = [
        "Qualtrics": "qualtrics", "SurveyMonkey": "surveymonkey", "KoboToolbox": "kobo", "ODK Central": "odk",
        "ODK Briefcase": "odk", "LimeSurvey": "limesurvey", "Google Forms": "googleforms",
    ]

    mutating func checkFileError(_ error: IngestError) {
        let outcome = expected["outcome"] as? String
        expect(outcome == "reject-file", "file rejected (\(error.code.rawValue): \(error.message)), expected \(outcome ?? "?")")
        let reason = (expected["file_error"] as? [String: Any])?["reason"] as? String
        expect(error.summary?.fileError?.reason == reason,
               "file_error \(error.summary?.fileError?.reason ?? "nil"), expected \(reason ?? "nil")")
        if let e = (entry["format"] as? [String: Any])?["encoding"] as? String {
            expect(error.summary?.encoding == e, "encoding \(error.summary?.encoding ?? "nil"), expected \(e)")
        }
    }

    /// Rejections and counts; `alternative` lets `also_acceptable` outcomes stand in.
    func rowsMatch(_ s: IngestSummary, _ exp: [String: Any]) -> String? {
        if let a = Self.int(exp["accepted_rows"]), a != s.acceptedRows { return "accepted_rows \(s.acceptedRows), expected \(a)" }
        let rejected = exp["rejected_rows"] as? [[String: Any]] ?? []
        if rejected.count != s.rejectedRows.count {
            return "rejected \(s.rejectedRows.map { "\($0.dataRow):\($0.reason)" }), expected \(rejected.count)"
        }
        for r in rejected {
            let row = Self.int(r["data_row"])
            var reasons = [r["reason"] as? String ?? ""]
            reasons += (r["also_acceptable_reasons"] as? [String]) ?? []
            guard let got = s.rejectedRows.first(where: { $0.dataRow == row }) else { return "data row \(row ?? -1) not rejected" }
            if !reasons.contains(got.reason) { return "data row \(row ?? -1) rejected \(got.reason), expected \(reasons)" }
            if let line = Self.int(r["line"]), line != got.line { return "data row \(row ?? -1) rejected at line \(got.line), expected \(line)" }
            if let end = Self.int(r["end_line"]), end != got.endLine {
                return "data row \(row ?? -1) rejection ends on line \(got.endLine ?? -1), expected \(end)"
            }
            if got.rawBytes.isEmpty { return "data row \(row ?? -1) rejection keeps no raw bytes" }
        }
        return nil
    }

    mutating func check(_ result: IngestResult) {
        let s = result.summary
        let t = result.table
        let outcome = expected["outcome"] as? String ?? "?"
        expect(outcome != "reject-file", "file read, expected reject-file")
        expect(s.fileError == nil, "file_error set")
        if let h = Self.int(expected["header_rows"]) { expect(s.headerRows == h, "header_rows \(s.headerRows), expected \(h)") }
        if let c = Self.int(expected["columns"]) { expect(t.columns.count == c, "\(t.columns.count) columns, expected \(c)") }
        if let names = expected["column_names"] as? [String] {
            expect(t.rawColumnNames == names, "column names \(t.rawColumnNames), expected \(names)")
        }
        expect(Set(t.columns).count == t.columns.count, "reported column names not unique: \(t.columns)")
        if let d = Self.int(expected["data_rows"]) { expect(s.dataRows == d, "data_rows \(s.dataRows), expected \(d)") }
        expect(s.acceptedRows + s.rejectedRows.count == s.dataRows, "accepted + rejected != data_rows")
        expect(t.rowCount == s.acceptedRows, "table has \(t.rowCount) rows, summary \(s.acceptedRows)")
        if let why = rowsMatch(s, expected) {
            let alternatives = expected["also_acceptable"] as? [[String: Any]] ?? []
            expect(alternatives.contains { rowsMatch(s, $0) == nil }, why)
        }
        if outcome == "accept" { expect(s.rejectedRows.isEmpty, "outcome accept but rows rejected") }
        checkWarnings(s)
        checkFormat(s)
        checkCells(t)
    }

    mutating func checkWarnings(_ s: IngestSummary) {
        for w in expected["warnings"] as? [[String: Any]] ?? [] {
            if (w["optional"] as? Bool) == true { continue }
            let code = w["code"] as? String ?? ""
            let mine = s.warnings.filter { $0.code == code }
            expect(!mine.isEmpty, "warning \(code) not reported")
            for row in Self.ints(w["data_rows"]) {
                expect(mine.contains { $0.dataRow == row }, "warning \(code) not reported for data row \(row)")
            }
            for line in Self.ints(w["lines"]) {
                expect(mine.contains { $0.line == line }, "warning \(code) not reported for line \(line)")
            }
            for col in Self.ints(w["cols"]) {
                expect(mine.contains { $0.column == col }, "warning \(code) not reported for column \(col)")
            }
        }
    }

    mutating func checkFormat(_ s: IngestSummary) {
        guard let format = entry["format"] as? [String: Any] else { return }
        if let e = format["encoding"] as? String { expect(s.encoding == e, "encoding \(s.encoding), expected \(e)") }
        if format.keys.contains("delimiter") {
            let d = format["delimiter"] as? String
            expect(s.delimiter == d, "delimiter \(s.delimiter ?? "nil"), expected \(d ?? "nil")")
        }
        if let l = format["line_ending"] as? String {
            expect(s.lineEnding == l, "line ending \(s.lineEnding), expected \(l)")
        }
        let source = (entry["source"] as? [String: Any])?["platform"] as? String
        if let source, let name = Self.platformNames[source] {
            expect(s.platform == name, "platform \(s.platform), expected \(name)")
        } else if source == "Microsoft Excel" {
            expect(["excel", "generic"].contains(s.platform), "platform \(s.platform), expected excel or generic")
        }
    }

    mutating func checkCells(_ t: RawTable) {
        for cell in expected["cells"] as? [[String: Any]] ?? [] {
            guard let row = Self.int(cell["data_row"]), let col = Self.int(cell["col"]) else { continue }
            guard let r = t.dataRowNumbers.firstIndex(of: row) else { problems.append("data row \(row) not accepted"); continue }
            guard col < t.columns.count else { problems.append("column \(col) missing"); continue }
            if let name = cell["column"] as? String {
                expect(t.rawColumnNames[col] == name, "column \(col) is '\(t.rawColumnNames[col])', expected '\(name)'")
            }
            let value = t[r, col] ?? ""
            let at = "data row \(row) col \(col)"
            if let v = cell["value"] as? String { expect(value == v, "\(at): \(value.debugDescription), expected \(v.debugDescription)") }
            if let options = cell["one_of"] as? [String] {
                expect(options.contains(value), "\(at): \(value.debugDescription), expected one of \(options)")
            }
            if let n = Self.int(cell["length_chars"]) { expect(value.count == n, "\(at): \(value.count) characters, expected \(n)") }
            if let n = Self.int(cell["length_bytes_utf8"]) { expect(value.utf8.count == n, "\(at): \(value.utf8.count) bytes, expected \(n)") }
            if let h = cell["sha256_utf8"] as? String {
                let got = SHA256.hash(data: Array(value.utf8)).map { String(format: "%02x", $0) }.joined()
                expect(got == h, "\(at): sha256 \(got), expected \(h)")
            }
            if let p = cell["prefix"] as? String { expect(value.hasPrefix(p), "\(at): prefix differs") }
            if let p = cell["suffix"] as? String { expect(value.hasSuffix(p), "\(at): suffix differs") }
        }
        for cell in expected["header_row_values"] as? [[String: Any]] ?? [] {
            guard let row = Self.int(cell["row"]), let col = Self.int(cell["col"]), let v = cell["value"] as? String else { continue }
            let got = row - 1 < t.headerRows.count && col < t.headerRows[row - 1].count ? t.headerRows[row - 1][col] : nil
            expect(got == v, "header row \(row) col \(col): \(got.debugDescription), expected \(v.debugDescription)")
        }
        let lines = Self.ints(expected["data_row_lines"])
        for (i, line) in lines.enumerated() {
            let r = t.dataRowNumbers.firstIndex(of: i + 1)
            expect(r.map { t.lines[$0] } == line, "data row \(i + 1) starts on line \(r.map { t.lines[$0] } ?? -1), expected \(line)")
        }
    }
}

@Test func everyCorpusFileFollowsThePolicy() throws {
    let entries = try CorpusDirectory.manifest()
    try #require(!entries.isEmpty, "no manifest entries under \(CorpusDirectory.url.path)")
    var passed = 0
    var failed: [(String, [String])] = []
    for entry in entries {
        let file = entry["file"] as? String ?? "?"
        let path = CorpusDirectory.url.appendingPathComponent(file).path
        var check = CorpusCheck(entry: entry)
        do {
            let result = try Ingest.read(path: path)
            check.check(result)
            // The streaming summary must give the same account as the table-building read.
            let streamed = try Ingest.summarize(path: path)
            check.expect(streamed == result.summary, "summarize(path:) differs from read(path:)")
            // So must a summary pass split in two at the middle and parsed on two threads.
            var split = IngestOptions()
            split.splitThreshold = 0
            let halves = try Ingest.summarize(path: path, options: split)
            check.expect(halves == result.summary, "split summarize(path:) differs from read(path:)")
        } catch let error as IngestError {
            check.checkFileError(error)
        }
        if check.problems.isEmpty { passed += 1 } else { failed.append((file, check.problems)) }
    }
    for (file, problems) in failed {
        for p in problems { print("corpus: FAILED \(file): \(p)") }
        Issue.record("\(file): \(problems.joined(separator: "; "))")
    }
    print("corpus: \(passed) passed, \(failed.count) failed")
}
