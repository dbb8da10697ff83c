import Foundation

/// Renders an ``EvaluationReport``'s tables as one CSV file (UTF-8, comma, LF, RFC 4180 quoting).
///
/// One row per group estimate (`record = estimate`) and per change (`record = change`). Suppressed
/// numbers are empty. Every text cell is guarded against formula injection: a cell that starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'` so that spreadsheets show it as
/// text (OWASP "CSV injection"); numbers are written by copro and are not prefixed.
public enum CSVReport {
    public static let header = ["record", "indicator", "label", "kind", "group", "to", "estimate", "se", "ci_low",
                                "ci_high", "n", "relative", "relative_low", "relative_high", "statistic", "df",
                                "p_value", "adjusted_p_value", "suppressed", "flags"]

    public static func render(_ r: EvaluationReport) -> String {
        var out = CSVText.record(header)
        func num(_ x: Double?) -> String {
            guard let x, x.isFinite else { return "" }
            return "\(x)"
        }
        for ind in r.indicators {
            for e in ind.estimates {
                let s = e.suppressed
                out += CSVText.record(["estimate", CSVText.guarded(ind.id), CSVText.guarded(ind.label), ind.kind.rawValue,
                                       CSVText.guarded(e.group), "", s ? "" : num(e.estimate), s ? "" : num(e.se),
                                       s ? "" : num(e.ciLow), s ? "" : num(e.ciHigh), s ? "" : "\(e.n)", "", "", "",
                                       "", num(e.df), "", "", s ? "true" : "false",
                                       CSVText.guarded(e.flags.joined(separator: "; "))])
            }
            for c in ind.changes {
                let s = c.suppressed
                out += CSVText.record(["change", CSVText.guarded(ind.id), CSVText.guarded(ind.label), ind.kind.rawValue,
                                       CSVText.guarded(c.from), CSVText.guarded(c.to), s ? "" : num(c.difference),
                                       s ? "" : num(c.differenceSE), s ? "" : num(c.differenceLow),
                                       s ? "" : num(c.differenceHigh), "", s ? "" : num(c.relative),
                                       s ? "" : num(c.relativeLow), s ? "" : num(c.relativeHigh),
                                       s ? "" : num(c.statistic), num(c.df), s ? "" : num(c.pValue),
                                       s ? "" : num(c.adjustedPValue), s ? "true" : "false", ""])
            }
        }
        return out
    }
}

/// RFC 4180 writing helpers shared by the CSV outputs.
public enum CSVText {
    /// Makes a text cell inert in spreadsheets (formula injection guard).
    public static func guarded(_ s: String) -> String {
        guard let first = s.unicodeScalars.first else { return s }
        return ["=", "+", "-", "@", "\t", "\r"].contains(first) ? "'" + s : s
    }

    /// One record: fields quoted only when they hold a comma, quote, CR or LF; LF-terminated.
    public static func record(_ fields: [String]) -> String {
        fields.map { f in
            f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
                ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f
        }.joined(separator: ",") + "\n"
    }
}
