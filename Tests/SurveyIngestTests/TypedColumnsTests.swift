import Foundation
import PropertyBased
import Testing
@testable import SurveyIngest

/// The definition ``NumberSyntax`` implements: trim tab and category Zs, then `Double(String)`,
/// finite only; empty after trimming is missing.
private func reference(_ text: String?) -> NumberSyntax.Parsed {
    guard let text else { return .missing }
    let trimmed = NumberSyntax.trimmedBlanks(text)
    if trimmed.isEmpty { return .missing }
    guard let v = Double(trimmed), v.isFinite else { return .invalid }
    return .value(v)
}

private func parsed(_ text: String?) -> NumberSyntax.Parsed { NumberSyntax.parse(text) }

/// Same value, and the same sign of zero (`-0` must stay `-0.0`, as `Double("-0")`).
private func same(_ a: NumberSyntax.Parsed, _ b: NumberSyntax.Parsed) -> Bool {
    if case .value(let x) = a, case .value(let y) = b { return x == y && x.sign == y.sign }
    return a == b
}

@Test func numberSyntaxMatchesDoubleOfTheTrimmedText() {
    let cases: [String?] = [
        nil, "", " ", "\t", "\u{00A0}", "1", "-0", "+5", "5.", ".5", "-.5", "007", "0.1", "123.456", "-123.456",
        "1e5", "1E-3", "0x1p3", " 7 ", "\u{00A0}3\u{2003}", "\t-2.5", "inf", "-inf", "nan", "NaN", "1,000", "1.2.3",
        "--1", "+-1", "-", "+", ".", "1..", "12345678901234567890", "1234567890123456789", "9007199254740993",
        "9007199254740992", "9007199254740991", "0.1000000000000000055511151231257827", "4.35", "2.675",
        "0.30000000000000004", "1.7976931348623157e308", "1e400", "0.0000000000000000000001", "99.999", "3 4", "1_000",
        "١٢", "½", "12abc", "0.0", "-0.0", "00000000000000000000000000001",
    ]
    for c in cases {
        #expect(same(parsed(c), reference(c)), "\(String(describing: c))")
    }
}

/// Random decimal texts with up to 25 digits and up to 23 decimals, signs, blanks: every fast-path
/// result equals `Double(String)` bit for bit.
@Test func numberSyntaxFastPathIsExactOnRandomDecimals() async {
    let digit = Gen.element(of: Array("0123456789")).map { $0 ?? "0" }
    let digits = digit.array(of: 0...25).map { String($0) }
    await propertyCheck(count: 3000, input: digits, digits, Gen.int(in: 0...5)) { whole, fraction, shape in
        var text = whole
        switch shape {
        case 0: text = whole + "." + fraction
        case 1: text = "-" + whole + "." + fraction
        case 2: text = "+" + whole
        case 3: text = " " + whole + "." + fraction + "\t"
        case 4: text = whole + fraction
        default: text = "-" + fraction
        }
        #expect(same(parsed(text), reference(text)), "\(text)")
    }
}

/// ``NumberSyntax/shortDecimal(_:count:)`` on `text` followed by `tail` (bytes it must ignore).
private func shortDecimal(_ text: String, tail: [UInt8]) -> Double? {
    let bytes = Array(text.utf8) + tail + [UInt8](repeating: 0x39, count: 8)
    return bytes.withUnsafeBufferPointer { NumberSyntax.shortDecimal($0.baseAddress!, count: text.utf8.count) }
}

/// Whether `text` is what the word-at-a-time path must take: 1…8 bytes, `digits` or `digits.digits`.
private func isShortPlainDecimal(_ text: String) -> Bool {
    let b = Array(text.utf8)
    guard (1...8).contains(b.count) else { return false }
    let parts = b.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    return parts.count <= 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { (0x30...0x39).contains($0) } }
}

/// The word-at-a-time decimal path: every text of up to 4 bytes over an alphabet of digits, dot,
/// sign, blank and letter, and random texts of up to 8 bytes; it takes exactly the plain decimals,
/// and its value is `Double(String)`'s bit for bit, whatever bytes follow the cell.
@Test func shortDecimalTakesPlainDecimalsAndEqualsDouble() async {
    let alphabet = Array("0159.-+ e").map(String.init)
    var texts: [String] = [""]
    var layer = [""]
    for _ in 1...4 {
        layer = layer.flatMap { prefix in alphabet.map { prefix + $0 } }
        texts += layer
    }
    texts += ["12345678", "99999999", "1234.567", "0.000001", "9.9999999", "123456789", "00000000", "1.2345678"]
    for text in texts {
        for tail: [UInt8] in [[], [0x2C], [0x2E, 0x35], [0x0A, 0x31, 0x32]] {
            let v = shortDecimal(text, tail: tail)
            #expect((v != nil) == isShortPlainDecimal(text), "\(text)")
            if let v { #expect(same(.value(v), reference(text)), "\(text)") }
        }
    }
    let gen = Gen.element(of: Array("0123456789.")).map { $0 ?? "0" }.array(of: 1...8).map { String($0) }
    await propertyCheck(count: 5000, input: gen) { text in
        let v = shortDecimal(text, tail: [0x2C])
        #expect((v != nil) == isShortPlainDecimal(text), "\(text)")
        if let v { #expect(same(.value(v), reference(text)), "\(text)") }
    }
}

/// Consumer that keeps every record the reader produces.
private final class Collector: RecordConsumer {
    struct Record: Equatable {
        var fields: [[UInt8]?]
        var count: Int
        var lastNonEmpty: Int
        var raw: [UInt8]
        var line: Int
        var unterminated: Bool
    }
    var records: [Record] = []
    var blanks: [Int] = []
    var needsFieldBytes: Bool { true }
    func consume(_ r: RecordView) throws {
        let fields: [[UInt8]?] = (0..<r.fields.spans.count).map { r.fields.spans[$0].isNull ? nil : Array(r.fields.field($0)) }
        records.append(Record(fields: fields, count: r.fields.count, lastNonEmpty: r.fields.lastNonEmpty, raw: Array(r.raw),
                              line: r.line, unterminated: r.unterminated))
    }
    func blankLine(_ line: Int) { blanks.append(line) }
}

/// Hands a text to a reader in chunks of the given sizes (cycled), as a file arrives.
private struct Chunked: ChunkSource {
    var bytes: ArraySlice<UInt8>
    var sizes: [Int]
    var turn = 0
    mutating func next(into buffer: inout [UInt8]) throws -> Bool {
        if bytes.isEmpty { return false }
        let k = min(bytes.count, max(1, sizes[turn % sizes.count]))
        turn += 1
        buffer.append(contentsOf: bytes.prefix(k))
        bytes = bytes.dropFirst(k)
        return true
    }
}

/// `chunks`: chunk sizes to deliver the text in (`nil`: all at once).
private func records(_ bytes: [UInt8], delimiter: UInt8, fastPath: Bool, chunks: [Int]? = nil) throws -> (Collector, RecordReader) {
    let reader = try RecordReader(delimiter: delimiter)
    reader.fastPath = fastPath
    let collector = Collector()
    if let chunks {
        var source = Chunked(bytes: bytes[...], sizes: chunks)
        try reader.run(&source, consumer: collector)
    } else {
        try reader.run(bytes: bytes, consumer: collector)
    }
    return (collector, reader)
}

/// The quote-free fast path of ``RecordReader`` gives exactly the records libcsv gives (fields,
/// NULL-ness, raw bytes, lines, blank lines, terminator counts), on random texts of delimiters,
/// blanks, line breaks of every kind, NUL, non-ASCII and some quotes, given at once or in
/// random chunks (so that lines, and CR LF pairs, are cut at chunk ends).
@Test func plainLineFastPathEqualsLibcsv() async throws {
    let alphabet: [[UInt8]] = [[0x61], [0x30], [0x20], [0x09], [0x2C], [0x3B], [0x7C], [0x0A], [0x0D], [0x0D, 0x0A],
                               [0xC3, 0xA9], [0], [0x2E], [0x2C, 0x2C], [0x22], Array("12.5,7,x".utf8)]
    let piece = Gen.int(in: 0...(alphabet.count - 1))
    let chunking = Gen.int(in: 1...17).array(of: 1...6)
    await propertyCheck(count: 1500, input: piece.array(of: 0...60), Gen.int(in: 0...3), Gen.bool, chunking) { pieces, d, quotes, chunks in
        let delimiter: UInt8 = [0x2C, 0x3B, 0x09, 0x7C][d]
        var bytes: [UInt8] = []
        for p in pieces where quotes || alphabet[p] != [0x22] { bytes += alphabet[p] }
        let (slow, slowReader) = try records(bytes, delimiter: delimiter, fastPath: false)
        for split in [nil, chunks] {
            let (fast, fastReader) = try records(bytes, delimiter: delimiter, fastPath: true, chunks: split)
            #expect(fast.records == slow.records)
            #expect(fast.blanks == slow.blanks)
            #expect(fastReader.terminatorCounts == slowReader.terminatorCounts)
            #expect(fastReader.endedInRecord == slowReader.endedInRecord)
            #expect(fastReader.line == slowReader.line)
        }
    }
}

/// Every file under the corpus's `files/` folder (recursively).
private func corpusFiles() -> [URL] {
    let root = CorpusDirectory.url.appendingPathComponent("files")
    let paths = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
    return paths.sorted().map { root.appendingPathComponent($0) }.filter { url in
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && !isDir.boolValue
    }
}

/// Every corpus file reads to the same records with and without the fast path.
@Test func plainLineFastPathEqualsLibcsvOnTheCorpus() throws {
    let files = corpusFiles()
    #expect(files.count > 10)
    for f in files {
        let bytes = Array(try Data(contentsOf: f))
        for delimiter: UInt8 in [0x2C, 0x3B, 0x09] {
            let (slow, _) = try records(bytes, delimiter: delimiter, fastPath: false)
            let (fast, _) = try records(bytes, delimiter: delimiter, fastPath: true)
            #expect(fast.records == slow.records, "\(f)")
            #expect(fast.blanks == slow.blanks, "\(f)")
        }
    }
}

/// `Ingest.readColumns` reads the same columns as `Ingest.read` followed by
/// `TypedColumns(table:requests:)`, with the same account, on every corpus file that reads.
@Test func readColumnsEqualsReadingTheWholeTable() throws {
    var compared = 0
    for f in corpusFiles() {
        let path = f.path
        guard let whole = try? Ingest.read(path: path) else { continue }
        let requests = whole.table.columns.flatMap { [ColumnRequest($0, .number), ColumnRequest($0, .label)] }
        let (typed, summary) = try Ingest.readColumns(path: path) { _ in requests }
        let expected = TypedColumns(table: whole.table, requests: requests)
        #expect(summary.acceptedRows == whole.summary.acceptedRows, "\(f)")
        #expect(summary.rejectedRows.count == whole.summary.rejectedRows.count, "\(f)")
        #expect(typed.rowCount == whole.table.rowCount, "\(f)")
        #expect(typed.lines == whole.table.lines, "\(f)")
        #expect(typed.numbers == expected.numbers, "\(f)")
        #expect(typed.labels == expected.labels, "\(f)")
        compared += 1
    }
    #expect(compared > 10)
}

/// Label and number columns as ``TypedColumns`` defines them, on a small table.
@Test func typedColumnsOfASmallTable() throws {
    let csv = "id,w,g\n1,2.5,a\n2, 3 ,b\n3,,a\n4,x, \n5,1e1,\"\"\n"
    let whole = try Ingest.read(bytes: Array(csv.utf8), name: "t.csv")
    let t = TypedColumns(table: whole.table, requests: [ColumnRequest("w", .number), ColumnRequest("g", .label),
                                                       ColumnRequest("nope", .number)])
    let w = try #require(t.numbers["w"])
    #expect(w.values.count == 5)
    #expect(w.values[0] == 2.5 && w.values[1] == 3 && w.values[2].isNaN && w.values[3].isNaN && w.values[4] == 10)
    #expect(w.missingRows == [2])
    #expect(w.firstInvalid?.row == 3 && w.firstInvalid?.text == "x")
    let g = try #require(t.labels["g"])
    #expect(g.levels == ["a", "b"])
    #expect(g.codes == [0, 1, 0, -1, -1])
    #expect(g.missingRows == [3, 4])
    #expect(t.numbers["nope"] == nil)
    #expect(t.lines == [2, 3, 4, 5, 6])
}

/// Reads `path` in one pass and in two halves (split whatever its size) and expects the same
/// columns and account; returns both.
@discardableResult
private func readOnceAndInHalves(_ path: String, _ requests: [ColumnRequest], _ label: String) throws
    -> (one: (columns: TypedColumns, summary: IngestSummary), two: (columns: TypedColumns, summary: IngestSummary)) {
    let one = try Ingest.readColumns(path: path, options: .init(), splitThreshold: Int.max) { _ in requests }
    let two = try Ingest.readColumns(path: path, options: .init(), splitThreshold: 0) { _ in requests }
    #expect(two.columns.numbers == one.columns.numbers, "\(label)")
    #expect(two.columns.labels == one.columns.labels, "\(label)")
    #expect(two.columns.lines == one.columns.lines, "\(label)")
    #expect(two.columns.rowCount == one.columns.rowCount, "\(label)")
    #expect(two.summary.acceptedRows == one.summary.acceptedRows, "\(label)")
    #expect(two.summary.rejectedRows.map(\.line) == one.summary.rejectedRows.map(\.line), "\(label)")
    return (one, two)
}

/// Reading in two halves on two threads gives exactly the columns and account of one pass: on
/// every corpus file and on generated files whose second half has new labels, missing and
/// invalid cells, quoted fields, blank lines and rejected records.
@Test func readColumnsInTwoHalvesEqualsOnePass() async throws {
    func compare(_ path: String, _ label: String) throws {
        guard let whole = try? Ingest.read(path: path) else { return }
        let requests = whole.table.columns.flatMap { [ColumnRequest($0, .number), ColumnRequest($0, .label)] }
        let (one, two) = try readOnceAndInHalves(path, requests, label)
        #expect(two.summary.warnings.map(\.code) == one.summary.warnings.map(\.code), "\(label)")
        // The UTF-8 check made while parsing decides the encoding as `read`'s separate pass does.
        #expect(one.summary.encoding == whole.summary.encoding, "\(label)")
        #expect(two.summary.encoding == whole.summary.encoding, "\(label)")
        #expect(one.summary.warnings.map(\.code) == whole.summary.warnings.map(\.code), "\(label)")
    }
    for f in corpusFiles() { try compare(f.path, f.lastPathComponent) }

    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("copro-split-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let splitsBefore = ParallelSplit.splits.value
    let kinds = Gen.int(in: 0...11).array(of: 50...249)
    let draws = Gen.int(in: 0...99_999).array(of: 250)
    await propertyCheck(count: 40, input: kinds, draws) { kinds, draws in
        var text = "id,w,group,note\n"
        for (i, kind) in kinds.enumerated() {
            switch kind {
            case 0: text += "\n"                                             // blank line
            case 1: text += "\(i),1,2,3,4\n"                                 // too many fields: rejected
            case 2: text += "\(i),,g\(i / 20),\"quoted, with comma\"\n"      // missing weight, quoted text
            case 3: text += "\(i),x\(i),g\(i / 20),\n"                       // invalid number
            case 4: text += "\(i),\(Double(draws[i] % 1000) / 8),,\"multi\nline\"\n"
            case 5 where draws[i] % 7 == 0: text += "\(i),1,g,caf\u{E9}\n"          // multibyte UTF-8
            default: text += "\(i),\(Double(draws[i]) / 1000),g\(i / 20),note \(i)\n"
            }
        }
        let path = dir.appendingPathComponent("f\(abs(text.hashValue)).csv").path
        var bytes = Array(text.utf8)
        // A third of the files hold a byte that is not UTF-8 (latin-1 é) late in the file.
        if draws[0] % 3 == 0, let at = bytes.lastIndex(of: UInt8(ascii: "n")) { bytes.insert(0xE9, at: at) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try compare(path, "generated file of \(kinds.count) rows")
    }
    #expect(ParallelSplit.splits.value > splitsBefore)
}

/// Label coding against its definition, on random columns: levels are the distinct non-blank
/// texts in order of first appearance, codes index them, blank cells are missing. The pool mixes
/// more than the cached first levels, labels longer than a cache slot, prefixes of each other and
/// blanks, in runs and alone; files are read in one pass and in two halves.
@Test func labelCodesFollowFirstAppearance() async throws {
    let long = String(repeating: "x", count: 70)
    let pool = ["a", "b", "ab", "ba", "a ", " a", "", " ", "1", "10", "2", long, long + "y", "é", "zz"]
        + (0..<12).map { "level\($0)" }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("copro-labels-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let picks = Gen.int(in: 0...(pool.count - 1)).array(of: 1...300)
    let runs = Gen.int(in: 1...4).array(of: 300)
    await propertyCheck(count: 60, input: picks, runs) { picks, runs in
        var cells: [String] = []
        for (p, r) in zip(picks, runs) { cells += repeatElement(pool[p], count: r) }
        let text = "id,g\n" + cells.enumerated().map { "\($0.offset),\($0.element)\n" }.joined()
        let path = dir.appendingPathComponent("l\(abs(text.hashValue)).csv").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        var levels: [String] = []
        var codes: [Int32] = []
        for c in cells {
            if NumberSyntax.trimmedBlanks(c).isEmpty { codes.append(-1); continue }
            if let j = levels.firstIndex(of: c) { codes.append(Int32(j)) } else { codes.append(Int32(levels.count)); levels.append(c) }
        }
        for threshold in [Int.max, 0] {
            let read = try Ingest.readColumns(path: path, options: .init(), splitThreshold: threshold) { _ in [ColumnRequest("g", .label)] }
            let g = try #require(read.columns.labels["g"])
            #expect(g.levels == levels)
            #expect(g.codes == codes)
            #expect(g.missingRows == codes.indices.filter { codes[$0] < 0 })
        }
    }
}

/// The cut of a two-half read is a guess that the first half's parse must confirm: a file whose
/// middle lies inside a quoted field longer than the 64 KiB look-back (with line breaks in it)
/// fools the quick route, and must still read exactly as one pass; so must files whose long
/// quoted field ends just before the middle, or that have no quote at all.
@Test func twoHalvesSurviveAWrongCut() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("copro-cut-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let rows = (0..<3000).map { "\($0),\(Double($0) / 8),plain text \($0)\n" }.joined()
    let longField = (0..<6000).map { "line \($0) of a long comment\n" }.joined()   // ≈ 170 KB, no quote
    let files = [
        "id,w,note\n" + rows + "9999,1,\"" + longField + "\"\n" + rows,          // middle inside the field
        "id,w,note\n" + "9999,1,\"" + longField + "\"\n" + rows + rows + rows,   // field before the middle
        "id,w,note\n" + rows + rows,                                             // no quote
    ]
    for (k, text) in files.enumerated() {
        let path = dir.appendingPathComponent("cut\(k).csv").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let requests = [ColumnRequest("w", .number), ColumnRequest("note", .label), ColumnRequest("id", .label)]
        let (_, two) = try readOnceAndInHalves(path, requests, "file \(k)")
        #expect(two.summary.acceptedRows == [6001, 9001, 6000][k], "file \(k)")
        #expect(two.summary.rejectedRows.isEmpty, "file \(k)")
    }
}

/// The line-break count that bounds a first half's rows: LF + CR − CR LF pairs, whatever the
/// chunking (pairs cut at a chunk end count once) and with or without CR in a chunk.
@Test func lineBreaksCountTerminatorsAcrossChunks() async {
    let byte = Gen.element(of: Array("a,\"\n\r\n\n".utf8)).map { $0 ?? 10 }
    await propertyCheck(count: 2000, input: byte.array(of: 0...300), Gen.int(in: 1...40)) { bytes, chunk in
        var expected = 0
        for (i, b) in bytes.enumerated() {
            if b == 10 && !(i > 0 && bytes[i - 1] == 13) { expected += 1 }
            if b == 13 { expected += 1 }
        }
        var counted = 0, carry: UInt64 = 0
        var at = 0
        while at < bytes.count {
            let end = min(bytes.count, at + chunk)
            bytes[at..<end].withUnsafeBufferPointer { counted += ParallelSplit.countBreaks($0, carryCR: &carry) }
            at = end
        }
        #expect(counted == expected, "\(bytes)")
        counted = 0; carry = 0
        bytes.withUnsafeBufferPointer { counted = ParallelSplit.countBreaks($0, carryCR: &carry) }
        #expect(counted == expected)
    }
}

/// Files large enough for the first half's direct storage (≥ 512 rows), so that the second half
/// writes into it and is joined in place: with the line endings LF, CR LF and CR; blank lines,
/// rejected records and quoted multi-line fields in either half (the first half then has fewer
/// rows than its bound, and the second half's rows are moved down); labels whose order of first
/// appearance differs between the halves (codes remapped in place); missing and invalid cells;
/// and files whose first rows are much longer than the rest (the direct storage, sized from
/// them, overflows into the second half's own arrays). All read exactly as one pass, and one
/// pass exactly as the table route (`Ingest.read`, then ``TypedColumns/init(table:requests:)``).
@Test func secondHalfJoinedInPlaceEqualsOnePass() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("copro-inplace-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let joinsBefore = TypedColumnsBuilder.inPlaceJoins.value
    let overflowsBefore = TypedColumnsBuilder.inPlaceOverflows.value
    var state: UInt64 = 20261129
    func draw(_ n: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(n))
    }
    for eol in ["\n", "\r\n", "\r"] {
        for irregular in [false, true] {
            for longHead in [false, true] {
                for scrambled in [false, true] {
                    let rows = 6000 + draw(2000)
                    var text = "id,w,g,note" + eol
                    for i in 0..<rows {
                        let label = scrambled ? "g\((i * 7919 + (i > rows / 2 ? 3 : 0)) % 13)" : "g\(i / 300)"
                        let note = longHead && i < 600 ? String(repeating: "long ", count: 10) : "n"
                        switch irregular ? draw(40) : 9 {
                        case 0: text += eol                                                  // blank line
                        case 1: text += "\(i),1,2,3,4" + eol                                 // rejected
                        case 2: text += "\(i),2,\(label),\"two\(eol)lines\"" + eol           // quoted line break
                        case 3: text += "\(i),,\(label),\(note)" + eol                       // missing weight
                        case 4: text += "\(i),x,\(label),\(note)" + eol                      // invalid weight
                        default: text += "\(i),\(Double(draw(100_000)) / 1000),\(label),\(note)" + eol
                        }
                    }
                    let path = dir.appendingPathComponent("p\(abs(text.hashValue)).csv").path
                    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
                    let requests = [ColumnRequest("w", .number), ColumnRequest("g", .label), ColumnRequest("id", .number),
                                    ColumnRequest("note", .label)]
                    let label = "\(rows) rows, \(Array(eol.utf8)) \(irregular) \(longHead) \(scrambled)"
                    let (one, _) = try readOnceAndInHalves(path, requests, label)
                    // And one pass (direct storage, overflowing when the head is long) against the
                    // table route, which has none.
                    let table = TypedColumns(table: try Ingest.read(path: path).table, requests: requests)
                    #expect(one.columns.numbers == table.numbers, "\(label)")
                    #expect(one.columns.labels == table.labels, "\(label)")
                    #expect(one.columns.lines == table.lines, "\(label)")
                }
            }
        }
    }
    #expect(TypedColumnsBuilder.inPlaceJoins.value >= joinsBefore + 24)
    #expect(TypedColumnsBuilder.inPlaceOverflows.value >= overflowsBefore + 12)
}

/// Fuzz finding (ingest harness with every file split, `COPRO_INGEST_SPLIT_MIN_BYTES=0`): in a file
/// shorter than the delimiter-detection chunk the first half alone showed the detector only the
/// bytes before the cut, which here chose another delimiter, so a record one pass rejects as
/// having too many fields was accepted. The first half now detects on the file's whole first
/// chunk, as one pass does.
@Test func fuzzFindingSplitDetectsTheDelimiterOnTheWholeFirstChunk() throws {
    let input = "77u/kp6SlCxjaXRvZDsgY291bGQgYmUgYmV0dGVyIjIKDTtFYXN0c2lkZTs1O05vIGMybXBsYWludHMNCmF0aW5nO2NvbW1lbnQNDgAAAAAAAAAAYXJlYSAyLFAyLTgsYXJlYSAyLFAyLTgsOCwxMS42MDAwLDAsZXIiDQoyO0UKAA=="
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("copro-fuzz-split-\(getpid()).csv").path
    try #require(Data(base64Encoded: input)).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let whole = try Ingest.read(path: path)
    let requests = whole.table.columns.flatMap { [ColumnRequest($0, .number), ColumnRequest($0, .label)] }
    let (one, two) = try readOnceAndInHalves(path, requests, "fuzz finding")
    #expect(one.summary.acceptedRows == whole.summary.acceptedRows)
    #expect(two.summary.rejectedRows.map(\.reason) == whole.summary.rejectedRows.map(\.reason))
}
