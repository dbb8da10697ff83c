import Foundation
import ArgumentParser
import SurveyInstruments

/// `copro codebook INSTRUMENT`: the instrument as a human-readable codebook.
struct CodebookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codebook",
        abstract: "Print an instrument's codebook: questions, codes, missing codes, skip logic, scales, indicators.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, markdown }

    @Argument(help: "Instrument file (Instruments/*.yaml).")
    var instrument: String

    @Option(help: "Output format: text or markdown.")
    var format: Format = .text

    func run() throws {
        let inst = try InstrumentCLI.reportingInputErrors { try Instrument.load(path: instrument) }
        print(Codebook(instrument: inst, markdown: format == .markdown).render(), terminator: "")
    }
}

/// Deterministic codebook rendering (instrument order throughout).
struct Codebook {
    let instrument: Instrument
    let markdown: Bool

    private func heading(_ text: String, level: Int) -> String {
        markdown ? String(repeating: "#", count: level) + " " + text + "\n\n" : text.uppercased() + "\n"
    }

    private func item(_ text: String) -> String { markdown ? "- " + text + "\n" : "    " + text + "\n" }

    private func code(_ s: String) -> String { markdown ? "`" + s.replacingOccurrences(of: "`", with: "'") + "`" : s }

    private func missing(_ codes: [MissingCode]) -> String {
        codes.map { m in "\(code(m.code)) \(m.kind.rawValue)" + (m.label.map { " (\($0))" } ?? "") }.joined(separator: "; ")
    }

    func render() -> String {
        let i = instrument
        var out = markdown ? "# Codebook: \(i.title)\n\n" : "CODEBOOK: \(i.title)\n"
        out += item("instrument: \(code(i.id)), version \(i.version)")
        if let s = i.source { out += item("source: \(s)") }
        out += item("locale: decimal \"\(i.locale.decimal)\", thousands "
                    + (i.locale.thousands.map { "\"\($0)\"" } ?? "none") + ", dates \(i.locale.dateOrder.rawValue)")
        if !i.missingCodes.isEmpty { out += item("missing codes (all questions): " + missing(i.missingCodes)) }
        out += "\n" + heading("Questions", level: 2)
        for (n, q) in i.questions.enumerated() { out += question(q, number: n + 1) }
        if !i.derived.isEmpty {
            out += heading("Derived variables", level: 2)
            for d in i.derived { out += item(derived(d)) }
            out += "\n"
        }
        if !i.scales.isEmpty {
            out += heading("Scales", level: 2)
            for s in i.scales {
                var line = "\(code(s.id))" + (s.label.map { " \"\($0)\"" } ?? "")
                    + ": \(s.scoring.rawValue) of \(s.items.map(code).joined(separator: ", "))"
                if let r = s.reverse, !r.isEmpty { line += "; reverse-keyed: \(r.map(code).joined(separator: ", "))" }
                line += "; at least \(s.requiredItems) of \(s.items.count) items valid"
                out += item(line)
            }
            out += "\n"
        }
        if !i.indicators.isEmpty {
            out += heading("Indicators", level: 2)
            for ind in i.indicators { out += item(indicator(ind)) }
        }
        return out
    }

    private func question(_ q: Question, number: Int) -> String {
        var out = markdown
            ? "### \(number). \(code(q.id)) (\(q.type.rawValue))\n\n"
            : "\(number). \(q.id) [\(q.type.rawValue)]\n"
        if let t = q.text { out += markdown ? "\(t)\n\n" : "    \(t)\n" }
        out += item("column: " + code(q.column ?? q.koboPath ?? q.importId.map { "import id \($0)" } ?? q.id))
        if let r = q.relevant { out += item("asked when: \(code(r))") }
        if let r = q.range {
            out += item("range: \(r.min.map(InstrumentCLI.number) ?? "−∞") to \(r.max.map(InstrumentCLI.number) ?? "∞")"
                        + (q.unit.map { " \($0)" } ?? ""))
        } else if let u = q.unit {
            out += item("unit: \(u)")
        }
        if q.isReversed { out += item("reverse-keyed (score = min + max − code)") }
        if let layout = q.selectMultiple {
            out += item("layout: \(layout.layout.rawValue)" + (layout.columnPattern.map { ", columns \(code($0))" } ?? ""))
        }
        if let m = q.missingCodes, !m.isEmpty { out += item("missing codes (this question): " + missing(m)) }
        if !q.codes.isEmpty {
            if markdown {
                out += "\n| code | label |\n|---|---|\n"
                for c in q.codes { out += "| \(code(c.code)) | \(c.label.replacingOccurrences(of: "|", with: "\\|")) |\n" }
            } else {
                for c in q.codes { out += "      \(c.code) = \(c.label)\n" }
            }
        }
        return out + "\n"
    }

    private func derived(_ d: DerivedVariable) -> String {
        let head = code(d.id) + (d.label.map { " \"\($0)\"" } ?? "") + ": "
        switch d.kind {
        case .recode:
            let pairs = (d.map ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) → \(InstrumentCLI.number($0.value))" }
            return head + "recode of \(code(d.from ?? "")) (" + pairs.joined(separator: ", ")
                + (d.default.map { ", otherwise \(InstrumentCLI.number($0))" } ?? "") + ")"
        case .sum:
            return head + "sum of " + (d.of ?? []).map(code).joined(separator: ", ")
        case .mean:
            return head + "mean of " + (d.of ?? []).map(code).joined(separator: ", ")
                + (d.minValid.map { " (at least \($0) valid)" } ?? "")
        case .condition:
            return head + "1 when \(code(d.condition ?? "")), else 0"
        }
    }

    private func indicator(_ ind: Indicator) -> String {
        var s = "\(code(ind.id)) \"\(ind.label)\": "
        switch ind.kind {
        case .proportion:
            s += "proportion where " + code(ind.condition ?? "\(ind.variable ?? "") == 1")
        case .mean, .total:
            s += "\(ind.kind.rawValue) of \(code(ind.variable ?? ""))"
        case .rate:
            s += "rate \(code(ind.variable ?? "")) per \(code(ind.exposure ?? ""))"
                + (ind.per.map { " × \(InstrumentCLI.number($0))" } ?? "")
        }
        if let among = ind.among { s += ", among \(code(among))" }
        if let u = ind.unit { s += " [\(u)]" }
        return s + (ind.higherIsBetter ? "; higher is better" : "; lower is better")
    }
}
