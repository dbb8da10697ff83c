import Foundation
import Testing
@testable import SurveyIngest

/// The column-count limit (docs/ingest.md, "Limits"; docs/robustness.md, "Resource limits").
@Suite struct ColumnLimitTests {
    /// A record of `count` fields `c1,c2,…` ending in LF.
    static func record(_ count: Int, prefix: String = "c") -> String {
        (1...count).map { "\(prefix)\($0)" }.joined(separator: ",") + "\n"
    }

    @Test func limitIsDocumentedValue() {
        // docs/ingest.md states 131,072 = 2^17; the storage cap in the parsers uses the same constant.
        #expect(Ingest.maxColumns == 1 << 17)
        #expect(Ingest.maxColumns > 16_384, "at least Excel's column count")
    }

    @Test func headerAtTheLimitIsRead() throws {
        let n = Ingest.maxColumns
        let text = Self.record(n) + Self.record(n, prefix: "v")
        let result = try Ingest.read(bytes: Array(text.utf8), name: "wide.csv")
        #expect(result.summary.columns.count == n)
        #expect(result.summary.acceptedRows == 1)
        #expect(result.summary.columns.last == "c\(n)")
    }

    @Test func headerOverTheLimitIsATypedErrorNamingFileLineCountAndLimit() throws {
        let n = Ingest.maxColumns + 1
        let text = Self.record(n) + "1,2\n"
        do {
            _ = try Ingest.read(bytes: Array(text.utf8), name: "too-wide.csv")
            Issue.record("a header of \(n) fields was read")
        } catch let e as IngestError {
            #expect(e.code == .tooManyColumns)
            #expect(e.path == "too-wide.csv")
            #expect(e.message.contains("line 1"))
            #expect(e.message.contains("\(n) fields"))
            #expect(e.message.contains("\(Ingest.maxColumns) columns"))
            #expect(e.hint?.contains("--delimiter") == true)
            #expect(e.summary?.fileError?.reason == "too-many-columns")
        }
    }

    /// A header at the limit whose names all repeat: renaming (`x`, `x~2`, …) and the header
    /// policy stay linear in the number of columns (they were quadratic: 131,072 columns took
    /// minutes). The time bound is generous (debug build, sanitizers, a shared machine).
    @Test func wideHeaderOfOneRepeatedNameIsReadInLinearTime() throws {
        let n = Ingest.maxColumns
        let header = Array(repeating: "x", count: n).joined(separator: ",") + "\n1\n"
        let start = Date()
        let result = try Ingest.read(bytes: Array(header.utf8), name: "same.csv")
        let seconds = Date().timeIntervalSince(start)
        #expect(result.summary.columns.count == n)
        #expect(Set(result.summary.columns).count == n)
        #expect(result.summary.columns.last == "x~\(n)")
        #expect(seconds < 60, "\(n) columns took \(seconds) s")
    }

    /// A header on line 3 (after a blank line and a quoted line break) is reported on its own line.
    @Test func headerLineIsTheRecordsFirstLine() throws {
        let text = "\n\"a\nb\"" + "," + Self.record(Ingest.maxColumns)
        #expect { try Ingest.read(bytes: Array(text.utf8), name: "x.csv") } throws: { error in
            guard let e = error as? IngestError else { return false }
            return e.code == .tooManyColumns && e.message.contains("line 2:")
                && e.message.contains("\(Ingest.maxColumns + 1) fields")
        }
    }

    /// A data record over the limit is rejected `too-many-columns`, even when its extra fields are
    /// empty (under the limit such a record is accepted with `trailing-empty-fields`), through
    /// both the strict parser and the lenient one (a stray quote sends the record there).
    @Test func dataRecordOverTheLimitIsRejected() throws {
        let extra = String(repeating: ",", count: Ingest.maxColumns)
        let text = "a,b\n1,2\n3" + extra + "\n4,x\"y" + extra + "\n5,6" + String(repeating: ",", count: 10) + "\n"
        let result = try Ingest.read(bytes: Array(text.utf8), name: "rows.csv")
        let s = result.summary
        #expect(s.dataRows == 4)
        #expect(s.acceptedRows == 2)
        #expect(s.rejectedRows.map(\.reason) == ["too-many-columns", "too-many-columns"])
        #expect(s.rejectedRows.map(\.line) == [3, 4])
        #expect(s.warnings.contains { $0.code == "trailing-empty-fields" && $0.line == 5 })
        #expect(result.table.rowCount == 2)
    }

    /// A record of millions of empty fields: the parsers store at most `maxColumns` field spans
    /// (24 bytes each) and count the rest, so memory does not grow with the number of fields.
    @Test(.disabled(if: Sanitizers.active != nil, Sanitizers.rssReason))
    func millionsOfFieldsDoNotCostMemoryPerField() throws {
        let fields = 16 << 20
        var text = Array("a,b\n1,2\n3".utf8)
        text.append(contentsOf: repeatElement(UInt8(ascii: ","), count: fields))
        text.append(10)
        let before = peakResidentBytes()
        let result = try Ingest.read(bytes: text, name: "commas.csv")
        let growth = peakResidentBytes() - before
        #expect(result.summary.rejectedRows.map(\.reason) == ["too-many-columns"])
        // One span per field would be 16 Mi × 24 B = 384 MiB; the record's own bytes are 16 MiB
        // (held by the reader and by the rejection's raw copy).
        #expect(growth < 160 << 20, "peak memory grew by \(growth >> 20) MiB for \(fields) fields")
    }
}
