import Foundation

/// The change between two estimates that have a joint (design-based) covariance: the absolute
/// difference `b − a` and the relative change `b / a − 1`.
///
/// - Difference: `b − a`, variance `v_a + v_b − 2 c_ab`; interval `± t(df) · SE`; test statistic
///   `(b − a) / SE` on `df` degrees of freedom (two-sided p), as a design-based t test (R:
///   `svycontrast` of the two domain estimates, `svyttest` for means of independent samples).
/// - Relative change: the ratio `r = b / a` on the log scale by the delta method,
///   `Var(log r) ≈ v_b/b² + v_a/a² − 2 c_ab/(a b)`; interval `exp(log r ± t(df) · SE) − 1`.
///   Defined only when both estimates are positive; `nil` otherwise.
public struct ChangeEstimate: Sendable, Equatable {
    public var difference: Double
    public var standardError: Double
    public var differenceInterval: (lower: Double, upper: Double)
    public var statistic: Double
    public var degreesOfFreedom: Double
    public var pValue: Double
    public var relative: Double?
    public var relativeInterval: (lower: Double, upper: Double)?
    /// The delta-method standard error of log(b/a) (nil when the relative change is undefined).
    public var logRatioStandardError: Double?

    public static func == (l: ChangeEstimate, r: ChangeEstimate) -> Bool {
        l.difference == r.difference && l.standardError == r.standardError
            && l.differenceInterval == r.differenceInterval && l.statistic == r.statistic
            && l.degreesOfFreedom == r.degreesOfFreedom && l.pValue == r.pValue && l.relative == r.relative
            && l.relativeInterval?.lower == r.relativeInterval?.lower
            && l.relativeInterval?.upper == r.relativeInterval?.upper
            && l.logRatioStandardError == r.logRatioStandardError
    }

    /// - Parameters:
    ///   - a: the "from" estimate (e.g. before, or comparison area).
    ///   - b: the "to" estimate (e.g. after, or programme area).
    ///   - covariance: the 2×2 covariance matrix of (a, b).
    ///   - degreesOfFreedom: design degrees of freedom (`.infinity` for a normal reference).
    ///   - confidenceLevel: e.g. 0.95.
    public init(from a: Double, to b: Double, covariance: [[Double]], degreesOfFreedom: Double,
                confidenceLevel: Double) {
        precondition(covariance.count == 2 && covariance.allSatisfy { $0.count == 2 }, "covariance must be 2×2")
        let va = covariance[0][0], vb = covariance[1][1], cab = covariance[0][1]
        let t = StudentT(degreesOfFreedom: degreesOfFreedom)
        let q = t.quantile(0.5 + confidenceLevel / 2)
        difference = b - a
        standardError = max(0, va + vb - 2 * cab).squareRoot()
        differenceInterval = (difference - q * standardError, difference + q * standardError)
        statistic = difference / standardError
        self.degreesOfFreedom = degreesOfFreedom
        pValue = statistic.isFinite ? min(1, 2 * t.sf(abs(statistic))) : .nan
        if a > 0 && b > 0 {
            let r = b / a
            let varLog = max(0, vb / (b * b) + va / (a * a) - 2 * cab / (a * b))
            let seLog = varLog.squareRoot()
            relative = r - 1
            relativeInterval = (exp(log(r) - q * seLog) - 1, exp(log(r) + q * seLog) - 1)
            logRatioStandardError = seLog
        } else {
            relative = nil
            relativeInterval = nil
            logRatioStandardError = nil
        }
    }
}
