/// Covariance estimator for OLS coefficients.
public enum RegressionCovariance: Sendable, Equatable {
    /// σ̂²(XᵀX)⁻¹, σ̂² = RSS/(n − k).
    case classical
    /// White's (1980) heteroskedasticity-consistent HC0: (XᵀX)⁻¹ Σ uᵢ²xᵢxᵢᵀ (XᵀX)⁻¹.
    case hc0
    /// HC1 = n/(n−k)·HC0 (MacKinnon & White 1985).
    case hc1
    /// HC2: uᵢ² replaced by uᵢ²/(1 − hᵢᵢ), hᵢᵢ the leverages.
    case hc2
    /// HC3: uᵢ² replaced by uᵢ²/(1 − hᵢᵢ)².
    case hc3
    /// Cluster-robust CR1 (Liang & Zeger 1986; statsmodels `cov_type="cluster"`):
    /// G/(G−1)·(n−1)/(n−k)·(XᵀX)⁻¹ Σ_g (X_gᵀu_g)(X_gᵀu_g)ᵀ (XᵀX)⁻¹, one cluster label per row.
    case clusterRobust(clusters: [Int])
}

/// An OLS fit with its inference table.
public struct RegressionResult: Sendable {
    /// β̂ in design-column order.
    public var coefficients: [Double]
    /// Estimated covariance of β̂ (classical, HC1 or CR1).
    public var covariance: Matrix
    /// √diag(covariance).
    public var standardErrors: [Double]
    /// Coefficient / SE.
    public var statistics: [Double]
    /// Two-sided p-values from t(`degreesOfFreedom`) or the normal when it is nil.
    public var pValues: [Double]
    /// β̂ ± quantile·SE at the requested level.
    public var intervals: [ConfidenceInterval]
    /// Reference df: n − k (classical/HC1 with t), G − 1 (cluster with t), nil for normal inference.
    public var degreesOfFreedom: Double?
    /// Number of rows n.
    public var observations: Int
    /// Number of clusters (cluster-robust only).
    public var clusters: Int?
}

/// Ordinary least squares with a choice of coefficient covariance (difference-in-differences and similar).
public enum LinearRegression {
    /// Ordinary least squares (pivoted QR) with classical, HC1 or CR1 covariance.
    ///
    /// - Parameters:
    ///   - useT: t reference distribution (df n − k, or G − 1 for clusters) instead of the normal.
    /// - Throws: `LinearAlgebraError` from the fit; `ClassicalTestError.lengthMismatch` for a cluster
    ///   vector of the wrong length; `insufficientData` when the design is rank deficient, n ≤ k, or
    ///   there are fewer than two clusters.
    public static func ordinaryLeastSquares(design x: Matrix, response y: [Double],
                                            covariance kind: RegressionCovariance = .classical,
                                            useT: Bool = true, confidenceLevel: Double = 0.95) throws -> RegressionResult {
        try ClassicalInput.level(confidenceLevel)
        let fit = try LeastSquares.fit(design: x, response: y)
        let n = x.rows, k = x.columns
        guard fit.rank == k, n > k else {
            throw ClassicalTestError(.insufficientData, "design \(n)×\(k) has rank \(fit.rank); need full column rank and n > k")
        }
        let bread = fit.unscaledCovariance
        var covariance: Matrix
        var df: Double? = useT ? Double(n - k) : nil
        var clusterCount: Int?
        switch kind {
        case .classical:
            covariance = fit.covariance
        case .hc0, .hc1, .hc2, .hc3:
            var u = fit.residuals
            if kind == .hc2 || kind == .hc3 {
                // hᵢᵢ = xᵢᵀ(XᵀX)⁻¹xᵢ; a leverage of 1 makes the adjusted residual infinite (as statsmodels).
                for i in 0..<n {
                    let row = x.row(i)
                    let h = try zip(row, bread.multiply(row)).reduce(0.0) { $0 + $1.0 * $1.1 }
                    u[i] /= kind == .hc2 ? (1 - h).squareRoot() : (1 - h)
                }
            }
            covariance = try sandwich(bread, meat: scores(x, u, groups: Array(0..<n)))
            if kind == .hc1 { scale(&covariance, Double(n) / Double(n - k)) }
        case .clusterRobust(let clusters):
            guard clusters.count == n else {
                throw ClassicalTestError(.lengthMismatch, "\(clusters.count) cluster labels for \(n) rows")
            }
            let g = Set(clusters).count
            guard g >= 2 else { throw ClassicalTestError(.insufficientData, "cluster-robust covariance needs ≥ 2 clusters") }
            covariance = try sandwich(bread, meat: scores(x, fit.residuals, groups: clusters))
            scale(&covariance, Double(g) / Double(g - 1) * Double(n - 1) / Double(n - k))
            clusterCount = g
            if useT { df = Double(g - 1) }
        }
        let se = covariance.diagonalElements.map { $0.squareRoot() }
        let statistics = zip(fit.coefficients, se).map { $0 / $1 }
        let reference: (cdf: (Double) -> Double, sf: (Double) -> Double, isf: (Double) -> Double)
        if let df {
            let t = StudentT(degreesOfFreedom: df)
            reference = (t.cdf, t.sf, t.inverseSurvival)
        } else {
            reference = (Normal.cdf, Normal.sf, Normal.inverseSurvival)
        }
        let p = statistics.map { tailPValue(lower: reference.cdf($0), upper: reference.sf($0), alternative: .twoSided) }
        let intervals = zip(fit.coefficients, se).map {
            symmetricInterval(estimate: $0, standardError: $1, confidenceLevel: confidenceLevel, alternative: .twoSided,
                              inverseSurvival: reference.isf)
        }
        return RegressionResult(coefficients: fit.coefficients, covariance: covariance, standardErrors: se,
                                statistics: statistics, pValues: p, intervals: intervals, degreesOfFreedom: df,
                                observations: n, clusters: clusterCount)
    }

    /// Σ_g s_g s_gᵀ with s_g = Σ_{i∈g} uᵢxᵢ.
    private static func scores(_ x: Matrix, _ u: [Double], groups: [Int]) -> Matrix {
        var sums: [Int: [Double]] = [:]
        for i in 0..<x.rows {
            var s = sums[groups[i]] ?? Array(repeating: 0, count: x.columns)
            for j in 0..<x.columns { s[j] += x[i, j] * u[i] }
            sums[groups[i]] = s
        }
        var meat = Matrix(rows: x.columns, columns: x.columns)
        for key in sums.keys.sorted() {
            guard let s = sums[key] else { continue }
            for a in 0..<x.columns { for b in 0..<x.columns { meat[a, b] += s[a] * s[b] } }
        }
        return meat
    }

    private static func sandwich(_ bread: Matrix, meat: Matrix) throws -> Matrix {
        try bread.multiply(meat).multiply(bread)
    }

    private static func scale(_ m: inout Matrix, _ factor: Double) {
        for i in m.storage.indices { m.storage[i] *= factor }
    }
}
