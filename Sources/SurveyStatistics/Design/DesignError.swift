/// An error raised while building a survey design or computing a design-based estimate.
///
/// Modelled as a code plus context (message and an optional hint that suggests the fix), in the
/// style of swift-subprocess `SubprocessError`. The codes are stable and meant to be tested
/// against; the message names the offending stratum, row or argument.
public struct DesignError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable, CaseIterable {
        /// Two arrays that must have one entry per row differ in length.
        case lengthMismatch
        /// The design has no rows.
        case emptyDesign
        /// A weight is negative, NaN or infinite.
        case invalidWeight
        /// A finite population correction is NaN, negative, mixes population sizes with fractions,
        /// or is given for more stages than there are.
        case invalidFPC
        /// The finite population correction is not constant within a stratum.
        case fpcVariesWithinStratum
        /// The finite population correction implies more units sampled than exist.
        case fpcExceedsPopulation
        /// A PSU label appears in more than one stratum while `nest` is false.
        case clustersNotNested
        /// The whole design has a single primary sampling unit.
        case singlePSU
        /// A stratum has a single PSU and the lonely-PSU policy is `.fail`.
        case lonelyPSU
        /// The estimation domain holds no rows with non-zero weight and non-missing values.
        case emptyDomain
        /// A ratio's denominator total is zero.
        case zeroDenominator
        /// An argument is outside its documented domain (level, replicate scales, …).
        case invalidArgument
        /// An iterative procedure (calibration, IRLS) failed to converge.
        case notConverged
    }

    public var code: Code
    public var message: String
    public var hint: String?

    public init(_ code: Code, _ message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var s = "error[\(code.rawValue)]: \(message)"
        if let hint { s += "\n  hint: \(hint)" }
        return s
    }
}
