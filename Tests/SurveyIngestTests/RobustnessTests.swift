import Foundation
import Testing
@testable import SurveyIngest

/// A generated CSV of `total` bytes (header `id,name,score`, then identical 32-byte rows), read
/// from memory that never holds more than one 64 KiB block: a multi-gigabyte export without a
/// multi-gigabyte file.
struct SyntheticCSV: ByteInput {
    static let header = Array("id,name,score\n".utf8)
    static let row = Array("0000001,some respondent name,42\n".utf8)
    static let block: [UInt8] = Array((0..<2048).map { _ in row }.joined())
    let rows: Int
    var offset = 0
    var total: Int { Self.header.count + rows * Self.row.count }

    init(rows: Int) { self.rows = rows }

    mutating func read(into buffer: inout [UInt8], max: Int) throws -> Int {
        var n = 0
        while n < max && offset < total {
            if offset < Self.header.count {
                let k = min(max - n, Self.header.count - offset)
                buffer.append(contentsOf: Self.header[offset..<(offset + k)])
                n += k; offset += k
                continue
            }
            let inBody = (offset - Self.header.count) % Self.block.count
            let k = min(max - n, Self.block.count - inBody, total - offset)
            buffer.append(contentsOf: Self.block[inBody..<(inBody + k)])
            n += k; offset += k
        }
        return n
    }
    mutating func rewind() throws { offset = 0 }
    func close() {}
}

/// Peak resident memory of this process so far (bytes). The corresponding C function is `getrusage`.
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return usage.ru_maxrss * 1024
}

@Suite struct IngestRobustnessTests {
    /// The streaming summary (no table kept) over a generated export: every row is counted and the
    /// peak memory grows by far less than the input. Default 64 MiB; `COPRO_HUGE_MIB=2048` for
    /// a 2 GiB stream (docs/robustness.md records such a run).
    @Test(.disabled(if: Sanitizers.active != nil, Sanitizers.rssReason))
    func streamingSummaryMemoryIsBounded() throws {
        let mib = ProcessInfo.processInfo.environment["COPRO_HUGE_MIB"].flatMap(Int.init) ?? 64
        let rows = mib << 20 / SyntheticCSV.row.count
        var input = SyntheticCSV(rows: rows)
        let before = peakResidentBytes()
        let summary = try Ingest.run(&input, opener: { SyntheticCSV(rows: rows) }, name: "synthetic.csv",
                                     options: IngestOptions(), sink: nil, onReject: nil)
        let growth = peakResidentBytes() - before
        #expect(summary.dataRows == rows)
        #expect(summary.acceptedRows == rows)
        #expect(summary.columns == ["id", "name", "score"])
        // Two 4 MiB chunk buffers per pass and the record window: well under 64 MiB whatever the size.
        #expect(growth < 64 << 20, "peak memory grew by \(growth >> 20) MiB for a \(mib) MiB stream")
    }

    /// Fuzzing finding (ingest, first run): text after a closing quote that holds more quotes.
    /// Not a bug: the policy keeps the closing quote and the text (docs/ingest.md, `stray-quote`),
    /// so the value is not a substring of the input; the harness now compares values with quote
    /// characters set aside, and this pins the behaviour.
    @Test func fuzzFindingTextAfterClosingQuote() throws {
        let input = Array("a,b\n1,\"haa\"\"h\" \" ha\"\n3,4\n".utf8)
        let result = try Ingest.read(bytes: input, name: "ingest-crash-1feff103.csv")
        #expect(result.summary.dataRows == result.summary.acceptedRows + result.summary.rejectedRows.count)
        #expect(result.table.rows == [["1", "haa\"h\" \" ha\""], ["3", "4"]])
    }

    @Test func directoryAsDataFileIsUnreadable() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("copro-dir-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let error = #expect(throws: IngestError.self) { try Ingest.read(path: dir.path) }
        #expect(error?.code == .unreadable)
        #expect(error?.message.contains("directory") == true)
    }

    @Test func snapshotNoticesAChangedFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("copro-change-\(UUID()).csv")
        try Data("a,b\n1,2\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let snapshot = try #require(FileSnapshot(path: file.path))
        try snapshot.verifyUnchanged(path: file.path)
        let h = try FileHandle(forWritingTo: file)
        try h.seekToEnd(); try h.write(contentsOf: Data("3,4\n".utf8)); try h.close()
        let error = #expect(throws: IngestError.self) { try snapshot.verifyUnchanged(path: file.path) }
        #expect(error?.code == .unreadable)
        #expect(error?.message.contains("changed") == true)
    }

    /// A file appended to while it is read (an export still being written) is refused, and
    /// `--data-out` is not left behind.
    @Test func fileGrowingDuringTheReadIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("copro-grow-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("in.csv")
        var csv = "id,text\n"
        for i in 0..<100_000 { csv += "\(i),row \(i)\n" }
        try Data(csv.utf8).write(to: file)
        let writer = try FileHandle(forWritingTo: file)
        try writer.seekToEnd()
        let stop = Flag()
        let appender = Thread {
            while !stop.isSet { try? writer.write(contentsOf: Data("9,late\n".utf8)); usleep(200) }
        }
        appender.start()
        let out = dir.appendingPathComponent("out.csv").path
        let error = #expect(throws: IngestError.self) { try Ingest.summarize(path: file.path, dataOut: out) }
        stop.set()
        while !appender.isFinished { usleep(1000) }
        try writer.close()
        #expect(error?.code == .unreadable)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["in.csv"])
    }
}

/// A flag shared with a background thread.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
