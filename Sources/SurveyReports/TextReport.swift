/// Renders an ``EvaluationReport`` as plain text that fits 100 columns.
///
/// Deterministic: the same model gives the same bytes (no clock, no locale, stable order).
public enum TextReport {
    public static let width = 100

    public static func render(_ r: EvaluationReport) -> String {
        var out: [String] = []
        let rule = String(repeating: "=", count: width)
        let thin = String(repeating: "-", count: width)
        let level = Format.fixed(100 * r.confidenceLevel, 0) + "%"

        out.append(rule)
        out.append(Format.wrap(r.title))
        out.append("Plan \(r.planID) · instrument \(r.instrument.id) version \(r.instrument.version) (\(r.instrument.title))")
        if let d = r.planDescription { out.append(Format.wrap(d)) }
        out.append(rule)

        // Findings first: what a council officer reads.
        out.append("")
        out.append("FINDINGS")
        out.append(thin)
        for ind in r.indicators {
            for sentence in Prose.findings(ind, level: level) {
                out.append(Format.wrap(sentence, width: width, first: "- ", indent: "  "))
            }
        }
        for section in r.sections {
            for f in section.findings { out.append(Format.wrap(f, width: width, first: "- ", indent: "  ")) }
        }

        // The indicator table with charts.
        out.append("")
        out.append("INDICATORS (estimate, \(level) confidence interval, unweighted n)")
        out.append(thin)
        for ind in r.indicators {
            let direction = ind.higherIsBetter.map { $0 ? "higher is better" : "lower is better" } ?? ""
            out.append(Format.left(ind.label, width - direction.count - 1) + " " + direction)
            let chart = Chart(ind)
            for e in ind.estimates {
                var line = "  " + Format.left(e.group, 12)
                if e.suppressed {
                    line += Format.left("suppressed (n < \(r.suppression.minimumCell))", 44)
                } else {
                    let value = Prose.value(e.estimate, ind)
                    let ci = Prose.value(e.ciLow, ind) + " to " + Prose.value(e.ciHigh, ind)
                    line += Format.right(value, 11) + "  " + Format.left("(" + ci + ")", 25) + Format.right("n=\(e.n)", 8)
                }
                line = Format.left(line, 58) + " " + chart.line(e)
                out.append(line.trailingSpacesRemoved)
                if !e.flags.isEmpty && !e.suppressed {
                    out.append("  " + String(repeating: " ", count: 12) + "! " + e.flags.joined(separator: ", "))
                }
            }
            out.append("  " + String(repeating: " ", count: 56) + " " + chart.axis)
            for c in ind.changes {
                if c.suppressed {
                    out.append("  change \(c.from) → \(c.to): suppressed (a group is below the minimum cell size)")
                    continue
                }
                var s = "change \(c.from) → \(c.to): " + Prose.difference(c.difference, ind) + " ("
                    + Prose.difference(c.differenceLow, ind) + " to " + Prose.difference(c.differenceHigh, ind) + ")"
                if let rel = c.relative, let lo = c.relativeLow, let hi = c.relativeHigh {
                    s += "; relative " + Format.signed(100 * rel, 0) + "% (" + Format.signed(100 * lo, 0) + "% to "
                        + Format.signed(100 * hi, 0) + "%)"
                }
                s += "; t = " + Format.fixed(c.statistic, 2) + ", df = " + Format.fixed(c.df, 0) + ", p "
                    + Format.pValue(c.pValue)
                if let adj = c.adjustedPValue { s += ", adjusted p " + Format.pValue(adj) }
                out.append(Format.wrap(s, width: width, first: "  ", indent: "    "))
            }
            out.append("")
        }

        for section in r.sections { out += SectionText.render(section) }

        // Data account.
        out.append("DATA")
        out.append(thin)
        out.append("  " + Format.left("file", 34) + Format.left("group", 12) + Format.right("read", 7)
                   + Format.right("accepted", 10) + Format.right("rejected", 10) + Format.right("invalid", 9)
                   + Format.right("used", 7))
        for f in r.dataAccount {
            let rejected = f.rejected.values.reduce(0, +)
            let invalid = f.invalidCells.values.reduce(0, +)
            // A long path or group gets a line of its own, so that columns never run together.
            let long = f.file.count >= 34 || f.group.count >= 12
            if long { out.append("  " + f.file + "  (" + f.group + ")") }
            out.append("  " + Format.left(long ? "" : f.file, 34) + Format.left(long ? "" : f.group, 12)
                       + Format.right("\(f.recordsRead)", 7)
                       + Format.right("\(f.accepted)", 10) + Format.right("\(rejected)", 10)
                       + Format.right("\(invalid)", 9) + Format.right("\(f.rowsUsed)", 7))
            for (reason, n) in f.rejected.sorted(by: { $0.key < $1.key }) {
                out.append("    rejected \(n) record(s): \(reason)")
            }
            for (q, n) in f.invalidCells.sorted(by: { $0.key < $1.key }) {
                out.append("    invalid cells in \(q): \(n)")
            }
        }
        out.append("")
        out.append("  " + Format.left("group", 14) + Format.right("respondents", 12) + Format.right("weighted N", 14)
                   + Format.right("PSUs", 7))
        for g in r.groups {
            out.append("  " + Format.left(g.group, 14) + Format.right("\(g.respondents)", 12)
                       + Format.right(Format.grouped(g.weightedCount, 1), 14) + Format.right("\(g.psus)", 7))
        }

        out.append("")
        out.append("METHODS")
        out.append(thin)
        for paragraph in Prose.methods(r) {
            out.append(Format.wrap(paragraph, width: width))
            out.append("")
        }

        out.append("WARNINGS")
        out.append(thin)
        let warnings = r.warnings + r.sections.flatMap(\.warnings)
        if warnings.isEmpty { out.append("  none") }
        for w in warnings { out.append(Format.wrap(w, width: width, first: "- ", indent: "  ")) }
        out.append("")

        out.append("DISCLOSURE CONTROL")
        out.append(thin)
        out.append(Format.wrap(Prose.suppression(r.suppression), width: width))
        out.append("")

        out.append(thin)
        out.append("copro \(r.provenance.coproVersion) · instrument \(r.provenance.instrument)")
        for i in r.provenance.inputs { out.append("  sha256 \(i.sha256)  \(i.path)") }
        let opts = r.provenance.options.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        if !opts.isEmpty { out.append(Format.wrap("options: " + opts.joined(separator: " "), width: width, indent: "  ")) }
        return out.joined(separator: "\n") + "\n"
    }
}

extension String {
    var trailingSpacesRemoved: String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}

/// A one-line dot-and-interval chart on a scale shared by an indicator's groups.
struct Chart {
    static let width = 36
    let low: Double, high: Double
    let indicator: EvaluationReport.IndicatorResult

    init(_ ind: EvaluationReport.IndicatorResult) {
        indicator = ind
        let shown = ind.estimates.filter { !$0.suppressed }
        if ind.kind == .proportion {
            low = 0; high = 1
        } else {
            let lo = shown.map(\.ciLow).min() ?? 0, hi = shown.map(\.ciHigh).max() ?? 1
            let pad = (hi - lo) * 0.1 + (hi == lo ? 1 : 0)
            low = min(lo - pad, lo >= 0 && lo - pad < 0 ? 0 : lo - pad)
            high = hi + pad
        }
    }

    func position(_ x: Double) -> Int {
        guard high > low, x.isFinite else { return 0 }
        return min(Chart.width - 1, max(0, Int(((x - low) / (high - low) * Double(Chart.width - 1)).rounded())))
    }

    func line(_ e: EvaluationReport.GroupEstimate) -> String {
        guard !e.suppressed else { return "" }
        var cells = Array(repeating: Character("·"), count: Chart.width)
        let a = position(e.ciLow), b = position(e.ciHigh), m = position(e.estimate)
        for i in a...max(a, b) { cells[i] = "─" }
        cells[m] = "●"
        return "|" + String(cells) + "|"
    }

    var axis: String {
        let proportion = indicator.kind == .proportion
        let l = proportion ? "0%" : Prose.value(low, indicator)
        let h = proportion ? "100%" : Prose.value(high, indicator)
        return Format.left(l, Chart.width + 2 - h.count) + h
    }
}
