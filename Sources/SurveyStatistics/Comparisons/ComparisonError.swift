/// A comparison that cannot be computed from its inputs, with a stable code, the context and a
/// hint saying what to change.
public struct ComparisonError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// Arrays that must have one value per row (or per pair) differ in length.
        case lengthMismatch
        /// A value outside its domain (a group indicator that is not 0/1, a level ∉ (0, 1), …).
        case invalidArgument
        /// A group, period or cell of the comparison has no usable rows.
        case emptyGroup
        /// Too few rows, pairs or clusters for the requested statistic.
        case insufficientData
        /// The model cannot be estimated (collinear covariates, no overlap, non-convergence).
        case notEstimable
    }

    public let code: Code
    public let message: String
    public let hint: String?

    public init(_ code: Code, _ message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

    public var description: String { "\(code.rawValue): \(message)" + (hint.map { " (hint: \($0))" } ?? "") }
}

/// A named test result inside a comparison (a classical or design-based alternative to the main
/// statistic), as reported beside it.
public struct NamedTest: Sendable, Equatable {
    /// What was tested and how, e.g. "Welch two-sample t test (unweighted)".
    public var name: String
    public var statistic: Double
    /// Degrees of freedom of the reference distribution (nil: normal or exact).
    public var degreesOfFreedom: Double?
    public var pValue: Double

    public init(name: String, statistic: Double, degreesOfFreedom: Double? = nil, pValue: Double) {
        self.name = name
        self.statistic = statistic
        self.degreesOfFreedom = degreesOfFreedom
        self.pValue = pValue
    }
}

/// A named effect size with an optional interval, e.g. a risk ratio with its Katz interval.
public struct EffectMeasure: Sendable, Equatable {
    public var name: String
    public var value: Double
    public var lower: Double?
    public var upper: Double?

    public init(name: String, value: Double, lower: Double? = nil, upper: Double? = nil) {
        self.name = name
        self.value = value
        self.lower = lower
        self.upper = upper
    }
}

/// Rows where every column is a number (not NaN) and, if given, `include` holds.
func completeRows(_ columns: [[Double]], count: Int, include: [Bool]? = nil) -> [Int] {
    (0..<count).filter { i in (include?[i] ?? true) && columns.allSatisfy { !$0[i].isNaN } }
}

/// Two-sided t (or normal when df is infinite) p-value and critical value for `confidenceLevel`.
func tInference(statistic: Double, degreesOfFreedom: Double, confidenceLevel: Double) -> (p: Double, critical: Double) {
    let t = StudentT(degreesOfFreedom: degreesOfFreedom)
    let p = statistic.isFinite ? min(1, 2 * t.sf(abs(statistic))) : .nan
    return (p, t.quantile(0.5 + confidenceLevel / 2))
}
