/// The alternative hypothesis of a test about a location, difference or ratio θ against its null θ₀.
public enum Alternative: String, Sendable, Equatable, CaseIterable {
    /// θ ≠ θ₀.
    case twoSided = "two-sided"
    /// θ < θ₀.
    case less
    /// θ > θ₀.
    case greater
}

/// A confidence interval; an open end of a one-sided interval is −∞ or +∞.
public struct ConfidenceInterval: Sendable, Equatable {
    /// Lower bound (−∞ for an upper one-sided interval).
    public var lower: Double
    /// Upper bound (+∞ for a lower one-sided interval).
    public var upper: Double
    /// Nominal coverage, e.g. 0.95.
    public var level: Double

    public init(lower: Double, upper: Double, level: Double) {
        self.lower = lower
        self.upper = upper
        self.level = level
    }
}

/// The one record every classical test returns (statistic, df, p, estimate, interval, method),
/// in the spirit of R's `htest`.
public struct TestResult: Sendable, Equatable {
    /// The test statistic (t, z, χ², U, …; see `method`).
    public var statistic: Double
    /// Degrees of freedom of the reference distribution, when it has them.
    public var degreesOfFreedom: Double?
    /// The p-value for `alternative`.
    public var pValue: Double
    /// The point estimate the test is about (difference of means, odds ratio, …), when there is one.
    public var estimate: Double?
    /// Interval for `estimate`, when the method provides one.
    public var confidenceInterval: ConfidenceInterval?
    /// The alternative hypothesis used.
    public var alternative: Alternative
    /// Human-readable method name, e.g. "Welch two-sample t test".
    public var method: String

    public init(statistic: Double, degreesOfFreedom: Double? = nil, pValue: Double, estimate: Double? = nil,
                confidenceInterval: ConfidenceInterval? = nil, alternative: Alternative = .twoSided, method: String) {
        self.statistic = statistic
        self.degreesOfFreedom = degreesOfFreedom
        self.pValue = pValue
        self.estimate = estimate
        self.confidenceInterval = confidenceInterval
        self.alternative = alternative
        self.method = method
    }
}

/// Invalid input to a classical test, with a stable code and the offending context.
public struct ClassicalTestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable, Equatable {
        /// Too few observations for the statistic (e.g. n < 2 for a variance).
        case insufficientData
        /// Paired inputs of different lengths, ragged tables, mismatched weights.
        case lengthMismatch
        /// A count, probability or level outside its domain (negative count, level ∉ (0, 1), …).
        case invalidArgument
        /// NaN or ±∞ where a finite value is required.
        case nonFiniteInput
    }

    /// What went wrong.
    public let code: Code
    /// The offending input, with names and values.
    public let context: String

    public init(_ code: Code, _ context: String) {
        self.code = code
        self.context = context
    }

    public var description: String { "\(code.rawValue): \(context)" }
}

enum ClassicalInput {
    static func level(_ confidenceLevel: Double) throws {
        guard confidenceLevel > 0, confidenceLevel < 1 else {
            throw ClassicalTestError(.invalidArgument, "confidenceLevel must lie in (0, 1), got \(confidenceLevel)")
        }
    }

    static func finite(_ x: [Double], _ name: String) throws {
        if let i = x.firstIndex(where: { !$0.isFinite }) {
            throw ClassicalTestError(.nonFiniteInput, "\(name)[\(i)] = \(x[i])")
        }
    }

    static func count(_ x: Int, _ name: String) throws {
        guard x >= 0 else { throw ClassicalTestError(.invalidArgument, "\(name) must be ≥ 0, got \(x)") }
    }

    static func paired(_ a: [Double], _ b: [Double]) throws {
        guard a.count == b.count else {
            throw ClassicalTestError(.lengthMismatch, "paired samples have \(a.count) and \(b.count) values")
        }
    }
}

/// p-value of a statistic with continuous null distribution given its two tails.
func tailPValue(lower: Double, upper: Double, alternative: Alternative) -> Double {
    switch alternative {
    case .less: return lower
    case .greater: return upper
    case .twoSided: return min(1, 2 * min(lower, upper))
    }
}

/// estimate ± critical·SE as a (possibly one-sided) interval, critical from a symmetric distribution's
/// upper quantile function `inverseSurvival`.
func symmetricInterval(estimate: Double, standardError: Double, confidenceLevel: Double, alternative: Alternative,
                       inverseSurvival: (Double) -> Double) -> ConfidenceInterval {
    let alpha = 1 - confidenceLevel
    switch alternative {
    case .twoSided:
        let q = inverseSurvival(alpha / 2)
        return ConfidenceInterval(lower: estimate - q * standardError, upper: estimate + q * standardError,
                                  level: confidenceLevel)
    case .greater:
        return ConfidenceInterval(lower: estimate - inverseSurvival(alpha) * standardError, upper: .infinity,
                                  level: confidenceLevel)
    case .less:
        return ConfidenceInterval(lower: -.infinity, upper: estimate + inverseSurvival(alpha) * standardError,
                                  level: confidenceLevel)
    }
}
