import Foundation
import SurveyInstruments
import SurveyReports
import SurveyStatistics

/// `kind: scale` — the reliability of a multi-item scale and its mean by group.
///
/// ```yaml
/// analyses:
///   - {kind: scale, scale: satisfaction, by: house, within: {respondent: resident}}
/// ```
///
/// Definitions. Cronbach's alpha α = k/(k − 1)·(1 − Σ sᵢ²/s²_total) (Cronbach 1951) on the scored
/// items (reverse keying as in the instrument's scale), with the Feldt (1965) interval, alpha if item
/// deleted and item–rest correlations (``CronbachAlpha``, pairwise-complete covariances). The
/// design-weighted alpha uses the weighted item covariance matrix; its interval is a delete-one-PSU
/// jackknife (JKn: within each stratum with nₕ ≥ 2 PSUs, v = Σₕ (nₕ − 1)/nₕ Σⱼ (α̂₍ₕⱼ₎ − ᾱₕ)², the
/// deleted PSU's stratum-mates reweighted by nₕ/(nₕ − 1); Wolter, *Introduction to Variance
/// Estimation*, 2nd ed., §4.5), with t on the design's degrees of freedom. The group table gives the
/// weighted mean score per level of `by` with a within-group interval (rows missing the score leave the denominator);
/// groups with fewer respondents than the plan's `min_cell` are shown without an interval.
/// Rows missing every item are left out; alpha is NaN when a covariance cannot be formed.
public struct ScaleAnalysis: Analysis {
    public static let kind = "scale"
    public static let keys = ["scale", "by", "within", "title"]

    public var scale: String
    public var by: String?
    public var within: [String: String]
    public var title: String?

    enum CodingKeys: String, CodingKey { case scale, by, within, title }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        scale = try c.decode(String.self, forKey: .scale)
        by = try c.decodeIfPresent(String.self, forKey: .by)
        within = try c.decodeIfPresent([String: String].self, forKey: .within) ?? [:]
        title = try c.decodeIfPresent(String.self, forKey: .title)
    }

    public func validate(plan: Plan, instrument: Instrument) throws {
        guard let s = instrument.scales.first(where: { $0.id == scale }) else {
            throw AnalysisError("scale: the instrument has no scale '\(scale)'",
                                hint: "its scales are: " + instrument.scales.map(\.id).joined(separator: ", "))
        }
        guard s.items.count >= 2 else { throw AnalysisError("scale: '\(scale)' needs at least two items for a reliability") }
        for (factor, level) in within where !plan.levels(of: factor).contains(level) {
            throw AnalysisError("scale: no data file has \(factor): \(level)")
        }
    }

    /// The item's score: the coded value, reversed (min + max − x) when the scale lists it in `reverse`.
    static func scored(_ values: [Double], question: Question?, reverse: Bool) -> [Double] {
        guard reverse, let codes = question?.points?.compactMap({ Double($0.code) }), let lo = codes.min(),
              let hi = codes.max() else { return values }
        return values.map { lo + hi - $0 }
    }

    public func run(_ context: AnalysisContext) throws -> ReportSection {
        guard let s = context.instrument.scales.first(where: { $0.id == scale }) else {
            throw AnalysisError("scale: no scale '\(scale)'")
        }
        var domain = Array(repeating: true, count: context.rowCount)
        for (factor, level) in within.sorted(by: { $0.key < $1.key }) {
            let d = context.domain(factor, level)
            for i in domain.indices { domain[i] = domain[i] && d[i] }
        }
        let questions = context.instrument.questions
        var itemScores: [[Double]] = []
        for item in s.items {
            let q = questions.first { $0.id == item }
            itemScores.append(Self.scored(try context.numeric(item), question: q, reverse: (s.reverse ?? []).contains(item)))
        }
        let rows = (0..<context.rowCount).filter { r in domain[r] && itemScores.contains { !$0[r].isNaN } }
        let items = itemScores.map { col in rows.map { col[$0] } }
        let level = context.confidenceLevel
        let alpha = try CronbachAlpha(items: items, confidenceLevel: level, missing: .pairwise)
        let weights = rows.map { context.weights[$0] }
        let weighted = Self.weightedAlpha(items, weights: weights)
        let jack = Self.jackknife(items, weights: weights, strata: rows.map { context.strata[$0] },
                                  clusters: context.clusters.isEmpty ? rows.map(String.init) : rows.map { context.clusters[$0] })
        let df = Double(context.design.degreesOfFreedom)
        let q = StudentT(degreesOfFreedom: df).quantile(0.5 + level / 2)
        let pct = "\(Int((level * 100).rounded()))%"

        var section = ReportSection(id: "scale-\(scale)", title: title ?? "Scale: \(s.label ?? scale)")
        section.findings.append("\(s.label ?? scale): Cronbach's alpha \(ReportNumber.fixed(alpha.alpha, 2)) (\(pct) CI \(ReportNumber.fixed(alpha.interval.lower, 2)) to \(ReportNumber.fixed(alpha.interval.upper, 2)), Feldt; \(alpha.k) items, n = \(alpha.n)); design-weighted alpha \(ReportNumber.fixed(weighted, 2)).")
        section.tables.append(ReportTable(
            caption: "Reliability (\(pct) intervals)",
            columns: [.init("Estimate"), .init("alpha", numeric: true), .init("low", numeric: true), .init("high", numeric: true),
                      .init("n", numeric: true)],
            rows: [
                [ReportTable.Cell("Cronbach's alpha (unweighted, Feldt interval)"), .number(alpha.alpha, decimals: 3),
                 .number(alpha.interval.lower, decimals: 3), .number(alpha.interval.upper, decimals: 3), .count(alpha.n)],
                [ReportTable.Cell("Design-weighted alpha (jackknife over \(jack.replicates) PSUs)"), .number(weighted, decimals: 3),
                 .number(weighted - q * jack.se, decimals: 3), .number(weighted + q * jack.se, decimals: 3), .count(rows.count)],
            ]))
        section.tables.append(ReportTable(
            caption: "Items (scored; reverse-keyed items marked R)",
            columns: [.init("Item"), .init("Mean score", numeric: true), .init("Item–rest r", numeric: true),
                      .init("Alpha if deleted", numeric: true)],
            rows: s.items.enumerated().map { k, item in
                let mark = (s.reverse ?? []).contains(item) ? " (R)" : ""
                let text = questions.first { $0.id == item }?.text ?? item
                let valid = items[k].filter { !$0.isNaN }
                return [ReportTable.Cell(item + mark + ": " + text), .number(valid.reduce(0, +) / Double(max(valid.count, 1)), decimals: 2),
                        .number(alpha.itemRestCorrelations[k], decimals: 2), .number(alpha.alphaIfItemDeleted[k], decimals: 3)]
            }))
        if let by {
            section.tables.append(try groupTable(by, context: context, domain: domain, q: q, pct: pct))
        }
        let who = within.isEmpty ? "all respondents" : within.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ")
        section.methods.append(
            "Scale '\(scale)' among \(who): Cronbach's alpha on pairwise-complete item covariances with the Feldt interval "
                + "(F on n − 1 and (n − 1)(k − 1) df; it assumes independent respondents). The design-weighted alpha uses "
                + "weighted item covariances; its interval is a delete-one-PSU jackknife (\(jack.replicates) replicates) "
                + "with t on \(Int(df)) df. Item–rest correlations correlate each item with the sum of the others."
                + (by.map { " Mean scores by '\($0)' are weighted means with intervals from the variation among the group's "
                    + "respondents (t on n − 1 df, finite population correction 1 − n/N̂ with N̂ the group's weighted size), "
                    + "because a group may be a single PSU of the design." } ?? ""))
        if alpha.alpha < 0.7 {
            section.warnings.append("Cronbach's alpha for '\(scale)' is \(ReportNumber.fixed(alpha.alpha, 2)), below 0.7: the scale score is not reliable enough to compare individuals, and group differences are attenuated.")
        }
        for (k, r) in alpha.itemRestCorrelations.enumerated() where r < 0.2 {
            section.warnings.append("Item '\(s.items[k])' correlates weakly with the rest of the scale (r = \(ReportNumber.fixed(r, 2))): check its wording and keying.")
        }
        return section
    }

    /// Mean scale score by the levels of a question (design-weighted domain means).
    func groupTable(_ by: String, context: AnalysisContext, domain: [Bool], q: Double, pct: String) throws -> ReportTable {
        let labels = try context.codes(by)
        let score = try context.numeric(scale)
        var levels: [String] = []
        for (r, l) in labels.enumerated() where domain[r] { if let l, !levels.contains(l) { levels.append(l) } }
        levels.sort { $0.localizedStandardCompare($1) == .orderedAscending }
        var rows: [[ReportTable.Cell]] = []
        for l in levels {
            let members = (0..<context.rowCount).filter { domain[$0] && labels[$0] == l && !score[$0].isNaN }
            let w = members.map { context.weights[$0] }, y = members.map { score[$0] }
            let total = w.reduce(0, +)
            let mean = zip(w, y).map { $0 * $1 }.reduce(0, +) / total
            let n = members.count
            let small = n < max(context.minimumCell, 2)
            // Within-group variation among the group's respondents, with the group's finite population
            // correction (N̂ = Σw): the group may be a single PSU, whose design variance is zero.
            let s2 = n > 1 ? y.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1) : .nan
            let se = (max(0, 1 - Double(n) / total) * s2 / Double(n)).squareRoot()
            let tq = n > 1 ? StudentT(degreesOfFreedom: Double(n - 1)).quantile(0.5 + context.confidenceLevel / 2) : .nan
            rows.append([ReportTable.Cell(l), .number(mean, decimals: 2),
                         small ? ReportTable.Cell("") : .number(mean - tq * se, decimals: 2),
                         small ? ReportTable.Cell("") : .number(mean + tq * se, decimals: 2), .count(n),
                         ReportTable.Cell(small ? "fewer than \(context.minimumCell): no interval" : "")])
        }
        return ReportTable(caption: "Mean \(scale) score by \(by) (\(pct) CI)",
                           columns: [.init(by), .init("Mean", numeric: true), .init("low", numeric: true),
                                     .init("high", numeric: true), .init("n", numeric: true), .init("Note")],
                           rows: rows)
    }

    /// Cronbach's alpha from weighted item covariances (pairwise-complete rows; weights normalised).
    static func weightedAlpha(_ items: [[Double]], weights: [Double]) -> Double {
        let k = items.count
        var trace = 0.0, total = 0.0
        for i in 0..<k {
            for j in 0..<k {
                var sw = 0.0, sx = 0.0, sy = 0.0
                for r in weights.indices where !items[i][r].isNaN && !items[j][r].isNaN {
                    sw += weights[r]; sx += weights[r] * items[i][r]; sy += weights[r] * items[j][r]
                }
                guard sw > 0 else { return .nan }
                let mx = sx / sw, my = sy / sw
                var c = 0.0
                for r in weights.indices where !items[i][r].isNaN && !items[j][r].isNaN {
                    c += weights[r] * (items[i][r] - mx) * (items[j][r] - my)
                }
                c /= sw
                total += c
                if i == j { trace += c }
            }
        }
        return Double(k) / Double(k - 1) * (1 - trace / total)
    }

    /// Delete-one-PSU jackknife (JKn) standard error of the weighted alpha.
    static func jackknife(_ items: [[Double]], weights: [Double], strata: [String], clusters: [String])
        -> (se: Double, replicates: Int) {
        var psusOfStratum: [String: [String]] = [:]
        var order: [String] = []
        for r in weights.indices {
            if psusOfStratum[strata[r]] == nil { order.append(strata[r]); psusOfStratum[strata[r]] = [] }
            if !(psusOfStratum[strata[r]]?.contains(clusters[r]) ?? true) { psusOfStratum[strata[r]]?.append(clusters[r]) }
        }
        var variance = 0.0, count = 0
        for h in order {
            let psus = psusOfStratum[h] ?? []
            guard psus.count >= 2 else { continue }
            let nh = Double(psus.count)
            let estimates = psus.map { drop -> Double in
                let w = weights.indices.map { r -> Double in
                    guard strata[r] == h else { return weights[r] }
                    return clusters[r] == drop ? 0 : weights[r] * nh / (nh - 1)
                }
                return weightedAlpha(items, weights: w)
            }
            let mean = estimates.reduce(0, +) / nh
            variance += (nh - 1) / nh * estimates.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
            count += psus.count
        }
        return (variance.squareRoot(), count)
    }
}
