import Foundation

/// The comparison of two event rates (a count over an exposure: children on protection orders per
/// child-year, GP visits per person-year, accidents per child-year) between periods or areas.
public struct RateComparisonResult: Sendable, Equatable {
    /// Rate per unit exposure in the reference (A) and comparison (B) period or area.
    public var referenceRate: Double
    public var comparisonRate: Double
    /// B/A.
    public var rateRatio: Double
    /// Exact conditional interval for B/A: Clopper–Pearson on x_B | x_A + x_B mapped to the ratio
    /// (as R `poisson.test`); one-sided ends are 0 or ∞ when a count is 0.
    public var interval: ConfidenceInterval
    /// Exact conditional two-sided p-value for ratio 1.
    public var pValue: Double
    /// (B/A − 1), the percentage change as a fraction, with the interval (lower − 1, upper − 1).
    public var percentageChange: Double
    public var percentageChangeInterval: ConfidenceInterval
    /// Wald interval on the log scale, exp(log RR ± z√(1/x_A + 1/x_B)), and the score test.
    public var waldLogInterval: ConfidenceInterval
    public var scoreStatistic: Double
    public var scorePValue: Double
}

public enum RateComparison {
    /// Compares the rate x_B/t_B with x_A/t_A under Poisson counts, conditioning on the total
    /// count (the exact conditional binomial method: x_B | x_A + x_B ~ Bin(x_A + x_B,
    /// t_B·RR/(t_A + t_B·RR)); Breslow & Day 1987, §2.4). Reuses ``PoissonRateRatio``.
    ///
    /// - Parameters:
    ///   - referenceCount, referenceExposure: events and exposure in A (before, or comparison area).
    ///   - count, exposure: the same in B.
    /// - Throws: ``ComparisonError/Code/invalidArgument`` for negative counts, non-positive exposure
    ///   or a level ∉ (0, 1); ``ComparisonError/Code/insufficientData`` when both counts are 0.
    public static func compare(referenceCount: Int, referenceExposure: Double, count: Int, exposure: Double,
                               confidenceLevel: Double = 0.95) throws -> RateComparisonResult {
        guard referenceCount + count > 0 else {
            throw ComparisonError(.insufficientData, "both counts are 0: the rate ratio is undefined")
        }
        let r: PoissonRateRatio
        do {
            r = try PoissonRateRatio(count1: count, exposure1: exposure, count2: referenceCount, exposure2: referenceExposure,
                                     confidenceLevel: confidenceLevel)
        } catch let e as ClassicalTestError {
            throw ComparisonError(.invalidArgument, e.context, hint: "counts must be ≥ 0 and exposures > 0")
        }
        let ci = r.exactConditionalInterval
        return RateComparisonResult(
            referenceRate: Double(referenceCount) / referenceExposure, comparisonRate: Double(count) / exposure,
            rateRatio: r.rateRatio, interval: ci, pValue: r.exactConditionalPValue, percentageChange: r.rateRatio - 1,
            percentageChangeInterval: ConfidenceInterval(lower: ci.lower - 1, upper: ci.upper - 1, level: confidenceLevel),
            waldLogInterval: r.waldLogInterval, scoreStatistic: r.scoreStatistic, scorePValue: r.scorePValue)
    }

    /// The design-based rate ratio from respondent-level counts and exposures: the ratio of the
    /// two domains' ratio estimators Σwx/Σwt (R `svyratio`), compared by ``ChangeEstimate`` (delta
    /// method on the log scale with their joint design covariance).
    ///
    /// - Parameters:
    ///   - counts, exposures: per row (NaN = missing).
    ///   - group: false = A, true = B, nil = neither.
    /// - Returns: the change record; `relative` is RR − 1.
    public static func designBased(counts: [Double], exposures: [Double], group: [Bool?], design: SurveyDesign,
                                   confidenceLevel: Double = 0.95) throws -> (rates: JointEstimate, change: ChangeEstimate) {
        guard group.count == design.rowCount else {
            throw ComparisonError(.lengthMismatch, "group has \(group.count) values for \(design.rowCount) rows")
        }
        let a = group.map { $0 == false }, b = group.map { $0 == true }
        let joint = try design.jointEstimates([DomainStatistic(.ratio(numerator: counts, denominator: exposures), domain: a),
                                               DomainStatistic(.ratio(numerator: counts, denominator: exposures), domain: b)])
        let change = ChangeEstimate(from: joint.estimates[0].value, to: joint.estimates[1].value, covariance: joint.covariance,
                                    degreesOfFreedom: Double(joint.degreesOfFreedom), confidenceLevel: confidenceLevel)
        return (joint, change)
    }
}
