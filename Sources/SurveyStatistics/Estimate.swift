/// One estimate with its design-based uncertainty.
///
/// Degrees of freedom follow R's `degf()`: PSUs − strata for linearisation designs, the rank of
/// the replicate weights − 1 for replicate designs, `.infinity` when a normal reference is used.
public struct Estimate: Sendable, Equatable {
    /// The point estimate.
    public var value: Double
    /// The standard error (square root of the estimated variance).
    public var standardError: Double
    /// Degrees of freedom for t-based intervals; `.infinity` for normal-based ones.
    public var degreesOfFreedom: Double
    /// Design effect against simple random sampling without replacement, when requested.
    public var designEffect: Double?
    /// Unweighted number of observations that contributed (in the domain, non-missing).
    public var sampleSize: Int

    public init(value: Double, standardError: Double, degreesOfFreedom: Double,
                designEffect: Double? = nil, sampleSize: Int) {
        self.value = value
        self.standardError = standardError
        self.degreesOfFreedom = degreesOfFreedom
        self.designEffect = designEffect
        self.sampleSize = sampleSize
    }

    /// Variance, the square of the standard error.
    public var variance: Double { standardError * standardError }

    /// Relative standard error, SE / |estimate| (∞ when the estimate is 0).
    public var relativeStandardError: Double { standardError / abs(value) }
}
