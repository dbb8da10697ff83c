import Crypto
import Foundation

/// Options for reading an export.
public struct IngestOptions: Sendable {
    public enum Delimiter: String, Sendable, CaseIterable { case auto, comma, semicolon, tab, pipe }
    public enum Encoding: String, Sendable, CaseIterable {
        case auto, utf8 = "utf-8", utf16le = "utf-16le", utf16be = "utf-16be", windows1252 = "windows-1252"
    }
    public var delimiter: Delimiter = .auto
    public var encoding: Encoding = .auto
    /// Summary passes over UTF-8 files at least this large are split in two and parsed on two
    /// threads (see ``ParallelSplit``). Off by default (it showed no gain on the shared 2-core
    /// build machine, BENCHMARKS.md); the environment variable `COPRO_INGEST_SPLIT_MIN_BYTES`
    /// turns it on for files of at least that many bytes.
    var splitThreshold = ProcessInfo.processInfo.environment["COPRO_INGEST_SPLIT_MIN_BYTES"].flatMap { Int($0) } ?? Int.max
    public init(delimiter: Delimiter = .auto, encoding: Encoding = .auto) {
        self.delimiter = delimiter; self.encoding = encoding
    }
}

/// Reads survey exports into ``RawTable``s, accounting for every record.
///
/// The parsing policy (bytes → text, dialect, header rows, field counts, values, column names,
/// codes) is the corpus policy; docs/ingest.md states it with this importer's own choices.
/// Every data row is either accepted or rejected with a reason: `dataRows == accepted + rejected`.
public enum Ingest {
    /// Reads the file at `path` into a table.
    /// - Throws: ``IngestError``: `file-not-found`, `unreadable`, `empty-file`, `not-text` (the
    ///   last two carry the summary with `fileError` set).
    public static func read(path: String, options: IngestOptions = .init()) throws -> IngestResult {
        if let format = ReadStatFormat(path: path) { return try ReadStatIngest.read(path: path, format: format, options: options) }
        let builder = TableBuilder()
        let snapshot = FileSnapshot(path: path)
        var input = try FileInput(path: path)
        defer { input.close() }
        let summary = try run(&input, opener: { try FileInput(path: path) }, name: path, options: options,
                              sink: builder, onReject: nil)
        try snapshot?.verifyUnchanged(path: path)
        return IngestResult(table: builder.finish(platform: summary.platform), summary: summary)
    }

    /// Reads an export held in memory; `name` is used in messages and the summary.
    /// - Throws: ``IngestError`` (`empty-file`, `not-text`).
    public static func read(bytes input: [UInt8], name: String, options: IngestOptions = .init()) throws -> IngestResult {
        let builder = TableBuilder()
        var source = MemoryInput(bytes: input)
        let summary = try run(&source, opener: { MemoryInput(bytes: input) }, name: name, options: options,
                              sink: builder, onReject: nil)
        return IngestResult(table: builder.finish(platform: summary.platform), summary: summary)
    }

    /// Checks the file at `path` without keeping its rows: reads it in 4 MiB chunks, twice (once
    /// to hash it and check its encoding, once to parse it), so memory stays constant in the
    /// number of rows (it grows only with the longest record and with the warnings and
    /// rejections reported).
    /// - Parameters:
    ///   - dataOut: if given, the accepted records are written there (UTF-8, `,`, LF, minimal
    ///     quoting, one header row of the reported names), atomically.
    ///   - rejectsOut: if given, the rejected records as CSV `data_row,line,reason,raw`, atomically.
    /// - Throws: ``IngestError``.
    public static func summarize(path: String, options: IngestOptions = .init(), dataOut: String? = nil,
                                 rejectsOut: String? = nil) throws -> IngestSummary {
        if let format = ReadStatFormat(path: path) {
            return try ReadStatIngest.summarize(path: path, format: format, options: options, dataOut: dataOut, rejectsOut: rejectsOut)
        }
        let snapshot = FileSnapshot(path: path)
        var input = try FileInput(path: path)
        defer { input.close() }
        let data = try dataOut.map { try CSVFileWriter(path: $0) }
        let rejects = try rejectsOut.map { try CSVFileWriter(path: $0) }
        do {
            try rejects?.writeRecord([Array("data_row".utf8), Array("line".utf8), Array("reason".utf8), Array("raw".utf8)])
            let sink = data.map { DataOutSink(writer: $0) }
            let summary = try run(&input, opener: { try FileInput(path: path) }, name: path, options: options, sink: sink,
                                  onReject: { r in
                try rejects?.writeRecord([Array(String(r.dataRow).utf8), Array(String(r.line).utf8),
                                          Array(r.reason.utf8), r.rawBytes])
            }, onRestart: {
                try data?.truncate()
                try rejects?.truncate()
                try rejects?.writeRecord([Array("data_row".utf8), Array("line".utf8), Array("reason".utf8), Array("raw".utf8)])
            }, splitPath: dataOut == nil && rejectsOut == nil ? path : nil)
            try snapshot?.verifyUnchanged(path: path)
            try data?.commit()
            try rejects?.commit()
            return summary
        } catch {
            data?.discard(); rejects?.discard()
            throw error
        }
    }

    static let chunkSize = 4 << 20

    /// Most columns a delimited-text file may have: 131,072 (docs/ingest.md, "Limits"). A header
    /// with more fields is an ``IngestError`` `too-many-columns`; a data record with more is
    /// rejected `too-many-columns`.
    public static let maxColumns = IngestSession.maxColumns

    /// The whole pipeline over any byte input.
    static func run<I: ByteInput>(_ input: inout I, opener: @escaping @Sendable () throws -> I, name: String,
                                  options: IngestOptions, sink: AcceptedRowSink?,
                                  onReject: ((IngestSummary.Rejection) throws -> Void)?,
                                  onRestart: (() throws -> Void)? = nil,
                                  splitPath: String? = nil, splitThreshold: Int? = nil,
                                  hashing: Bool = true) throws -> IngestSummary {
        // Pass 1 (hash, UTF-8 check) runs on another thread while this one parses; the parse
        // assumes the file is valid UTF-8 (or as its BOM or option says) and is redone in the rare
        // case the check disagrees. Without hashing there is no pass 1: the parse makes the UTF-8
        // check itself as it reads (``DecodingSource/firstPass``).
        let firstPass = FirstPass()
        let group = DispatchGroup()
        var firstPassStarted = false
        func startFirstPass() {
            firstPassStarted = true
            DispatchQueue.global().async(group: group) {
                do {
                    var own = try opener()
                    defer { own.close() }
                    firstPass.set(.success(try scanAll(&own, hashing: hashing)))
                } catch {
                    firstPass.set(.failure(error))
                }
            }
        }
        if hashing { startFirstPass() }
        func joined() throws -> FirstPassResult {
            if !firstPassStarted { startFirstPass() }
            group.wait()
            return try firstPass.get()
        }

        var prefix: [UInt8] = []
        _ = try input.read(into: &prefix, max: 16)
        let bom = TextSniffing.bomEncoding(prefix[...])

        func fileError(_ code: IngestError.Code, _ message: String, _ hint: String, encoding: String,
                       lineEnding: String = "") -> IngestError {
            let summary = IngestSummary(
                file: name, sha256: (try? joined().sha256) ?? "", encoding: encoding, delimiter: nil, lineEnding: lineEnding, platform: "generic",
                headerRows: 0, columns: [], dataRows: 0, acceptedRows: 0, rejectedRows: [], warnings: [],
                fileError: .init(reason: code.rawValue, message: message))
            return IngestError(code, path: name, message: message, hint: hint, summary: summary)
        }

        if bom == nil, let sig = TextSniffing.binarySignature(prefix[...]) {
            let kind = sig.starts(with: [0x50, 0x4B]) ? "a ZIP archive (an .xlsx or .ods workbook?)" : "a binary file"
            throw fileError(.notText, "the file is \(kind), not delimited text",
                            "export the data as CSV from the application that made it", encoding: "binary")
        }

        /// Encoding decision (policy §1) once the whole file has been checked.
        func decide(_ pass: FirstPassResult) -> (TextEncoding, validate: Bool, fallback: Bool) {
            switch options.encoding {
            case .auto:
                if let bom {
                    if case .utf8 = bom { return (bom, !pass.valid, false) }
                    return (bom, true, false)
                }
                if pass.valid { return (.utf8(bom: false), false, false) }
                if !pass.sawMultibyte { return (.windows1252, false, true) }
                return (.utf8(bom: false), true, false)
            case .utf8: return (.utf8(bom: bom == .utf8(bom: true)), !pass.valid, false)
            case .utf16le: return (.utf16LE(bom: prefix.starts(with: [0xFF, 0xFE])), true, false)
            case .utf16be: return (.utf16BE(bom: prefix.starts(with: [0xFE, 0xFF])), true, false)
            case .windows1252: return (.windows1252, false, false)
            }
        }
        // The guess made before the check finishes: as if the file were valid UTF-8.
        let assumed = decide(FirstPassResult(sha256: "", valid: true, sawMultibyte: true, total: 1))

        func detectDelimiter(_ head: [UInt8]) -> UInt8 {
            if let forced = DialectDetection.byte(for: options.delimiter) { return forced }
            return head.withUnsafeBufferPointer { DialectDetection.detect(UnsafeBufferPointer(rebasing: $0.prefix(1 << 16))) }
        }

        func parse(_ encoding: TextEncoding, validate: Bool) throws -> ParseOutcome {
            do { return try parseOnce(encoding, validate: validate) } catch let e as ColumnLimitExceeded {
                throw fileError(.tooManyColumns,
                                "line \(e.line): the header record has \(e.count) fields, more than the limit of \(maxColumns) columns",
                                "check the delimiter (--delimiter): this many fields usually means the file was split on the wrong character; "
                                + "otherwise export the survey in parts of at most \(maxColumns) columns",
                                encoding: encoding.reportName)
            }
        }

        func parseOnce(_ encoding: TextEncoding, validate: Bool) throws -> ParseOutcome {
            if let splitPath, case .utf8 = encoding,
               let split = try ParallelSplit.parse(path: splitPath, encoding: encoding, validate: validate,
                                                   threshold: splitThreshold ?? options.splitThreshold,
                                                   sink: sink as? SplittableSink, delimiter: detectDelimiter) {
                return split
            }
            try input.rewind()
            var source = DecodingSource(input: input, transcoder: Transcoder(encoding: encoding),
                                        skip: encoding.bomLength)
            let delimiter = try source.primeDelimiter(detectDelimiter)
            let reader = try RecordReader(delimiter: delimiter)
            let session = IngestSession(validateRecords: validate, sink: sink, onReject: onReject)
            try reader.run(&source, consumer: session)
            try session.finish()
            var outcome = ParseOutcome(reader: reader, session: session, strippedNulPadding: source.strippedNulPadding,
                                       delimiter: delimiter)
            outcome.firstPass = source.firstPass
            return outcome
        }

        var outcome = try parse(assumed.0, validate: assumed.validate)
        let pass = try hashing ? joined() : outcome.firstPass ?? joined()
        let sha = pass.sha256
        let total = pass.total
        let (encoding, validateRecords, fallback) = decide(pass)
        if encoding != assumed.0 || validateRecords != assumed.validate {
            try onRestart?()
            outcome = try parse(encoding, validate: validateRecords)
        }
        let session = outcome.session
        let strippedNulPadding = outcome.strippedNulPadding
        let delimiter = outcome.delimiter
        var warnings: [IngestSummary.Warning] = []
        if fallback {
            warnings.append(.init(code: "encoding-fallback",
                                  message: "the file is not valid UTF-8 and holds no UTF-8 sequence; decoded as windows-1252"))
        }

        let kinds = outcome.terminatorCounts.filter { $0.value > 0 }
        let name3 = { (t: LineTerminator) in t == .lf ? "LF" : t == .crlf ? "CRLF" : "CR" }
        let lineEnding: String
        switch kinds.count {
        case 0: lineEnding = "LF"
        case 1: lineEnding = kinds.first.map { name3($0.key) } ?? "LF"
        default: lineEnding = "mixed"
        }
        if !outcome.sawRecord {
            throw fileError(.emptyFile, total == 0 ? "the file is empty"
                                : total <= encoding.bomLength ? "the file holds nothing after its byte-order mark"
                                : "the file holds no records (only line breaks or blank lines)",
                            "check that the export finished; an empty survey still has a header row",
                            encoding: encoding.reportName, lineEnding: kinds.isEmpty ? "" : lineEnding)
        }
        if lineEnding == "mixed", let first = outcome.firstTerminator {
            let detail = [(LineTerminator.crlf, "CRLF"), (.lf, "LF"), (.cr, "CR")]
                .compactMap { k, s in outcome.terminatorCounts[k].map { "\($0) \(s)" } }.joined(separator: ", ")
            warnings.append(.init(code: "mixed-line-endings",
                                  message: "records end with mixed line breaks (\(detail)); the first is \(name3(first))"))
            for d in outcome.deviatingLines {
                warnings.append(.init(code: "mixed-line-endings", line: d.line,
                                      message: "line \(d.line) ends with \(name3(d.terminator)), the first record with \(name3(first))"))
            }
        }
        if strippedNulPadding > 0 {
            warnings.append(.init(code: "trailing-nul-padding",
                                  message: "\(strippedNulPadding) NUL bytes after the last line break were ignored"))
        }
        var platform = session.platform
        if platform == .generic {
            switch encoding {
            case .utf16LE(true) where delimiter == 0x09: platform = .excel
            case .windows1252 where lineEnding == "CRLF" && options.encoding == .auto: platform = .excel
            case .utf8(true) where lineEnding == "CRLF": platform = .excel
            default: break
            }
        }
        return IngestSummary(
            file: name, sha256: sha, encoding: encoding.reportName,
            delimiter: delimiter == DialectDetection.noDelimiter ? nil : String(UnicodeScalar(delimiter)),
            lineEnding: lineEnding, platform: platform.rawValue, headerRows: session.headerRows.count,
            columns: session.columns, dataRows: outcome.dataRows, acceptedRows: outcome.acceptedRows,
            rejectedRows: outcome.rejections, warnings: warnings + outcome.warnings, fileError: nil,
            rawColumnNames: session.rawColumnNames)
    }
}

/// What the first pass learns about the raw bytes.
struct FirstPassResult: Sendable {
    var sha256: String
    var valid: Bool
    var sawMultibyte: Bool
    var total: Int
}

/// The first pass's result, handed from its thread to the parsing one.
final class FirstPass: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<FirstPassResult, any Error>?
    func set(_ r: Result<FirstPassResult, any Error>) { lock.withLock { result = r } }
    func get() throws -> FirstPassResult {
        guard let r = lock.withLock({ result }) else {
            throw IngestError(.unreadable, path: "", message: "the first pass over the file did not finish")
        }
        return try r.get()
    }
}

/// Hashes the whole input (unless `hashing` is false: `sha256` is then empty) and checks it as
/// UTF-8 (after a UTF-8 BOM).
func scanAll<I: ByteInput>(_ input: inout I, hashing: Bool = true) throws -> FirstPassResult {
    var hasher = SHA256()
    var scan = UTF8Scan()
    var total = 0
    var chunk: [UInt8] = []
    chunk.reserveCapacity(Ingest.chunkSize)
    while true {
        chunk.removeAll(keepingCapacity: true)
        if try input.read(into: &chunk, max: Ingest.chunkSize) == 0 { break }
        if hashing { hasher.update(data: chunk) }
        var body = chunk[...]
        if total == 0 && chunk.starts(with: [0xEF, 0xBB, 0xBF]) { body = chunk.dropFirst(3) }
        total += chunk.count
        body.withUnsafeBufferPointer { scan.update($0) }
    }
    scan.finish()
    let sha = hashing ? hasher.finalize().map { String(format: "%02x", $0) }.joined() : ""
    return FirstPassResult(sha256: sha, valid: scan.valid, sawMultibyte: scan.sawMultibyte, total: total)
}

// MARK: - Byte inputs

/// Raw bytes that can be read twice.
protocol ByteInput: SendableMetatype {
    /// Appends up to `max` next bytes to `buffer`; returns how many (0 at the end).
    mutating func read(into buffer: inout [UInt8], max: Int) throws -> Int
    /// As ``read(into:max:)``, for a parser's window that holds little (a partial line): the
    /// input may replace `buffer` by a new array holding its bytes and then the new ones.
    mutating func read(window buffer: inout [UInt8], max: Int) throws -> Int
    /// Starts again from the first byte.
    mutating func rewind() throws
    /// Releases the input (closes a file).
    func close()
}

extension ByteInput {
    mutating func read(window buffer: inout [UInt8], max: Int) throws -> Int { try read(into: &buffer, max: max) }
}

struct MemoryInput: ByteInput {
    let bytes: [UInt8]
    var offset = 0
    init(bytes: [UInt8]) { self.bytes = bytes }
    mutating func read(into buffer: inout [UInt8], max: Int) throws -> Int {
        let end = min(bytes.count, offset + max)
        let n = end - offset
        if n > 0 { buffer.append(contentsOf: bytes[offset..<end]) }
        offset = end
        return n
    }
    mutating func rewind() throws { offset = 0 }
    func close() {}
}

/// A file read with POSIX `read(2)` straight into the caller's buffer.
struct FileInput: ByteInput {
    let path: String
    let fd: Int32
    private var scratch = ReadScratch(capacity: 0)
    /// Byte range read (`nil`: the whole file).
    private var range: Range<Int>? = nil
    private var offset = 0

    /// The bytes `range` of the file at `path`.
    init(path: String, range: Range<Int>) throws {
        try self.init(path: path)
        self.range = range
        try rewind()
    }

    /// The file's size in bytes.
    var size: Int {
        var st = stat()
        return fstat(fd, &st) == 0 ? Int(st.st_size) : 0
    }

    init(path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw IngestError(.fileNotFound, path: path, message: "no such file",
                              hint: "check the path; relative paths are resolved from the current directory")
        }
        let fd = isDir.boolValue ? -1 : open(path, O_RDONLY)
        guard fd >= 0 else {
            throw IngestError(.unreadable, path: path, message: isDir.boolValue ? "is a directory" : "the file cannot be read",
                              hint: isDir.boolValue ? "give the path of a CSV file" : "check its permissions")
        }
        self.path = path
        self.fd = fd
    }

    /// Closes the file. The corresponding C function is `close`.
    func close() { _ = Glibc.close(fd) }

    mutating func read(into buffer: inout [UInt8], max wanted: Int) throws -> Int {
        try read(max: wanted) { buffer.append(contentsOf: $0) }
    }

    /// A window holding at most a partial line gets the file read straight into a new array after
    /// a copy of it, instead of into a scratch buffer that is then copied (the chunk is copied once,
    /// by the kernel, not twice).
    mutating func read(window buffer: inout [UInt8], max wanted: Int) throws -> Int {
        let max = range.map { Swift.min(wanted, $0.upperBound - offset) } ?? wanted
        if max <= 0 { return 0 }
        guard buffer.count <= 64 << 10 else { return try read(into: &buffer, max: wanted) }
        let kept = buffer
        var got = 0
        buffer = try [UInt8](unsafeUninitializedCapacity: kept.count + max) { storage, initialized in
            guard let base = storage.baseAddress else { return }
            _ = kept.withUnsafeBufferPointer { storage.initialize(fromContentsOf: $0) }
            initialized = kept.count
            got = try readFully(into: base + kept.count, count: max)
            initialized = kept.count + got
        }
        offset += got
        return got
    }

    /// Reads up to `count` bytes into `target` (fewer only at the end of the file).
    private func readFully(into target: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        var got = 0
        while got < count {
            let r = Glibc.read(fd, target + got, count - got)
            if r < 0 {
                if errno == EINTR { continue }
                throw IngestError(.unreadable, path: path, message: "read failed: \(String(cString: strerror(errno)))",
                                  hint: "check that the file is still there and readable")
            }
            if r == 0 { break }
            got += r
        }
        return got
    }

    /// Reads up to `wanted` next bytes into this input's own buffer and shows them to `body`
    /// (valid only during the call); returns how many (0 at the end).
    mutating func read(max wanted: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Int {
        let max = range.map { Swift.min(wanted, $0.upperBound - offset) } ?? wanted
        if max <= 0 { return 0 }
        if scratch.capacity < max { scratch = ReadScratch(capacity: max) }
        let got = try readFully(into: scratch.pointer, count: max)
        try body(UnsafeBufferPointer(start: scratch.pointer, count: got))
        offset += got
        return got
    }

    mutating func rewind() throws {
        offset = range?.lowerBound ?? 0
        if lseek(fd, off_t(offset), SEEK_SET) != off_t(offset) {
            throw IngestError(.unreadable, path: path, message: "cannot seek back to the start",
                              hint: "give a regular file, not a pipe")
        }
    }
}

/// A reusable read buffer (no zero-filling, unlike growing an `Array`).
final class ReadScratch {
    let pointer: UnsafeMutablePointer<UInt8>
    let capacity: Int
    init(capacity: Int) { self.capacity = capacity; pointer = .allocate(capacity: max(capacity, 1)) }
    deinit { pointer.deallocate() }
}

/// Decodes a ``ByteInput`` to UTF-8 chunk by chunk, skipping the BOM and holding back NUL bytes
/// at the end of the input: NULs that follow the last line break (or fill the file) are padding,
/// dropped with a `trailing-nul-padding` warning; any others are data.
struct DecodingSource<I: ByteInput>: ChunkSource {
    var input: I
    var transcoder: Transcoder
    var skip: Int
    var preloaded: [UInt8]? = nil
    /// Whether the input's end is the file's end (NUL padding is looked for only there).
    var padsAtEnd = true
    private var heldNuls = 0
    private var lastEmitted: UInt8? = nil
    private var finished = false
    private(set) var strippedNulPadding = 0
    private var scratch: [UInt8] = []
    private var raw: [UInt8] = []
    /// The UTF-8 check of the raw bytes after the skipped prefix, made as they are read (for a
    /// UTF-8 transcoder only; see ``firstPass``).
    private var scan = UTF8Scan()
    private let scanning: Bool
    /// Raw bytes read, the skipped prefix included.
    private(set) var rawTotal = 0

    init(input: I, transcoder: Transcoder, skip: Int) {
        self.input = input; self.transcoder = transcoder; self.skip = skip
        if case .utf8 = transcoder.encoding { scanning = true } else { scanning = false }
    }

    /// What ``scanAll(_:hashing:)`` without hashing reports of the same bytes, once the input has
    /// been read to its end: the UTF-8 check (meaningful for a UTF-8 transcoder) and the raw byte
    /// count. (NUL padding held back or stripped is ASCII, so it changes neither check.)
    var firstPass: FirstPassResult {
        var final = scan
        final.finish()
        return FirstPassResult(sha256: "", valid: final.valid, sawMultibyte: final.sawMultibyte, total: rawTotal)
    }

    mutating func next(into buffer: inout [UInt8]) throws -> Bool {
        if let p = preloaded {
            preloaded = nil
            if buffer.isEmpty { buffer = p } else { buffer.append(contentsOf: p) }
            return true
        }
        if finished { return false }
        let isUTF8: Bool
        if case .utf8 = transcoder.encoding { isUTF8 = true } else { isUTF8 = false }
        while true {
            // UTF-8 needs no decoding: read straight into `buffer` (after any held NULs).
            let target = isUTF8 && skip == 0
            var n: Int
            if target {
                let base = buffer.count
                n = try input.read(window: &buffer, max: Ingest.chunkSize)
                rawTotal += n
                if n > 0 {
                    buffer.withUnsafeBufferPointer { scan.update(UnsafeBufferPointer(rebasing: $0[base...])) }
                    var end = buffer.count
                    while end > base && buffer[end - 1] == 0 { end -= 1 }
                    if end == base { heldNuls += n; buffer.removeSubrange(base...); return true }
                    let trailing = buffer.count - end
                    buffer.removeSubrange(end...)
                    if heldNuls > 0 { buffer.insert(contentsOf: repeatElement(0, count: heldNuls), at: base) }
                    heldNuls = trailing
                    lastEmitted = buffer.last
                    return true
                }
            } else {
                raw.removeAll(keepingCapacity: true)
                n = try input.read(into: &raw, max: Ingest.chunkSize)
                rawTotal += n
                if n > 0 {
                    var body = raw[...]
                    if skip > 0 { let k = min(skip, body.count); body = body.dropFirst(k); skip -= k }
                    if body.isEmpty { continue }
                    if scanning { body.withUnsafeBufferPointer { scan.update($0) } }
                    scratch.removeAll(keepingCapacity: true)
                    body.withUnsafeBufferPointer { transcoder.decode($0, into: &scratch, final: false) }
                    if scratch.isEmpty { continue }
                    emit(into: &buffer, final: false)
                    return true
                }
            }
            finished = true
            scratch.removeAll(keepingCapacity: true)
            transcoder.decode(UnsafeBufferPointer(start: nil, count: 0), into: &scratch, final: true)
            emit(into: &buffer, final: true)
            return false
        }
    }

    /// Reads the first chunk, finds the delimiter in it and keeps it to be read again.
    mutating func primeDelimiter(_ detect: ([UInt8]) -> UInt8) throws -> UInt8 {
        var head: [UInt8] = []
        _ = try next(into: &head)
        preloaded = head
        return detect(head)
    }

    private mutating func emit(into buffer: inout [UInt8], final: Bool) {
        var end = scratch.count
        while end > 0 && scratch[end - 1] == 0 { end -= 1 }
        if end > 0 {
            if heldNuls > 0 { buffer.append(contentsOf: repeatElement(0, count: heldNuls)); heldNuls = 0 }
            buffer.append(contentsOf: scratch[0..<end])
            lastEmitted = scratch[end - 1]
        }
        heldNuls += scratch.count - end
        if final && heldNuls > 0 {
            if padsAtEnd && (lastEmitted == nil || lastEmitted == 10 || lastEmitted == 13) {
                strippedNulPadding = heldNuls
            } else {
                buffer.append(contentsOf: repeatElement(0, count: heldNuls))
            }
            heldNuls = 0
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
