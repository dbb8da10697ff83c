import ArgumentParser
import Foundation
import SurveyIngest

/// `copro ingest FILE [--format text|json] [--data-out PATH] [--rejects PATH]
/// [--delimiter auto|comma|semicolon|tab|pipe] [--encoding auto|utf-8|utf-16le|utf-16be|windows-1252]`
///
/// Exit status: 0 when the file was read (rejected rows included), 1 for a file error (missing,
/// unreadable, empty, not text, output not writable), 2 for bad usage. The arguments are parsed
/// here rather than by ArgumentParser so that usage errors exit with 2 (ArgumentParser uses 64).
/// JSON contract and policy: docs/ingest.md.
struct IngestCommand: ParsableCommand {
    static let usage = "copro ingest FILE [--format text|json] [--data-out PATH] [--rejects PATH] "
        + "[--delimiter auto|comma|semicolon|tab|pipe] [--encoding auto|utf-8|utf-16le|utf-16be|windows-1252]"

    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Read a survey export (CSV/TSV) and account for every record.",
        usage: usage,
        discussion: """
        Detects the encoding, delimiter, line endings and survey platform; accepts or rejects every \
        data row with a reason. --format json prints one JSON object (see docs/ingest.md). \
        --data-out writes the accepted rows as UTF-8 CSV (comma, LF, minimal quoting); \
        --rejects writes the rejected records as CSV (data_row,line,reason,raw). \
        Exit status: 0 file read (rejections included), 1 file error, 2 bad usage.
        """
    )

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("FILE and options, as in the usage line.", valueName: "arguments"))
    var arguments: [String] = []

    enum Format: String { case text, json }

    /// The parsed command line.
    struct Parsed: Equatable {
        var file: String
        var format: Format = .text
        var dataOut: String?
        var rejects: String?
        var delimiter: IngestOptions.Delimiter = .auto
        var encoding: IngestOptions.Encoding = .auto
    }

    /// A usage error: printed with the usage line, exit status 2.
    struct UsageError: Error, Equatable { var message: String }

    /// Parses the arguments after `ingest`.
    /// - Throws: ``UsageError``.
    static func parse(_ args: [String]) throws -> Parsed {
        var file: String?
        var parsed = Parsed(file: "")
        var i = 0
        func value(_ option: String, inline: String?) throws -> String {
            if let inline { return inline }
            i += 1
            guard i < args.count else { throw UsageError(message: "missing value for \(option)") }
            return args[i]
        }
        func choice<T: RawRepresentable>(_ option: String, _ raw: String, _ all: [T]) throws -> T where T.RawValue == String {
            guard let v = T(rawValue: raw) else {
                throw UsageError(message: "invalid value '\(raw)' for \(option); expected one of: \(all.map(\.rawValue).joined(separator: ", "))")
            }
            return v
        }
        var onlyPositional = false
        while i < args.count {
            let arg = args[i]
            if !onlyPositional && arg == "--" { onlyPositional = true; i += 1; continue }
            if !onlyPositional && arg.hasPrefix("-") && arg != "-" {
                let parts = arg.split(separator: "=", maxSplits: 1).map(String.init)
                let name = parts[0]
                let inline = parts.count > 1 ? parts[1] : nil
                switch name {
                case "--format": parsed.format = try choice(name, try value(name, inline: inline), [Format.text, .json])
                case "--data-out": parsed.dataOut = try value(name, inline: inline)
                case "--rejects": parsed.rejects = try value(name, inline: inline)
                case "--delimiter":
                    parsed.delimiter = try choice(name, try value(name, inline: inline), IngestOptions.Delimiter.allCases)
                case "--encoding":
                    parsed.encoding = try choice(name, try value(name, inline: inline), IngestOptions.Encoding.allCases)
                default: throw UsageError(message: "unknown option '\(arg)'")
                }
            } else {
                if file != nil { throw UsageError(message: "unexpected argument '\(arg)'; give one FILE") }
                file = arg
            }
            i += 1
        }
        guard let file, !file.isEmpty else { throw UsageError(message: "missing FILE") }
        parsed.file = file
        return parsed
    }

    func run() throws {
        if arguments.contains(where: { $0 == "-h" || $0 == "--help" }) {
            print(Self.helpMessage())
            return
        }
        let p: Parsed
        do { p = try Self.parse(arguments) } catch let e as UsageError {
            FileHandle.standardError.write(Data("copro: error: \(e.message)\nusage: \(Self.usage)\n".utf8))
            throw ExitCode(2)
        }
        let options = IngestOptions(delimiter: p.delimiter, encoding: p.encoding)
        do {
            let summary = try Ingest.summarize(path: p.file, options: options, dataOut: p.dataOut, rejectsOut: p.rejects)
            print(p.format == .json ? try Self.json(summary) : Self.text(summary), terminator: "")
        } catch let e as IngestError {
            if p.format == .json, let s = e.summary { print(try Self.json(s), terminator: "") }
            var message = "copro: error: \(e.path): \(e.message)\n"
            if let hint = e.hint { message += "hint: \(hint)\n" }
            FileHandle.standardError.write(Data(message.utf8))
            throw ExitCode(1)
        }
    }

    /// The JSON object (keys sorted, one object, final newline).
    static func json(_ s: IngestSummary) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(s), as: UTF8.self) + "\n"
    }

    /// A readable account: format, platform, counts, then every warning and rejection with its line.
    static func text(_ s: IngestSummary) -> String {
        let delimiter: String
        switch s.delimiter {
        case nil: delimiter = "none (one column)"
        case "\t": delimiter = "TAB"
        case let d?: delimiter = "'\(d)'"
        }
        var out = """
        file:        \(s.file)
        sha256:      \(s.sha256)
        encoding:    \(s.encoding)
        dialect:     delimiter \(delimiter), quote '"', line endings \(s.lineEnding)
        platform:    \(s.platform) (\(s.headerRows) header row\(s.headerRows == 1 ? "" : "s"))
        columns:     \(s.columns.count)
        data rows:   \(s.dataRows) (\(s.acceptedRows) accepted, \(s.rejectedRows.count) rejected)

        """
        if !s.warnings.isEmpty {
            out += "warnings (\(s.warnings.count)):\n"
            for w in s.warnings {
                var at: [String] = []
                if let l = w.line { at.append("line \(l)") }
                if let r = w.dataRow { at.append("data row \(r)") }
                if let c = w.column { at.append("column \(c)") }
                out += "  \(w.code)\(at.isEmpty ? "" : " (" + at.joined(separator: ", ") + ")"): \(w.message)\n"
            }
        }
        if !s.rejectedRows.isEmpty {
            out += "rejected rows (\(s.rejectedRows.count)):\n"
            for r in s.rejectedRows {
                // Line breaks and tabs shown as \n, \r, \t; invalid UTF-8 already reads \xHH.
                let shown = r.raw.replacingOccurrences(of: "\r", with: "\\r")
                    .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")
                let raw = shown.count > 80 ? String(shown.prefix(77)) + "..." : shown
                out += "  data row \(r.dataRow), line \(r.line): \(r.reason): \(raw)\n"
            }
        }
        return out
    }
}
