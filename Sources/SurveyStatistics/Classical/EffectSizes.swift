#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Standardised mean differences (pingouin `compute_effsize` definitions).
///
/// Zero spread gives ±∞ or NaN (0/0), never a crash; fewer than two observations throw.
public enum EffectSize {
    /// Cohen's d for independent samples: (x̄ − ȳ)/s_p, s²_p = ((nₓ−1)s²ₓ + (nᵧ−1)s²ᵧ)/(nₓ+nᵧ−2).
    public static func cohenD(_ x: [Double], _ y: [Double]) throws -> Double {
        guard x.count >= 2, y.count >= 2 else {
            throw ClassicalTestError(.insufficientData, "Cohen's d needs n ≥ 2 per group, got \(x.count) and \(y.count)")
        }
        let nx = Double(x.count), ny = Double(y.count)
        let pooled = ((nx - 1) * Descriptive.variance(x) + (ny - 1) * Descriptive.variance(y)) / (nx + ny - 2)
        return (Descriptive.mean(x) - Descriptive.mean(y)) / pooled.squareRoot()
    }

    /// Hedges' g = d·(1 − 3/(4(nₓ + nᵧ) − 9)) (pingouin's approximate small-sample factor).
    public static func hedgesG(_ x: [Double], _ y: [Double]) throws -> Double {
        try cohenD(x, y) * hedgesFactor(x.count, y.count)
    }

    /// Paired d_av = mean(a − b)/√((s²ₐ + s²_b)/2) (Cumming 2012; pingouin `paired=True`).
    public static func pairedCohenDAverage(after: [Double], before: [Double]) throws -> Double {
        try ClassicalInput.paired(after, before)
        guard after.count >= 2 else { throw ClassicalTestError(.insufficientData, "need n ≥ 2 pairs") }
        let difference = Descriptive.mean(zip(after, before).map { $0 - $1 })
        return difference / ((Descriptive.variance(after) + Descriptive.variance(before)) / 2).squareRoot()
    }

    /// Paired Hedges' g: d_av·(1 − 3/(8n − 9)) (the independent factor with nₓ = nᵧ = n).
    public static func pairedHedgesG(after: [Double], before: [Double]) throws -> Double {
        try pairedCohenDAverage(after: after, before: before) * hedgesFactor(after.count, before.count)
    }

    /// d_z = mean(a − b)/sd(a − b).
    public static func cohenDz(after: [Double], before: [Double]) throws -> Double {
        try ClassicalInput.paired(after, before)
        guard after.count >= 2 else { throw ClassicalTestError(.insufficientData, "need n ≥ 2 pairs") }
        let d = zip(after, before).map { $0 - $1 }
        return Descriptive.mean(d) / Descriptive.standardDeviation(d)
    }

    private static func hedgesFactor(_ nx: Int, _ ny: Int) -> Double {
        1 - 3 / (4 * Double(nx + ny) - 9)
    }
}

/// How missing item responses enter Cronbach's alpha.
public enum MissingItemPolicy: String, Sendable, Equatable {
    /// Pairwise-complete covariances; n = all rows (pingouin's default).
    case pairwise
    /// Drop every row with a missing item first.
    case listwise
}

/// Cronbach's alpha with the Feldt interval, plus item diagnostics.
public struct CronbachAlpha: Sendable, Equatable {
    /// α = k/(k−1)·(1 − tr C / ΣC), C the item covariance matrix (Cronbach 1951).
    public var alpha: Double
    /// Feldt (1965) interval: 1 − (1 − α̂)·F⁻¹ upper quantiles with (n − 1, (n − 1)(k − 1)) df.
    public var interval: ConfidenceInterval
    /// Rows used (all rows for pairwise, complete rows for listwise).
    public var n: Int
    /// Number of items.
    public var k: Int
    /// α of the scale with item i removed (same missing-data policy).
    public var alphaIfItemDeleted: [Double]
    /// Correlation of item i with the sum of the other items (complete rows of that pair of variables).
    public var itemRestCorrelations: [Double]

    /// - Parameters:
    ///   - items: one array per item, all of the same length (rows = respondents); NaN marks missing.
    /// - Throws: `lengthMismatch` for ragged items, `insufficientData` for k < 2 or n < 2.
    public init(items: [[Double]], confidenceLevel: Double = 0.95, missing: MissingItemPolicy = .pairwise) throws {
        try ClassicalInput.level(confidenceLevel)
        guard items.count >= 2 else { throw ClassicalTestError(.insufficientData, "alpha needs k ≥ 2 items, got \(items.count)") }
        let rows = items[0].count
        guard items.allSatisfy({ $0.count == rows }) else {
            throw ClassicalTestError(.lengthMismatch, "items have different lengths")
        }
        var data = items
        if missing == .listwise {
            let keep = (0..<rows).filter { r in items.allSatisfy { !$0[r].isNaN } }
            data = items.map { item in keep.map { item[$0] } }
        }
        let n = data[0].count
        guard n >= 2 else { throw ClassicalTestError(.insufficientData, "alpha needs n ≥ 2 rows, got \(n)") }
        let k = data.count
        let covariance = Self.pairwiseCovariance(data)
        alpha = Self.alpha(covariance, indices: Array(0..<k))
        let nn = Double(n), kk = Double(k)
        let f = FDistribution(numeratorDegreesOfFreedom: nn - 1, denominatorDegreesOfFreedom: (nn - 1) * (kk - 1))
        let a = 1 - confidenceLevel
        interval = ConfidenceInterval(lower: 1 - (1 - alpha) * f.inverseSurvival(a / 2),
                                      upper: 1 - (1 - alpha) * f.inverseSurvival(1 - a / 2), level: confidenceLevel)
        self.n = n
        self.k = k
        alphaIfItemDeleted = k < 3 ? Array(repeating: .nan, count: k)
            : (0..<k).map { i in Self.alpha(covariance, indices: (0..<k).filter { $0 != i }) }
        itemRestCorrelations = (0..<k).map { i in
            let rest = (0..<n).map { r in (0..<k).filter { $0 != i }.reduce(0.0) { $0 + data[$1][r] } }
            return Self.correlation(data[i], rest)
        }
    }

    private static func alpha(_ c: [[Double]], indices: [Int]) -> Double {
        let k = Double(indices.count)
        var trace = 0.0, total = 0.0
        for i in indices {
            trace += c[i][i]
            for j in indices { total += c[i][j] }
        }
        return k / (k - 1) * (1 - trace / total)
    }

    /// Covariance (denominator m − 1) of each pair over the rows where both are present, with that
    /// pair's own means (pandas `DataFrame.cov`).
    private static func pairwiseCovariance(_ data: [[Double]]) -> [[Double]] {
        let k = data.count
        var c = Array(repeating: Array(repeating: 0.0, count: k), count: k)
        for i in 0..<k {
            for j in i..<k {
                let rows = data[i].indices.filter { !data[i][$0].isNaN && !data[j][$0].isNaN }
                let x = rows.map { data[i][$0] }, y = rows.map { data[j][$0] }
                let v = covariance(x, y)
                c[i][j] = v
                c[j][i] = v
            }
        }
        return c
    }

    private static func covariance(_ x: [Double], _ y: [Double]) -> Double {
        guard x.count >= 2 else { return .nan }
        let mx = Descriptive.mean(x), my = Descriptive.mean(y)
        return Descriptive.neumaierSum(zip(x, y).map { ($0 - mx) * ($1 - my) }) / Double(x.count - 1)
    }

    private static func correlation(_ x: [Double], _ y: [Double]) -> Double {
        let rows = x.indices.filter { !x[$0].isNaN && !y[$0].isNaN }
        let a = rows.map { x[$0] }, b = rows.map { y[$0] }
        return covariance(a, b) / (covariance(a, a) * covariance(b, b)).squareRoot()
    }
}

/// Multiple-testing adjustments of p-values (statsmodels `multipletests` method names).
public enum MultipleTestingMethod: String, Sendable, Equatable, CaseIterable {
    case bonferroni
    /// Šidák: 1 − (1 − p)ᵐ.
    case sidak
    /// Holm (1979) step-down.
    case holm
    /// Holm's step-down with Šidák steps: 1 − (1 − p₍ᵢ₎)^(m−i+1), cumulative maximum.
    case holmSidak = "holm-sidak"
    /// Hochberg (1988) step-up ("simes-hochberg").
    case hochberg = "simes-hochberg"
    /// Hommel (1988).
    case hommel
    /// Benjamini–Hochberg (1995) false discovery rate.
    case benjaminiHochberg = "fdr_bh"
    /// Benjamini–Yekutieli (2001) false discovery rate under dependence.
    case benjaminiYekutieli = "fdr_by"
}

/// Family-wise error and false-discovery-rate adjustments of a set of p-values.
public enum MultipleTesting {
    /// Adjusted p-values in input order, capped at 1. NaN p-values are not allowed (throws).
    public static func adjust(_ pValues: [Double], method: MultipleTestingMethod) throws -> [Double] {
        guard pValues.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
            throw ClassicalTestError(.invalidArgument, "p-values must lie in [0, 1]")
        }
        let m = pValues.count
        guard m > 0 else { return [] }
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
        let p = order.map { pValues[$0] }
        let mm = Double(m)
        var adjusted: [Double]
        switch method {
        case .bonferroni:
            adjusted = p.map { $0 * mm }
        case .sidak:
            adjusted = p.map { -expm1(mm * log1p(-$0)) }
        case .holm, .holmSidak:
            adjusted = p.enumerated().map { i, value in
                method == .holm ? Double(m - i) * value : -expm1(Double(m - i) * log1p(-value))
            }
            for i in 1..<m { adjusted[i] = max(adjusted[i], adjusted[i - 1]) }
        case .hochberg:
            adjusted = p.enumerated().map { Double(m - $0) * $1 }
            for i in stride(from: m - 2, through: 0, by: -1) { adjusted[i] = min(adjusted[i], adjusted[i + 1]) }
        case .benjaminiHochberg, .benjaminiYekutieli:
            let c = method == .benjaminiYekutieli ? (1...m).reduce(0.0) { $0 + 1 / Double($1) } : 1
            adjusted = p.enumerated().map { $1 * mm * c / Double($0 + 1) }
            for i in stride(from: m - 2, through: 0, by: -1) { adjusted[i] = min(adjusted[i], adjusted[i + 1]) }
        case .hommel:
            // Wright (1992) formulation: for each subset size j = m … 2, c = min over the j largest of
            // j·p₍ᵢ₎/rank; raise those to at least c and the others to at least min(j·p, c).
            adjusted = p
            if m > 1 {
                for j in stride(from: m, through: 2, by: -1) {
                    let tail = Array(p[(m - j)...])
                    let c = tail.enumerated().map { Double(j) * $1 / Double($0 + 1) }.min() ?? 1
                    for i in (m - j)..<m { adjusted[i] = max(adjusted[i], c) }
                    for i in 0..<(m - j) { adjusted[i] = max(adjusted[i], min(Double(j) * p[i], c)) }
                }
            }
        }
        var result = Array(repeating: 0.0, count: m)
        for (rank, index) in order.enumerated() { result[index] = min(1, adjusted[rank]) }
        return result
    }
}
