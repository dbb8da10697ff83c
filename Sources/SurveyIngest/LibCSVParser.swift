internal import CLibCSV
import Foundation

/// Owns one libcsv parser. This is the only file that calls libcsv.
///
/// Fields arrive through C callbacks; the context pointer carries this object via `Unmanaged`.
final class LibCSVParser {
    private var parser = csv_parser()
    private(set) var records: [[String?]] = []
    private var current: [String?] = []

    /// - Parameter delimiter: the field separator byte.
    /// The corresponding C functions are `csv_init`, `csv_set_delim`, `csv_set_space_func`.
    init(delimiter: UInt8) throws {
        // CSV_EMPTY_IS_NULL: an unquoted empty field arrives as NULL, a quoted one as "".
        guard csv_init(&parser, UInt8(CSV_EMPTY_IS_NULL | CSV_APPEND_NULL)) == 0 else {
            throw IngestError(.parser, path: "", message: "libcsv could not be initialised (out of memory)")
        }
        csv_set_delim(&parser, delimiter)
        // libcsv trims spaces and tabs around unquoted fields by default; values must be kept verbatim.
        csv_set_space_func(&parser) { _ in 0 }
    }

    deinit { csv_free(&parser) }

    /// Feeds bytes to the parser. The corresponding C function is `csv_parse`.
    func parse(_ bytes: [UInt8]) {
        let ctx = Unmanaged.passUnretained(self).toOpaque()
        bytes.withUnsafeBufferPointer { buf in
            _ = csv_parse(&parser, buf.baseAddress, buf.count, { data, len, ctx in
                let me = Unmanaged<LibCSVParser>.fromOpaque(ctx!).takeUnretainedValue()
                if let data {
                    let p = data.assumingMemoryBound(to: UInt8.self)
                    me.current.append(String(decoding: UnsafeBufferPointer(start: p, count: len), as: UTF8.self))
                } else {
                    me.current.append(nil)
                }
            }, { _, ctx in
                let me = Unmanaged<LibCSVParser>.fromOpaque(ctx!).takeUnretainedValue()
                me.records.append(me.current)
                me.current = []
            }, ctx)
        }
    }

    /// Flushes the last record. The corresponding C function is `csv_fini`.
    func finish() {
        let ctx = Unmanaged.passUnretained(self).toOpaque()
        csv_fini(&parser, { data, len, ctx in
            let me = Unmanaged<LibCSVParser>.fromOpaque(ctx!).takeUnretainedValue()
            if let data {
                let p = data.assumingMemoryBound(to: UInt8.self)
                me.current.append(String(decoding: UnsafeBufferPointer(start: p, count: len), as: UTF8.self))
            } else {
                me.current.append(nil)
            }
        }, { _, ctx in
            let me = Unmanaged<LibCSVParser>.fromOpaque(ctx!).takeUnretainedValue()
            me.records.append(me.current)
            me.current = []
        }, ctx)
    }
}
