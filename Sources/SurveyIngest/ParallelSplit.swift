import Foundation

/// What one parse of a file produced, before the summary is assembled.
struct ParseOutcome {
    var session: IngestSession
    var terminatorCounts: [LineTerminator: Int]
    var firstTerminator: LineTerminator?
    var deviatingLines: [(line: Int, terminator: LineTerminator)]
    var dataRows: Int
    var acceptedRows: Int
    var rejections: [IngestSummary.Rejection]
    var warnings: [IngestSummary.Warning]
    var sawRecord: Bool
    var strippedNulPadding: Int
    var delimiter: UInt8

    init(reader: RecordReader, session: IngestSession, strippedNulPadding: Int, delimiter: UInt8) {
        self.session = session
        terminatorCounts = reader.terminatorCounts
        firstTerminator = reader.firstTerminator
        deviatingLines = reader.deviatingLines
        dataRows = session.dataRows
        acceptedRows = session.acceptedRows
        rejections = session.rejections
        warnings = session.warnings
        sawRecord = session.sawRecord
        self.strippedNulPadding = strippedNulPadding
        self.delimiter = delimiter
    }
}

/// The second half of a split file, as parsed on its own thread (numbers local to it).
private struct SecondHalf: Sendable {
    var dataRows = 0
    var acceptedRows = 0
    var rejections: [IngestSummary.Rejection] = []
    var warnings: [IngestSummary.Warning] = []
    var terminatorCounts: [LineTerminator: Int] = [:]
    var deviatingLines: [Int] = []
    var deviatingTerminators: [LineTerminator] = []
    var sawRecord = false
    var strippedNulPadding = 0
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func increment() { lock.withLock { n += 1 } }
    var value: Int { lock.withLock { n } }
}

/// A sink that can take a file in two halves: the second half's rows go to a continuation
/// (made once the header is known, used by one other thread) appended at the end.
protocol SplittableSink: AcceptedRowSink {
    /// A sink for rows after a record boundary, as if already begun with the same header.
    func continuation() -> SplittableSink
    /// Appends the rows a continuation received; its lines are shifted by `lineOffset`.
    func append(_ other: SplittableSink, lineOffset: Int)
}

/// Hands a continuation sink to the second half's thread (which alone uses it until joined).
private final class SinkBox: @unchecked Sendable {
    var sink: SplittableSink?
    init(_ sink: SplittableSink? = nil) { self.sink = sink }
}

private final class SecondHalfBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<SecondHalf, any Error>?
    func set(_ v: Result<SecondHalf, any Error>) { lock.withLock { value = v } }
    func get() -> Result<SecondHalf, any Error>? { lock.withLock { value } }
}

/// Parses a large UTF-8 file on two threads when only the account is wanted (no table, no
/// outputs): the file is cut at the first line break after its middle that is outside quotes by
/// quote parity; the first half is parsed here, the second on another thread once the header is
/// known. The cut is kept only if the first half's parse ends exactly there, between records —
/// then both halves parse exactly as one pass would, and the second half's data-row and line
/// numbers are shifted. Otherwise (stray quotes fooled the parity) `nil`: parse sequentially.
enum ParallelSplit {
    /// How many parses were split (for tests).
    static let splits = Counter()

    /// - Parameter sink: receives the first half's accepted rows; the second half's go to its
    ///   ``SplittableSink/continuation()`` and are appended to it at the end. `nil`: no rows kept.
    static func parse(path: String, encoding: TextEncoding, validate: Bool, threshold: Int,
                      sink: SplittableSink? = nil,
                      delimiter detect: ([UInt8]) -> UInt8) throws -> ParseOutcome? {
        let probe = try FileInput(path: path)
        let size = probe.size
        probe.close()
        guard size >= threshold, let cut = try cutPoint(path: path, from: encoding.bomLength, size: size) else { return nil }
        let first = try FileInput(path: path, range: 0..<cut)
        splits.increment()
        defer { first.close() }
        var source = DecodingSource(input: first, transcoder: Transcoder(encoding: encoding), skip: encoding.bomLength)
        source.padsAtEnd = false
        let delimiter = try source.primeDelimiter(detect)
        let reader = try RecordReader(delimiter: delimiter)
        let session = IngestSession(validateRecords: validate, sink: sink, onReject: nil)
        let group = DispatchGroup()
        let box = SecondHalfBox()
        let secondSink = SinkBox()
        session.onHeaderDecided = { [weak reader] columns in
            let firstTerminator = reader?.firstTerminator
            let continuation = sink?.continuation()
            secondSink.sink = continuation
            let handed = SinkBox(continuation)
            DispatchQueue.global().async(group: group) {
                box.set(Result {
                    try secondHalf(path: path, range: cut..<size, delimiter: delimiter, columns: columns,
                                   validate: validate, firstTerminator: firstTerminator, sink: handed.sink)
                })
            }
        }
        try reader.run(&source, consumer: session)
        // The header layout must be known from the first half alone (3 records seen), as in one pass.
        guard session.headerDone else { return nil }
        try session.finish()
        group.wait()
        guard !reader.endedInRecord, let result = box.get() else { return nil }
        let b = try result.get()

        var outcome = ParseOutcome(reader: reader, session: session, strippedNulPadding: b.strippedNulPadding,
                                   delimiter: delimiter)
        let lines = reader.line - 1
        let rows = session.dataRows
        if let sink, let second = secondSink.sink { sink.append(second, lineOffset: lines) }
        if b.dataRows > 0 { outcome.warnings.removeAll { $0.code == "no-data-rows" } }
        if b.sawRecord { outcome.warnings += session.droppedBlankLines.map(IngestSession.blankLineWarning) }
        outcome.warnings += b.warnings.map { w in
            var w = w
            w.dataRow = w.dataRow.map { $0 + rows }; w.line = w.line.map { $0 + lines }
            return w
        }
        outcome.rejections += b.rejections.map { r in
            var r = r
            r.dataRow += rows; r.line += lines; r.endLine = r.endLine.map { $0 + lines }
            return r
        }
        outcome.dataRows += b.dataRows
        outcome.acceptedRows += b.acceptedRows
        outcome.sawRecord = outcome.sawRecord || b.sawRecord
        for (k, v) in b.terminatorCounts { outcome.terminatorCounts[k, default: 0] += v }
        if outcome.firstTerminator == nil { outcome.firstTerminator = b.terminatorCounts.keys.first }
        for (l, t) in zip(b.deviatingLines, b.deviatingTerminators) where outcome.deviatingLines.count < 100 {
            outcome.deviatingLines.append((l + lines, t))
        }
        return outcome
    }

    private static func secondHalf(path: String, range: Range<Int>, delimiter: UInt8, columns: Int, validate: Bool,
                                   firstTerminator: LineTerminator?, sink: SplittableSink?) throws -> SecondHalf {
        let input = try FileInput(path: path, range: range)
        defer { input.close() }
        var source = DecodingSource(input: input, transcoder: Transcoder(encoding: .utf8(bom: false)), skip: 0)
        let reader = try RecordReader(delimiter: delimiter, firstTerminator: firstTerminator)
        let session = IngestSession(continuingWith: columns, validateRecords: validate, sink: sink)
        try reader.run(&source, consumer: session)
        try session.finish()
        var out = SecondHalf()
        out.dataRows = session.dataRows
        out.acceptedRows = session.acceptedRows
        out.rejections = session.rejections
        out.warnings = session.warnings
        out.terminatorCounts = reader.terminatorCounts
        out.deviatingLines = reader.deviatingLines.map(\.line)
        out.deviatingTerminators = reader.deviatingLines.map(\.terminator)
        out.sawRecord = session.sawRecord
        out.strippedNulPadding = source.strippedNulPadding
        return out
    }

    /// The first offset after the middle that follows a line break outside quotes (by the parity
    /// of the `"` bytes before it), or `nil`.
    static func cutPoint(path: String, from start: Int, size: Int) throws -> Int? {
        let middle = size / 2
        var input = try FileInput(path: path, range: start..<size)
        defer { input.close() }
        var chunk: [UInt8] = []
        chunk.reserveCapacity(Ingest.chunkSize)
        var pos = start
        var quotes = 0
        while pos < middle {
            chunk.removeAll(keepingCapacity: true)
            let n = try input.read(into: &chunk, max: min(Ingest.chunkSize, middle - pos))
            if n == 0 { return nil }
            quotes += chunk.withUnsafeBufferPointer(countQuotes)
            pos += n
        }
        var inQuotes = quotes % 2 == 1
        while pos < size && pos - middle < 64 << 20 {
            chunk.removeAll(keepingCapacity: true)
            let n = try input.read(into: &chunk, max: Ingest.chunkSize)
            if n == 0 { return nil }
            for i in 0..<n {
                let b = chunk[i]
                if b == UInt8(ascii: "\"") { inQuotes.toggle(); continue }
                guard !inQuotes, b == 10 || b == 13 else { continue }
                if b == 13 {
                    guard i + 1 < n else { continue } // cannot see whether LF follows: try the next break
                    let end = pos + i + (chunk[i + 1] == 10 ? 2 : 1)
                    return end < size ? end : nil
                }
                return pos + i + 1 < size ? pos + i + 1 : nil
            }
            pos += n
        }
        return nil
    }

    /// Number of `"` bytes, eight at a time.
    static func countQuotes(_ b: UnsafeBufferPointer<UInt8>) -> Int {
        var count = 0
        var i = 0
        if let base = b.baseAddress {
            let raw = UnsafeRawPointer(base)
            let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
            while i + 8 <= b.count {
                let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ 0x2222_2222_2222_2222
                // High bit of each byte of `t` is set exactly when that byte of `x` is non-zero.
                let t = ((x & low7) &+ low7) | x
                count += (~t & 0x8080_8080_8080_8080).nonzeroBitCount
                i += 8
            }
        }
        while i < b.count { if b[i] == UInt8(ascii: "\"") { count += 1 }; i += 1 }
        return count
    }
}
