import Foundation
import SurveyIngest
import SurveyInstruments
import SurveyReports
import SurveyStatistics

/// `kind: rate_ratio` — the ratio of two event rates (a count over an exposure) between the
/// levels of a factor, with the exact conditional interval and the percentage change.
///
/// From the survey rows (design-based ratio of `svyratio` estimates and the exact conditional
/// interval on the unweighted totals):
/// ```yaml
///   - kind: rate_ratio
///     counts: gp_visits
///     exposure: person_years
///     factor: wave
///     reference: before
///     comparison: after
///     per: 1000
/// ```
/// Or from a small CSV of routine counts (columns `level,count,exposure`, path relative to the plan):
/// ```yaml
///   - kind: rate_ratio
///     table: protection_orders.csv
///     reference: before
///     comparison: after
/// ```
public struct RateRatioAnalysis: Analysis {
    public static let kind = "rate_ratio"
    public static let keys = ["counts", "exposure", "factor", "table", "reference", "comparison", "per", "label", "title"]

    public var counts: String?
    public var exposure: String?
    public var factor: String?
    public var table: String?
    public var reference: String
    public var comparison: String
    public var per: Double?
    public var label: String?
    public var title: String?

    public func validate(plan: Plan, instrument: Instrument) throws {
        let fromRows = counts != nil && exposure != nil && factor != nil
        guard fromRows != (table != nil) else {
            throw AnalysisError("give either 'counts:', 'exposure:' and 'factor:' (survey rows) or 'table:' (a CSV of level,count,exposure)")
        }
        if let per, !(per > 0) { throw AnalysisError("per must be positive, got \(per)") }
    }

    /// (count, exposure) per level from the CSV table.
    func tableTotals(_ context: AnalysisContext) throws -> [String: (count: Int, exposure: Double)] {
        guard let table else { return [:] }
        let path = table.hasPrefix("/") ? table
            : URL(fileURLWithPath: context.plan.file).deletingLastPathComponent().appendingPathComponent(table).path
        let raw: RawTable
        do { raw = try Ingest.read(path: path).table } catch {
            throw AnalysisError("cannot read the rate table \(path): \(error)")
        }
        guard let l = raw.columnIndex(named: "level"), let c = raw.columnIndex(named: "count"),
              let e = raw.columnIndex(named: "exposure") else {
            throw AnalysisError("\(path) needs the columns level, count, exposure")
        }
        var out: [String: (Int, Double)] = [:]
        for i in 0..<raw.rowCount {
            guard let level = raw[i, l], let count = raw[i, c].flatMap({ Int($0) }), count >= 0,
                  let exposure = raw[i, e].flatMap({ Double($0) }), exposure > 0 else {
                throw AnalysisError("\(path) row \(i + 1): needs a level, a count ≥ 0 and an exposure > 0")
            }
            let old = out[level] ?? (0, 0)
            out[level] = (old.0 + count, old.1 + exposure)
        }
        return out
    }

    public func run(_ context: AnalysisContext) throws -> ReportSection {
        let level = context.confidenceLevel
        let scale = per ?? 1000
        var totals: [String: (count: Int, exposure: Double)] = [:]
        var tables: [ReportTable] = []
        var methods: [String] = []
        var warnings: [String] = []
        let name = label ?? counts ?? "events"
        if table != nil {
            totals = try tableTotals(context)
        } else if let counts, let exposure, let factor {
            let x = try context.numeric(counts), t = try context.numeric(exposure)
            let levels = try ComparisonSupport.labels(factor, context)
            for (i, l) in levels.enumerated() {
                guard let l, !x[i].isNaN, !t[i].isNaN else { continue }
                guard x[i] >= 0, x[i] == x[i].rounded() else {
                    throw AnalysisError("row \(i + 1): \(counts) = \(x[i]) is not a count")
                }
                let old = totals[l] ?? (0, 0)
                totals[l] = (old.count + Int(x[i]), old.exposure + t[i])
            }
            let group: [Bool?] = levels.map { $0 == comparison ? true : ($0 == reference ? false : nil) }
            let d = try RateComparison.designBased(counts: x, exposures: t, group: group, design: context.design,
                                                   confidenceLevel: level)
            if let rel = d.change.relative, let ci = d.change.relativeInterval {
                let rows: [[ReportTable.Cell]] = [
                    [ReportTable.Cell(reference), .number(d.rates.estimates[0].value * scale, decimals: 2)],
                    [ReportTable.Cell(comparison), .number(d.rates.estimates[1].value * scale, decimals: 2)],
                    [ReportTable.Cell("rate ratio (design-based)"), .number(1 + rel, decimals: 3)],
                    [ReportTable.Cell("CI low"), .number(1 + ci.lower, decimals: 3)],
                    [ReportTable.Cell("CI high"), .number(1 + ci.upper, decimals: 3)],
                ]
                tables.append(ReportTable(caption: "Design-weighted rates per \(ReportNumber.grouped(scale))",
                                          columns: [.init(factor), .init("value", numeric: true)], rows: rows))
                methods.append("Design-based rates: ratio estimators Σw·count/Σw·exposure per \(factor) level (as R svyratio); rate ratio by the delta method on the log scale with their joint design covariance, t on \(d.change.degreesOfFreedom) df.")
            }
            warnings.append("The exact conditional interval treats the unweighted totals as Poisson counts; with clustering (households, areas) the counts are overdispersed and that interval is too narrow — prefer the design-based one.")
        }
        guard let a = totals[reference], let b = totals[comparison] else {
            throw AnalysisError("no counts for \(totals[reference] == nil ? reference : comparison)",
                                hint: "levels present: " + totals.keys.sorted().joined(separator: ", "))
        }
        let r = try RateComparison.compare(referenceCount: a.count, referenceExposure: a.exposure, count: b.count,
                                           exposure: b.exposure, confidenceLevel: level)
        let rows: [[ReportTable.Cell]] = [
            [ReportTable.Cell(reference), .count(a.count), .number(a.exposure, decimals: 1), .number(r.referenceRate * scale, decimals: 2)],
            [ReportTable.Cell(comparison), .count(b.count), .number(b.exposure, decimals: 1), .number(r.comparisonRate * scale, decimals: 2)],
        ]
        let ratioRows: [[ReportTable.Cell]] = [
            [ReportTable.Cell("rate ratio, exact conditional"), .number(r.rateRatio, decimals: 3), .number(r.interval.lower, decimals: 3),
             .number(r.interval.upper, decimals: 3), .pValue(r.pValue)],
            [ReportTable.Cell("percentage change"), .percent(r.percentageChange), .percent(r.percentageChangeInterval.lower),
             r.percentageChangeInterval.upper.isFinite ? .percent(r.percentageChangeInterval.upper) : ReportTable.Cell("∞"),
             .pValue(r.pValue)],
        ]
        tables.insert(ReportTable(caption: "Counts, exposure and rates per \(ReportNumber.grouped(scale))",
                                  columns: [.init("level"), .init("count", numeric: true), .init("exposure", numeric: true),
                                            .init("rate", numeric: true)], rows: rows), at: 0)
        tables.insert(ReportTable(caption: "\(comparison) vs \(reference)",
                                  columns: [.init("measure"), .init("estimate", numeric: true), .init("CI low", numeric: true),
                                            .init("CI high", numeric: true), .init("p", numeric: true)], rows: ratioRows), at: 1)
        methods.insert("Rate ratio \(comparison)/\(reference) with the exact conditional interval (binomial distribution of the \(comparison) count given the total, as R poisson.test) and its two-sided exact p-value; percentage change = rate ratio − 1.", at: 0)
        let finding = "The rate of \(name) was \(ReportNumber.fixed(r.referenceRate * scale, 1)) per \(ReportNumber.grouped(scale)) in \(reference) and \(ReportNumber.fixed(r.comparisonRate * scale, 1)) in \(comparison): a change of \(ReportNumber.percent(r.percentageChange)) (\(ReportNumber.percent(level, 0)) CI \(ReportNumber.percent(r.percentageChangeInterval.lower)) to \(r.percentageChangeInterval.upper.isFinite ? ReportNumber.percent(r.percentageChangeInterval.upper) : "∞"); p \(ReportNumber.pValue(r.pValue)))."
        return ReportSection(id: "rate-ratio-\(counts ?? table ?? "rates")", title: title ?? "Rate ratio: \(name)",
                             findings: [finding], tables: tables, methods: methods, warnings: warnings)
    }
}
