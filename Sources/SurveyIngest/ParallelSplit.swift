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
    /// The UTF-8 check and byte count of the whole input, when the parse made it as it read.
    var firstPass: FirstPassResult?

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
    var firstPass: FirstPassResult?
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
    /// Tells a continuation, before its first row, that the rows before it are at most `bound`.
    func continuing(after bound: Int)
    /// Called once the first half's parse has ended, or failed (a continuation may be waiting
    /// for what this sink makes during the first half; it must not wait past this).
    func endFirstHalf()
    /// Appends the rows a continuation received; its lines are shifted by `lineOffset`. `false`:
    /// the rows before it exceeded the bound it was given, and nothing was appended.
    func append(_ other: SplittableSink, lineOffset: Int) -> Bool
}

/// Hands a continuation sink to the second half's thread (which alone uses it until joined).
private final class SinkBox: @unchecked Sendable {
    var sink: SplittableSink?
    init(_ sink: SplittableSink? = nil) { self.sink = sink }
}

/// What the second half's thread needs from the first half's header.
private struct SecondHalfStart: @unchecked Sendable {
    var delimiter: UInt8
    var columns: Int
    var firstTerminator: LineTerminator?
    /// Records the header takes (each ends with at least one line break).
    var headerRecords: Int
    var sink: SinkBox
}

/// A value handed once from one thread to another; `take` waits until it is there.
private final class Handoff<Value>: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: Value?
    func put(_ v: Value) { condition.withLock { value = v; condition.broadcast() } }
    func take() -> Value {
        condition.withLock {
            while value == nil { condition.wait() }
            return value!
        }
    }
}

/// The first half's input: the file from its first byte up to the cut, which another thread is
/// still finding (``ParallelSplit/cutPoint(path:from:size:)``). Reads below the middle never
/// wait; the first read past it waits for the cut (no cut: the input ends at the middle, and the
/// split is abandoned).
private struct FirstHalfInput: ByteInput {
    var file: FileInput
    let middle: Int
    let cut: Handoff<Int?>
    private var offset = 0
    private var bound: Int?

    init(file: FileInput, middle: Int, cut: Handoff<Int?>) { self.file = file; self.middle = middle; self.cut = cut }

    mutating func read(into buffer: inout [UInt8], max wanted: Int) throws -> Int {
        try read(buffer: &buffer, max: wanted, window: false)
    }

    mutating func read(window buffer: inout [UInt8], max wanted: Int) throws -> Int {
        try read(buffer: &buffer, max: wanted, window: true)
    }

    private mutating func read(buffer: inout [UInt8], max wanted: Int, window: Bool) throws -> Int {
        if bound == nil && offset + wanted > middle { bound = cut.take() ?? middle }
        let n = bound.map { min(wanted, $0 - offset) } ?? wanted
        if n <= 0 { return 0 }
        let got = window ? try file.read(window: &buffer, max: n) : try file.read(into: &buffer, max: n)
        offset += got
        return got
    }

    mutating func rewind() throws { try file.rewind(); offset = 0 }
    func close() { file.close() }
}

private final class SecondHalfBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<SecondHalf, any Error>?
    func set(_ v: Result<SecondHalf, any Error>) { lock.withLock { value = v } }
    func get() -> Result<SecondHalf, any Error>? { lock.withLock { value } }
}

/// Parses a large UTF-8 file on two threads when only the account and typed columns are wanted
/// (no table, no outputs): the file is cut at the first line break after ``cutTarget(_:)`` that is
/// outside quotes (``cutPoint(path:from:size:)``, found on the second thread while the first half
/// is already being parsed here); the second half is parsed on that thread once the header is
/// known. The cut is kept only if the first half's parse ends exactly there, between records —
/// then both halves parse exactly as one pass would, and the second half's data-row and line
/// numbers are shifted. Otherwise (the cut was inside a quoted field) `nil`: parse sequentially.
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
        guard size >= threshold else { return nil }
        // The cut is found on the second half's thread while this one starts on the first half:
        // the first half's input waits for it only when it reaches the middle.
        let cutBox = Handoff<Int?>()
        let startBox = Handoff<SecondHalfStart?>()
        let box = SecondHalfBox()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            let cut = (try? cutPoint(path: path, from: encoding.bomLength, size: size)) ?? nil
            cutBox.put(cut)
            guard let cut, let start = startBox.take() else { return }
            splits.increment()
            // Every accepted record of the first half, like every header record, ends with its
            // own line break before the cut: the breaks bound the first half's rows.
            if let breaks = try? lineBreaks(path: path, upTo: cut) {
                start.sink.sink?.continuing(after: max(0, breaks - start.headerRecords))
            }
            box.set(Result {
                try secondHalf(path: path, range: cut..<size, delimiter: start.delimiter, columns: start.columns,
                               validate: validate, firstTerminator: start.firstTerminator, sink: start.sink.sink)
            })
        }
        var started = false
        // On every way out, the second thread is released (if the header never came) and joined.
        defer {
            sink?.endFirstHalf()
            if !started { startBox.put(nil) }
            group.wait()
        }
        let first = FirstHalfInput(file: try FileInput(path: path), middle: cutTarget(size), cut: cutBox)
        defer { first.close() }
        var source = DecodingSource(input: first, transcoder: Transcoder(encoding: encoding), skip: encoding.bomLength)
        source.padsAtEnd = false
        // The delimiter is detected from the file's first chunk, as in one pass. When the cut may
        // come before that chunk ends (small files, split only in tests), the first half would
        // show less of it: the chunk is then read from the whole file, as one pass reads it.
        var head: UInt8? = nil
        if cutTarget(size) < Ingest.chunkSize {
            let file = try FileInput(path: path)
            defer { file.close() }
            var whole = DecodingSource(input: file, transcoder: Transcoder(encoding: encoding), skip: encoding.bomLength)
            head = try whole.primeDelimiter(detect)
        }
        let delimiter = try source.primeDelimiter { head ?? detect($0) }
        let reader = try RecordReader(delimiter: delimiter)
        let session = IngestSession(validateRecords: validate, sink: sink, onReject: nil)
        let secondSink = SinkBox()
        session.onHeaderDecided = { [weak reader, weak session] columns in
            let continuation = sink?.continuation()
            secondSink.sink = continuation
            started = true
            startBox.put(SecondHalfStart(delimiter: delimiter, columns: columns, firstTerminator: reader?.firstTerminator,
                                         headerRecords: session?.headerRows.count ?? 0, sink: SinkBox(continuation)))
        }
        try reader.run(&source, consumer: session)
        sink?.endFirstHalf()
        // The header layout must be known from the first half alone (3 records seen), as in one pass.
        guard session.headerDone else { return nil }
        try session.finish()
        group.wait()
        // Kept only when a cut was found and the first half ended there between records.
        guard cutBox.take() != nil, !reader.endedInRecord, let result = box.get() else { return nil }
        let b = try result.get()

        var outcome = ParseOutcome(reader: reader, session: session, strippedNulPadding: b.strippedNulPadding,
                                   delimiter: delimiter)
        // The cut follows a line break, where a UTF-8 check is between sequences: the halves'
        // checks combine into the whole file's.
        if let c = b.firstPass {
            let a = source.firstPass
            outcome.firstPass = FirstPassResult(sha256: "", valid: a.valid && c.valid, sawMultibyte: a.sawMultibyte || c.sawMultibyte,
                                                total: a.total + c.total)
        }
        let lines = reader.line - 1
        let rows = session.dataRows
        if let sink, let second = secondSink.sink, !sink.append(second, lineOffset: lines) { return nil }
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
        out.firstPass = source.firstPass
        return out
    }

    /// Where the cut is looked for: 51% into the file, not 50%, because the second thread first
    /// counts the line breaks before the cut (``lineBreaks(path:upTo:)``, about a twelfth of
    /// parsing them), so both threads finish together (measured on the estimation benchmark).
    static func cutTarget(_ size: Int) -> Int { size / 100 * 51 + size % 100 * 51 / 100 }

    /// The first offset after the middle (``cutTarget(_:)``) that follows a line break outside
    /// quotes, or `nil`. Whether the middle is inside quotes is decided by the parity of the `"`
    /// bytes before it — but when the 64 KiB before the middle hold no quote, the middle is taken
    /// to be outside quotes without reading the rest (a quoted field would have to run for more
    /// than 64 KiB without a quote). Either way the cut is only a guess: the split is kept only if
    /// the first half's parse ends there between records.
    static func cutPoint(path: String, from start: Int, size: Int) throws -> Int? {
        let middle = cutTarget(size)
        // Quotes in `input` up to `end` (nil: the file ended first).
        func quoteCount(_ input: inout FileInput, from: Int, to end: Int) throws -> Int? {
            var pos = from, quotes = 0
            while pos < end {
                let n = try input.read(max: min(Ingest.chunkSize, end - pos)) { quotes += countBytes($0, equalTo: UInt8(ascii: "\"")) }
                if n == 0 { return nil }
                pos += n
            }
            return quotes
        }
        let lookBack = max(start, middle - (64 << 10))
        var input = try FileInput(path: path, range: lookBack..<size)
        defer { input.close() }
        guard var quotes = try quoteCount(&input, from: lookBack, to: middle) else { return nil }
        if quotes > 0 && lookBack > start {
            var whole = try FileInput(path: path, range: start..<middle)
            defer { whole.close() }
            guard let all = try quoteCount(&whole, from: start, to: middle) else { return nil }
            quotes = all
        }
        var chunk: [UInt8] = []
        chunk.reserveCapacity(Ingest.chunkSize)
        var pos = middle
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

    /// Line breaks in the file's first `end` bytes: LF bytes plus CR bytes not followed by LF (a
    /// CR LF pair counts once). At least the number of record terminators there, whatever the
    /// quoting (a record ends with a CR, a LF or a CR LF).
    static func lineBreaks(path: String, upTo end: Int) throws -> Int {
        let input = try FileInput(path: path)
        defer { input.close() }
        // Mapped, not read: the bytes are only looked at once, so copying them would cost more
        // than counting them.
        if end > 0, let map = mmap(nil, end, PROT_READ, MAP_PRIVATE, input.fd, 0), map != MAP_FAILED {
            defer { munmap(map, end) }
            var carryCR: UInt64 = 0
            return countBreaks(UnsafeBufferPointer(start: map.assumingMemoryBound(to: UInt8.self), count: end), carryCR: &carryCR)
        }
        var ranged = try FileInput(path: path, range: 0..<end)
        defer { ranged.close() }
        var breaks = 0, carryCR: UInt64 = 0
        while try ranged.read(max: Ingest.chunkSize, { breaks += countBreaks($0, carryCR: &carryCR) }) > 0 {}
        return breaks
    }

    /// ``lineBreaks(path:upTo:)`` for one chunk; `carryCR` is 1 when the byte before it was a CR
    /// (updated for the next chunk). A chunk without CR (the usual case, checked by `memchr`) has
    /// its LF bytes counted (``countBytes(_:equalTo:)``); otherwise the bytes are looked at one by one.
    static func countBreaks(_ b: UnsafeBufferPointer<UInt8>, carryCR: inout UInt64) -> Int {
        guard let base = b.baseAddress, b.count > 0 else { return 0 }
        let n = b.count
        // A LF after a CR that ended the previous chunk is that CR's pair.
        var count = carryCR == 1 && base[0] == 10 ? -1 : 0
        carryCR = base[n - 1] == 13 ? 1 : 0
        if memchr(base, 13, n) == nil { return count + countBytes(b, equalTo: 10) }
        for i in 0..<n {
            let c = base[i]
            if c == 10 || c == 13 { count += 1 }
            if c == 13 && i + 1 < n && base[i + 1] == 10 { count -= 1 }
        }
        return count
    }

    /// Number of bytes equal to `c`, eight at a time: each byte of `lanes` counts the matches in
    /// its position of up to 255 words, then the eight counts are added.
    static func countBytes(_ b: UnsafeBufferPointer<UInt8>, equalTo c: UInt8) -> Int {
        guard let base = b.baseAddress else { return 0 }
        let ones: UInt64 = 0x0101_0101_0101_0101, low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F, pattern = ones &* UInt64(c)
        let raw = UnsafeRawPointer(base), n = b.count
        var count = 0, i = 0
        while i + 8 <= n {
            var lanes: UInt64 = 0
            var words = 0
            while words < 255 && i + 8 <= n {
                let t = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ pattern
                // 1 in each byte of `t` that is zero (exact: no carry crosses a byte).
                lanes &+= (~(((t & low7) &+ low7) | t) >> 7) & ones
                words += 1
                i += 8
            }
            let pairs = (lanes & 0x00FF_00FF_00FF_00FF) &+ ((lanes >> 8) & 0x00FF_00FF_00FF_00FF)
            count += Int(truncatingIfNeeded: (pairs &* 0x0001_0001_0001_0001) >> 48)
        }
        while i < n { if base[i] == c { count += 1 }; i += 1 }
        return count
    }
}
