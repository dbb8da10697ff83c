/// Renders ``ReportSection``s for each format.
enum SectionText {
    /// A fixed-width table: numeric columns right-aligned; columns as wide as their widest cell.
    static func table(_ t: ReportTable, indent: String = "  ") -> [String] {
        var widths = t.columns.map { $0.title.count }
        for row in t.rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.text.count) }
        }
        func line(_ cells: [String]) -> String {
            var s = indent
            for (i, text) in cells.enumerated() where i < widths.count {
                let numeric = t.columns[i].numeric
                s += (i == 0 ? "" : "  ") + (numeric ? Format.right(text, widths[i]) : Format.left(text, widths[i]))
            }
            return s.trailingSpacesRemoved
        }
        var out: [String] = []
        if let caption = t.caption { out.append(Format.wrap(caption, width: TextReport.width, first: indent, indent: indent)) }
        out.append(line(t.columns.map(\.title)))
        out.append(indent + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for row in t.rows { out.append(line(row.map(\.text))) }
        return out
    }

    static func render(_ s: ReportSection) -> [String] {
        var out: [String] = [s.title.uppercased(), String(repeating: "-", count: TextReport.width)]
        for f in s.findings { out.append(Format.wrap(f, width: TextReport.width, first: "- ", indent: "  ")) }
        if !s.findings.isEmpty { out.append("") }
        for t in s.tables { out += table(t); out.append("") }
        for f in s.figures { out += f.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }; out.append("") }
        for m in s.methods { out.append(Format.wrap(m, width: TextReport.width)); out.append("") }
        return out
    }
}

enum SectionMarkdown {
    static func render(_ s: ReportSection) -> [String] {
        var out = ["## " + Markdown.escape(s.title), ""]
        for f in s.findings { out.append("- " + Markdown.escape(f)) }
        if !s.findings.isEmpty { out.append("") }
        for t in s.tables {
            if let c = t.caption { out += [Markdown.escape(c), ""] }
            out.append("| " + t.columns.map { Markdown.escape($0.title) }.joined(separator: " | ") + " |")
            out.append("|" + t.columns.map { $0.numeric ? "---:" : "---" }.joined(separator: "|") + "|")
            for row in t.rows { out.append("| " + row.map { Markdown.escape($0.text) }.joined(separator: " | ") + " |") }
            out.append("")
        }
        for f in s.figures { out += ["```", f, "```", ""] }
        for m in s.methods { out += [Markdown.escape(m), ""] }
        return out
    }
}

enum SectionHTML {
    static func render(_ s: ReportSection) -> [String] {
        var out = ["<section class=\"analysis\" id=\"\(HTML.escape(s.id))\"><h2>\(HTML.escape(s.title))</h2>"]
        if !s.findings.isEmpty {
            out.append("<ul class=\"findings\">" + s.findings.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>")
        }
        for t in s.tables {
            var h = "<table>"
            if let c = t.caption { h += "<caption>\(HTML.escape(c))</caption>" }
            h += "<thead><tr>" + t.columns.map { "<th>\(HTML.escape($0.title))</th>" }.joined() + "</tr></thead><tbody>"
            for row in t.rows {
                h += "<tr>" + row.enumerated().map { i, cell in
                    let numeric = i < t.columns.count && t.columns[i].numeric
                    return "<td\(numeric ? " class=\"num\"" : "")>\(HTML.escape(cell.text))</td>"
                }.joined() + "</tr>"
            }
            out.append(h + "</tbody></table>")
        }
        for f in s.figures { out.append("<pre>\(HTML.escape(f))</pre>") }
        for m in s.methods { out.append("<p>\(HTML.escape(m))</p>") }
        out.append("</section>")
        return out
    }
}
