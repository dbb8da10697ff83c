#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Mid-ranks (average ranks for ties, 1-based) and the sizes of the tie groups in sorted order.
func midRanks(_ values: [Double]) -> (ranks: [Double], tieSizes: [Int]) {
    let order = values.indices.sorted { values[$0] < values[$1] }
    var ranks = Array(repeating: 0.0, count: values.count)
    var ties: [Int] = []
    var i = 0
    while i < order.count {
        var j = i
        while j + 1 < order.count && values[order[j + 1]] == values[order[i]] { j += 1 }
        let average = Double(i + j + 2) / 2
        for k in i...j { ranks[order[k]] = average }
        ties.append(j - i + 1)
        i = j + 1
    }
    return (ranks, ties)
}

/// Σ (t³ − t) over tie groups.
private func tieSum(_ sizes: [Int]) -> Double {
    sizes.reduce(0.0) { $0 + Double($1) * Double($1) * Double($1) - Double($1) }
}

/// How a p-value is obtained for a rank test.
public enum RankTestMethod: String, Sendable, Equatable {
    /// The exact permutation distribution (exact only without ties; see each test for its handling of ties).
    case exact
    /// The normal approximation with tie-corrected variance.
    case asymptotic
}

/// Treatment of zero differences in the signed-rank test (scipy's `zero_method`).
public enum ZeroMethod: String, Sendable, Equatable {
    /// Drop zero differences before ranking (Wilcoxon 1945).
    case wilcox
    /// Rank zeros with the others, then drop their ranks (Pratt 1959).
    case pratt
    /// Rank zeros and split their rank sum equally between R⁺ and R⁻.
    case zsplit
}

/// Result of the Wilcoxon signed-rank test.
public struct SignedRankResult: Sendable, Equatable {
    /// statistic (min(R⁺, R⁻) for two-sided, R⁺ otherwise, as scipy), p-value, method.
    public var test: TestResult
    /// Rank sum of positive differences (R's V).
    public var rankSumPositive: Double
    /// Rank sum of negative differences.
    public var rankSumNegative: Double
    /// Number of differences that entered the ranking (zeros included for pratt/zsplit).
    public var count: Int
    /// Number of zero differences.
    public var zeroDifferences: Int
    /// True when some non-zero |differences| are tied.
    public var hasTies: Bool
    /// The normal deviate (asymptotic method), with continuity correction when requested.
    public var z: Double?
}

/// Result of the Mann–Whitney U test.
public struct MannWhitneyResult: Sendable, Equatable {
    /// statistic = Uₓ (R's W), p-value, method.
    public var test: TestResult
    /// U of the first sample: Rₓ − nₓ(nₓ+1)/2 with mid-ranks.
    public var uX: Double
    /// U of the second sample, nₓnᵧ − Uₓ.
    public var uY: Double
    /// True when the pooled sample has tied values.
    public var hasTies: Bool
}

/// Rank tests, matching scipy's `wilcoxon` and `mannwhitneyu` definitions.
public enum RankTests {
    /// Wilcoxon signed-rank test on d = after − before.
    ///
    /// Asymptotic: z = (T − μ)/σ with T = min(R⁺, R⁻) (two-sided) or R⁺, μ = n(n+1)/4,
    /// σ² = n(n+1)(2n+1)/24 − Σ(t³−t)/48 (for `pratt`, μ and σ² drop the zeros' n₀(n₀+1)/4 and
    /// n₀(n₀+1)(2n₀+1)/24 and the zeros' tie group); continuity correction subtracts ½·sign(z)/σ.
    /// Exact: the null distribution of R⁺ over all 2ⁿ sign patterns (n ≤ 1000); with ties or zeros
    /// that distribution is applied conservatively to ⌈R⁺⌉ / ⌊R⁺⌋ exactly as scipy does, and
    /// `method` says so.
    public static func wilcoxonSignedRank(after: [Double], before: [Double], zeroMethod: ZeroMethod = .wilcox,
                                          correction: Bool = false, method: RankTestMethod = .asymptotic,
                                          alternative: Alternative = .twoSided) throws -> SignedRankResult {
        try ClassicalInput.paired(after, before)
        try ClassicalInput.finite(after, "after")
        try ClassicalInput.finite(before, "before")
        var d = zip(after, before).map { $0 - $1 }
        let zeros = d.filter { $0 == 0 }.count
        if zeroMethod == .wilcox { d = d.filter { $0 != 0 } }
        guard !d.isEmpty else { throw ClassicalTestError(.insufficientData, "no non-zero differences") }
        let (ranks, ties) = midRanks(d.map(abs))
        var rPlus = 0.0, rMinus = 0.0, rZero = 0.0
        for (value, rank) in zip(d, ranks) {
            if value > 0 { rPlus += rank } else if value < 0 { rMinus += rank } else { rZero += rank }
        }
        if zeroMethod == .zsplit { rPlus += rZero / 2; rMinus += rZero / 2 }
        let n = Double(d.count)
        let zeroGroup = zeroMethod != .wilcox && zeros > 0
        let hasTies = ties.enumerated().contains { index, size in size > 1 && !(zeroGroup && index == 0) }
        let statistic = alternative == .twoSided ? min(rPlus, rMinus) : rPlus
        if method == .exact && d.count <= 1000 {
            // With ties or zeros R⁺ can be non-integral and the tie-free null distribution is only
            // approximate; as scipy ≥ 1.13 (gh-19872) it is used conservatively: P(R⁺ ≤ ⌈R⁺⌉) and
            // P(R⁺ ≥ ⌊R⁺⌋).
            let distribution = signedRankDistribution(d.count)
            let up = min(distribution.count - 1, Int(rPlus.rounded(.up))), down = Int(rPlus.rounded(.down))
            let lower = Descriptive.neumaierSum(Array(distribution[0...up]))
            let upper = Descriptive.neumaierSum(Array(distribution[down...]))
            let p = tailPValue(lower: lower, upper: upper, alternative: alternative)
            let exactLabel = hasTies || zeros > 0
                ? "Wilcoxon signed-rank test (tie-free exact distribution, conservative with ties/zeros)"
                : "Wilcoxon signed-rank test (exact)"
            let test = TestResult(statistic: statistic, pValue: p, alternative: alternative, method: exactLabel)
            return SignedRankResult(test: test, rankSumPositive: rPlus, rankSumNegative: rMinus, count: d.count,
                                    zeroDifferences: zeros, hasTies: hasTies, z: nil)
        }
        var mean = n * (n + 1) / 4
        var variance = n * (n + 1) * (2 * n + 1)
        var tieSizes = ties
        if zeroMethod == .pratt && zeros > 0 {
            let n0 = Double(zeros)
            mean -= n0 * (n0 + 1) / 4
            variance -= n0 * (n0 + 1) * (2 * n0 + 1)
            tieSizes[0] = 0
        }
        variance -= tieSum(tieSizes) / 2
        let sd = (variance / 24).squareRoot()
        var z = (statistic - mean) / sd
        if correction {
            let sign: Double = alternative == .greater ? 1 : (alternative == .less ? -1 : (z > 0 ? 1 : (z < 0 ? -1 : 0)))
            z -= sign * 0.5 / sd
        }
        // scipy reports −|z| for two-sided tests (z of min(R⁺, R⁻), however far the correction moved it).
        if alternative == .twoSided { z = -abs(z) }
        let p = tailPValue(lower: Normal.cdf(z), upper: Normal.sf(z), alternative: alternative)
        let label = "Wilcoxon signed-rank test (normal approximation)"
        let test = TestResult(statistic: statistic, pValue: p, alternative: alternative, method: label)
        return SignedRankResult(test: test, rankSumPositive: rPlus, rankSumNegative: rMinus, count: d.count,
                                zeroDifferences: zeros, hasTies: hasTies, z: z)
    }

    /// P(R⁺ = k), k = 0 … n(n+1)/2, by the subset-sum recursion over ranks 1 … n.
    static func signedRankDistribution(_ n: Int) -> [Double] {
        let total = n * (n + 1) / 2
        var counts = Array(repeating: 0.0, count: total + 1)
        counts[0] = 1
        var reach = 0
        for rank in 1...n {
            reach += rank
            for s in stride(from: reach, through: rank, by: -1) { counts[s] += counts[s - rank] }
            // Keep the numbers in range: halve at every step (2ⁿ overall).
            for s in 0...reach { counts[s] *= 0.5 }
        }
        return counts
    }

    /// Mann–Whitney U test of x against y.
    ///
    /// Uₓ = Rₓ − nₓ(nₓ+1)/2 with mid-ranks. Two-sided uses U = max(Uₓ, Uᵧ) and doubles the upper tail
    /// (capped at 1); `greater` uses Uₓ, `less` uses Uᵧ. Asymptotic: z = (U − nₓnᵧ/2 − ½·cc)/σ,
    /// σ² = nₓnᵧ/12 · ((n+1) − Σ(t³−t)/(n(n−1))). Exact: P(U ≥ ⌊U⌋) under the tie-free permutation
    /// distribution (as scipy; with ties this makes no tie correction). The exact table needs
    /// min·max²/2 doubles; beyond 40 MB (about 215 per group) the normal approximation is used and
    /// `method` says so.
    public static func mannWhitney(_ x: [Double], _ y: [Double], continuityCorrection: Bool = true,
                                   method: RankTestMethod = .asymptotic,
                                   alternative: Alternative = .twoSided) throws -> MannWhitneyResult {
        try ClassicalInput.finite(x, "x")
        try ClassicalInput.finite(y, "y")
        guard !x.isEmpty, !y.isEmpty else {
            throw ClassicalTestError(.insufficientData, "Mann–Whitney needs both samples non-empty, got \(x.count) and \(y.count)")
        }
        let (ranks, ties) = midRanks(x + y)
        let nx = Double(x.count), ny = Double(y.count), n = nx + ny
        let rx = Descriptive.neumaierSum(Array(ranks[0..<x.count]))
        let ux = rx - nx * (nx + 1) / 2
        let uy = nx * ny - ux
        let hasTies = ties.contains { $0 > 1 }
        let u: Double
        switch alternative {
        case .greater: u = ux
        case .less: u = uy
        case .twoSided: u = max(ux, uy)
        }
        var p: Double
        let label: String
        let small = Double(min(x.count, y.count)), large = Double(max(x.count, y.count))
        let exactFeasible = small * large * large / 2 <= 5e6 // DP table size in doubles (≤ 40 MB)
        if method == .exact && exactFeasible {
            // Tie-free null distribution; with ties U is truncated to an integer first, as scipy
            // (`_MWU.sf(U.astype(int64))`), which makes no correction for ties. The distribution of U
            // is the same for sizes (m, n) and (n, m), so the smaller size drives the recursion.
            let distribution = mannWhitneyDistribution(min(x.count, y.count), max(x.count, y.count))
            let k = Int(u.rounded(.towardZero))
            p = k < distribution.count ? Descriptive.neumaierSum(Array(distribution[k...])) : 0
            label = hasTies ? "Mann–Whitney U test (tie-free exact distribution; no tie correction)"
                : "Mann–Whitney U test (exact)"
        } else {
            let sigma = (nx * ny / 12 * ((n + 1) - tieSum(ties) / (n * (n - 1)))).squareRoot()
            let z = (u - nx * ny / 2 - (continuityCorrection ? 0.5 : 0)) / sigma
            p = Normal.sf(z)
            label = method == .exact
                ? "Mann–Whitney U test (normal approximation: exact table for these sizes would exceed 40 MB)"
                : "Mann–Whitney U test (normal approximation)"
        }
        if alternative == .twoSided { p = min(1, 2 * p) }
        let test = TestResult(statistic: ux, pValue: min(1, max(0, p)), alternative: alternative, method: label)
        return MannWhitneyResult(test: test, uX: ux, uY: uy, hasTies: hasTies)
    }

    /// P(U = k) for sample sizes (m, n), k = 0 … mn: f(i, j, u) = f(i−1, j, u−j) + f(i, j−1, u),
    /// adding the largest observation to x (it beats all j of y) or to y; normalised by C(m+n, m).
    static func mannWhitneyDistribution(_ m: Int, _ n: Int) -> [Double] {
        // table[j][u] for the current i.
        var previous = Array(repeating: [1.0], count: n + 1) // i = 0: U = 0 only
        for i in stride(from: 1, through: m, by: 1) {
            var current: [[Double]] = []
            for j in 0...n {
                var row = Array(repeating: 0.0, count: i * j + 1)
                // x added last: contributes j
                for (u, v) in previous[j].enumerated() where u + j < row.count { row[u + j] += v }
                // y added last
                if j > 0 { for (u, v) in current[j - 1].enumerated() { row[u] += v } }
                current.append(row)
            }
            previous = current
        }
        let counts = previous[n]
        let total = counts.reduce(0, +)
        return counts.map { $0 / total }
    }
}
