import Foundation

/// Fixed-precision number formatting shared by every renderer (locale-independent: always `.` and
/// ASCII digits, a true minus sign `−` for negative values in prose and tables).
enum Format {
    /// `x` with `decimals` places; `−` for negatives; `-0.0` shown as `0.0`.
    static func fixed(_ x: Double, _ decimals: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "n/a" : (x > 0 ? "∞" : "−∞") }
        var s = String(format: "%.\(decimals)f", x)
        if s.hasPrefix("-") {
            let body = s.dropFirst()
            s = body.allSatisfy({ $0 == "0" || $0 == "." }) ? String(body) : "−" + body
        }
        return s
    }

    /// A signed value: `+1.2` or `−1.2`.
    static func signed(_ x: Double, _ decimals: Int) -> String {
        let s = fixed(x, decimals)
        return s.hasPrefix("−") || s.allSatisfy({ $0 == "0" || $0 == "." }) ? s : "+" + s
    }

    /// Thousands-grouped fixed number, e.g. `1,073,119`.
    static func grouped(_ x: Double, _ decimals: Int) -> String {
        let s = fixed(abs(x), decimals)
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        var integer = String(parts[0])
        var out = ""
        while integer.count > 3 {
            out = "," + integer.suffix(3) + out
            integer = String(integer.dropLast(3))
        }
        out = integer + out
        if parts.count > 1 { out += "." + parts[1] }
        return (x < 0 && fixed(x, decimals).hasPrefix("−") ? "−" : "") + out
    }

    /// A p-value: `< 0.001` below 0.001, else three decimals.
    static func pValue(_ p: Double) -> String {
        guard p.isFinite else { return "n/a" }
        return p < 0.001 ? "< 0.001" : "= " + fixed(p, 3)
    }

    /// A percentage of a proportion, with `decimals` places.
    static func percent(_ p: Double, _ decimals: Int = 1) -> String { fixed(100 * p, decimals) + "%" }

    /// Pads or truncates to `width` characters (counting Unicode characters), left-aligned.
    static func left(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    /// Right-aligned in `width` characters.
    static func right(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }

    /// Greedy word wrap to `width` columns, each line prefixed by `indent` (first line by `first`).
    static func wrap(_ text: String, width: Int = 100, first: String = "", indent: String = "") -> String {
        var lines: [String] = []
        var line = first
        var lineHasWord = false
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if lineHasWord && line.count + 1 + word.count > width {
                lines.append(line)
                line = indent + word
            } else {
                line += (lineHasWord ? " " : "") + word
            }
            lineHasWord = true
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }
}
