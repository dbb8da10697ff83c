/// The sentences of a report, written from the model's numbers (no computation beyond formatting).
enum Prose {
    /// An indicator value in its display form: a percentage for proportions, else fixed decimals.
    static func value(_ x: Double, _ ind: EvaluationReport.IndicatorResult) -> String {
        switch ind.kind {
        case .proportion: return Format.percent(x, 1)
        case .total: return Format.grouped(x, ind.decimals)
        case .mean, .rate: return abs(x) >= 1_000 ? Format.grouped(x, ind.decimals) : Format.fixed(x, ind.decimals)
        }
    }

    /// A difference: percentage points for proportions.
    static func difference(_ x: Double, _ ind: EvaluationReport.IndicatorResult) -> String {
        switch ind.kind {
        case .proportion: return Format.signed(100 * x, 1) + " points"
        case .total: return (x < 0 ? "−" : "+") + Format.grouped(abs(x), ind.decimals)
        case .mean, .rate: return Format.signed(x, ind.decimals)
        }
    }

    static func withUnit(_ s: String, _ ind: EvaluationReport.IndicatorResult) -> String {
        guard ind.kind != .proportion, let unit = ind.unit, !unit.isEmpty else { return s }
        switch unit {
        case "£", "$", "€": return unit + s
        case "%": return s + "%"
        default: return s + " " + unit
        }
    }

    static func findings(_ ind: EvaluationReport.IndicatorResult, level: String) -> [String] {
        let byGroup = Dictionary(uniqueKeysWithValues: ind.estimates.map { ($0.group, $0) })
        if ind.changes.isEmpty {
            return ind.estimates.map { e in
                e.suppressed ? "\(ind.label) (\(e.group)): suppressed because fewer than the minimum number of people answered."
                    : "\(ind.label) (\(e.group)): \(withUnit(value(e.estimate, ind), ind)) (\(level) CI \(value(e.ciLow, ind)) to \(value(e.ciHigh, ind)))."
            }
        }
        return ind.changes.map { c in
            guard let a = byGroup[c.from], let b = byGroup[c.to] else { return "\(ind.label): no estimate." }
            if c.suppressed || a.suppressed || b.suppressed {
                return "\(ind.label): not shown for \(c.from) → \(c.to), because a group has fewer respondents than the minimum cell size."
            }
            let significant = c.differenceLow > 0 || c.differenceHigh < 0
            let verb = !significant ? "changed from" : (c.difference < 0 ? "fell from" : "rose from")
            var s = "\(ind.label) \(verb) \(withUnit(value(a.estimate, ind), ind)) (\(c.from); \(level) CI \(value(a.ciLow, ind)) to \(value(a.ciHigh, ind))) to \(withUnit(value(b.estimate, ind), ind)) (\(c.to); \(value(b.ciLow, ind)) to \(value(b.ciHigh, ind)))"
            if let rel = c.relative, let lo = c.relativeLow, let hi = c.relativeHigh {
                let word = rel < 0 ? "drop" : "rise"
                let (x, l, h) = rel < 0 ? (-rel, -hi, -lo) : (rel, lo, hi)
                s += ", a relative \(word) of \(Format.fixed(100 * x, 0))% (\(Format.fixed(100 * l, 0))% to \(Format.fixed(100 * h, 0))%)"
            }
            s += "; p \(Format.pValue(c.adjustedPValue ?? c.pValue))"
            if c.adjustedPValue != nil { s += " after adjustment for multiple testing" }
            if !significant { s += "; the interval for the change includes no change" }
            let flagged = [a, b].filter { !$0.flags.isEmpty }
            if !flagged.isEmpty { s += " (estimates flagged as unreliable: see the table)" }
            return s + "."
        }
    }

    static func methods(_ r: EvaluationReport) -> [String] {
        let m = r.methods
        return [
            "Design. \(m.design) Variance: \(m.varianceMethod) Degrees of freedom: \(m.degreesOfFreedom) (PSUs minus strata). Lonely PSUs: \(m.lonelyPSU)",
            "Intervals. \(m.intervalMethod) Relative changes: \(m.relativeChangeMethod)",
            "Tests. \(m.testMethod) Multiple testing: \(m.multipleTesting)",
            "Missing data. \(m.missingData)",
        ]
    }

    static func suppression(_ s: EvaluationReport.SuppressionNote) -> String {
        var text = "Estimates based on fewer than \(s.minimumCell) respondents are suppressed, and so is any change that involves them. Respondent ids and free-text answers are not shown."
        if s.suppressedCells.isEmpty {
            text += " Nothing was suppressed in this report."
        } else {
            text += " Suppressed: " + s.suppressedCells.joined(separator: "; ") + "."
        }
        return text
    }
}
