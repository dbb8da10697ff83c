/// How a requested column is to be read by ``Ingest/readColumns(path:options:select:)``.
public enum ColumnKind: Sendable, Equatable {
    /// Numbers (``NumberColumn``): NaN for a missing cell.
    case number
    /// Category labels (``LabelColumn``): interned codes, −1 for a missing cell.
    case label
}

/// A column to read: its reported name and how.
public struct ColumnRequest: Sendable, Equatable {
    public var name: String
    public var kind: ColumnKind
    public init(_ name: String, _ kind: ColumnKind) { self.name = name; self.kind = kind }
}

/// A column read as numbers under copro's strict number syntax (``NumberSyntax``).
public struct NumberColumn: Sendable, Equatable {
    /// One value per accepted row; NaN where the cell is missing or not a number.
    public var values: [Double] = []
    /// Rows (0-based) whose cell is missing (absent, empty or blank), in order.
    public var missingRows: [Int] = []
    /// The first cell that is present but not a finite number: its row (0-based) and its text.
    public var firstInvalid: (row: Int, text: String)?

    public static func == (a: NumberColumn, b: NumberColumn) -> Bool {
        a.values.elementsEqual(b.values) { $0 == $1 || ($0.isNaN && $1.isNaN) } && a.missingRows == b.missingRows
            && a.firstInvalid?.row == b.firstInvalid?.row && a.firstInvalid?.text == b.firstInvalid?.text
    }
}

/// A column read as category labels: each distinct cell text gets a code.
public struct LabelColumn: Sendable, Equatable {
    /// One code per accepted row: an index into ``levels``, or −1 when the cell is missing.
    public var codes: [Int32] = []
    /// The distinct texts, in order of first appearance (exactly as written, not trimmed).
    public var levels: [String] = []
    /// Rows (0-based) whose cell is missing (absent, empty or blank), in order.
    public var missingRows: [Int] = []

    /// The label of row `i`, `nil` when missing.
    public func label(_ i: Int) -> String? { codes[i] < 0 ? nil : levels[Int(codes[i])] }
}

#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation

/// Selected columns of an export, typed, without the rest of its text: what an estimation needs
/// from a file of a million rows (R `data.table::fread(select =, colClasses =)`).
///
/// Built by ``Ingest/readColumns(path:options:select:)`` straight from the parser's fields (the
/// text of the other columns is never copied), or from a ``RawTable``; both give equal columns.
public struct TypedColumns: Sendable {
    /// Every reported column name of the file (not only the ones read).
    public var columns: [String]
    /// Number of accepted rows.
    public var rowCount: Int
    /// 1-based physical line on which each accepted row starts.
    public var lines: [Int]
    /// The columns read as numbers, by reported name.
    public var numbers: [String: NumberColumn]
    /// The columns read as labels, by reported name.
    public var labels: [String: LabelColumn]

    /// Reads the requested columns of a table (for ReadStat files, tests and tables already in memory).
    /// Requests naming no column of the table are ignored (the caller reports them).
    public init(table: RawTable, requests: [ColumnRequest]) {
        let builder = TypedColumnsBuilder(columns: table.columns, requests: requests)
        for row in 0..<table.rowCount {
            for k in 0..<builder.slotCount {
                table.withCell(row: row, column: builder.column(k)) { builder.add($0, slot: k) }
            }
            builder.endRow(line: row < table.lines.count ? table.lines[row] : row + 2)
        }
        self = builder.finish()
    }

    init(columns: [String], rowCount: Int, lines: [Int], numbers: [String: NumberColumn], labels: [String: LabelColumn]) {
        self.columns = columns; self.rowCount = rowCount; self.lines = lines; self.numbers = numbers; self.labels = labels
    }
}

/// copro's strict number syntax for analysis columns: the cell without leading and trailing
/// blanks (tab and Unicode category Zs, as Foundation's `CharacterSet.whitespaces`) must be a
/// decimal or hexadecimal floating-point literal that Swift's `Double(String)` accepts (no
/// thousands separators, units or percent signs) and is finite. A cell that is empty or blank is
/// missing.
public enum NumberSyntax {
    /// The outcome of parsing one cell.
    public enum Parsed: Equatable { case missing, value(Double), invalid }

    /// Parses a cell's UTF-8 bytes (`nil`: an absent or unquoted-empty cell).
    ///
    /// Fast path (Clinger 1990, "How to read floating point numbers accurately", the exact case):
    /// an ASCII `[+-]?digits[.digits]` with at most 19 digits whose integer mantissa m < 2⁵³ and at
    /// most 22 decimals is m / 10^k, one correctly rounded division of two exact doubles, hence the
    /// same double as `strtod`. Everything else goes through `Double(String)`.
    @inline(__always)
    public static func parse(_ cell: UnsafeBufferPointer<UInt8>?) -> Parsed {
        guard let cell, let start = cell.baseAddress, cell.count > 0 else { return .missing }
        let end = start + cell.count
        var p = start
        let negative = p.pointee == 0x2D
        if negative || p.pointee == 0x2B { p += 1 }
        var mantissa: UInt64 = 0
        /// Appends the ASCII digits at `p` to `mantissa` (wrapping) and returns how many there were.
        @inline(__always) func digits() -> Int {
            let from = p
            while p < end {
                let d = p.pointee &- 0x30
                if d >= 10 { break }
                mantissa = mantissa &* 10 &+ UInt64(d)
                p += 1
            }
            return p - from
        }
        let integerDigits = digits()
        var decimals = 0
        if p < end, p.pointee == 0x2E, integerDigits > 0 {
            p += 1
            decimals = digits()
            if decimals == 0 { return slow(cell) }
        }
        // More than 19 digits may have wrapped `mantissa`: those go the slow way.
        guard p == end, integerDigits > 0, integerDigits + decimals <= 19, mantissa < (1 << 53), decimals <= 22 else {
            return slow(cell)
        }
        // m as a double without `cvtsi2sd`, whose partial write of the xmm register chains every
        // cell's division to the previous one's: 2⁵² + m is exact below 2⁵², and so is the subtraction.
        let m = mantissa < (1 << 52)
            ? Double(bitPattern: 0x4330_0000_0000_0000 | mantissa) - 4_503_599_627_370_496.0 : Double(mantissa)
        let v = decimals == 0 ? m : m / powersOfTen[decimals]
        return .value(negative ? -v : v)
    }

    /// The value of a cell of 1 to 8 bytes that is `digits` or `digits.digits` (no sign, no
    /// blanks), read as one 64-bit word; `nil` for any other cell (which ``parse(_:)-(UnsafeBufferPointer<UInt8>?)``
    /// then handles). The caller guarantees that 8 bytes may be read at `p`.
    ///
    /// Same result as ``parse(_:)-(UnsafeBufferPointer<UInt8>?)``: the mantissa m (at most 8 digits,
    /// so m < 10⁸ < 2⁵³) and the decimal count k are the same, and the value is the same single
    /// division m / 10^k. The digits are combined by the SWAR multiplications of Lemire, "Faster
    /// integer parsing" (2018): pairs, then quadruples, then the eight.
    @inline(__always)
    static func shortDecimal(_ p: UnsafePointer<UInt8>, count n: Int) -> Double? {
        // One digit (codes and 0/1 indicators, the commonest cells): its value.
        if n == 1 {
            let d = p.pointee &- 0x30
            return d < 10 ? Double(bitPattern: 0x4330_0000_0000_0000 | UInt64(d)) - 4_503_599_627_370_496.0 : nil
        }
        guard n >= 2 && n <= 8 else { return nil }
        let highs: UInt64 = 0x8080_8080_8080_8080, low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let keep: UInt64 = n == 8 ? ~0 : (1 &<< UInt64(8 * n)) &- 1
        let w = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self).littleEndian & keep
        // Digit bytes become 0…9; bytes past the cell stay 0.
        var digits = w ^ (0x3030_3030_3030_3030 & keep)
        // The high bit of every byte that is a '.' (exact: no carry crosses a byte).
        let t = w ^ 0x2E2E_2E2E_2E2E_2E2E
        let dots = ~(((t & low7) &+ low7) | t | low7) & keep
        var count = n, decimals = 0
        if dots != 0 {
            let d = dots.trailingZeroBitCount >> 3
            // One dot, with a digit on each side ("5." and ".5" take the general route).
            guard dots & (dots &- 1) == 0, d > 0, d < n - 1 else { return nil }
            decimals = n - 1 - d
            count = n - 1
            let below: UInt64 = (1 &<< UInt64(8 * d)) &- 1
            digits = (digits & below) | ((digits >> 8) & ~below)
        }
        // Every byte must now be 0…9: adding 0x76 sets the high bit of a byte ≥ 10.
        guard (((digits & low7) &+ 0x7676_7676_7676_7676) | digits) & highs == 0 else { return nil }
        // Eight digits, the first (most significant) in the lowest byte, padded with leading zeros.
        var v = digits &<< UInt64(8 * (8 - count))
        v = (v &* 10) &+ (v >> 8)
        let pairs: UInt64 = 0x0000_00FF_0000_00FF
        let outer: UInt64 = 100 + (1_000_000 << 32), inner: UInt64 = 1 + (10_000 << 32)
        v = ((v & pairs) &* outer &+ ((v >> 16) & pairs) &* inner) >> 32
        let m = Double(bitPattern: 0x4330_0000_0000_0000 | v) - 4_503_599_627_370_496.0
        return decimals == 0 ? m : m / powersOfTen[decimals]
    }

    /// Parses a cell's text (`nil`: an absent or unquoted-empty cell), as ``parse(_:)-(UnsafeBufferPointer<UInt8>?)``.
    public static func parse(_ cell: String?) -> Parsed {
        guard var text = cell else { return .missing }
        return text.withUTF8 { parse($0) }
    }

    /// Exact powers of ten 10⁰ … 10²² (all representable in binary64).
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
        1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// The general case: trim blanks, then `Double(String)`.
    private static func slow(_ cell: UnsafeBufferPointer<UInt8>) -> Parsed {
        let text = String(decoding: cell, as: UTF8.self)
        let trimmed = trimmedBlanks(text)
        if trimmed.isEmpty { return .missing }
        guard let v = Double(trimmed), v.isFinite else { return .invalid }
        return .value(v)
    }

    /// Whether the cell is missing for a label column: absent, empty or only blanks.
    @inline(__always)
    static func isBlank(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = cell.baseAddress, cell.count > 0 else { return true }
        let first = base[0], last = base[cell.count - 1]
        // An ASCII byte other than space or tab at either end: not blank (the common case).
        if first < 0x80 && first != 0x20 && first != 0x09 { return false }
        if last < 0x80 && last != 0x20 && last != 0x09 { return false }
        return trimmedBlanks(String(decoding: cell, as: UTF8.self)).isEmpty
    }

    /// `text` without leading and trailing blanks (tab and category Zs).
    public static func trimmedBlanks(_ text: String) -> Substring {
        func blank(_ s: Unicode.Scalar) -> Bool { s == "\t" || s.properties.generalCategory == .spaceSeparator }
        let u = text.unicodeScalars
        var start = u.startIndex, end = u.endIndex
        while start < end, blank(u[start]) { start = u.index(after: start) }
        while end > start, blank(u[u.index(before: end)]) { end = u.index(before: end) }
        return Substring(u[start..<end])
    }
}

/// A label column's first ``levels`` levels and its last label, as bytes in plain memory (slots
/// of ``slotBytes``), so that the usual cell is coded by a comparison or two, without hashing,
/// allocation or reference counting. Longer labels are simply not cached.
struct LabelCache {
    static let levels = 8
    static let slotBytes = 64
    /// Slots 0..<levels: the levels with those codes; slot `levels`: the last label read.
    private let bytes: UnsafeMutablePointer<UInt8>
    /// Bytes held by each slot; -1 when it holds nothing.
    private let lengths: UnsafeMutablePointer<Int>
    /// The slot that holds the last label read, and its code (-1: none).
    private(set) var lastSlot = -1
    private(set) var lastCode: Int32 = -1

    init() {
        bytes = .allocate(capacity: (Self.levels + 1) * Self.slotBytes)
        lengths = .allocate(capacity: Self.levels + 1)
        lengths.initialize(repeating: -1, count: Self.levels + 1)
    }

    func deallocate() { bytes.deallocate(); lengths.deallocate() }

    @inline(__always) private func holds(_ slot: Int, _ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        guard lengths[slot] == cell.count, let c = cell.baseAddress else { return false }
        let cached = bytes + slot * Self.slotBytes
        // Short labels (codes such as strata and areas) byte by byte: cheaper than a call.
        if cell.count <= 8 {
            for i in 0..<cell.count where cached[i] != c[i] { return false }
            return true
        }
        return memcmp(cached, c, cell.count) == 0
    }

    /// The code of a cached label equal to `cell`, if any.
    @inline(__always) mutating func code(of cell: UnsafeBufferPointer<UInt8>, levelCount: Int) -> Int32? {
        if lastSlot >= 0 && holds(lastSlot, cell) { return lastCode }
        for j in 0..<min(levelCount, Self.levels) where holds(j, cell) {
            lastSlot = j; lastCode = Int32(j)
            return lastCode
        }
        return nil
    }

    /// Records level `code`'s bytes (when it is one of the first levels).
    mutating func addLevel(_ code: Int32, _ label: UnsafeBufferPointer<UInt8>) {
        if code < Self.levels { put(Int(code), label) }
    }

    /// Records the label just coded `code` by the dictionary as the last one.
    mutating func setLast(_ code: Int32, _ label: UnsafeBufferPointer<UInt8>) {
        if code < Self.levels { lastSlot = Int(code) } else { put(Self.levels, label); lastSlot = Self.levels }
        lastCode = code
    }

    /// Forgets the last label (its code may have changed meaning).
    mutating func forgetLast() { lastSlot = -1; lastCode = -1 }

    private func put(_ slot: Int, _ label: UnsafeBufferPointer<UInt8>) {
        guard label.count <= Self.slotBytes, let l = label.baseAddress else { lengths[slot] = -1; return }
        memcpy(bytes + slot * Self.slotBytes, l, label.count)
        lengths[slot] = label.count
    }
}

/// The storage of one requested column, reached through a raw pointer (no exclusivity checks on
/// the per-cell path). Rows reach it a block at a time (``TypedColumnsBuilder``) and go first to
/// its *direct* storage, then (once that is full, or when there is none) to growing arrays.
///
/// Direct storage is a Swift array made at its full size (the rows expected in the whole file)
/// without writing to it: pages are touched only when rows are copied in, and the finished column
/// is that array, truncated — moved out, not copied. When a file is parsed in two halves, the
/// second half's builder writes into the first half's direct storage, after the rows the first
/// half can at most have (``TypedColumnsBuilder/continuing(after:)``), so the halves are joined
/// in place.
struct ColumnState {
    var name: String
    var column: Int
    var kind: ColumnKind
    /// Its row of the builder's block (of numbers or of label codes).
    var blockIndex = -1
    /// Rows after the direct storage's (all rows when there is none).
    var values: [Double] = []
    var codes: [Int32] = []
    /// Direct storage (`count` = its capacity in rows; only the builders' direct rows are valid)
    /// and its first element, valid while the array is neither resized nor copied.
    var directValues: [Double] = []
    var directCodes: [Int32] = []
    var valueBase: UnsafeMutablePointer<Double>? = nil
    var codeBase: UnsafeMutablePointer<Int32>? = nil
    var missingRows: [Int] = []
    var firstInvalid: (row: Int, text: String)? = nil
    var levels: [String] = []
    var index: [String: Int32] = [:]
    /// For a label column: its first levels and last label in plain memory.
    var cache: LabelCache? = nil

    /// Reserves room for at least `wanted` rows in the arrays.
    mutating func reserve(_ wanted: Int) {
        switch kind {
        case .number: values.reserveCapacity(wanted)
        case .label: codes.reserveCapacity(wanted)
        }
    }

    /// Makes direct storage of `capacity` rows (no page is touched).
    mutating func makeDirect(capacity: Int) {
        switch kind {
        case .number:
            directValues = [Double](unsafeUninitializedCapacity: capacity) { _, n in n = capacity }
            valueBase = directValues.withUnsafeMutableBufferPointer { $0.baseAddress }
        case .label:
            directCodes = [Int32](unsafeUninitializedCapacity: capacity) { _, n in n = capacity }
            codeBase = directCodes.withUnsafeMutableBufferPointer { $0.baseAddress }
        }
    }

    /// The column's rows: the first `directRows` of the direct storage, then the arrays' (the
    /// direct array is truncated in place when the arrays are empty; else one copy).
    mutating func takeRows(directRows: Int) -> (values: [Double], codes: [Int32]) {
        defer { directValues = []; directCodes = []; values = []; codes = []; valueBase = nil; codeBase = nil }
        switch kind {
        case .number:
            guard valueBase != nil else { return (values, []) }
            return (Self.joined(&directValues, directRows, values), [])
        case .label:
            guard codeBase != nil else { return ([], codes) }
            return ([], Self.joined(&directCodes, directRows, codes))
        }
    }

    /// `direct[..<count] + rest`, reusing `direct`'s storage when `rest` is empty.
    static func joined<T>(_ direct: inout [T], _ count: Int, _ rest: [T]) -> [T] {
        if rest.isEmpty {
            direct.removeLast(direct.count - count)  // trivial elements: no page is touched
            return direct
        }
        return Array(direct[..<count]) + rest
    }
}

/// The direct storage a first half's builder offers to the second half's (see
/// ``TypedColumnsBuilder/continuing(after:)``): per slot, the first element of its direct
/// storage. Settled once — published, or closed when the first half ends without one — and
/// waited for by the second half before it stores its first rows.
final class DirectShare: @unchecked Sendable {
    struct Storage {
        var values: [UnsafeMutablePointer<Double>?]
        var codes: [UnsafeMutablePointer<Int32>?]
        var lines: UnsafeMutablePointer<Int>
        var capacity: Int
    }
    private let condition = NSCondition()
    private var storage: Storage?
    private var settled = false
    func publish(_ s: Storage) {
        condition.withLock {
            if !settled { storage = s; settled = true }
            condition.broadcast()
        }
    }
    /// No storage will be published (idempotent).
    func close() { condition.withLock { settled = true; condition.broadcast() } }
    /// The storage, once settled (`nil`: there is none).
    func wait() -> Storage? {
        condition.withLock {
            while !settled { condition.wait() }
            return storage
        }
    }
}

/// Accumulates typed columns row by row from cell bytes.
///
/// Numbers and line numbers go first to a block of ``blockRows`` rows (plain memory, one row of
/// it per number column) and are stored in the columns a block at a time: the per-cell path is
/// then one store, with no array growth or uniqueness check.
final class TypedColumnsBuilder {
    let columns: [String]
    /// Number of requested columns found in `columns`.
    let slotCount: Int
    /// Per requested column: its state (`slotCount` entries).
    let slots: UnsafeMutablePointer<ColumnState>
    private(set) var rows = 0
    /// Line numbers: direct storage (as the columns'), then an array.
    private var lines: [Int] = []
    private var directLines: [Int] = []
    private var lineBase: UnsafeMutablePointer<Int>? = nil
    /// Direct storage in use: rows go to `origin + directRows` of it while they fit in `capacity`.
    private var direct = false
    private var origin = 0, capacity = 0
    /// Rows stored in direct storage (they precede the arrays' rows).
    private(set) var directRows = 0
    /// Set by the first half's builder when it makes its direct storage.
    let share = DirectShare()
    /// For the second half's builder: the first half's share and the row it may start at.
    private var partner: DirectShare? = nil
    private var startRow: Int? = nil
    /// Whether the rows were written into the partner's direct storage (from `origin`).
    private(set) var attached = false
    /// Rows the arrays were to be reserved for (a second half that did not attach).
    private var wantedRows = 0
    /// How many second halves were joined in place, and how many of those had rows left over
    /// past the direct storage (for tests).
    static let inPlaceJoins = Counter(), inPlaceOverflows = Counter()
    /// Rows per block.
    static let blockRows = 1024
    /// Number columns' values of the rows not yet flushed: `block[j * blockRows + r]`.
    private let block: UnsafeMutablePointer<Double>
    /// Label columns' codes of the rows not yet flushed, likewise.
    private let codeBlock: UnsafeMutablePointer<Int32>
    private let blockLines: UnsafeMutablePointer<Int>
    private let numberSlots: [Int], labelSlots: [Int]
    /// Per number slot, in block order: its source column (plain memory for the per-row loop).
    private let numberColumns: UnsafeMutablePointer<Int>
    /// Rows in the block.
    private var blockCount = 0

    init(columns: [String], requests: [ColumnRequest]) {
        self.columns = columns
        var firstIndex: [String: Int] = [:]
        for (j, name) in columns.enumerated() where firstIndex[name] == nil { firstIndex[name] = j }
        var seen = Set<String>()
        var states: [ColumnState] = []
        var numberSlots: [Int] = [], labelSlots: [Int] = []
        for r in requests {
            guard let j = firstIndex[r.name], seen.insert("\(r.kind == .number ? "n" : "l"):\(r.name)").inserted else { continue }
            var state = ColumnState(name: r.name, column: j, kind: r.kind)
            switch r.kind {
            case .number: state.blockIndex = numberSlots.count; numberSlots.append(states.count)
            case .label: state.blockIndex = labelSlots.count; labelSlots.append(states.count); state.cache = LabelCache()
            }
            states.append(state)
        }
        slotCount = states.count
        slots = .allocate(capacity: max(states.count, 1))
        slots.initialize(from: states, count: states.count)
        self.numberSlots = numberSlots
        self.labelSlots = labelSlots
        numberColumns = .allocate(capacity: max(numberSlots.count, 1))
        for (j, k) in numberSlots.enumerated() { numberColumns[j] = states[k].column }
        block = .allocate(capacity: max(numberSlots.count, 1) * Self.blockRows)
        codeBlock = .allocate(capacity: max(labelSlots.count, 1) * Self.blockRows)
        blockLines = .allocate(capacity: Self.blockRows)
    }

    /// The builder for the rows after a record boundary of the same file: same columns and
    /// requests; it may write into this builder's direct storage (``continuing(after:)``).
    func continuation(requests: [ColumnRequest]) -> TypedColumnsBuilder {
        let next = TypedColumnsBuilder(columns: columns, requests: requests)
        next.partner = share
        return next
    }

    deinit {
        for k in labelSlots { slots[k].cache?.deallocate() }
        slots.deinitialize(count: slotCount)
        slots.deallocate()
        block.deallocate()
        numberColumns.deallocate()
        codeBlock.deallocate()
        blockLines.deallocate()
    }

    /// The source column of slot `k`.
    @inline(__always) func column(_ k: Int) -> Int { slots[k].column }

    /// Where slot `k`'s cell of the current row goes in its block (`block` or `codeBlock`).
    @inline(__always) private func blockOffset(_ k: Int) -> Int { slots[k].blockIndex &* Self.blockRows &+ blockCount }

    /// Slot `k`'s rows in the block `base` (`block` or `codeBlock`).
    private func pending<T>(_ base: UnsafeMutablePointer<T>, slot k: Int) -> UnsafeBufferPointer<T> {
        UnsafeBufferPointer(start: base + slots[k].blockIndex * Self.blockRows, count: blockCount)
    }

    /// Stores the value of number slot `k` for the current row.
    @inline(__always) func store(_ v: Double, slot k: Int) { block[blockOffset(k)] = v }

    /// Adds one row: the requested cells of a record's fields (absent past the last field).
    /// Short plain decimals (the bulk of survey numbers) are read a word at a time
    /// (``NumberSyntax/shortDecimal(_:count:)``) straight into the block; every other cell goes
    /// through ``add(_:slot:)``.
    @inline(__always) func addRow(_ fields: FieldsView, line: Int) {
        let spans = fields.spans, n = spans.count, readable = fields.readableCount
        @inline(__always) func cell(_ c: Int) -> UnsafeBufferPointer<UInt8>? {
            c < n && !spans[c].isNull ? fields.field(c) : nil
        }
        if let base = fields.bytes.baseAddress {
            var target = block + blockCount
            for j in 0..<numberSlots.count {
                let c = numberColumns[j]
                if c < n {
                    // A null field has no bytes, which `shortDecimal` refuses: no separate test.
                    let span = spans[c]
                    if span.start &+ 8 <= readable,
                       let v = NumberSyntax.shortDecimal(base + span.start, count: span.end &- span.start) {
                        target.pointee = v
                        target += Self.blockRows
                        continue
                    }
                }
                add(cell(c), slot: numberSlots[j])
                target += Self.blockRows
            }
        } else {
            for k in numberSlots { add(cell(column(k)), slot: k) }
        }
        for k in labelSlots { add(cell(column(k)), slot: k) }
        endRow(line: line)
    }

    /// Stores the code of label slot `k` for the current row.
    @inline(__always) private func storeCode(_ code: Int32, slot k: Int) { codeBlock[blockOffset(k)] = code }

    /// Moves the block's rows into the columns: into direct storage while they fit, then (for
    /// good, so that rows stay in order) into the arrays.
    private func flush() {
        guard blockCount > 0 else { return }
        if rows == blockCount { attach() }
        if direct && origin + directRows + blockCount <= capacity {
            let at = origin + directRows
            for k in numberSlots {
                if let base = slots[k].valueBase { (base + at).update(from: block + slots[k].blockIndex * Self.blockRows, count: blockCount) }
            }
            for k in labelSlots {
                if let base = slots[k].codeBase { (base + at).update(from: codeBlock + slots[k].blockIndex * Self.blockRows, count: blockCount) }
            }
            lineBase.map { ($0 + at).update(from: blockLines, count: blockCount) }
            directRows += blockCount
        } else {
            direct = false
            for k in numberSlots { slots[k].values.append(contentsOf: pending(block, slot: k)) }
            for k in labelSlots { slots[k].codes.append(contentsOf: pending(codeBlock, slot: k)) }
            lines.append(contentsOf: UnsafeBufferPointer(start: blockLines, count: blockCount))
        }
        blockCount = 0
    }

    /// For the second half's builder, before its first rows are stored: writes into the first
    /// half's direct storage from `startRow` if it has made one there with room (waiting until
    /// it has, or has ended without); otherwise the rows go to this builder's own arrays (and
    /// are copied when joined).
    private func attach() {
        guard let partner, let start = startRow else { return }
        guard let s = partner.wait(), start < s.capacity else {
            for k in 0..<slotCount { slots[k].reserve(wantedRows) }
            lines.reserveCapacity(wantedRows)
            return
        }
        for k in 0..<slotCount {
            slots[k].valueBase = s.values[k]
            slots[k].codeBase = s.codes[k]
        }
        lineBase = s.lines
        origin = start
        capacity = s.capacity
        direct = true
        attached = true
    }

    /// Tells the second half's builder (before its first row) that the first half holds at most
    /// `bound` rows: its rows may go into the first half's direct storage from row `bound` on.
    func continuing(after bound: Int) { startRow = bound }

    /// Adds the cell of slot `k` for the current row (`nil`: absent or unquoted-empty).
    @inline(__always)
    func add(_ cell: UnsafeBufferPointer<UInt8>?, slot k: Int) {
        let s = slots + k
        if s.pointee.kind == .number {
            switch NumberSyntax.parse(cell) {
            case .value(let v):
                store(v, slot: k)
            case .missing:
                store(.nan, slot: k)
                s.pointee.missingRows.append(rows)
            case .invalid:
                store(.nan, slot: k)
                if s.pointee.firstInvalid == nil, let cell {
                    s.pointee.firstInvalid = (rows, String(decoding: cell, as: UTF8.self))
                }
            }
            return
        }
        guard let cell, !NumberSyntax.isBlank(cell) else {
            storeCode(-1, slot: k)
            s.pointee.missingRows.append(rows)
            return
        }
        if let code = s.pointee.cache?.code(of: cell, levelCount: s.pointee.levels.count) {
            storeCode(code, slot: k)
            return
        }
        let text = String(decoding: cell, as: UTF8.self)
        let code: Int32
        if let c = s.pointee.index[text] { code = c } else {
            code = Int32(s.pointee.levels.count)
            s.pointee.index[text] = code
            s.pointee.levels.append(text)
            s.pointee.cache?.addLevel(code, cell)
        }
        storeCode(code, slot: k)
        s.pointee.cache?.setLast(code, cell)
    }

    /// Appends the rows another builder (same columns and requests) collected after this one's
    /// rows: values and codes (remapped to this builder's levels, new levels in their order of
    /// first appearance), missing rows, first invalid cell, and lines shifted by `lineOffset`.
    ///
    /// Returns `false` (and changes nothing usable) when `other` wrote into this builder's direct
    /// storage from a row this builder's rows reach past: the bound it was given was wrong, and
    /// the file must be parsed again in one pass.
    func append(_ other: TypedColumnsBuilder, lineOffset: Int) -> Bool {
        flush()
        other.flush()
        // In place only if this builder's rows all stayed in its direct storage and below the
        // other's first row (else the other overwrote some, or they overwrote the other's).
        if other.attached && (rows > other.origin || rows != directRows) { return false }
        if !other.attached { direct = false }  // this builder's later rows follow the other's arrays
        let count = min(slotCount, other.slotCount)
        // Work item k < count joins column k; item `count` joins the line numbers. The items
        // alternate between two threads (each touches only its own column), since this is a
        // serial step after the parse.
        let join = Join(builder: self, other: other, lineOffset: lineOffset, at: rows)
        DispatchQueue.concurrentPerform(iterations: 2) { half in
            for item in stride(from: half, through: count, by: 2) { join.run(item, count: count) }
        }
        if other.attached {
            Self.inPlaceJoins.increment()
            directRows = rows + other.directRows
            // The other's rows past its direct ones are in its arrays: later rows go to arrays.
            if other.rows > other.directRows {
                Self.inPlaceOverflows.increment()
                direct = false
            }
        }
        rows += other.rows
        return true
    }

    /// One join's shared state, handed to its two threads (which write disjoint columns).
    private struct Join: @unchecked Sendable {
        let builder: TypedColumnsBuilder, other: TypedColumnsBuilder
        let lineOffset: Int
        /// This builder's rows (where the other's first row goes).
        let at: Int

        func run(_ item: Int, count: Int) {
            if item == count {
                joinLines()
            } else {
                joinColumn(builder.slots + item, other.slots + item)
            }
        }

        /// The other's direct rows: from its origin down to `at` (in place; the ranges may overlap).
        private func moveDirect<T>(_ base: UnsafeMutablePointer<T>) {
            let from = other.origin
            if from != at { memmove(base + at, base + from, other.directRows * MemoryLayout<T>.stride) }
        }

        private func joinLines() {
            if other.attached, let base = builder.lineBase {
                moveDirect(base)
                for i in at..<(at + other.directRows) { base[i] += lineOffset }
            }
            let extra = other.lines
            builder.lines.reserveCapacity(builder.lines.count + extra.count)
            for l in extra { builder.lines.append(l + lineOffset) }
            other.lines = []
        }

        /// Appends column `o` (the rows after the builder's) to column `s`, remapping label codes.
        private func joinColumn(_ s: UnsafeMutablePointer<ColumnState>, _ o: UnsafeMutablePointer<ColumnState>) {
            if o.pointee.kind == .number {
                if other.attached, let base = s.pointee.valueBase { moveDirect(base) }
                s.pointee.values.append(contentsOf: o.pointee.values)
            } else {
                var map = [Int32](repeating: -1, count: o.pointee.levels.count)
                var identity = true
                for (j, level) in o.pointee.levels.enumerated() {
                    if let c = s.pointee.index[level] { map[j] = c } else {
                        let c = Int32(s.pointee.levels.count)
                        s.pointee.index[level] = c
                        s.pointee.levels.append(level)
                        var bytes = level
                        bytes.withUTF8 { s.pointee.cache?.addLevel(c, $0) }
                        map[j] = c
                    }
                    identity = identity && map[j] == Int32(j)
                }
                if other.attached, let base = s.pointee.codeBase {
                    moveDirect(base)
                    if !identity {
                        for i in at..<(at + other.directRows) where base[i] >= 0 { base[i] = map[Int(base[i])] }
                    }
                }
                for code in o.pointee.codes { s.pointee.codes.append(code < 0 ? -1 : map[Int(code)]) }
                s.pointee.cache?.forgetLast()
            }
            // Free the other half's arrays now.
            o.pointee.values = []; o.pointee.codes = []
            s.pointee.missingRows += o.pointee.missingRows.map { $0 + at }
            if s.pointee.firstInvalid == nil, let bad = o.pointee.firstInvalid {
                s.pointee.firstInvalid = (bad.row + at, bad.text)
            }
        }
    }

    /// Makes direct storage for `wanted` rows in every column (virtual memory: pages are touched
    /// only when written, so an overestimate costs no resident memory) and offers it to a second
    /// half's builder. A second half's builder instead reserves its arrays, if it cannot attach.
    func reserve(rows wanted: Int) {
        if partner != nil { wantedRows = wanted; return }
        guard !direct, rows == blockCount, slotCount > 0 else { return }
        for k in 0..<slotCount { slots[k].makeDirect(capacity: wanted) }
        directLines = [Int](unsafeUninitializedCapacity: wanted) { _, n in n = wanted }
        guard let linesStart = directLines.withUnsafeMutableBufferPointer({ $0.baseAddress }) else { return }
        lineBase = linesStart
        capacity = wanted
        direct = true
        share.publish(DirectShare.Storage(values: (0..<slotCount).map { slots[$0].valueBase },
                                          codes: (0..<slotCount).map { slots[$0].codeBase },
                                          lines: linesStart, capacity: wanted))
    }

    @inline(__always) func endRow(line: Int) {
        blockLines[blockCount] = line
        rows += 1
        blockCount += 1
        if blockCount == Self.blockRows { flush() }
    }

    /// The typed columns; moves the storage out (call once).
    func finish() -> TypedColumns {
        flush()
        var numbers: [String: NumberColumn] = [:], labels: [String: LabelColumn] = [:]
        // The arrays move out (this builder keeps no reference, so no copy is made).
        for k in 0..<slotCount {
            let s = slots + k
            let (values, codes) = s.pointee.takeRows(directRows: directRows)
            switch s.pointee.kind {
            case .number:
                numbers[s.pointee.name] = NumberColumn(values: values, missingRows: s.pointee.missingRows,
                                                       firstInvalid: s.pointee.firstInvalid)
            case .label:
                labels[s.pointee.name] = LabelColumn(codes: codes, levels: s.pointee.levels,
                                                     missingRows: s.pointee.missingRows)
            }
        }
        let allLines = lineBase == nil ? lines : ColumnState.joined(&directLines, directRows, lines)
        directLines = []; lines = []; lineBase = nil
        return TypedColumns(columns: columns, rowCount: rows, lines: allLines, numbers: numbers, labels: labels)
    }
}

/// The sink that builds ``TypedColumns`` from accepted records while the file is parsed.
final class TypedColumnsSink: SplittableSink {
    private let select: ([String]) -> [ColumnRequest]
    private var requests: [ColumnRequest] = []
    private(set) var builder = TypedColumnsBuilder(columns: [], requests: [])

    init(select: @escaping ([String]) -> [ColumnRequest]) { self.select = select }

    func begin(columns: [String], rawColumnNames: [String], headerRows: [[String]], platform: PlatformMetadata) throws {
        requests = select(columns)
        builder = TypedColumnsBuilder(columns: columns, requests: requests)
        sampledBytes = 0
        sampled = false
    }

    /// Bytes of text this sink will see (the file size; 0: unknown). After the first
    /// ``sampleRows`` rows (or ``sampleBytes`` bytes, if fewer rows) the columns are reserved for
    /// `expectedBytes` / mean record length rows, so they are not copied while they grow.
    var expectedBytes = 0
    /// 512, or `COPRO_INGEST_SAMPLE_ROWS` (≥ 1): the fuzz harness sets a few rows so that its
    /// small inputs reach the direct storage and the in-place join (docs/robustness.md).
    static let sampleRows = ProcessInfo.processInfo.environment["COPRO_INGEST_SAMPLE_ROWS"].flatMap { Int($0) }.map { max(1, $0) } ?? 512
    static let sampleBytes = 1 << 20
    private var sampledBytes = 0
    private var sampled = false

    func continuation() -> SplittableSink {
        let next = TypedColumnsSink(select: select)
        next.expectedBytes = expectedBytes
        next.requests = requests
        next.builder = builder.continuation(requests: requests)
        return next
    }

    func continuing(after bound: Int) { builder.continuing(after: bound) }

    func endFirstHalf() { builder.share.close() }

    func append(_ other: SplittableSink, lineOffset: Int) -> Bool {
        guard let other = other as? TypedColumnsSink else { return false }
        return builder.append(other.builder, lineOffset: lineOffset)
    }

    func accept(_ fields: FieldsView, columnCount: Int, dataRow: Int, line: Int) throws {
        let b = builder
        b.addRow(fields, line: line)
        if expectedBytes > 0, !sampled {
            sampledBytes += fields.byteCount + fields.count
            if b.rows == Self.sampleRows || sampledBytes >= Self.sampleBytes {
                sampled = true
                let perRow = max(1, sampledBytes / b.rows)
                // Half as many again: direct storage costs no memory until rows are written (a
                // short estimate costs a copy of the rows past it).
                b.reserve(rows: expectedBytes / perRow + expectedBytes / perRow / 2 + 1024)
            }
        }
    }
}

extension RawTable {
    /// Calls `body` with the bytes of a cell (`nil` for an absent or unquoted-empty cell).
    func withCell<R>(row: Int, column: Int, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
        let n = columns.count
        let end = cellEnds[row * n + column]
        if end & Self.nullBit != 0 { return body(nil) }
        let begin = column == 0 ? 0 : Int(cellEnds[row * n + column - 1] & ~Self.nullBit)
        let base = rowStarts[row]
        return bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[(base + begin)..<(base + Int(end))])) }
    }
}

extension Ingest {
    /// Files at least this large are read on two threads by ``readColumns(path:options:select:)``.
    static let readColumnsSplitThreshold = 32 << 20

    /// Reads only the columns `select` asks for (given the file's reported column names), typed,
    /// with the same record policy and account as ``read(path:options:)`` (the summary's accepted
    /// rows are the rows of the result). Memory: the typed columns plus the parser's window.
    /// Files of at least 32 MiB are parsed in two halves on two threads; the file is not hashed
    /// (`summary.sha256` is empty).
    ///
    /// - Throws: ``IngestError`` as ``read(path:options:)``.
    public static func readColumns(path: String, options: IngestOptions = .init(),
                                   select: @escaping ([String]) -> [ColumnRequest]) throws -> (columns: TypedColumns, summary: IngestSummary) {
        try readColumns(path: path, options: options, splitThreshold: readColumnsSplitThreshold, select: select)
    }

    /// ``readColumns(path:options:select:)`` splitting files of at least `splitThreshold` bytes (tests).
    static func readColumns(path: String, options: IngestOptions, splitThreshold: Int,
                            select: @escaping ([String]) -> [ColumnRequest]) throws -> (columns: TypedColumns, summary: IngestSummary) {
        if let format = ReadStatFormat(path: path) {
            let r = try ReadStatIngest.read(path: path, format: format, options: options)
            return (TypedColumns(table: r.table, requests: select(r.table.columns)), r.summary)
        }
        let sink = TypedColumnsSink(select: select)
        let snapshot = FileSnapshot(path: path)
        var input = try FileInput(path: path)
        defer { input.close() }
        sink.expectedBytes = input.size
        // Large files are parsed in two halves on two threads (``ParallelSplit``; the halves'
        // columns are joined exactly as one pass would build them), and not hashed (the summary's
        // sha256 is empty: nothing here reports it).
        let summary = try run(&input, opener: { try FileInput(path: path) }, name: path, options: options,
                              sink: sink, onReject: nil, splitPath: path,
                              splitThreshold: min(options.splitThreshold, splitThreshold), hashing: false)
        try snapshot?.verifyUnchanged(path: path)
        return (sink.builder.finish(), summary)
    }
}
