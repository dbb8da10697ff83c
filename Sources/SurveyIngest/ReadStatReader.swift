internal import CReadStat
import Foundation

/// The one owner of a ReadStat parser: the only code in copro that calls ReadStat.
///
/// Each public step names the corresponding C function. Callbacks receive this object's session
/// through ReadStat's `void *ctx` (`Unmanaged`, unretained: the session outlives the parse call).
/// Errors are translated in one place, ``parse(path:format:options:onRow:)``.
final class ReadStatReader {
    private let parser: UnsafeMutablePointer<readstat_parser_t>

    /// Creates a parser. The corresponding C function is `readstat_parser_init`.
    init(path: String) throws {
        guard let p = readstat_parser_init() else {
            throw IngestError(.unreadable, path: path, message: "ReadStat could not allocate a parser")
        }
        parser = p
    }

    /// The corresponding C function is `readstat_parser_free`.
    deinit { readstat_parser_free(parser) }

    /// Parses the file, calling `onRow` with the cells of each row in order (and the column names), and returns its dictionary.
    /// The corresponding C functions are `readstat_parse_sav` (also `.zsav`), `readstat_parse_por`,
    /// `readstat_parse_dta` and `readstat_parse_sas7bdat`.
    /// - Parameter rowLimit: read at most this many rows (`nil`: all).
    /// - Throws: ``IngestError`` `parser` naming the file and what ReadStat reported; any error `onRow` throws.
    func parse(path: String, format: ReadStatFormat, options: IngestOptions, rowLimit: Int? = nil,
               onRow: @escaping ([String?], [String]) throws -> Void) throws -> (DataDictionary, [String]) {
        let session = ReadStatSession(format: format, onRow: onRow)
        // ReadStat keeps the encoding pointers and reads them during the parse: a Swift string
        // passed directly is a temporary C string, freed when the call returns (the address
        // sanitizer caught `dta_ctx_init` reading freed memory; without it the parse failed at
        // random with "unsupported character set"). Own copies live until the parse has ended.
        let handlerEncoding = strdup("UTF-8")
        let fileEncoding = Self.encodingName(options.encoding).flatMap { strdup($0) }
        defer { free(handlerEncoding); free(fileEncoding) }
        readstat_set_handler_character_encoding(parser, handlerEncoding)
        if let fileEncoding { readstat_set_file_character_encoding(parser, fileEncoding) }
        if let rowLimit { readstat_set_row_limit(parser, rowLimit) }
        readstat_set_error_handler(parser) { message, ctx in
            guard let ctx, let message else { return }
            ReadStatSession.from(ctx).messages.append(String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        readstat_set_metadata_handler(parser) { metadata, ctx in
            guard let ctx, let metadata else { return Int32(READSTAT_HANDLER_ABORT) }
            let s = ReadStatSession.from(ctx)
            s.fileLabel = readstat_get_file_label(metadata).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
            s.encoding = readstat_get_file_encoding(metadata).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
            return Int32(READSTAT_HANDLER_OK)
        }
        readstat_set_variable_handler(parser) { index, variable, valLabels, ctx in
            guard let ctx, let variable else { return Int32(READSTAT_HANDLER_ABORT) }
            let s = ReadStatSession.from(ctx)
            s.addVariable(index: Int(index), variable: variable, labelSet: valLabels.map { String(cString: $0) })
            return Int32(READSTAT_HANDLER_OK)
        }
        readstat_set_value_label_handler(parser) { set, value, label, ctx in
            guard let ctx, let set, let label else { return Int32(READSTAT_HANDLER_OK) }
            let s = ReadStatSession.from(ctx)
            if let code = ReadStatSession.text(of: value, kind: .numeric, format: s.format) {
                s.labelSets[String(cString: set), default: []].append(.init(code: code, label: String(cString: label)))
            }
            return Int32(READSTAT_HANDLER_OK)
        }
        readstat_set_value_handler(parser) { obs, variable, value, ctx in
            guard let ctx, let variable else { return Int32(READSTAT_HANDLER_ABORT) }
            let s = ReadStatSession.from(ctx)
            return s.value(obs: Int(obs), index: Int(readstat_variable_get_index(variable)), value: value)
                ? Int32(READSTAT_HANDLER_OK) : Int32(READSTAT_HANDLER_ABORT)
        }

        let ctx = Unmanaged.passUnretained(session).toOpaque()
        let status: readstat_error_t = withExtendedLifetime(session) {
            switch format {
            case .sav, .zsav: readstat_parse_sav(parser, path, ctx)
            case .por: readstat_parse_por(parser, path, ctx)
            case .dta: readstat_parse_dta(parser, path, ctx)
            case .sas7bdat: readstat_parse_sas7bdat(parser, path, ctx)
            }
        }
        if let sinkError = session.sinkError { throw sinkError }
        if status != READSTAT_OK {
            let reported = String(cString: readstat_error_message(status))
            let details = session.messages.isEmpty ? "" : " (" + session.messages.joined(separator: "; ") + ")"
            throw IngestError(.parser, path: path,
                              message: "ReadStat cannot read this \(format.displayName): \(reported)\(details)",
                              hint: "check that the file is complete and really is a \(format.displayName); "
                                  + "re-export it from the statistical package")
        }
        try session.flush()
        return (session.dictionary(), session.names)
    }

    /// The iconv name passed to `readstat_set_file_character_encoding` for `--encoding`.
    static func encodingName(_ e: IngestOptions.Encoding) -> String? {
        switch e {
        case .auto: nil
        case .utf8: "UTF-8"
        case .utf16le: "UTF-16LE"
        case .utf16be: "UTF-16BE"
        case .windows1252: "WINDOWS-1252"
        }
    }
}

/// What the callbacks collect during one parse.
final class ReadStatSession {
    struct VariableState {
        var name: String
        var label: String?
        var kind: DataDictionary.Kind
        var format: String?
        var labelSet: String?
        var missing: [DataDictionary.MissingValue]
        var tagsSeen: Set<String> = []
    }

    let format: ReadStatFormat
    let onRow: ([String?], [String]) throws -> Void
    var fileLabel: String?
    var encoding: String?
    var variables: [VariableState] = []
    var labelSets: [String: [DataDictionary.ValueLabel]] = [:]
    var messages: [String] = []
    var sinkError: (any Error)?
    private var row: [String?] = []
    private var currentObs = -1

    init(format: ReadStatFormat, onRow: @escaping ([String?], [String]) throws -> Void) {
        self.format = format; self.onRow = onRow
    }

    static func from(_ ctx: UnsafeMutableRawPointer) -> ReadStatSession {
        Unmanaged<ReadStatSession>.fromOpaque(ctx).takeUnretainedValue()
    }

    var names: [String] { variables.map(\.name) }

    func addVariable(index: Int, variable: UnsafeMutablePointer<readstat_variable_t>, labelSet: String?) {
        let name = readstat_variable_get_name(variable).map { String(cString: $0) } ?? "V\(index + 1)"
        let label = readstat_variable_get_label(variable).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        let fmt = readstat_variable_get_format(variable).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        let isString = readstat_variable_get_type_class(variable) == READSTAT_TYPE_CLASS_STRING
        let kind: DataDictionary.Kind = isString ? .string : ReadStatTime.kind(format: fmt, file: format)
        var missing: [DataDictionary.MissingValue] = []
        for i in 0..<Int(readstat_variable_get_missing_ranges_count(variable)) {
            let lo = readstat_variable_get_missing_range_lo(variable, Int32(i))
            let hi = readstat_variable_get_missing_range_hi(variable, Int32(i))
            if isString {
                if let c = Self.text(of: lo, kind: .string, format: format) { missing.append(.code(c)) }
            } else {
                let l = readstat_double_value(lo), h = readstat_double_value(hi)
                if l == h, let c = Self.text(of: lo, kind: .numeric, format: format) { missing.append(.code(c)) } else {
                    missing.append(.range(low: l, high: h))
                }
            }
        }
        let state = VariableState(name: name, label: label, kind: kind, format: fmt, labelSet: labelSet, missing: missing)
        while variables.count <= index { variables.append(VariableState(name: "", kind: .numeric, missing: [])) }
        variables[index] = state
    }

    /// Stores one cell; returns `false` to abort the parse (the row sink threw).
    func value(obs: Int, index: Int, value: readstat_value_t) -> Bool {
        if obs != currentObs {
            do { try flush() } catch { sinkError = error; return false }
            currentObs = obs
            row = Array(repeating: nil, count: variables.count)
        }
        guard index >= 0 && index < variables.count else { return true }
        let text = Self.text(of: value, kind: variables[index].kind, format: format)
        if readstat_value_is_tagged_missing(value) != 0, let text { variables[index].tagsSeen.insert(text) }
        row[index] = text
        return true
    }

    /// Hands the row in progress, if any, to the sink.
    func flush() throws {
        if currentObs >= 0 { try onRow(row, names); currentObs = -1 }
    }

    func dictionary() -> DataDictionary {
        DataDictionary(format: format.rawValue, fileLabel: fileLabel, encoding: encoding, variables: variables.map { v in
            let labels = v.labelSet.flatMap { labelSets[$0] } ?? []
            var missing = v.missing
            let tags = Set(labels.map(\.code).filter(ReadStatCells.isTag)).union(v.tagsSeen)
            for t in tags.sorted() where !missing.contains(.code(t)) { missing.append(.code(t)) }
            return DataDictionary.Variable(name: v.name, label: v.label, kind: v.kind, format: v.format,
                                           valueLabels: labels, missingValues: missing)
        })
    }

    /// A cell's text (docs/readstat.md, "How values become strings"): `nil` for system-missing and
    /// empty strings, `.a` for an extended missing value, numbers in their shortest round-trip form,
    /// dates and times in ISO 8601.
    static func text(of value: readstat_value_t, kind: DataDictionary.Kind, format: ReadStatFormat) -> String? {
        if readstat_value_is_tagged_missing(value) != 0 {
            return "." + String(UnicodeScalar(UInt8(bitPattern: readstat_value_tag(value))))
        }
        if readstat_value_is_system_missing(value) != 0 { return nil }
        let type = readstat_value_type(value)
        switch type {
        case READSTAT_TYPE_STRING, READSTAT_TYPE_STRING_REF:
            guard let p = readstat_string_value(value) else { return nil }
            let s = String(cString: p)
            return s.isEmpty ? nil : s
        case READSTAT_TYPE_INT8: return ReadStatCells.number(Double(readstat_int8_value(value)), kind: kind, format: format)
        case READSTAT_TYPE_INT16: return ReadStatCells.number(Double(readstat_int16_value(value)), kind: kind, format: format)
        case READSTAT_TYPE_INT32: return ReadStatCells.number(Double(readstat_int32_value(value)), kind: kind, format: format)
        case READSTAT_TYPE_FLOAT:
            let f = readstat_float_value(value)
            if kind == .numeric { return ReadStatCells.float(f) }
            return ReadStatCells.number(Double(f), kind: kind, format: format)
        default: return ReadStatCells.number(readstat_double_value(value), kind: kind, format: format)
        }
    }
}
