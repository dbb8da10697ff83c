import Foundation

/// The auxiliary distribution of the wild cluster bootstrap's per-cluster multipliers.
public enum WildBootstrapWeights: String, Sendable, CaseIterable {
    /// ±1 with probability ½ each (Cameron, Gelbach & Miller 2008). With G clusters there are
    /// only 2^G distinct draws, so p-values are coarse for G below about 12.
    case rademacher
    /// Webb's six-point distribution ±√(3/2), ±1, ±√(1/2), each with probability ⅙ (Webb 2014,
    /// Queen's Economics Department WP 1315): 6^G distinct draws, for few clusters.
    case webb

    func draw<G: RandomNumberGenerator>(using rng: inout G) -> Double {
        switch self {
        case .rademacher:
            return Double.random(in: 0..<1, using: &rng) < 0.5 ? -1 : 1
        case .webb:
            let values = [-(1.5).squareRoot(), -1, -(0.5).squareRoot(), (0.5).squareRoot(), 1, (1.5).squareRoot()]
            return values[Int.random(in: 0..<6, using: &rng)]
        }
    }
}

/// The wild cluster bootstrap of a DiD coefficient.
public struct WildBootstrapResult: Sendable, Equatable {
    /// The sample t statistic (CR1).
    public var statistic: Double
    /// Symmetric bootstrap p-value from the restricted bootstrap (null imposed):
    /// #{|t*ᵦ| ≥ |t|} / B.
    public var pValue: Double
    /// Symmetric percentile-t interval from the unrestricted bootstrap: β̂ ± q*·SE with q* the
    /// `confidenceLevel` quantile of |t*ᵦ| = |β*ᵦ − β̂|/SE*ᵦ.
    public var interval: ConfidenceInterval
    public var replications: Int
    public var weights: WildBootstrapWeights
    public var clusters: Int
}

extension DifferenceInDifferences {
    /// Wild cluster bootstrap-t for the treated × post coefficient of the WLS DiD (Cameron,
    /// Gelbach & Miller 2008, Rev. Econ. Stat. 90:414–427; Roodman, MacKinnon, Nielsen & Webb 2019,
    /// Stata Journal 19:4–60, "WCR" for the p-value and "WCU" for the interval).
    ///
    /// Restricted (p-value): fit the model without the interaction (H₀: DiD = 0), then for each
    /// replication multiply every cluster's restricted residuals by one draw vᵍ, refit the full
    /// model to ŷ₀ + vᵍũ and record its CR1 t statistic for the interaction. Unrestricted (interval):
    /// the same around the full fit, t*ᵦ = (β*ᵦ − β̂)/SE*ᵦ.
    ///
    /// ```swift
    /// var rng = SeededGenerator(seed: 20240601)
    /// let boot = try DifferenceInDifferences.wildClusterBootstrap(outcome: y, treated: t, post: p,
    ///     clusters: area, replications: 999, weights: .webb, using: &rng)
    /// ```
    /// - Parameters: as ``clusterRobust(outcome:treated:post:covariates:covariateNames:weights:clusters:confidenceLevel:)``, plus
    ///   - replications: B (≥ 99; 999 or 9999 are usual).
    ///   - weights: Rademacher or Webb multipliers.
    ///   - rng: the random source (seed it for reproducible results).
    /// - Complexity: O(G · n · p²) to prepare, then O(B · G²).
    public static func wildClusterBootstrap<G: RandomNumberGenerator>(
        outcome y: [Double], treated: [Double], post: [Double], covariates: [[Double]] = [],
        sampleWeights: [Double]? = nil, clusters: [String], replications: Int = 999,
        weights kind: WildBootstrapWeights = .webb, confidenceLevel: Double = 0.95, using rng: inout G
    ) throws -> WildBootstrapResult {
        guard replications >= 99 else {
            throw ComparisonError(.invalidArgument, "the wild bootstrap needs at least 99 replications, got \(replications)")
        }
        let full = try clusterRobust(outcome: y, treated: treated, post: post, covariates: covariates,
                                     weights: sampleWeights, clusters: clusters, confidenceLevel: confidenceLevel)
        let n = y.count
        let w = sampleWeights ?? [Double](repeating: 1, count: n)
        let rows = completeRows([y, treated, post] + covariates, count: n).filter { w[$0] > 0 }
        let columns = modelColumns(treated: treated, post: post, covariates: covariates)
        let x = try Matrix(rows.map { i in columns.map { $0[i] } })
        let restrictedColumns = columns.enumerated().filter { $0.offset != 3 }.map(\.element)
        let x0 = try Matrix(rows.map { i in restrictedColumns.map { $0[i] } })
        let ys = rows.map { y[$0] }, ws = rows.map { w[$0] }
        let labels = rows.map { clusters[$0] }
        var clusterIndex: [String: Int] = [:]
        let clusterOfRow = labels.map { label -> Int in
            if let k = clusterIndex[label] { return k }
            let k = clusterIndex.count; clusterIndex[label] = k; return k
        }
        let g = clusterIndex.count
        let unrestricted = try weightedFit(x, ys, ws)
        let restricted: LeastSquaresFit
        do { restricted = try LeastSquares.fit(design: x0, response: ys, weights: ws) } catch {
            throw ComparisonError(.notEstimable, "the restricted model could not be fitted: \(error)")
        }
        // Every bootstrap quantity is linear in the multipliers v (Roodman et al. 2019, §3): with
        // e_g the base residuals on cluster g's rows (0 elsewhere) and (b_g, r_g) the coefficients
        // and residuals of the WLS fit of X to e_g, the replication's coefficient is
        // β_base + Σ_g v_g b_g, its residuals Σ_g v_g r_g (the base fitted values lie in X's column
        // space), and cluster h's CR1 score for the interaction Σ_g v_g a_hg with
        // a_hg = (row 4 of (XᵀWX)⁻¹)·Σ_{i∈h} wᵢxᵢ r_g,i. So each replication costs O(G²).
        let bread = unrestricted.unscaledCovariance
        let p = x.columns, m = ys.count
        let factor = Double(g) / Double(g - 1) * Double(m - 1) / Double(m - p)
        func linearParts(_ base: LeastSquaresFit) throws -> (coefficient: [Double], a: [[Double]]) {
            var coefficient = [Double](repeating: 0, count: g)
            var a = [[Double]](repeating: [Double](repeating: 0, count: g), count: g)
            for c in 0..<g {
                let e = (0..<m).map { clusterOfRow[$0] == c ? base.residuals[$0] : 0 }
                let f = try LeastSquares.fit(design: x, response: e, weights: ws)
                coefficient[c] = f.coefficients[3]
                var scores = [[Double]](repeating: [Double](repeating: 0, count: p), count: g)
                for i in 0..<m { for j in 0..<p { scores[clusterOfRow[i]][j] += ws[i] * x[i, j] * f.residuals[i] } }
                for h in 0..<g { a[h][c] = (0..<p).reduce(0) { $0 + bread[3, $1] * scores[h][$1] } }
            }
            return (coefficient, a)
        }
        let restrictedParts = try linearParts(restricted)
        let unrestrictedParts = try linearParts(unrestricted)
        func tStar(_ parts: (coefficient: [Double], a: [[Double]]), _ v: [Double]) -> Double {
            var shift = 0.0, variance = 0.0
            for c in 0..<g { shift += v[c] * parts.coefficient[c] }
            for h in 0..<g {
                var s = 0.0
                for c in 0..<g { s += v[c] * parts.a[h][c] }
                variance += s * s
            }
            return shift / (factor * variance).squareRoot()
        }
        var exceed = 0
        var absolute: [Double] = []
        absolute.reserveCapacity(replications)
        for _ in 0..<replications {
            // Restricted: β*₄ = 0 + Σ v_g b_g (the restricted base has no interaction), t* against 0.
            let v0 = (0..<g).map { _ in kind.draw(using: &rng) }
            if abs(tStar(restrictedParts, v0)) >= abs(full.statistic) { exceed += 1 }
            // Unrestricted: β*₄ − β̂₄ = Σ v_g b_g.
            let v1 = (0..<g).map { _ in kind.draw(using: &rng) }
            absolute.append(abs(tStar(unrestrictedParts, v1)))
        }
        absolute.sort()
        // Quantile of |t*|: the ⌈level·(B+1)⌉-th order statistic (Davidson & MacKinnon 2004, §5.3).
        let k = min(replications, max(1, Int((confidenceLevel * Double(replications + 1)).rounded(.up)))) - 1
        let q = absolute[k]
        return WildBootstrapResult(
            statistic: full.statistic, pValue: Double(exceed) / Double(replications),
            interval: ConfidenceInterval(lower: full.estimate - q * full.standardError,
                                         upper: full.estimate + q * full.standardError, level: confidenceLevel),
            replications: replications, weights: kind, clusters: g)
    }
}
