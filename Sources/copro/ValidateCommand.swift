import ArgumentParser
import Foundation
import SurveyIngest
import SurveyInstruments

extension InvalidPolicy: ExpressibleByArgument {}

/// Shared plumbing of the instrument commands: input errors go to stderr, compiler-style, exit 1.
enum InstrumentCLI {
    /// Runs `body`; an ``InstrumentError`` or ``IngestError`` is printed to stderr and becomes exit code 1.
    static func reportingInputErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as InstrumentError {
            printError(e.description)
        } catch let e as IngestError {
            printError(e.description)
        }
        throw ExitCode(1)
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// A number without a trailing `.0` when it is whole.
    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }
}

/// `copro validate INSTRUMENT DATA`: the coding pass alone.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Code a survey export against an instrument and report every value outside it.",
        discussion: """
            Exit status: 0 when the check ran (invalid cells are part of the report), 1 for an input \
            error (unreadable or malformed instrument or data, a missing column, or any invalid cell \
            under --on-invalid fail), 2 for a usage error.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: "Instrument file (Instruments/*.yaml).")
    var instrument: String

    @Argument(help: "Survey export (CSV) to check.")
    var data: String

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    @Option(name: .customLong("on-invalid"), help: "What to do with invalid cells: missing, reject-row or fail.")
    var onInvalid: InvalidPolicy = .missing

    /// The JSON document, keys exactly as documented.
    struct Report: Encodable {
        var instrument: String
        var dataRows: Int
        var cellsChecked: Int
        var invalid: [InvalidCell]
        var byQuestion: [String: QuestionCounts]
        enum CodingKeys: String, CodingKey {
            case instrument, invalid
            case dataRows = "data_rows"
            case cellsChecked = "cells_checked"
            case byQuestion = "by_question"
        }
    }

    func run() throws {
        let (inst, ingest, coded) = try InstrumentCLI.reportingInputErrors {
            let inst = try Instrument.load(path: instrument)
            let ingest = try Ingest.read(path: data)
            if let e = ingest.summary.fileError {
                throw IngestError(.parser, path: data, message: "\(e.reason): \(e.message)",
                                  hint: "run copro ingest \(data) for details")
            }
            return (inst, ingest, try inst.code(ingest.table, policy: onInvalid, dataName: data))
        }
        switch format {
        case .json:
            let report = Report(instrument: inst.id, dataRows: coded.dataRowsRead, cellsChecked: coded.cellsChecked,
                                invalid: coded.invalidCells, byQuestion: coded.byQuestion())
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        case .text:
            var text = Self.text(inst, coded, data: data, policy: onInvalid)
            let rejected = ingest.summary.rejectedRows.count
            if rejected > 0 {
                text += "\nnote: \(rejected) malformed record(s) were rejected while reading \(data) and are not coded; "
                    + "see copro ingest \(data)\n"
            }
            print(text, terminator: "")
        }
    }

    /// The plain-text report.
    static func text(_ inst: Instrument, _ coded: CodedData, data: String, policy: InvalidPolicy) -> String {
        var out = "instrument \(inst.id) (\(inst.title), version \(inst.version))\n"
        out += "data \(data): \(coded.dataRowsRead) data rows, \(coded.cellsChecked) cells checked, "
            + "\(coded.invalidCells.count) invalid, policy \(policy.rawValue)\n"
        if !coded.rejectedDataRows.isEmpty {
            out += "rejected data rows (\(coded.rejectedDataRows.count)): "
                + coded.rejectedDataRows.map(String.init).joined(separator: ", ") + "\n"
        }
        if !coded.invalidCells.isEmpty {
            out += "\ninvalid cells:\n"
            for c in coded.invalidCells {
                out += "  data row \(c.dataRow), column \(c.column) (question \(c.question)): \"\(c.value)\" — \(c.rule)\n"
            }
        }
        if !coded.skipLogicConflicts.isEmpty {
            let shown = coded.skipLogicConflicts.prefix(20)
            out += "\nskip-logic conflicts (\(coded.skipLogicConflicts.count); a value where the question was not asked, "
                + "coded as not asked):\n"
            for c in shown {
                out += "  data row \(c.dataRow), column \(c.column) (question \(c.question)): \"\(c.value)\"\n"
            }
            if coded.skipLogicConflicts.count > shown.count {
                out += "  … and \(coded.skipLogicConflicts.count - shown.count) more\n"
            }
        }
        let counts = coded.byQuestion()
        let width = max(8, coded.questionIds.map(\.count).max() ?? 0)
        func pad(_ s: String, _ w: Int, left: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, w - s.count))
            return left ? s + fill : fill + s
        }
        out += "\n" + pad("question", width, left: true) + pad("valid", 8) + pad("missing", 9) + pad("not_asked", 11)
            + pad("invalid", 9) + "\n"
        for id in coded.questionIds {
            let c = counts[id] ?? QuestionCounts()
            out += pad(id, width, left: true) + pad("\(c.valid)", 8) + pad("\(c.missing)", 9) + pad("\(c.notAsked)", 11)
                + pad("\(c.invalid)", 9) + "\n"
        }
        return out
    }
}
