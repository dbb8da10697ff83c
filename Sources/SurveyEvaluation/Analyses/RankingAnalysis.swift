import Foundation
import SurveyInstruments
import SurveyReports
import SurveyStatistics

/// `kind: ranking` — ranks the options of a multiple-choice question by the share of the population
/// choosing them, with intervals on the ranks from a seeded bootstrap of primary sampling units.
///
/// ```yaml
/// analyses:
///   - {kind: ranking, variable: services_wanted, replicates: 1000, seed: 2004, top: 10}
/// ```
///
/// Definitions. Each option's share is the design-weighted mean of its 0/1 indicator (rows with a
/// missing answer leave the denominator), with a linearisation standard error. Rank 1 is the largest
/// share; ties share the better rank. Rank intervals are percentile intervals of the ranks over B
/// bootstrap replicates: within each stratum, nₕ − 1 PSUs are drawn with replacement from the nₕ
/// sampled (the Rao–Wu rescaling bootstrap: replicate weight = w · nₕ/(nₕ − 1) · times drawn; Rao, Wu &
/// Yue 1992, Survey Methodology 18:209–217; R `survey::as.svrepdesign(type = "subbootstrap")`).
/// Without clusters every row is its own PSU. The generator is ``SeededGenerator`` with the plan's
/// seed, so the intervals are reproduced exactly. Strata with one PSU are left unresampled.
public struct RankingAnalysis: Analysis {
    public static let kind = "ranking"
    public static let keys = ["variable", "replicates", "seed", "top", "title"]

    public var variable: String
    public var replicates: Int
    public var seed: UInt64
    public var top: Int?
    public var title: String?

    enum CodingKeys: String, CodingKey { case variable, replicates, seed, top, title }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        variable = try c.decode(String.self, forKey: .variable)
        replicates = try c.decodeIfPresent(Int.self, forKey: .replicates) ?? 1000
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 1
        top = try c.decodeIfPresent(Int.self, forKey: .top)
        title = try c.decodeIfPresent(String.self, forKey: .title)
    }

    public func validate(plan: Plan, instrument: Instrument) throws {
        guard let q = instrument.questions.first(where: { $0.id == variable }), q.type == .multipleChoice else {
            throw AnalysisError("ranking: '\(variable)' is not a multiple-choice question of the instrument")
        }
        guard replicates >= 100 else {
            throw AnalysisError("ranking: \(replicates) bootstrap replicates are too few", hint: "use replicates: 1000 or more")
        }
    }

    public func run(_ context: AnalysisContext) throws -> ReportSection {
        guard let q = context.instrument.questions.first(where: { $0.id == variable }) else {
            throw AnalysisError("ranking: no question '\(variable)'")
        }
        let options = (q.options ?? []).filter { $0.code != "none" }
        let answers = try context.codes(variable)
        let indicators: [[Double]] = options.map { o in
            answers.map { a in a.map { Set($0.split(separator: " ").map(String.init)).contains(o.code) ? 1 : 0 } ?? .nan }
        }
        let design = context.design
        let estimates = try indicators.map { try design.linearizedMean($0) }
        let variances = try estimates.map { try design.covariance([$0])[0][0] }
        let shares = estimates.map(\.value)
        let ranks = Self.ranks(shares)

        // Bootstrap replicates of the shares, then of the ranks.
        var rng = SeededGenerator(seed: seed)
        let replicateWeights = Self.bootstrapWeights(weights: context.weights, strata: context.strata,
                                                     clusters: context.clusters, replicates: replicates, using: &rng)
        var rankDraws = Array(repeating: [Int](), count: options.count)
        for w in replicateWeights {
            let s = indicators.map { Self.weightedMean($0, w) }
            for (k, r) in Self.ranks(s).enumerated() { rankDraws[k].append(r) }
        }
        let level = context.confidenceLevel
        let df = Double(design.degreesOfFreedom)
        let tq = StudentT(degreesOfFreedom: df).quantile(0.5 + level / 2)
        let order = options.indices.sorted { (ranks[$0], $0) < (ranks[$1], $1) }
        let shown = top.map { Array(order.prefix($0)) } ?? order
        var rows: [[ReportTable.Cell]] = []
        for k in shown {
            let se = variances[k].squareRoot()
            let (low, high) = RepresentationAnalysis.logitInterval(shares[k], se: se, q: tq)
            let (rl, rh) = Self.percentileInterval(rankDraws[k], level: level)
            rows.append([.count(ranks[k]), ReportTable.Cell(options[k].label), .percent(shares[k]), .percent(low),
                         .percent(high), ReportTable.Cell("\(rl)–\(rh)", value: Double(rl)), .count(estimates[k].n)])
        }
        let pct = "\(Int((level * 100).rounded()))%"
        var section = ReportSection(id: "ranking-\(variable)", title: title ?? "Ranking of \(variable)")
        if let first = order.first {
            let (rl, rh) = Self.percentileInterval(rankDraws[first], level: level)
            section.findings.append("Most wanted: \(options[first].label), by \(ReportNumber.percent(shares[first])) of households (bootstrap \(pct) rank interval \(rl)–\(rh)).")
        }
        let certain = shown.filter { Self.percentileInterval(rankDraws[$0], level: level) == (ranks[$0], ranks[$0]) }
        section.findings.append("\(certain.count) of the \(shown.count) ranks shown are certain at \(pct) (the rank interval is a single rank); the others could change places with their neighbours.")
        section.tables.append(ReportTable(
            caption: "Options ranked by the weighted share choosing them (\(pct) CI of the share; \(pct) bootstrap interval of the rank; n = respondents who answered)",
            columns: [.init("Rank", numeric: true), .init("Option"), .init("Share", numeric: true), .init("low", numeric: true),
                      .init("high", numeric: true), .init("Rank interval", numeric: true), .init("n", numeric: true)],
            rows: rows))
        let psus = context.clusters.isEmpty ? "rows (each row its own PSU)" : "PSUs"
        section.methods.append(
            "Ranking: shares are design-weighted means of each option's indicator (linearisation SEs, \(Int(df)) df, "
                + "logit intervals). Rank intervals: percentile intervals over \(replicates) Rao–Wu rescaling bootstrap "
                + "replicates (nₕ − 1 \(psus) drawn with replacement within each stratum; seed \(seed)); ties take the "
                + "better rank. Rank intervals reflect sampling error only.")
        if let smallest = estimates.map(\.n).min(), smallest < context.minimumCell {
            section.warnings.append("Only \(smallest) respondents answered '\(variable)'.")
        }
        return section
    }

    /// Ranks (1 = largest value); equal values share the better rank.
    static func ranks(_ x: [Double]) -> [Int] {
        x.map { v in 1 + x.filter { $0 > v }.count }
    }

    static func weightedMean(_ y: [Double], _ w: [Double]) -> Double {
        var s = 0.0, t = 0.0
        for i in y.indices where !y[i].isNaN { s += w[i] * y[i]; t += w[i] }
        return s / t
    }

    /// The lower and upper percentile (type 1, inverse of the empirical distribution) of integer draws.
    static func percentileInterval(_ draws: [Int], level: Double) -> (Int, Int) {
        guard !draws.isEmpty else { return (0, 0) }
        let sorted = draws.sorted()
        let a = (1 - level) / 2
        let lo = max(0, Int((a * Double(sorted.count)).rounded(.up)) - 1)
        let hi = min(sorted.count - 1, Int(((1 - a) * Double(sorted.count)).rounded(.up)) - 1)
        return (sorted[lo], sorted[hi])
    }

    /// Rao–Wu rescaling bootstrap weights (nₕ − 1 PSUs drawn with replacement within each stratum).
    ///
    /// - Parameters: `weights`, `strata` per row; `clusters` per row, or empty (each row its own PSU).
    /// - Returns: `replicates` arrays of row weights.
    static func bootstrapWeights(weights: [Double], strata: [String], clusters: [String], replicates: Int,
                                 using rng: inout SeededGenerator) -> [[Double]] {
        let n = weights.count
        // Integer PSU index of each row, PSUs numbered within their stratum in first-appearance order.
        var stratumIndex: [String: Int] = [:], psuIndex: [String: Int] = [:]
        var psusOfStratum: [[Int]] = []
        var psuOfRow = [Int](repeating: 0, count: n)
        for i in 0..<n {
            let h = strata.isEmpty ? "" : strata[i]
            let s = stratumIndex[h] ?? { stratumIndex[h] = psusOfStratum.count; psusOfStratum.append([]); return psusOfStratum.count - 1 }()
            let key = h + "\u{1F}" + (clusters.isEmpty ? String(i) : clusters[i])
            if let u = psuIndex[key] {
                psuOfRow[i] = u
            } else {
                let u = psuIndex.count
                psuIndex[key] = u
                psusOfStratum[s].append(u)
                psuOfRow[i] = u
            }
        }
        var out: [[Double]] = []
        out.reserveCapacity(replicates)
        var factor = [Double](repeating: 1, count: psuIndex.count)
        for _ in 0..<replicates {
            for units in psusOfStratum {
                guard units.count >= 2 else { for u in units { factor[u] = 1 }; continue }
                for u in units { factor[u] = 0 }
                let scale = Double(units.count) / Double(units.count - 1)
                for _ in 0..<(units.count - 1) { factor[units[rng.nextIndex(below: units.count)]] += scale }
            }
            out.append((0..<n).map { weights[$0] * factor[psuOfRow[$0]] })
        }
        return out
    }
}
