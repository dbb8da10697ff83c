import Foundation

/// The estimate of a difference-in-differences (the programme × period interaction) with its
/// inference and the whole fitted model.
public struct DifferenceInDifferencesEstimate: Sendable, Equatable {
    /// The interaction coefficient: (treated after − treated before) − (control after − control before)
    /// on the model's scale (outcome units for a linear model, log odds ratio for a logistic one).
    public var estimate: Double
    public var standardError: Double
    /// Degrees of freedom of the t reference: G − 1 (cluster-robust), degf + 1 − p (design-based).
    public var degreesOfFreedom: Double
    public var statistic: Double
    public var pValue: Double
    public var interval: ConfidenceInterval
    /// Coefficient names: "intercept", "treated", "post", "treated:post", then the covariates.
    public var names: [String]
    public var coefficients: [Double]
    public var standardErrors: [Double]
    public var covariance: [[Double]]
    /// Rows that entered the fit.
    public var sampleSize: Int
    /// Clusters (cluster-robust fits) and how many of them hold treated rows.
    public var clusters: Int?
    public var treatedClusters: Int?
    /// How the variance was computed, for the methods section.
    public var method: String
    /// Plain warnings: few clusters, a single treated area.
    public var warnings: [String]
}

/// Difference-in-differences by regression of the outcome on treated, post and treated × post
/// (plus covariates): the interaction coefficient is the DiD (Angrist & Pischke 2009, §5.2).
///
/// Two variance routes:
/// - ``clusterRobust(outcome:treated:post:covariates:covariateNames:weights:clusters:confidenceLevel:)``:
///   weighted least squares with the CR1 cluster-robust covariance
///   V = G/(G−1) · (N−1)/(N−K) · (XᵀWX)⁻¹ [Σ_g (Σ_{i∈g} wᵢxᵢuᵢ)(Σ_{i∈g} wᵢxᵢuᵢ)ᵀ] (XᵀWX)⁻¹
///   (Liang & Zeger 1986; Stata `regress …, vce(cluster)`, statsmodels `cov_type="cluster"`), t on G − 1 df.
///   With unit weights this is exactly ``LinearRegression/ordinaryLeastSquares(design:response:covariance:useT:confidenceLevel:)``.
/// - ``designBased(outcome:treated:post:covariates:covariateNames:design:family:confidenceLevel:)``:
///   the survey-weighted GLM (R `svyglm`, gaussian or quasibinomial) with the design-based
///   (linearisation) covariance and degf + 1 − p df.
///
/// Rows with NaN in the outcome, an indicator or a covariate are left out. Treated and post must
/// be 0/1.
public enum DifferenceInDifferences {
    /// Clusters below which the warnings say CR1 standard errors are unreliable (Cameron & Miller
    /// 2015, J. Human Resources 50:317–372, §VI: "few" is below roughly 20–50).
    public static let fewClusters = 30

    static func checkIndicator(_ x: [Double], _ name: String) throws {
        for (i, v) in x.enumerated() where !(v.isNaN || v == 0 || v == 1) {
            throw ComparisonError(.invalidArgument, "row \(i + 1): \(name) is \(v); it must be 0 or 1")
        }
    }

    static func modelColumns(treated: [Double], post: [Double], covariates: [[Double]]) -> [[Double]] {
        let n = treated.count
        return [[Double](repeating: 1, count: n), treated, post, zip(treated, post).map { $0 * $1 }] + covariates
    }

    static func names(_ covariateNames: [String], count: Int) -> [String] {
        ["intercept", "treated", "post", "treated:post"]
            + (0..<count).map { $0 < covariateNames.count ? covariateNames[$0] : "x\($0 + 1)" }
    }

    /// Checks that the four treated × post cells each have rows (otherwise the DiD is not identified).
    static func checkCells(_ treated: [Double], _ post: [Double], rows: [Int]) throws {
        var counts = [0, 0, 0, 0]
        for i in rows { counts[Int(treated[i]) * 2 + Int(post[i])] += 1 }
        let labels = ["control before", "control after", "treated before", "treated after"]
        for k in 0..<4 where counts[k] == 0 {
            throw ComparisonError(.emptyGroup, "the \(labels[k]) cell has no rows with an outcome",
                                  hint: "a difference-in-differences needs both groups in both periods")
        }
    }

    /// WLS with CR1 cluster-robust covariance (see the type's documentation).
    ///
    /// - Parameters:
    ///   - outcome: y per row (NaN = missing).
    ///   - treated, post: 0/1 indicators per row (NaN = missing).
    ///   - covariates: extra columns (regression adjustment), one value per row.
    ///   - weights: sampling weights (nil = 1); zero-weight rows are left out.
    ///   - clusters: the cluster (area) label of each row.
    /// - Returns: the DiD with t(G − 1) inference and warnings for few clusters or one treated cluster.
    /// - Throws: ``ComparisonError`` (`lengthMismatch`, `invalidArgument`, `emptyGroup`,
    ///   `insufficientData` for fewer than 2 clusters, `notEstimable` for collinear columns).
    public static func clusterRobust(outcome y: [Double], treated: [Double], post: [Double],
                                     covariates: [[Double]] = [], covariateNames: [String] = [],
                                     weights: [Double]? = nil, clusters: [String],
                                     confidenceLevel: Double = 0.95) throws -> DifferenceInDifferencesEstimate {
        let n = y.count
        for (c, name) in [(treated, "treated"), (post, "post"), (clusters.map { _ in 0.0 }, "clusters")]
            + covariates.map({ ($0, "a covariate") }) + (weights.map { [($0, "weights")] } ?? []) where c.count != n {
            throw ComparisonError(.lengthMismatch, "\(name) has \(c.count) values for \(n) rows")
        }
        try checkIndicator(treated, "treated")
        try checkIndicator(post, "post")
        let w = weights ?? [Double](repeating: 1, count: n)
        var rows = completeRows([y, treated, post] + covariates, count: n)
        rows = rows.filter { w[$0] > 0 }
        try checkCells(treated, post, rows: rows)
        let columns = modelColumns(treated: treated, post: post, covariates: covariates)
        let x = try Matrix(rows.map { i in columns.map { $0[i] } })
        let ys = rows.map { y[$0] }, ws = rows.map { w[$0] }
        let groupLabels = rows.map { clusters[$0] }
        let fit = try weightedFit(x, ys, ws)
        let cov = try cr1Covariance(x: x, residuals: fit.residuals, weights: ws, clusters: groupLabels,
                                    bread: fit.unscaledCovariance)
        let g = Set(groupLabels).count
        var treatedSet = Set<String>(), controlSet = Set<String>()
        for (k, i) in rows.enumerated() {
            if treated[i] == 1 { treatedSet.insert(groupLabels[k]) } else { controlSet.insert(groupLabels[k]) }
        }
        let se = (0..<x.columns).map { cov[$0][$0].squareRoot() }
        let df = Double(g - 1)
        let b = fit.coefficients[3], s = se[3]
        let inf = tInference(statistic: b / s, degreesOfFreedom: df, confidenceLevel: confidenceLevel)
        var warnings = clusterWarnings(clusters: g, treated: treatedSet.count, control: controlSet.count)
        if treatedSet.intersection(controlSet).count > 0 {
            warnings.append("\(treatedSet.intersection(controlSet).count) cluster(s) hold both treated and control rows; clusters are usually the areas that were (or were not) treated.")
        }
        return DifferenceInDifferencesEstimate(
            estimate: b, standardError: s, degreesOfFreedom: df, statistic: b / s, pValue: inf.p,
            interval: ConfidenceInterval(lower: b - inf.critical * s, upper: b + inf.critical * s, level: confidenceLevel),
            names: names(covariateNames, count: covariates.count), coefficients: fit.coefficients,
            standardErrors: se, covariance: cov, sampleSize: rows.count, clusters: g, treatedClusters: treatedSet.count,
            method: "weighted least squares; cluster-robust CR1 variance (G/(G−1)·(N−1)/(N−K) small-sample factor, as Stata and statsmodels) with \(g) clusters; t on G − 1 = \(g - 1) df",
            warnings: warnings)
    }

    /// The plain warnings for cluster-robust inference with few clusters or treated clusters.
    public static func clusterWarnings(clusters g: Int, treated: Int, control: Int) -> [String] {
        var warnings: [String] = []
        if treated == 1 {
            warnings.append("Only one area is treated: cluster-robust standard errors (and the wild cluster bootstrap) cannot give valid inference with a single treated cluster (MacKinnon & Webb 2017); read the difference-in-differences as descriptive.")
        } else if control == 1 {
            warnings.append("Only one comparison area: cluster-robust inference is not valid with a single control cluster; read the difference-in-differences as descriptive.")
        } else if g < fewClusters {
            warnings.append("Only \(g) clusters: cluster-robust (CR1) standard errors are too small with few clusters; prefer the wild cluster bootstrap p-value (Cameron, Gelbach & Miller 2008).")
        }
        return warnings
    }

    /// Weighted least squares through Householder QR; collinear columns are an error.
    static func weightedFit(_ x: Matrix, _ y: [Double], _ w: [Double]) throws -> LeastSquaresFit {
        let fit: LeastSquaresFit
        do { fit = try LeastSquares.fit(design: x, response: y, weights: w) } catch {
            throw ComparisonError(.notEstimable, "the regression could not be fitted: \(error)")
        }
        guard fit.rank == x.columns, x.rows > x.columns else {
            throw ComparisonError(.notEstimable, "the regression's columns are collinear or there are too few rows (rank \(fit.rank) of \(x.columns), \(x.rows) rows)",
                                  hint: "drop covariates that are constant or repeat another column")
        }
        return fit
    }

    /// CR1 sandwich for a WLS fit (scores wᵢxᵢuᵢ summed within clusters).
    static func cr1Covariance(x: Matrix, residuals u: [Double], weights w: [Double], clusters: [String],
                              bread: Matrix) throws -> [[Double]] {
        let p = x.columns, n = x.rows
        var index: [String: Int] = [:]
        var sums: [[Double]] = []
        for i in 0..<n {
            let g: Int
            if let k = index[clusters[i]] { g = k } else {
                g = sums.count; index[clusters[i]] = g; sums.append([Double](repeating: 0, count: p))
            }
            for j in 0..<p { sums[g][j] += w[i] * x[i, j] * u[i] }
        }
        let groups = sums.count
        guard groups >= 2 else {
            throw ComparisonError(.insufficientData, "cluster-robust variance needs at least 2 clusters, got \(groups)",
                                  hint: "give the area (cluster) of each row, or use the design-based variance")
        }
        var meat = Matrix(rows: p, columns: p)
        for s in sums { for a in 0..<p { for b in 0..<p { meat[a, b] += s[a] * s[b] } } }
        let v = try bread.multiply(meat).multiply(bread)
        let factor = Double(groups) / Double(groups - 1) * Double(n - 1) / Double(n - p)
        return (0..<p).map { a in (0..<p).map { b in v[a, b] * factor } }
    }

    /// The survey-weighted DiD (R `svyglm(y ~ treated * post + covariates, design, family)`).
    ///
    /// - Parameters:
    ///   - family: `.gaussian` (the DiD in outcome units) or `.quasibinomial` (the interaction is
    ///     a log ratio of odds ratios; exponentiate for the ratio).
    ///   - design: the sample's design; its variance engine gives the sandwich covariance.
    /// - Throws: ``ComparisonError`` for bad indicators or an empty cell; ``DesignError`` from the fit.
    public static func designBased(outcome y: [Double], treated: [Double], post: [Double],
                                   covariates: [[Double]] = [], covariateNames: [String] = [],
                                   design: SurveyDesign, family: RegressionFamily = .gaussian,
                                   confidenceLevel: Double = 0.95) throws -> DifferenceInDifferencesEstimate {
        let n = design.rowCount
        for (c, name) in [(y, "outcome"), (treated, "treated"), (post, "post")] + covariates.map({ ($0, "a covariate") })
        where c.count != n {
            throw ComparisonError(.lengthMismatch, "\(name) has \(c.count) values for a design of \(n) rows")
        }
        try checkIndicator(treated, "treated")
        try checkIndicator(post, "post")
        let rows = completeRows([y, treated, post] + covariates, count: n).filter { design.weights[$0] > 0 }
        try checkCells(treated, post, rows: rows)
        let fit = try design.regression(columns: modelColumns(treated: treated, post: post, covariates: covariates),
                                        response: y, family: family)
        let df = Double(fit.residualDegreesOfFreedom)
        let b = fit.coefficients[3], s = fit.standardErrors[3]
        let inf = tInference(statistic: b / s, degreesOfFreedom: df, confidenceLevel: confidenceLevel)
        var warnings: [String] = []
        if fit.residualDegreesOfFreedom < 10 {
            warnings.append("The design leaves \(fit.residualDegreesOfFreedom) residual degrees of freedom: intervals are wide and the variance estimate is unstable.")
        }
        let model = family == .gaussian ? "linear" : "logistic (quasi-binomial)"
        return DifferenceInDifferencesEstimate(
            estimate: b, standardError: s, degreesOfFreedom: df, statistic: b / s, pValue: inf.p,
            interval: ConfidenceInterval(lower: b - inf.critical * s, upper: b + inf.critical * s, level: confidenceLevel),
            names: names(covariateNames, count: covariates.count), coefficients: fit.coefficients,
            standardErrors: fit.standardErrors, covariance: fit.covariance, sampleSize: fit.sampleSize,
            clusters: nil, treatedClusters: nil,
            method: "survey-weighted \(model) regression (as R svyglm); design-based linearisation variance; t on degf + 1 − p = \(fit.residualDegreesOfFreedom) df",
            warnings: warnings)
    }
}
