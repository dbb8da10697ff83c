/// Renders an ``EvaluationReport`` as GitHub-flavoured Markdown (deterministic).
public enum MarkdownReport {
    public static func render(_ r: EvaluationReport) -> String {
        var out: [String] = []
        let level = Format.fixed(100 * r.confidenceLevel, 0) + "%"
        out.append("# " + Markdown.escape(r.title))
        out.append("")
        out.append("Plan `\(r.planID)` · instrument `\(r.instrument.id)` version \(r.instrument.version) (\(Markdown.escape(r.instrument.title)))")
        if let d = r.planDescription { out += ["", Markdown.escape(d)] }
        out += ["", "## Findings", ""]
        for ind in r.indicators {
            for s in Prose.findings(ind, level: level) { out.append("- " + Markdown.escape(s)) }
        }
        for section in r.sections { for f in section.findings { out.append("- " + Markdown.escape(f)) } }
        out += ["", "## Indicators", "", "Estimate, \(level) confidence interval and unweighted n per group; change with its interval and p-value.", ""]
        out.append("| indicator | group | estimate | \(level) CI | n | notes |")
        out.append("|---|---|---:|---|---:|---|")
        for ind in r.indicators {
            for e in ind.estimates {
                if e.suppressed {
                    out.append("| \(Markdown.escape(ind.label)) | \(Markdown.escape(e.group)) | suppressed | | | n < \(r.suppression.minimumCell) |")
                } else {
                    out.append("| \(Markdown.escape(ind.label)) | \(Markdown.escape(e.group)) | \(Prose.value(e.estimate, ind)) | \(Prose.value(e.ciLow, ind)) to \(Prose.value(e.ciHigh, ind)) | \(e.n) | \(Markdown.escape(e.flags.joined(separator: "; "))) |")
                }
            }
        }
        let changes = r.indicators.flatMap { ind in ind.changes.map { (ind, $0) } }
        if !changes.isEmpty {
            out += ["", "| indicator | change | difference (CI) | relative (CI) | p | adjusted p |", "|---|---|---|---|---:|---:|"]
            for (ind, c) in changes {
                if c.suppressed {
                    out.append("| \(Markdown.escape(ind.label)) | \(c.from) → \(c.to) | suppressed | | | |")
                    continue
                }
                let rel = c.relative.map { rel in
                    Format.signed(100 * rel, 0) + "% (" + Format.signed(100 * (c.relativeLow ?? .nan), 0) + "% to "
                        + Format.signed(100 * (c.relativeHigh ?? .nan), 0) + "%)"
                } ?? "n/a"
                out.append("| \(Markdown.escape(ind.label)) | \(c.from) → \(c.to) | \(Prose.difference(c.difference, ind)) (\(Prose.difference(c.differenceLow, ind)) to \(Prose.difference(c.differenceHigh, ind))) | \(rel) | \(Format.pValue(c.pValue)) | \(c.adjustedPValue.map(Format.pValue) ?? "") |")
            }
        }
        out.append("")
        for section in r.sections { out += SectionMarkdown.render(section) }
        out += ["## Data", "", "| file | group | read | accepted | rejected | invalid cells | used |", "|---|---|---:|---:|---:|---:|---:|"]
        for f in r.dataAccount {
            out.append("| `\(f.file)` | \(f.group) | \(f.recordsRead) | \(f.accepted) | \(f.rejected.values.reduce(0, +)) | \(f.invalidCells.values.reduce(0, +)) | \(f.rowsUsed) |")
        }
        for f in r.dataAccount {
            for (reason, n) in f.rejected.sorted(by: { $0.key < $1.key }) { out.append("- `\(f.file)`: \(n) record(s) rejected: \(reason)") }
            for (q, n) in f.invalidCells.sorted(by: { $0.key < $1.key }) { out.append("- `\(f.file)`: \(n) invalid cell(s) in `\(q)`") }
        }
        out += ["", "| group | respondents | weighted N | PSUs |", "|---|---:|---:|---:|"]
        for g in r.groups {
            out.append("| \(g.group) | \(g.respondents) | \(Format.grouped(g.weightedCount, 1)) | \(g.psus) |")
        }
        out += ["", "## Methods", ""]
        for p in Prose.methods(r) { out += [Markdown.escape(p), ""] }
        out += ["## Warnings", ""]
        let warnings = r.warnings + r.sections.flatMap(\.warnings)
        if warnings.isEmpty { out.append("None.") }
        for w in warnings { out.append("- " + Markdown.escape(w)) }
        out += ["", "## Disclosure control", "", Markdown.escape(Prose.suppression(r.suppression)), ""]
        out += ["---", "", "copro \(r.provenance.coproVersion) · instrument \(r.provenance.instrument)", ""]
        for i in r.provenance.inputs { out.append("- `\(i.sha256)` `\(i.path)`") }
        let opts = r.provenance.options.sorted { $0.key < $1.key }.map { "`\($0.key)=\($0.value)`" }
        if !opts.isEmpty { out += ["", "Options: " + opts.joined(separator: " ")] }
        return out.joined(separator: "\n") + "\n"
    }
}

enum Markdown {
    /// Escapes characters that would start Markdown or HTML syntax inside text and table cells.
    static func escape(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "|", "*", "_", "`", "<", ">", "[", "]", "#", "\\": out += "\\" + String(ch)
            case "\n": out += " "
            default: out.append(ch)
            }
        }
        return out
    }
}
