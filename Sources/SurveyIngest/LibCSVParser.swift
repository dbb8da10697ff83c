internal import CLibCSV

/// One field as delivered by the parser: a byte range in ``FieldBuffer/bytes``.
struct FieldSpan: Sendable, Equatable {
    var start: Int
    var end: Int
    /// `true` for an unquoted empty field (libcsv's `CSV_EMPTY_IS_NULL`).
    var isNull: Bool
}

/// The fields of the record being parsed: their bytes back to back and their spans.
struct FieldBuffer: Sendable {
    var bytes: [UInt8] = []
    var spans: [FieldSpan] = []
    /// Fields beyond ``IngestSession/maxColumns``: counted, not stored (the record is rejected).
    var overflow = 0

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        spans.removeAll(keepingCapacity: true)
        overflow = 0
    }

    mutating func append(_ field: UnsafeBufferPointer<UInt8>) {
        if spans.count >= IngestSession.maxColumns { overflow += 1; return }
        let start = bytes.count
        bytes.append(contentsOf: field)
        spans.append(FieldSpan(start: start, end: bytes.count, isNull: false))
    }

    mutating func append<S: Sequence>(contentsOf field: S, isNull: Bool) where S.Element == UInt8 {
        if spans.count >= IngestSession.maxColumns { overflow += 1; return }
        let start = bytes.count
        bytes.append(contentsOf: field)
        spans.append(FieldSpan(start: start, end: bytes.count, isNull: isNull))
    }

    mutating func appendNull() {
        if spans.count >= IngestSession.maxColumns { overflow += 1; return }
        spans.append(FieldSpan(start: bytes.count, end: bytes.count, isNull: true))
    }

    /// The bytes of field `i`.
    func field(_ i: Int) -> ArraySlice<UInt8> { bytes[spans[i].start..<spans[i].end] }

    /// Field `i` as text (`nil` for an unquoted empty field). The bytes must be valid UTF-8.
    func string(_ i: Int) -> String? {
        withView { $0.string(i) }
    }

    /// Calls `body` with an unsafe view of the fields.
    func withView<R>(_ body: (FieldsView) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { b in
            try spans.withUnsafeBufferPointer { s in try body(FieldsView(bytes: b, spans: s, overflow: overflow)) }
        }
    }
}

/// The fields of one record, borrowed: valid only while the record is being handed over.
struct FieldsView {
    var bytes: UnsafeBufferPointer<UInt8>
    /// Field spans; empty when only the counts were kept (``LibCSVParser/copiesFieldBytes``).
    var spans: UnsafeBufferPointer<FieldSpan>
    /// Number of fields, including those beyond ``IngestSession/maxColumns`` that were counted
    /// but not stored (then `count > spans.count`, and the record is rejected).
    var count: Int
    /// Index of the last non-empty stored field, -1 when every stored field is empty.
    var lastNonEmpty: Int
    /// Bytes that may be read from `bytes.baseAddress` (at least `bytes.count`): word-at-a-time
    /// readers may look past a field's end, never past this.
    var readableCount: Int

    init(bytes: UnsafeBufferPointer<UInt8>, spans: UnsafeBufferPointer<FieldSpan>, overflow: Int = 0,
         readableCount: Int? = nil) {
        self.bytes = bytes; self.spans = spans; count = spans.count + overflow
        lastNonEmpty = spans.lastIndex { $0.start != $0.end } ?? -1
        self.readableCount = max(bytes.count, readableCount ?? 0)
    }

    init(count: Int, lastNonEmpty: Int) {
        bytes = UnsafeBufferPointer(start: nil, count: 0); spans = UnsafeBufferPointer(start: nil, count: 0)
        self.count = count; self.lastNonEmpty = lastNonEmpty; readableCount = 0
    }
    /// Total bytes of all fields.
    var byteCount: Int { bytes.count }

    /// The bytes of field `i`.
    @inline(__always) func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        let s = spans[i]
        return UnsafeBufferPointer(rebasing: bytes[s.start..<s.end])
    }

    /// Field `i` as text (`nil` for an unquoted empty field).
    func string(_ i: Int) -> String? {
        spans[i].isNull ? nil : String(decoding: field(i), as: UTF8.self)
    }

    /// An owned copy.
    func copy() -> FieldBuffer {
        FieldBuffer(bytes: Array(bytes), spans: Array(spans), overflow: spans.isEmpty ? 0 : count - spans.count)
    }

    static var empty: FieldsView { FieldsView(count: 0, lastNonEmpty: -1) }
}

/// Growable storage the C callbacks write into, reached through a raw pointer so that the
/// per-field path has no reference counting or exclusivity checks.
struct FieldState {
    var bytes: UnsafeMutablePointer<UInt8>
    var byteCapacity: Int
    var byteCount = 0
    var spans: UnsafeMutablePointer<FieldSpan>
    var spanCapacity: Int
    var spanCount = 0
    /// Fields beyond ``IngestSession/maxColumns`` in this record: counted, not stored, so that a
    /// record of millions of empty fields costs no more than the limit's spans (24 bytes each).
    var overflow = 0
    var recordEnded = false
    /// Length-only mode: number of fields and index of the last non-empty one.
    var countedFields = 0
    var lastNonEmpty = -1

    init() {
        byteCapacity = 1 << 16
        bytes = .allocate(capacity: byteCapacity)
        spanCapacity = 256
        spans = .allocate(capacity: spanCapacity)
    }

    func deallocate() { bytes.deallocate(); spans.deallocate() }

    @inline(__always) mutating func append(_ data: UnsafeRawPointer?, _ len: Int) {
        if spanCount == spanCapacity {
            if spanCapacity >= IngestSession.maxColumns { overflow += 1; return }
            let capacity = min(spanCapacity * 2, IngestSession.maxColumns)
            let grown = UnsafeMutablePointer<FieldSpan>.allocate(capacity: capacity)
            grown.moveInitialize(from: spans, count: spanCount)
            spans.deallocate(); spans = grown; spanCapacity = capacity
        }
        guard let data else {
            spans[spanCount] = FieldSpan(start: byteCount, end: byteCount, isNull: true)
            spanCount += 1
            return
        }
        if byteCount + len > byteCapacity {
            var cap = byteCapacity * 2
            while cap < byteCount + len { cap *= 2 }
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: cap)
            grown.moveInitialize(from: bytes, count: byteCount)
            bytes.deallocate(); bytes = grown; byteCapacity = cap
        }
        (bytes + byteCount).update(from: data.assumingMemoryBound(to: UInt8.self), count: len)
        spans[spanCount] = FieldSpan(start: byteCount, end: byteCount + len, isNull: false)
        spanCount += 1
        byteCount += len
    }

    /// Counts the field and notes whether it is empty: enough for the field-count rules when
    /// nobody reads the values.
    @inline(__always) mutating func count(_ len: Int) {
        if len != 0 { lastNonEmpty = countedFields }
        countedFields += 1
    }

    func view(copied: Bool) -> FieldsView {
        copied ? FieldsView(bytes: UnsafeBufferPointer(start: bytes, count: byteCount),
                            spans: UnsafeBufferPointer(start: spans, count: spanCount), overflow: overflow)
            : FieldsView(count: countedFields, lastNonEmpty: lastNonEmpty)
    }
}



/// Owns one libcsv parser in strict mode. This is the only file that calls libcsv.
///
/// The parser is fed one physical line at a time (see ``RecordReader``), so the caller knows on
/// which line each record starts and ends: libcsv itself reports no positions. Fields arrive through
/// C callbacks whose context pointer is the ``FieldState`` they append to.
///
/// Strict mode (`CSV_STRICT | CSV_STRICT_FINI`) makes libcsv stop at every quoting irregularity
/// (a quote inside an unquoted field, text after a closing quote, a quote still open at the end)
/// instead of silently repairing it (non-strict libcsv turns `"abc"def` into `abcdef`); the reader
/// then re-reads that one record with ``LenientRecordParser``, which applies the corpus policy.
final class LibCSVParser {
    private var parser = csv_parser()
    private let delimiter: UInt8
    private let state: UnsafeMutablePointer<FieldState>

    /// - Parameter delimiter: the field separator byte.
    /// The corresponding C functions are `csv_init`, `csv_set_delim`, `csv_set_space_func`.
    /// - Throws: ``IngestError`` with code `parser` when libcsv cannot allocate its state.
    init(delimiter: UInt8) throws {
        self.delimiter = delimiter
        state = .allocate(capacity: 1)
        state.initialize(to: FieldState())
        try initialise()
    }

    deinit {
        csv_free(&parser)
        state.pointee.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    private func initialise() throws {
        // CSV_EMPTY_IS_NULL: an unquoted empty field arrives as NULL, a quoted one as "".
        let options = CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL
        guard csv_init(&parser, UInt8(options)) == 0 else {
            throw IngestError(.parser, path: "", message: "libcsv could not be initialised (out of memory)")
        }
        csv_set_delim(&parser, delimiter)
        // libcsv trims spaces and tabs around unquoted fields by default and counts a tab as a
        // space; values must be kept verbatim, so nothing is a space.
        csv_set_space_func(&parser) { _ in 0 }
        // Grow the field buffer in large steps (default 128 bytes) for long free-text fields.
        csv_set_blk_size(&parser, 4096)
    }

    /// Forgets the record in progress and any parse error: frees and re-initialises the C parser.
    /// The corresponding C functions are `csv_free` and `csv_init`.
    func restart() throws {
        csv_free(&parser)
        parser = csv_parser()
        try initialise()
        resetRecord()
    }

    /// Prepares for the next record (the C parser is already between records).
    @inline(__always) func resetRecord() {
        state.pointee.byteCount = 0
        state.pointee.spanCount = 0
        state.pointee.overflow = 0
        state.pointee.recordEnded = false
        state.pointee.countedFields = 0
        state.pointee.lastNonEmpty = -1
    }

    /// Whether the record callback fired since ``resetRecord()``.
    @inline(__always) var recordEnded: Bool { state.pointee.recordEnded }

    /// The fields of the record in progress (valid until the next feed or reset).
    @inline(__always) var fields: FieldsView { state.pointee.view(copied: copiesFieldBytes) }

    private static let fieldCallback: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Void = {
        data, len, ctx in
        ctx?.assumingMemoryBound(to: FieldState.self).pointee.append(data, len)
    }

    private static let lengthCallback: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Void = {
        data, len, ctx in
        ctx?.assumingMemoryBound(to: FieldState.self).pointee.count(len)
    }

    /// When `false`, fields are only counted (``FieldsView`` then has no spans, only `count` and
    /// `lastNonEmpty`): for passes that check the account but keep no values.
    var copiesFieldBytes = true

    private static let recordCallback: @convention(c) (Int32, UnsafeMutableRawPointer?) -> Void = { _, ctx in
        ctx?.assumingMemoryBound(to: FieldState.self).pointee.recordEnded = true
    }

    /// Feeds bytes (one physical line, or less) to the parser.
    /// The corresponding C functions are `csv_parse` and `csv_error`.
    /// - Returns: `false` when libcsv stopped at a quoting irregularity (`CSV_EPARSE`) or ran out of
    ///   memory; the record in progress must then be re-read by ``LenientRecordParser``.
    @inline(__always) func feed(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return true }
        let used = csv_parse(&parser, base, bytes.count, copiesFieldBytes ? Self.fieldCallback : Self.lengthCallback,
                             Self.recordCallback, state)
        if used < bytes.count { return false }
        return true
    }

    /// Ends the input: flushes a last record that has no line break.
    /// The corresponding C function is `csv_fini`.
    /// - Returns: `false` when a quoted field is still open (`CSV_STRICT_FINI`).
    func finish() -> Bool {
        csv_fini(&parser, copiesFieldBytes ? Self.fieldCallback : Self.lengthCallback, Self.recordCallback, state) == 0
    }

    /// Quotes one field the way libcsv's writer does (always quoted, `"` doubled).
    /// Used by the round-trip property test. The corresponding C function is `csv_write`.
    static func quotedField(_ field: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: field.count * 2 + 2)
        // A non-nil source pointer even for an empty field: csv_write writes nothing for NULL.
        let source = field.isEmpty ? [0] : field
        let written = out.withUnsafeMutableBytes { dst in
            source.withUnsafeBytes { src in csv_write(dst.baseAddress, dst.count, src.baseAddress, field.count) }
        }
        return Array(out.prefix(written))
    }
}
