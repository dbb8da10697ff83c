/// Renders an ``EvaluationReport`` as one self-contained HTML page: inline CSS and SVG, no script,
/// no external request; readable on a phone (fluid layout) and printable (print styles).
public enum HTMLReport {
    public static func render(_ r: EvaluationReport) -> String {
        let level = Format.fixed(100 * r.confidenceLevel, 0) + "%"
        var h: [String] = []
        h.append("<!DOCTYPE html>")
        h.append("<html lang=\"en\"><head><meta charset=\"utf-8\">")
        h.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        h.append("<title>\(HTML.escape(r.title))</title>")
        h.append("<style>\(css)</style></head><body><main>")
        h.append("<h1>\(HTML.escape(r.title))</h1>")
        h.append("<p class=\"meta\">Plan <code>\(HTML.escape(r.planID))</code> · instrument <code>\(HTML.escape(r.instrument.id))</code> version \(HTML.escape(r.instrument.version)) (\(HTML.escape(r.instrument.title)))</p>")
        if let d = r.planDescription { h.append("<p>\(HTML.escape(d))</p>") }
        h.append("<h2>Findings</h2><ul class=\"findings\">")
        for ind in r.indicators { for s in Prose.findings(ind, level: level) { h.append("<li>\(HTML.escape(s))</li>") } }
        for section in r.sections { for f in section.findings { h.append("<li>\(HTML.escape(f))</li>") } }
        h.append("</ul>")
        h.append("<h2>Indicators</h2><p>Dots are estimates; bars are \(level) confidence intervals.</p>")
        for ind in r.indicators {
            h.append("<section class=\"indicator\"><h3>\(HTML.escape(ind.label))</h3>")
            if let better = ind.higherIsBetter { h.append("<p class=\"meta\">\(better ? "Higher" : "Lower") is better.</p>") }
            h.append(svg(ind, minimum: r.suppression.minimumCell))
            h.append("<table><thead><tr><th>group</th><th>estimate</th><th>\(level) CI</th><th>n</th><th>notes</th></tr></thead><tbody>")
            for e in ind.estimates {
                if e.suppressed {
                    h.append("<tr><td>\(HTML.escape(e.group))</td><td colspan=\"3\">suppressed (n &lt; \(r.suppression.minimumCell))</td><td></td></tr>")
                } else {
                    h.append("<tr><td>\(HTML.escape(e.group))</td><td class=\"num\">\(HTML.escape(Prose.value(e.estimate, ind)))</td><td class=\"num\">\(HTML.escape(Prose.value(e.ciLow, ind))) to \(HTML.escape(Prose.value(e.ciHigh, ind)))</td><td class=\"num\">\(e.n)</td><td>\(HTML.escape(e.flags.joined(separator: "; ")))</td></tr>")
                }
            }
            h.append("</tbody></table>")
            for c in ind.changes {
                if c.suppressed { h.append("<p>Change \(HTML.escape(c.from)) → \(HTML.escape(c.to)): suppressed.</p>"); continue }
                var s = "Change \(c.from) → \(c.to): \(Prose.difference(c.difference, ind)) (\(Prose.difference(c.differenceLow, ind)) to \(Prose.difference(c.differenceHigh, ind)))"
                if let rel = c.relative, let lo = c.relativeLow, let hi = c.relativeHigh {
                    s += "; relative \(Format.signed(100 * rel, 0))% (\(Format.signed(100 * lo, 0))% to \(Format.signed(100 * hi, 0))%)"
                }
                s += "; t = \(Format.fixed(c.statistic, 2)), df = \(Format.fixed(c.df, 0)), p \(Format.pValue(c.pValue))"
                if let a = c.adjustedPValue { s += ", adjusted p \(Format.pValue(a))" }
                h.append("<p>\(HTML.escape(s)).</p>")
            }
            h.append("</section>")
        }
        for section in r.sections { h += SectionHTML.render(section) }
        h.append("<h2>Data</h2><table><thead><tr><th>file</th><th>group</th><th>read</th><th>accepted</th><th>rejected</th><th>invalid cells</th><th>used</th></tr></thead><tbody>")
        for f in r.dataAccount {
            h.append("<tr><td><code>\(HTML.escape(f.file))</code></td><td>\(HTML.escape(f.group))</td><td class=\"num\">\(f.recordsRead)</td><td class=\"num\">\(f.accepted)</td><td class=\"num\">\(f.rejected.values.reduce(0, +))</td><td class=\"num\">\(f.invalidCells.values.reduce(0, +))</td><td class=\"num\">\(f.rowsUsed)</td></tr>")
        }
        h.append("</tbody></table><table><thead><tr><th>group</th><th>respondents</th><th>weighted N</th><th>PSUs</th></tr></thead><tbody>")
        for g in r.groups {
            h.append("<tr><td>\(HTML.escape(g.group))</td><td class=\"num\">\(g.respondents)</td><td class=\"num\">\(Format.grouped(g.weightedCount, 1))</td><td class=\"num\">\(g.psus)</td></tr>")
        }
        h.append("</tbody></table><h2>Methods</h2>")
        for p in Prose.methods(r) { h.append("<p>\(HTML.escape(p))</p>") }
        h.append("<h2>Warnings</h2><ul>")
        let warnings = r.warnings + r.sections.flatMap(\.warnings)
        if warnings.isEmpty { h.append("<li>None.</li>") }
        for w in warnings { h.append("<li>\(HTML.escape(w))</li>") }
        h.append("</ul><h2>Disclosure control</h2><p>\(HTML.escape(Prose.suppression(r.suppression)))</p>")
        h.append("<footer><p>copro \(HTML.escape(r.provenance.coproVersion)) · instrument \(HTML.escape(r.provenance.instrument))</p><ul>")
        for i in r.provenance.inputs { h.append("<li><code>\(i.sha256)</code> <code>\(HTML.escape(i.path))</code></li>") }
        h.append("</ul><p>Options: \(HTML.escape(r.provenance.options.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")))</p></footer>")
        h.append("</main></body></html>")
        return h.joined(separator: "\n") + "\n"
    }

    static let css = """
    body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#fff;margin:0}\
    main{max-width:60rem;margin:0 auto;padding:1rem}h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #ccc}\
    .meta{color:#555}table{border-collapse:collapse;width:100%;margin:.5rem 0;display:block;overflow-x:auto}\
    th,td{padding:.25rem .5rem;border-bottom:1px solid #e2e2e2;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}\
    svg{width:100%;height:auto;max-width:40rem}.indicator{break-inside:avoid}code{font-size:.9em;word-break:break-all}\
    footer{margin-top:2rem;font-size:.85rem;color:#555}@media print{body{font-size:11pt}main{max-width:none}a{color:inherit}}
    """

    /// A dot-and-interval chart: one row per group on a shared scale.
    static func svg(_ ind: EvaluationReport.IndicatorResult, minimum: Int) -> String {
        let chart = Chart(ind)
        let rowHeight = 28.0, left = 110.0, width = 560.0, plot = width - left - 20
        let height = rowHeight * Double(ind.estimates.count) + 30
        func x(_ v: Double) -> String {
            let t = chart.high > chart.low ? (v - chart.low) / (chart.high - chart.low) : 0
            return Format.fixed(left + max(0, min(1, t)) * plot, 1)
        }
        var s = "<svg viewBox=\"0 0 \(Format.fixed(width, 0)) \(Format.fixed(height, 0))\" role=\"img\" aria-label=\"\(HTML.escape(ind.label)): estimates with confidence intervals\" xmlns=\"http://www.w3.org/2000/svg\">"
        for (i, e) in ind.estimates.enumerated() {
            let y = Format.fixed(rowHeight * Double(i) + 18, 1)
            s += "<text x=\"0\" y=\"\(y)\" dy=\"4\" font-size=\"13\">\(HTML.escape(e.group))</text>"
            if e.suppressed {
                s += "<text x=\"\(Format.fixed(left, 0))\" y=\"\(y)\" dy=\"4\" font-size=\"12\" fill=\"#777\">suppressed (n &lt; \(minimum))</text>"
                continue
            }
            s += "<line x1=\"\(x(e.ciLow))\" x2=\"\(x(e.ciHigh))\" y1=\"\(y)\" y2=\"\(y)\" stroke=\"#3465a4\" stroke-width=\"3\"/>"
            s += "<circle cx=\"\(x(e.estimate))\" cy=\"\(y)\" r=\"5\" fill=\"#204a87\"/>"
        }
        let axisY = Format.fixed(height - 8, 0)
        let lowLabel = ind.kind == .proportion ? "0%" : Prose.value(chart.low, ind)
        let highLabel = ind.kind == .proportion ? "100%" : Prose.value(chart.high, ind)
        s += "<line x1=\"\(Format.fixed(left, 0))\" x2=\"\(Format.fixed(left + plot, 0))\" y1=\"\(Format.fixed(height - 20, 0))\" y2=\"\(Format.fixed(height - 20, 0))\" stroke=\"#999\"/>"
        s += "<text x=\"\(Format.fixed(left, 0))\" y=\"\(axisY)\" font-size=\"11\" fill=\"#555\">\(HTML.escape(lowLabel))</text>"
        s += "<text x=\"\(Format.fixed(left + plot, 0))\" y=\"\(axisY)\" font-size=\"11\" fill=\"#555\" text-anchor=\"end\">\(HTML.escape(highLabel))</text>"
        return s + "</svg>"
    }
}

enum HTML {
    static func escape(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }
}
