import Foundation
import SurveyInstruments
import SurveyReports
import SurveyStatistics

/// `kind: trend` — a linear trend in a monitored count (e.g. weekly users), with an interval that
/// allows for autocorrelation.
///
/// ```yaml
/// analyses:
///   - {kind: trend, time: week, count: users, season: 52, per: 52, per_label: a year, unit: users a week}
/// ```
///
/// Model: yₜ = β₀ + β₁ t (+ γ₁ sin 2πt/S + γ₂ cos 2πt/S when `season: S` is given) + εₜ, fitted by
/// ordinary least squares (``LeastSquares/fit(design:response:weights:)``, Householder QR). The slope
/// is reported × `per` (e.g. per 52 weeks). Two standard errors are shown: the classical one (valid
/// for independent errors) and the Newey–West heteroscedasticity- and autocorrelation-consistent one
/// (Newey & West 1987, Econometrica 55:703–708; Bartlett kernel with L = ⌊4 (n/100)^{2/9}⌋ lags), on
/// which the interval (t on n − p df) is based. The lag-1 autocorrelation of the residuals is shown
/// as a check. Rows with a missing time or count are left out. The fit is of the monitoring records
/// as a time series; design weights are not used.
public struct TrendAnalysis: Analysis {
    public static let kind = "trend"
    public static let keys = ["time", "count", "season", "per", "per_label", "unit", "title"]

    public var time: String
    public var count: String
    public var season: Double?
    public var per: Double
    public var perLabel: String
    public var unit: String
    public var title: String?

    enum CodingKeys: String, CodingKey {
        case time, count, season, per, perLabel = "per_label", unit, title
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        time = try c.decode(String.self, forKey: .time)
        count = try c.decode(String.self, forKey: .count)
        season = try c.decodeIfPresent(Double.self, forKey: .season)
        per = try c.decodeIfPresent(Double.self, forKey: .per) ?? 1
        perLabel = try c.decodeIfPresent(String.self, forKey: .perLabel) ?? "per unit of time"
        unit = try c.decodeIfPresent(String.self, forKey: .unit) ?? count
        title = try c.decodeIfPresent(String.self, forKey: .title)
    }

    public func validate(plan: Plan, instrument: Instrument) throws {
        for id in [time, count] where !instrument.variableIds.contains(id) {
            throw AnalysisError("trend: '\(id)' is not a question or derived variable of the instrument")
        }
        if let season, !(season > 1) { throw AnalysisError("trend: season must be a period longer than one time unit") }
    }

    /// The fitted trend.
    struct Fit {
        var slope: Double, classicalSE: Double, hacSE: Double, df: Int, lags: Int
        var intercept: Double, residualAutocorrelation: Double, n: Int
    }

    /// Fits the trend to (t, y) pairs.
    static func fit(t: [Double], y: [Double], season: Double?) throws -> Fit {
        let n = t.count
        let p = season == nil ? 2 : 4
        guard n > p + 1 else { throw AnalysisError("trend: \(n) time points are too few to fit a trend") }
        var x = Matrix(rows: n, columns: p)
        for i in 0..<n {
            x[i, 0] = 1
            x[i, 1] = t[i]
            if let s = season {
                x[i, 2] = sin(2 * Double.pi * t[i] / s)
                x[i, 3] = cos(2 * Double.pi * t[i] / s)
            }
        }
        let ls = try LeastSquares.fit(design: x, response: y)
        guard !ls.aliased[1] else { throw AnalysisError("trend: the time variable does not vary") }
        let bread = ls.unscaledCovariance
        let e = ls.residuals
        let lags = Int(floor(4 * pow(Double(n) / 100, 2.0 / 9.0)))
        // Meat: Σₗ wₗ Σₜ eₜ eₜ₋ₗ (xₜ xₜ₋ₗᵀ + xₜ₋ₗ xₜᵀ), w₀ = 1 counted once.
        var meat = Array(repeating: Array(repeating: 0.0, count: p), count: p)
        for l in 0...lags {
            let w = 1 - Double(l) / Double(lags + 1)
            for i in l..<n {
                let ee = e[i] * e[i - l] * w
                for a in 0..<p {
                    for b in 0..<p {
                        let term = x[i, a] * x[i - l, b] + (l == 0 ? 0 : x[i - l, a] * x[i, b])
                        meat[a][b] += ee * term
                    }
                }
            }
        }
        // Sandwich for the slope only: (B M B)₁₁ with B = (XᵀX)⁻¹, scaled by n/(n − p).
        var v = 0.0
        for a in 0..<p { for b in 0..<p { v += bread[1, a] * meat[a][b] * bread[b, 1] } }
        v *= Double(n) / Double(n - p)
        return Fit(slope: ls.coefficients[1], classicalSE: ls.standardErrors[1], hacSE: v.squareRoot(),
                   df: ls.residualDegreesOfFreedom, lags: lags, intercept: ls.coefficients[0],
                   residualAutocorrelation: Descriptive.lagOneAutocorrelation(e), n: n)
    }

    public func run(_ context: AnalysisContext) throws -> ReportSection {
        let tAll = try context.numeric(time), yAll = try context.numeric(count)
        let rows = (0..<context.rowCount).filter { tAll[$0].isFinite && yAll[$0].isFinite }.sorted { tAll[$0] < tAll[$1] }
        let t = rows.map { tAll[$0] }, y = rows.map { yAll[$0] }
        let f = try Self.fit(t: t, y: y, season: season)
        let level = context.confidenceLevel
        let q = StudentT(degreesOfFreedom: Double(f.df)).quantile(0.5 + level / 2)
        let slope = f.slope * per, hac = f.hacSE * per, classical = f.classicalSE * per
        let low = slope - q * hac, high = slope + q * hac
        let pValue = 2 * StudentT(degreesOfFreedom: Double(f.df)).sf(abs(slope / hac))
        let pct = "\(Int((level * 100).rounded()))%"
        guard let peak = rows.indices.max(by: { (y[$0], -$0) < (y[$1], -$1) }) else {
            throw AnalysisError("trend: no time point has both '\(time)' and '\(count)'")
        }
        var section = ReportSection(id: "trend-\(count)", title: title ?? "Trend in \(count)")
        let direction = slope >= 0 ? "rose" : "fell"
        section.findings.append("\(unit.prefix(1).uppercased() + unit.dropFirst()) \(direction) by \(ReportNumber.fixed(abs(slope), 1)) \(perLabel) (\(pct) CI \(ReportNumber.fixed(low, 1)) to \(ReportNumber.fixed(high, 1)), allowing for autocorrelation; p \(ReportNumber.pValue(pValue))), over \(f.n) time points.")
        section.findings.append("The highest count was \(ReportNumber.grouped(y[peak])) at \(time) \(ReportNumber.grouped(t[peak])).")
        section.tables.append(ReportTable(
            caption: "Linear trend by ordinary least squares" + (season.map { " with a seasonal cycle of \(ReportNumber.fixed($0, 0)) time units" } ?? ""),
            columns: [.init("Quantity"), .init("Estimate", numeric: true), .init("SE", numeric: true),
                      .init("low", numeric: true), .init("high", numeric: true)],
            rows: [
                [ReportTable.Cell("Slope, \(unit) \(perLabel) (Newey–West SE, \(f.lags) lags)"), .number(slope, decimals: 2),
                 .number(hac, decimals: 2), .number(low, decimals: 2), .number(high, decimals: 2)],
                [ReportTable.Cell("Slope (classical SE, independent errors)"), .number(slope, decimals: 2),
                 .number(classical, decimals: 2), .number(slope - q * classical, decimals: 2), .number(slope + q * classical, decimals: 2)],
                [ReportTable.Cell("Fitted level at \(time) \(ReportNumber.grouped(t.first ?? .nan))"),
                 .number(f.intercept + f.slope * (t.first ?? .nan), decimals: 1), ReportTable.Cell(""), ReportTable.Cell(""), ReportTable.Cell("")],
                [ReportTable.Cell("Fitted level at \(time) \(ReportNumber.grouped(t.last ?? .nan))"),
                 .number(f.intercept + f.slope * (t.last ?? .nan), decimals: 1), ReportTable.Cell(""), ReportTable.Cell(""), ReportTable.Cell("")],
                [ReportTable.Cell("Lag-1 autocorrelation of the residuals"), .number(f.residualAutocorrelation, decimals: 3),
                 ReportTable.Cell(""), ReportTable.Cell(""), ReportTable.Cell("")],
            ]))
        section.methods.append(
            "Trend: '\(count)' regressed on '\(time)'" + (season.map { " and a sine/cosine pair of period \(ReportNumber.fixed($0, 0))" } ?? "")
                + " by ordinary least squares over \(f.n) records (design weights not used: the records are a monitoring series, "
                + "not a sample). The interval uses the Newey–West autocorrelation-consistent standard error (Bartlett kernel, "
                + "\(f.lags) lags, small-sample factor n/(n − p)) and t on \(f.df) df; the classical standard error assumes "
                + "independent errors and is shown for comparison. Counts are treated as approximately normal.")
        if abs(f.residualAutocorrelation) > 0.2 {
            section.warnings.append("The residuals are autocorrelated (lag-1 r = \(ReportNumber.fixed(f.residualAutocorrelation, 2))): classical intervals would be too narrow; the Newey–West interval allows for it.")
        }
        if f.n < 20 { section.warnings.append("Only \(f.n) time points: the trend is imprecise and the autocorrelation-consistent SE unreliable.") }
        return section
    }
}
