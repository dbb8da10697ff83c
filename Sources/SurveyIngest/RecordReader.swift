/// A record as the reader hands it to its consumer. Valid only during the callback.
struct RecordView {
    /// Fields (bytes back to back, spans).
    var fields: FieldsView
    /// The record's bytes as stored (decoded to UTF-8), without its terminator.
    var raw: UnsafeBufferPointer<UInt8>
    /// 1-based physical line on which the record starts.
    var line: Int
    /// Quoting irregularities that do not stop the record being accepted.
    var issues: RecordIssues
    /// A quoted field was still open at the end of the input (`fields` is then empty).
    var unterminated: Bool
}

/// Receives records and skipped blank lines from a ``RecordReader``.
protocol RecordConsumer: AnyObject {
    /// Whether the next record's field values are needed (otherwise only lengths are kept).
    var needsFieldBytes: Bool { get }
    func consume(_ record: RecordView) throws
    func blankLine(_ line: Int)
}

/// Supplies decoded UTF-8 text in chunks.
protocol ChunkSource {
    /// Appends the next chunk to `buffer`; returns `false` at the end of the input.
    mutating func next(into buffer: inout [UInt8]) throws -> Bool
}

/// Splits UTF-8 text into records: physical lines go to libcsv one at a time, so that every record
/// gets its starting line and raw bytes; records libcsv refuses in strict mode are re-read by
/// ``LenientRecordParser``. Blank lines outside records are reported, not parsed.
///
/// Memory: the window holds the record in progress plus one chunk, whatever the file size.
final class RecordReader {
    let delimiter: UInt8
    private let parser: LibCSVParser
    /// Record terminators seen (outside quotes), for the line-ending report: lines ended by each
    /// terminator that ended at least one.
    var terminatorCounts: [LineTerminator: Int] {
        var counts: [LineTerminator: Int] = [:]
        for (t, n) in [(LineTerminator.lf, lfCount), (.crlf, crlfCount), (.cr, crCount)] where n > 0 { counts[t] = n }
        return counts
    }
    /// The same, as plain counters (counted per line without hashing).
    private var lfCount = 0, crlfCount = 0, crCount = 0
    /// The first record terminator, and the first lines (up to 100) whose terminator differs.
    private(set) var firstTerminator: LineTerminator?
    private(set) var deviatingLines: [(line: Int, terminator: LineTerminator)] = []

    /// - Parameter firstTerminator: for a reader that starts mid-file, the file's first record
    ///   terminator (what `mixed-line-endings` lines are compared with).
    init(delimiter: UInt8, firstTerminator: LineTerminator? = nil) throws {
        self.delimiter = delimiter
        self.firstTerminator = firstTerminator
        self.parser = try LibCSVParser(delimiter: delimiter)
    }

    // Reader state; indexes are into `window`.
    private var window: [UInt8] = []
    private var pos = 0
    private(set) var line = 1
    private var inRecord = false
    /// The input ended inside a record (an open quote ran to the end).
    private(set) var endedInRecord = false
    private var lenientPending = false
    private var recStart = 0
    private var recLine = 1

    /// Reads all of `source`, calling `consumer` for each record and blank line.
    func run<S: ChunkSource>(_ source: inout S, consumer: RecordConsumer) throws {
        var eof = false
        while true {
            let keepFrom = inRecord ? recStart : pos
            if keepFrom > 0 {
                window.removeSubrange(0..<keepFrom)
                pos -= keepFrom
                if inRecord { recStart -= keepFrom }
            }
            if !eof { eof = try !source.next(into: &window) }
            let done = try window.withUnsafeBufferPointer { buf in
                try process(buf, eof: eof, consumer: consumer)
            }
            if done { return }
        }
    }

    /// Reads an in-memory text at once.
    func run(bytes: [UInt8], consumer: RecordConsumer) throws {
        var source = WholeBuffer(bytes: bytes)
        try run(&source, consumer: consumer)
    }

    /// Whether lines without quotes skip libcsv (``plainLine(_:_:)``). Off only in tests that
    /// compare the two paths.
    var fastPath = true
    private var plainSpans = UnsafeMutablePointer<FieldSpan>.allocate(capacity: 256)
    private var plainCapacity = 256

    deinit { plainSpans.deallocate() }

    /// Splits the physical line starting at `from` at the delimiter, finding its end (the first
    /// CR or LF) in the same scan: the fields and the line's end, or `nil` when a quote (`"`)
    /// comes before the line break (only libcsv and the lenient parser may interpret quotes) or no
    /// line break comes before the end of `buf`. An empty field is `isNull` (libcsv's
    /// `CSV_EMPTY_IS_NULL` for unquoted fields); spans are relative to `from`.
    @inline(__always) private func plainLine(_ buf: UnsafeBufferPointer<UInt8>, _ from: Int) -> (FieldsView, Int)? {
        guard let base = buf.baseAddress else { return nil }
        let n = buf.count
        let d = delimiter
        var count = 0
        var overflow = 0
        var start = from
        // Fields are stored while `count < room`; past it, the span storage grows or (as in the
        // other parsers) fields past the column limit are counted, not stored.
        var room = min(plainCapacity, IngestSession.maxColumns)
        @inline(__always) func emit(_ end: Int) {
            if count >= room {
                if count >= IngestSession.maxColumns { overflow += 1; start = end &+ 1; return }
                let grown = UnsafeMutablePointer<FieldSpan>.allocate(capacity: plainCapacity * 2)
                grown.moveInitialize(from: plainSpans, count: count)
                plainSpans.deallocate(); plainSpans = grown; plainCapacity *= 2
                room = min(plainCapacity, IngestSession.maxColumns)
            }
            (plainSpans + count).initialize(to: FieldSpan(start: start &- from, end: end &- from, isNull: start == end))
            count &+= 1
            start = end &+ 1
        }
        @inline(__always) func finish(_ end: Int) -> (FieldsView, Int) {
            emit(end)
            return (FieldsView(bytes: UnsafeBufferPointer(rebasing: buf[from..<end]),
                               spans: UnsafeBufferPointer(start: plainSpans, count: count), overflow: overflow,
                               readableCount: n - from), end)
        }
        // Eight bytes at a time. `exact(x)` has the high bit of every zero byte of x, and no other
        // bit; `any(x)` is non-zero exactly when x has a zero byte (cheaper, positions inexact).
        let raw = UnsafeRawPointer(base)
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F, ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func exact(_ x: UInt64) -> UInt64 { ~(((x & low7) &+ low7) | x | low7) }
        @inline(__always) func any(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
        let delimiters = UInt64(d) &* ones
        let quotes: UInt64 = 0x2222_2222_2222_2222, crs: UInt64 = 0x0D0D_0D0D_0D0D_0D0D, lfs: UInt64 = 0x0A0A_0A0A_0A0A_0A0A
        // A word without bytes below 0x23 holds no quote and no line break: one test instead of
        // three, unless the delimiter itself is below 0x23 (tab, space).
        let below = ones &* 0x23, oneTest = d >= 0x23
        @inline(__always) func special(_ w: UInt64) -> Bool {
            oneTest ? (w &- below) & ~w & highs != 0 : any(w ^ quotes) | any(w ^ crs) | any(w ^ lfs) != 0
        }
        var k = from
        while k + 8 <= n {
            let w = raw.loadUnaligned(fromByteOffset: k, as: UInt64.self)
            var hits = exact(w ^ delimiters)
            if special(w) {
                let breaks = exact(w ^ crs) | exact(w ^ lfs)
                // Only the bytes before the first line break belong to this line.
                let before = breaks == 0 ? ~0 : (breaks & (0 &- breaks)) &- 1
                if exact(w ^ quotes) & before != 0 { return nil }
                hits &= before
                while hits != 0 {
                    emit(k &+ hits.trailingZeroBitCount >> 3)
                    hits &= hits &- 1
                }
                if breaks != 0 { return finish(k + breaks.trailingZeroBitCount >> 3) }
            } else {
                while hits != 0 {
                    emit(k &+ hits.trailingZeroBitCount >> 3)
                    hits &= hits &- 1
                }
            }
            k += 8
        }
        while k < n {
            let b = base[k]
            if b == 10 || b == 13 { return finish(k) }
            if b == d { emit(k) } else if b == 0x22 { return nil }
            k += 1
        }
        return nil
    }

    /// Counts the terminator ending physical line `line`.
    private func count(_ t: LineTerminator?, line: Int) {
        guard let t else { return }
        switch t {
        case .lf: lfCount += 1
        case .crlf: crlfCount += 1
        case .cr: crCount += 1
        }
        if let first = firstTerminator {
            if t != first && deviatingLines.count < 100 { deviatingLines.append((line, t)) }
        } else { firstTerminator = t }
    }

    /// Whether a line starting with `b` can be neither blank nor empty nor quoted at its start.
    @inline(__always) static func startsPlain(_ b: UInt8, delimiter: UInt8) -> Bool {
        b != 10 && b != 13 && b != 0x22 && !((b == 0x20 || b == 0x09) && b != delimiter)
    }

    @inline(__always) private func isBlank(_ buf: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
        var k = from
        while k < to {
            let b = buf[k]
            if !((b == 0x20 || b == 0x09) && b != delimiter) { return false }
            k += 1
        }
        return true
    }

    /// Index of the first CR or LF at or after `from` (or `buf.count`), eight bytes at a time.
    @inline(__always) static func lineBreak(in buf: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
        var i = from
        let n = buf.count
        if let base = buf.baseAddress {
            let raw = UnsafeRawPointer(base)
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            while i + 8 <= n {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let a = w ^ 0x0A0A_0A0A_0A0A_0A0A, b = w ^ 0x0D0D_0D0D_0D0D_0D0D
                // A byte of `a` or `b` is zero exactly where `w` holds LF or CR.
                if ((a &- ones) & ~a | (b &- ones) & ~b) & highs != 0 { break }
                i += 8
            }
        }
        while i < n && buf[i] != 10 && buf[i] != 13 { i += 1 }
        return i
    }

    /// Processes every complete line available. Returns `true` when the input is finished.
    private func process(_ buf: UnsafeBufferPointer<UInt8>, eof: Bool, consumer: RecordConsumer) throws -> Bool {
        let n = buf.count
        while true {
            if lenientPending {
                guard try lenient(buf, eof: eof, consumer: consumer) else { return false }
                continue
            }
            if pos >= n {
                if !eof { return false }
                if inRecord {
                    // The last line ended with a line break inside an open quote.
                    try finishRecord(buf, eof: true, consumer: consumer, lineEnd: n)
                }
                return true
            }
            // Fast path: a line without a quote byte is one record whose fields are the bytes
            // between delimiters, exactly what libcsv (strict, empty-is-null, no space trimming)
            // makes of it; it is split here, without copying, in the scan that finds its end. A
            // line that starts with a blank, a line break or a quote goes the general way (it may
            // be blank or quoted).
            if !inRecord, fastPath, pos < n, Self.startsPlain(buf[pos], delimiter: delimiter),
               let (fields, lineEnd) = plainLine(buf, pos) {
                var next = lineEnd + 1
                var term = LineTerminator.lf
                if buf[lineEnd] == 13 {
                    if lineEnd + 1 < n { if buf[lineEnd + 1] == 10 { term = .crlf; next += 1 } else { term = .cr } }
                    else if eof { term = .cr } else { return false }  // CR or CRLF: wait for the next byte
                }
                try consumer.consume(RecordView(
                    fields: fields, raw: UnsafeBufferPointer(rebasing: buf[pos..<lineEnd]),
                    line: line, issues: RecordIssues(), unterminated: false))
                count(term, line: line)
                pos = next; line += 1
                continue
            }
            // Find the end of the physical line.
            let i = Self.lineBreak(in: buf, from: pos)
            let lineEnd = i
            var next = i
            var term: LineTerminator? = nil
            if i == n {
                if !eof { return false }
            } else if buf[i] == 13 {
                if i + 1 == n && !eof { return false }
                if i + 1 < n && buf[i + 1] == 10 { term = .crlf; next = i + 2 } else { term = .cr; next = i + 1 }
            } else {
                term = .lf; next = i + 1
            }
            if !inRecord {
                if isBlank(buf, pos, lineEnd) {
                    if term != nil || lineEnd > pos { consumer.blankLine(line) }
                    count(term, line: line)
                    pos = next; line += 1
                    continue
                }
                inRecord = true; recStart = pos; recLine = line
                parser.copiesFieldBytes = consumer.needsFieldBytes
                parser.resetRecord()
            }
            let ok = parser.feed(UnsafeBufferPointer(rebasing: buf[pos..<next]))
            if !ok {
                lenientPending = true
                continue
            }
            if parser.recordEnded {
                try consumer.consume(RecordView(
                    fields: parser.fields, raw: UnsafeBufferPointer(rebasing: buf[recStart..<lineEnd]),
                    line: recLine, issues: RecordIssues(), unterminated: false))
                count(term, line: line)
                pos = next; line += 1; inRecord = false
            } else if term == nil {
                try finishRecord(buf, eof: eof, consumer: consumer, lineEnd: lineEnd)
                pos = n
                return true
            } else {
                pos = next; line += 1
            }
        }
    }

    /// Ends the input inside a record: flushes it through `csv_fini`, or rejects it as unterminated.
    private func finishRecord(_ buf: UnsafeBufferPointer<UInt8>, eof: Bool, consumer: RecordConsumer,
                              lineEnd: Int) throws {
        endedInRecord = true
        if parser.finish() && parser.recordEnded {
            try consumer.consume(RecordView(
                fields: parser.fields, raw: UnsafeBufferPointer(rebasing: buf[recStart..<lineEnd]),
                line: recLine, issues: RecordIssues(), unterminated: false))
        } else {
            parser.resetRecord()
            try consumer.consume(RecordView(
                fields: FieldsView.empty, raw: UnsafeBufferPointer(rebasing: buf[recStart..<buf.count]),
                line: recLine, issues: RecordIssues(), unterminated: true))
            try parser.restart()
        }
        inRecord = false
    }

    /// Re-reads the record in progress with the lenient parser. Returns `false` when it needs more input.
    private func lenient(_ buf: UnsafeBufferPointer<UInt8>, eof: Bool, consumer: RecordConsumer) throws -> Bool {
        var fields = FieldBuffer()
        switch LenientRecordParser.parse(buf, from: recStart, delimiter: delimiter, atEnd: eof, into: &fields) {
        case .needMore:
            return false
        case .unterminated:
            endedInRecord = true
            try consumer.consume(RecordView(
                fields: FieldsView.empty, raw: UnsafeBufferPointer(rebasing: buf[recStart..<buf.count]),
                line: recLine, issues: RecordIssues(), unterminated: true))
            pos = buf.count
        case let .record(rawEnd, next, breaks, terminator, issues):
            try fields.withView { view in
                try consumer.consume(RecordView(
                    fields: view, raw: UnsafeBufferPointer(rebasing: buf[recStart..<rawEnd]),
                    line: recLine, issues: issues, unterminated: false))
            }
            count(terminator, line: recLine + breaks - 1)
            pos = next
            line = recLine + breaks
        }
        lenientPending = false
        inRecord = false
        try parser.restart()
        return true
    }
}

/// A ``ChunkSource`` over bytes already in memory: one chunk.
struct WholeBuffer: ChunkSource {
    var bytes: [UInt8]?
    init(bytes: [UInt8]) { self.bytes = bytes }
    mutating func next(into buffer: inout [UInt8]) throws -> Bool {
        guard let b = bytes else { return false }
        if buffer.isEmpty { buffer = b } else { buffer.append(contentsOf: b) }
        bytes = nil
        return true
    }
}
