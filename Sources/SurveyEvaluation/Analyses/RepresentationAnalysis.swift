import Foundation
import SurveyInstruments
import SurveyReports
import SurveyStatistics

/// `kind: representation` — who takes part: the weighted shares of a categorical question among
/// participants against known population shares, with representation ratios and a design-adjusted
/// goodness-of-fit test.
///
/// ```yaml
/// analyses:
///   - kind: representation
///     variable: income_group             # a single-choice question
///     within: {sample: assembly}         # file attributes selecting the participants (optional)
///     population:                        # known shares (census); they must sum to 1
///       - {code: "1", share: 0.2262}
///       - ...
///     population_source: "2000 census (synthetic: SampleData/porto-alegre/README.md)"
/// ```
///
/// Definitions. Each share p̂ₖ is the design-weighted domain mean of the indicator of category k
/// (R `svymean(~factor(x), subset(design, …))`), with a logit interval on the design's degrees of
/// freedom. The representation ratio is p̂ₖ/πₖ (1 = represented in proportion; > 1 over-represented)
/// with the share's interval divided by πₖ. The goodness-of-fit statistic is Pearson's
/// X² = n Σ (p̂ₖ − πₖ)²/πₖ on the unweighted number n of participants with a valid answer, corrected
/// by Rao & Scott (1981, JASA 76:221–230; 1984, Ann. Statist. 12:46–60): with P = diag(π) − ππᵀ and V
/// the design covariance of the first K − 1 shares, the generalised design effects are the
/// eigenvalues of Δ = n P⁻¹V; the first-order test refers X²/δ̄ (δ̄ = tr Δ/(K − 1)) to χ²(K − 1), the
/// second-order test refers F = X²/tr Δ to F(d, d·ν), d = (tr Δ)²/tr(Δ²), ν the design df.
/// Rows with a missing answer leave the shares' denominator. Shares of 0 or 1 give an interval of
/// that point.
public struct RepresentationAnalysis: Analysis {
    public static let kind = "representation"
    public static let keys = ["variable", "within", "population", "population_source", "title"]

    public struct PopulationShare: Decodable, Sendable, Equatable {
        public var code: String
        public var share: Double
    }

    public var variable: String
    public var within: [String: String]
    public var population: [PopulationShare]
    public var populationSource: String?
    public var title: String?

    enum CodingKeys: String, CodingKey {
        case variable, within, population, populationSource = "population_source", title
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        variable = try c.decode(String.self, forKey: .variable)
        within = try c.decodeIfPresent([String: String].self, forKey: .within) ?? [:]
        population = try c.decode([PopulationShare].self, forKey: .population)
        populationSource = try c.decodeIfPresent(String.self, forKey: .populationSource)
        title = try c.decodeIfPresent(String.self, forKey: .title)
    }

    public func validate(plan: Plan, instrument: Instrument) throws {
        guard let q = instrument.questions.first(where: { $0.id == variable }) else {
            throw AnalysisError("representation: the instrument has no question '\(variable)'")
        }
        let codes = (q.options ?? []).map(\.code)
        for p in population where !codes.contains(p.code) {
            throw AnalysisError("representation: '\(p.code)' is not a code of '\(variable)'",
                                hint: "its codes are: " + codes.joined(separator: ", "))
        }
        guard population.count >= 2, population.allSatisfy({ $0.share > 0 && $0.share < 1 }) else {
            throw AnalysisError("representation: give at least two population shares, each strictly between 0 and 1")
        }
        let total = population.map(\.share).reduce(0, +)
        guard abs(total - 1) < 0.002 else {
            throw AnalysisError("representation: the population shares sum to \(total), not 1",
                                hint: "list every category with its share of the population")
        }
        for (factor, level) in within where !plan.levels(of: factor).contains(level) {
            throw AnalysisError("representation: no data file has \(factor): \(level)")
        }
    }

    public func run(_ context: AnalysisContext) throws -> ReportSection {
        let codes = try context.codes(variable)
        var domain = Array(repeating: true, count: context.rowCount)
        for (factor, level) in within.sorted(by: { $0.key < $1.key }) {
            let d = context.domain(factor, level)
            for i in domain.indices { domain[i] = domain[i] && d[i] }
        }
        let design = context.design
        let df = Double(design.degreesOfFreedom)
        let level = context.confidenceLevel
        let q = StudentT(degreesOfFreedom: df).quantile(0.5 + level / 2)
        var linearized: [Linearized] = []
        for share in population {
            let y = codes.map { c -> Double in c.map { $0 == share.code ? 1 : 0 } ?? .nan }
            linearized.append(try design.linearizedMean(y, domain: domain))
        }
        let v = try design.covariance(linearized)
        let n = (0..<context.rowCount).filter { domain[$0] && codes[$0] != nil }.count
        let pi = population.map(\.share)
        let labels = labelsOfCodes(context.instrument)

        var rows: [[ReportTable.Cell]] = []
        var findings: [String] = []
        for (k, share) in population.enumerated() {
            let p = linearized[k].value, se = v[k][k].squareRoot()
            let (low, high) = Self.logitInterval(p, se: se, q: q)
            let label = labels[share.code] ?? share.code
            rows.append([ReportTable.Cell(label), .percent(share.share), .percent(p), .percent(low), .percent(high),
                         .number(p / share.share, decimals: 2), .number(low / share.share, decimals: 2),
                         .number(high / share.share, decimals: 2)])
            if low / share.share > 1 {
                findings.append("\(label): \(ReportNumber.percent(p)) of participants against \(ReportNumber.percent(share.share)) of the population — over-represented (ratio \(ReportNumber.fixed(p / share.share, 2)), \(Int((level * 100).rounded()))% CI \(ReportNumber.fixed(low / share.share, 2)) to \(ReportNumber.fixed(high / share.share, 2))).")
            } else if high / share.share < 1 {
                findings.append("\(label): \(ReportNumber.percent(p)) of participants against \(ReportNumber.percent(share.share)) of the population — under-represented (ratio \(ReportNumber.fixed(p / share.share, 2)), \(Int((level * 100).rounded()))% CI \(ReportNumber.fixed(low / share.share, 2)) to \(ReportNumber.fixed(high / share.share, 2))).")
            }
        }
        let fit = try Self.goodnessOfFit(shares: linearized.map(\.value), covariance: v, population: pi, n: n, df: df)
        let ci = "\(Int((level * 100).rounded()))% CI"
        var section = ReportSection(id: "representation-\(variable)",
                                    title: title ?? "Who takes part: \(variable) against the population")
        section.findings = findings
        section.findings.append("Goodness of fit to the population shares: Rao–Scott F = \(ReportNumber.fixed(fit.f, 2)) on \(ReportNumber.fixed(fit.d, 2)) and \(ReportNumber.fixed(fit.d * df, 1)) df, p \(ReportNumber.pValue(fit.pSecond)) (n = \(n)).")
        section.tables.append(ReportTable(
            caption: "Shares of participants (weighted, \(ci)) and of the population; representation ratio = participants' share / population share",
            columns: [.init("Category"), .init("Population", numeric: true), .init("Participants", numeric: true),
                      .init("low", numeric: true), .init("high", numeric: true), .init("Ratio", numeric: true),
                      .init("low", numeric: true), .init("high", numeric: true)],
            rows: rows))
        section.tables.append(ReportTable(
            caption: "Goodness of fit of the participants' shares to the population shares",
            columns: [.init("Test"), .init("Statistic", numeric: true), .init("df", numeric: true), .init("p", numeric: true)],
            rows: [
                [ReportTable.Cell("Pearson X² (no design correction)"), .number(fit.x2, decimals: 2),
                 ReportTable.Cell(String(population.count - 1), value: Double(population.count - 1)),
                 ReportTable.Cell(ReportNumber.pValue(fit.pNaive), value: fit.pNaive)],
                [ReportTable.Cell("Rao–Scott first order X²/δ̄ (δ̄ = \(ReportNumber.fixed(fit.meanDeff, 2)))"),
                 .number(fit.x2 / fit.meanDeff, decimals: 2),
                 ReportTable.Cell(String(population.count - 1), value: Double(population.count - 1)),
                 ReportTable.Cell(ReportNumber.pValue(fit.pFirst), value: fit.pFirst)],
                [ReportTable.Cell("Rao–Scott second order F"), .number(fit.f, decimals: 2),
                 ReportTable.Cell(ReportNumber.fixed(fit.d, 2) + ", " + ReportNumber.fixed(fit.d * df, 1), value: fit.d),
                 ReportTable.Cell(ReportNumber.pValue(fit.pSecond), value: fit.pSecond)],
            ]))
        let who = within.isEmpty ? "all rows" : within.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ")
        section.methods.append(
            "Representation: shares of '\(variable)' among \(who) are design-weighted domain means of each category's "
                + "indicator (linearisation, the plan's strata, clusters and fpc; \(Int(df)) df), with logit intervals; "
                + "rows with a missing answer leave the denominator. Population shares: "
                + (populationSource ?? "as given in the plan") + ". The ratio's interval is the share's interval "
                + "divided by the population share (which is taken as known). The goodness-of-fit test is Pearson's X² "
                + "on the \(n) participants with an answer, with the Rao–Scott first- and second-order corrections "
                + "for the design (generalised design effects from the shares' design covariance).")
        if n < 30 { section.warnings.append("Only \(n) participants answered '\(variable)': the shares are imprecise.") }
        if fit.meanDeff > 2 {
            section.warnings.append("The mean generalised design effect is \(ReportNumber.fixed(fit.meanDeff, 2)): an uncorrected Pearson test would overstate the evidence.")
        }
        return section
    }

    func labelsOfCodes(_ instrument: Instrument) -> [String: String] {
        let q = instrument.questions.first { $0.id == variable }
        return Dictionary((q?.options ?? []).map { ($0.code, $0.label) }, uniquingKeysWith: { a, _ in a })
    }

    /// A logit interval for a proportion (R `svyciprop(method = "logit")`-style on the t quantile `q`).
    static func logitInterval(_ p: Double, se: Double, q: Double) -> (Double, Double) {
        guard p > 0, p < 1 else { return (p, p) }
        let l = log(p / (1 - p)), s = se / (p * (1 - p))
        return (1 / (1 + exp(-(l - q * s))), 1 / (1 + exp(-(l + q * s))))
    }

    /// Goodness-of-fit statistics of estimated shares to known shares.
    struct GoodnessOfFit: Equatable {
        var x2: Double, meanDeff: Double, f: Double, d: Double
        var pNaive: Double, pFirst: Double, pSecond: Double
    }

    /// Pearson X² with Rao–Scott corrections (see the type's documentation).
    ///
    /// - Parameters: `shares` p̂ (K), `covariance` their design covariance (K × K), `population` π (K,
    ///   each in (0, 1)), `n` the unweighted count, `df` the design degrees of freedom.
    /// - Returns: NaN statistics when the covariance is zero (no design information).
    static func goodnessOfFit(shares p: [Double], covariance v: [[Double]], population pi: [Double], n: Int,
                              df: Double) throws -> GoodnessOfFit {
        let k = p.count
        guard k >= 2, pi.count == k, n > 0 else { throw AnalysisError("goodness of fit needs at least two categories") }
        var sum = 0.0
        for i in 0..<k {
            let d = p[i] - pi[i]
            sum += d * d / pi[i]
        }
        let x2 = Double(n) * sum
        // Δ = n P⁻¹ V on the first K − 1 cells; P⁻¹ = diag(1/π) + 11ᵀ/π_K.
        let m = k - 1
        var delta = Array(repeating: Array(repeating: 0.0, count: m), count: m)
        for i in 0..<m {
            for j in 0..<m {
                var s = v[i][j] / pi[i]
                for l in 0..<m { s += v[l][j] / pi[k - 1] }
                delta[i][j] = Double(n) * s
            }
        }
        let trace = (0..<m).map { delta[$0][$0] }.reduce(0, +)
        var trace2 = 0.0
        for i in 0..<m { for j in 0..<m { trace2 += delta[i][j] * delta[j][i] } }
        let meanDeff = trace / Double(m)
        let d = trace * trace / trace2
        let f = x2 / trace
        let naive = ChiSquared(degreesOfFreedom: Double(m)).sf(x2)
        let first = ChiSquared(degreesOfFreedom: Double(m)).sf(x2 / meanDeff)
        let second = FDistribution(numeratorDegreesOfFreedom: d, denominatorDegreesOfFreedom: d * df).sf(f)
        return GoodnessOfFit(x2: x2, meanDeff: meanDeff, f: f, d: d, pNaive: naive, pFirst: first, pSecond: second)
    }
}
