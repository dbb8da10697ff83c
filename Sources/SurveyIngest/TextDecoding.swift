/// Bytes to text: BOMs, binary signatures, UTF-8 validation, UTF-16 and Windows-1252 decoding
/// (policy: docs/ingest.md, "Bytes to text").

/// The text encoding an export was read with.
enum TextEncoding: Sendable, Equatable {
    case utf8(bom: Bool)
    case utf16LE(bom: Bool)
    case utf16BE(bom: Bool)
    case windows1252

    /// The name `copro ingest` reports (`utf-8`, `utf-8-bom`, `utf-16le-bom`, …).
    var reportName: String {
        switch self {
        case .utf8(let bom): return bom ? "utf-8-bom" : "utf-8"
        case .utf16LE(let bom): return bom ? "utf-16le-bom" : "utf-16le"
        case .utf16BE(let bom): return bom ? "utf-16be-bom" : "utf-16be"
        case .windows1252: return "windows-1252"
        }
    }

    var bomLength: Int {
        switch self {
        case .utf8(let bom): return bom ? 3 : 0
        case .utf16LE(let bom), .utf16BE(let bom): return bom ? 2 : 0
        case .windows1252: return 0
        }
    }
}

enum TextSniffing {
    /// Signatures of binary formats that are sometimes renamed `.csv` (policy §1.2).
    static let binarySignatures: [[UInt8]] = [
        [0x50, 0x4B, 0x03, 0x04], [0x50, 0x4B, 0x05, 0x06], [0x50, 0x4B, 0x07, 0x08], // ZIP (xlsx, ods)
        [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1], // OLE2 (xls, doc)
        Array("%PDF-".utf8), [0x1F, 0x8B], // PDF, gzip
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], [0xFF, 0xD8, 0xFF], Array("GIF8".utf8), // images
        [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], Array("Rar!\u{1A}\u{07}".utf8), // 7z, rar
        [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], [0x7F, 0x45, 0x4C, 0x46], // xz, ELF
        Array("SQLite format 3\u{0}".utf8),
    ]

    /// The binary signature the input starts with, if any.
    static func binarySignature(_ prefix: ArraySlice<UInt8>) -> [UInt8]? {
        binarySignatures.first { prefix.starts(with: $0) }
    }

    /// The BOM-given encoding, if the input starts with a byte-order mark.
    static func bomEncoding(_ prefix: ArraySlice<UInt8>) -> TextEncoding? {
        if prefix.starts(with: [0xEF, 0xBB, 0xBF]) { return .utf8(bom: true) }
        if prefix.starts(with: [0xFF, 0xFE]) { return .utf16LE(bom: true) }
        if prefix.starts(with: [0xFE, 0xFF]) { return .utf16BE(bom: true) }
        return nil
    }
}

/// Streaming UTF-8 check: is everything valid, and is there at least one valid multi-byte sequence?
struct UTF8Scan {
    private(set) var valid = true
    private(set) var sawMultibyte = false
    private var carry: [UInt8] = []

    mutating func update(_ chunk: UnsafeBufferPointer<UInt8>) {
        if carry.isEmpty {
            let tail = scan(chunk, final: false)
            if tail > 0 { carry = Array(chunk.suffix(tail)) }
        } else {
            var joined = carry
            joined.append(contentsOf: chunk)
            carry = []
            joined.withUnsafeBufferPointer { j in
                let tail = scan(j, final: false)
                if tail > 0 { carry = Array(j.suffix(tail)) }
            }
        }
    }

    mutating func finish() {
        if !carry.isEmpty { valid = false; carry = [] }
    }

    /// Scans; returns the length of an incomplete sequence at the end (kept for the next chunk).
    private mutating func scan(_ b: UnsafeBufferPointer<UInt8>, final: Bool) -> Int {
        var i = 0
        let n = b.count
        while i < n {
            // ASCII fast path, 32 then 8 bytes at a time.
            if i + 32 <= n {
                let p = UnsafeRawPointer(b.baseAddress! + i)
                let words = p.loadUnaligned(as: UInt64.self) | p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                    | p.loadUnaligned(fromByteOffset: 16, as: UInt64.self) | p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
                if words & 0x8080_8080_8080_8080 == 0 { i += 32; continue }
            }
            if i + 8 <= n {
                let word = UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 { i += 8; continue }
            }
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            let len = UTF8Validation.sequenceLength(b, at: i)
            switch len {
            case .valid(let l): sawMultibyte = true; i += l
            case .truncated: return n - i
            case .invalid: valid = false; i += 1
            }
        }
        return 0
    }
}

enum UTF8Validation {
    enum Sequence { case valid(Int), truncated, invalid }

    /// Classifies the sequence starting at `i` (whose first byte is ≥ 0x80) per RFC 3629.
    @inline(__always)
    static func sequenceLength(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Sequence {
        let c = b[i]
        let n = b.count
        let need: Int
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        switch c {
        case 0xC2...0xDF: need = 1
        case 0xE0: need = 2; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: need = 2
        case 0xED: need = 2; hi = 0x9F
        case 0xF0: need = 3; lo = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4: need = 3; hi = 0x8F
        default: return .invalid
        }
        for k in 1...need {
            if i + k >= n { return .truncated }
            let d = b[i + k]
            if k == 1 { if d < lo || d > hi { return .invalid } } else if d < 0x80 || d > 0xBF { return .invalid }
        }
        return .valid(need + 1)
    }

    /// Whether `b` is entirely valid UTF-8.
    static func isValid(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < b.count {
            if b[i] < 0x80 { i += 1; continue }
            guard case .valid(let l) = sequenceLength(b, at: i) else { return false }
            i += l
        }
        return true
    }

    /// Text for messages and JSON: valid UTF-8 as is, each invalid byte written `\xHH`.
    static func escaped(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { b in
            if isValid(b) { return String(decoding: b, as: UTF8.self) }
            var out = ""
            var i = 0
            while i < b.count {
                if b[i] < 0x80 { out.unicodeScalars.append(Unicode.Scalar(b[i])); i += 1; continue }
                if case .valid(let l) = sequenceLength(b, at: i) {
                    out += String(decoding: UnsafeBufferPointer(rebasing: b[i..<(i + l)]), as: UTF8.self)
                    i += l
                } else {
                    out += "\\x" + String(b[i], radix: 16, uppercase: true)
                    i += 1
                }
            }
            return out
        }
    }
}

/// Converts decoded input to UTF-8, chunk by chunk (carrying split code units across chunks).
struct Transcoder {
    let encoding: TextEncoding
    private var carry: [UInt8] = []
    private var highSurrogate: UInt16? = nil

    init(encoding: TextEncoding) { self.encoding = encoding }

    /// Windows-1252 bytes 0x80–0x9F (WHATWG index; the five undefined bytes map to C1 controls).
    static let cp1252High: [UInt16] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    @inline(__always) private static func appendScalar(_ v: UInt32, to out: inout [UInt8]) {
        switch v {
        case 0..<0x80: out.append(UInt8(v))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (v >> 6))); out.append(UInt8(0x80 | (v & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (v >> 12))); out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (v >> 18))); out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F))); out.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    /// Appends the UTF-8 form of `chunk` to `out`. With `final`, flushes what is left: an odd
    /// trailing byte or a lone surrogate is written in its generalised UTF-8 form (ill-formed),
    /// so that the record holding it is rejected with `invalid-encoding`, never silently replaced.
    mutating func decode(_ chunk: UnsafeBufferPointer<UInt8>, into out: inout [UInt8], final: Bool) {
        switch encoding {
        case .utf8:
            out.append(contentsOf: chunk)
        case .windows1252:
            out.reserveCapacity(out.count + chunk.count + chunk.count / 8)
            for b in chunk {
                if b < 0x80 { out.append(b) } else if b < 0xA0 {
                    Self.appendScalar(UInt32(Self.cp1252High[Int(b - 0x80)]), to: &out)
                } else { Self.appendScalar(UInt32(b), to: &out) }
            }
        case .utf16LE, .utf16BE:
            var bytes = carry
            bytes.append(contentsOf: chunk)
            carry = []
            let little: Bool
            if case .utf16LE = encoding { little = true } else { little = false }
            var i = 0
            while i + 1 < bytes.count {
                let u = little ? UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8 : UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])
                i += 2
                if let h = highSurrogate {
                    highSurrogate = nil
                    if (0xDC00...0xDFFF).contains(u) {
                        Self.appendScalar(0x10000 + (UInt32(h - 0xD800) << 10) + UInt32(u - 0xDC00), to: &out)
                        continue
                    }
                    Self.appendScalar(UInt32(h), to: &out)
                }
                if (0xD800...0xDBFF).contains(u) { highSurrogate = u } else { Self.appendScalar(UInt32(u), to: &out) }
            }
            if i < bytes.count { carry = [bytes[i]] }
            if final {
                if let h = highSurrogate { Self.appendScalar(UInt32(h), to: &out); highSurrogate = nil }
                if !carry.isEmpty { out.append(0xFF); carry = [] }
            }
        }
    }
}
