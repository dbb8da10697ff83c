/// Student and Welch t tests (independent samples, paired, one sample), as scipy's `ttest_ind` /
/// `ttest_rel` and R's `t.test`.
///
/// Zero variance gives a NaN statistic and p-value (not an error); fewer than two observations in a
/// sample throw `insufficientData`.
public enum TTest {
    /// Welch's unequal-variance test of mean(x) − mean(y), Welch–Satterthwaite degrees of freedom
    /// ν = (s²ₓ/nₓ + s²ᵧ/nᵧ)² / ((s²ₓ/nₓ)²/(nₓ−1) + (s²ᵧ/nᵧ)²/(nᵧ−1)) (Welch 1947).
    public static func welch(_ x: [Double], _ y: [Double], alternative: Alternative = .twoSided,
                             confidenceLevel: Double = 0.95) throws -> TestResult {
        try independent(x, y, equalVariances: false, alternative: alternative, confidenceLevel: confidenceLevel)
    }

    /// Student's pooled-variance test of mean(x) − mean(y), df = nₓ + nᵧ − 2.
    public static func student(_ x: [Double], _ y: [Double], alternative: Alternative = .twoSided,
                               confidenceLevel: Double = 0.95) throws -> TestResult {
        try independent(x, y, equalVariances: true, alternative: alternative, confidenceLevel: confidenceLevel)
    }

    /// Paired test on the differences `after − before` (a one-sample test of mean difference 0).
    public static func paired(after: [Double], before: [Double], alternative: Alternative = .twoSided,
                              confidenceLevel: Double = 0.95) throws -> TestResult {
        try ClassicalInput.paired(after, before)
        var result = try oneSample(zip(after, before).map { $0 - $1 }, alternative: alternative,
                                   confidenceLevel: confidenceLevel)
        result.method = "Paired t test"
        return result
    }

    /// One-sample test of mean(x) = `nullMean`, df = n − 1.
    public static func oneSample(_ x: [Double], nullMean: Double = 0, alternative: Alternative = .twoSided,
                                 confidenceLevel: Double = 0.95) throws -> TestResult {
        try ClassicalInput.level(confidenceLevel)
        try ClassicalInput.finite(x, "x")
        guard x.count >= 2 else { throw ClassicalTestError(.insufficientData, "one-sample t test needs n ≥ 2, got \(x.count)") }
        let n = Double(x.count)
        let mean = Descriptive.mean(x)
        let se = (Descriptive.variance(x) / n).squareRoot()
        return finish(estimate: mean - nullMean, standardError: se, degreesOfFreedom: n - 1, shift: nullMean,
                      alternative: alternative, confidenceLevel: confidenceLevel, method: "One-sample t test")
    }

    private static func independent(_ x: [Double], _ y: [Double], equalVariances: Bool, alternative: Alternative,
                                     confidenceLevel: Double) throws -> TestResult {
        try ClassicalInput.level(confidenceLevel)
        try ClassicalInput.finite(x, "x")
        try ClassicalInput.finite(y, "y")
        guard x.count >= 2, y.count >= 2 else {
            throw ClassicalTestError(.insufficientData, "two-sample t test needs n ≥ 2 per group, got \(x.count) and \(y.count)")
        }
        let nx = Double(x.count), ny = Double(y.count)
        let vx = Descriptive.variance(x), vy = Descriptive.variance(y)
        let difference = Descriptive.mean(x) - Descriptive.mean(y)
        let se: Double, df: Double
        if equalVariances {
            df = nx + ny - 2
            let pooled = ((nx - 1) * vx + (ny - 1) * vy) / df
            se = (pooled * (1 / nx + 1 / ny)).squareRoot()
        } else {
            let ax = vx / nx, ay = vy / ny
            se = (ax + ay).squareRoot()
            df = (ax + ay) * (ax + ay) / (ax * ax / (nx - 1) + ay * ay / (ny - 1))
        }
        return finish(estimate: difference, standardError: se, degreesOfFreedom: df, shift: 0, alternative: alternative,
                      confidenceLevel: confidenceLevel,
                      method: equalVariances ? "Two-sample t test (pooled variance)" : "Welch two-sample t test")
    }

    /// t = estimate/SE on df, p for the alternative, CI = shift + estimate ± t-quantile·SE.
    private static func finish(estimate: Double, standardError: Double, degreesOfFreedom: Double, shift: Double,
                               alternative: Alternative, confidenceLevel: Double, method: String) -> TestResult {
        let t = estimate / standardError
        let distribution = StudentT(degreesOfFreedom: degreesOfFreedom)
        let p = t.isNaN ? .nan : tailPValue(lower: distribution.cdf(t), upper: distribution.sf(t), alternative: alternative)
        let interval = symmetricInterval(estimate: estimate + shift, standardError: standardError,
                                         confidenceLevel: confidenceLevel, alternative: alternative,
                                         inverseSurvival: distribution.inverseSurvival)
        return TestResult(statistic: t, degreesOfFreedom: degreesOfFreedom, pValue: p, estimate: estimate + shift,
                          confidenceInterval: interval, alternative: alternative, method: method)
    }
}
