import Foundation

/// The kinds of replicate weights, with R `svrepdesign(type = ...)`'s default variance scales.
public enum ReplicateType: String, Sendable, CaseIterable {
    /// Delete-one-PSU jackknife, unstratified: scale (R−1)/R unless given.
    case jk1
    /// Stratified jackknife: scale 1, `rscales` (n_h − 1)/n_h required.
    case jkn
    /// Balanced repeated replication (half samples): scale 1/R.
    case brr
    /// Fay's modified BRR with factor ρ: scale 1/(R(1−ρ)²).
    case fay
    /// Bootstrap: scale 1/(R−1) unless given.
    case bootstrap
    /// Successive-difference replication: scale 4/R, rscales 1.
    case sdr
    /// Any other replicate method: scale and rscales as given (default 1).
    case other
}

/// An estimate from a replicate design: the full-sample value and one value per replicate.
public struct ReplicateEstimate: Sendable, Equatable {
    /// The full-sample estimate.
    public var value: Double
    /// The estimate recomputed with each replicate's weights.
    public var replicates: [Double]
    /// Rows with non-zero weight that contributed (in the domain, non-missing).
    public var n: Int
    /// Rows in the domain with non-missing values.
    public var domain: [Bool]

    public init(value: Double, replicates: [Double], n: Int, domain: [Bool]) {
        self.value = value; self.replicates = replicates; self.n = n; self.domain = domain
    }
}

/// Design-based estimation shared by linearisation and replicate designs.
public protocol DesignBasedVariance: Sendable {
    /// Number of rows.
    var rowCount: Int { get }
    /// Degrees of freedom of the full design (R `degf()`).
    var degreesOfFreedom: Int { get }
    /// Sampling (full-sample) weights.
    var weights: [Double] { get }
    /// Weighted mean over the domain (NaN = missing).
    func mean(_ y: [Double], domain: [Bool]?, deff: Bool, baseline: DesignEffectBaseline) throws -> Estimate
    /// Weighted total over the domain (NaN = missing).
    func total(_ y: [Double], domain: [Bool]?, deff: Bool, baseline: DesignEffectBaseline) throws -> Estimate
    /// Ratio of weighted totals over the domain.
    func ratio(numerator: [Double], denominator: [Double], domain: [Bool]?) throws -> Estimate
    /// Several estimates with their joint covariance (R `svyby(covmat = TRUE)`).
    func jointEstimates(_ items: [DomainStatistic], deff: DesignEffectBaseline?) throws -> JointEstimate
    /// Means or totals of many variables in many domains, bitwise equal to one call per
    /// estimate (see BatchedEstimation.swift).
    func domainEstimates(_ ys: [[Double]], statistic: BatchStatistic, domains: [[Bool]?], deff: Bool,
                         baseline: DesignEffectBaseline) throws -> [[Estimate]]
}

extension SurveyDesign: DesignBasedVariance {}

/// A design described by full-sample weights and replicate weights (R `svrepdesign` with
/// `combined.weights = TRUE`): the variance of an estimate θ̂ is
/// `scale · Σ_r rscales[r] · (θ̂_r − c)²`, `c` = θ̂ when `mse`, else the mean of the replicate
/// estimates (over replicates with rscales > 0); R `svrVar`.
///
/// Any statistic of the weights can be estimated with ``replicate(_:)``; ``mean(_:domain:deff:baseline:)``,
/// ``total(_:domain:deff:baseline:)`` and ``ratio(numerator:denominator:domain:)`` are provided.
/// Replicate estimates that are NaN are dropped with their rscales (R `na.action = na.omit`).
public struct ReplicateDesign: DesignBasedVariance {
    /// Full-sample sampling weights, one per row.
    public internal(set) var weights: [Double]
    /// Replicate weight columns, `replicateWeights[r][i]` (already multiplied by the sampling weight).
    public internal(set) var replicateWeights: [[Double]]
    /// The replicate method.
    public let type: ReplicateType
    /// The overall variance multiplier (after the type's default was applied).
    public let scale: Double
    /// Per-replicate variance multipliers.
    public let rscales: [Double]
    /// Fay's ρ (`.fay` only).
    public let rho: Double?
    /// Whether variances centre at the full-sample estimate.
    public let mse: Bool
    /// Rank of the replicate-weight matrix − 1 (R `degf()` of an `svrepdesign`).
    ///
    /// Computed on first use (O(rows · R²/2), see ``rank(_:rows:)``) and kept: unless
    /// ``domainEstimates(_:statistic:domains:deff:baseline:)`` has already found it from the Gram
    /// matrices of disjoint domains (``rankDomainsAndDesign(plan:)``), so asking for it after
    /// the domain estimates costs nothing.
    public var degreesOfFreedom: Int {
        domainRanks.fullRank { Self.rank(replicateWeights, rows: nil) } - 1
    }
    /// Ranks of the replicate weights over all rows and over domains already seen (a fresh cache
    /// whenever the replicate weights change): every estimate in a domain needs the rank, which
    /// costs O(rows × R²) — seconds for a million rows and 80 replicates.
    var domainRanks = DomainRankCache()  // replaced wherever replicateWeights are

    /// Number of rows.
    public var rowCount: Int { weights.count }
    /// Number of replicates R.
    public var replicateCount: Int { replicateWeights.count }

    /// Builds a replicate design.
    ///
    /// - Parameters:
    ///   - weights: full-sample sampling weights (≥ 0, finite).
    ///   - replicateWeights: one column per replicate, each with one weight per row.
    ///   - combinedWeights: true when replicate columns already include the sampling weight (R
    ///     `combined.weights = TRUE`); false when they are adjustment factors to multiply by it.
    ///   - type: the replicate method, which sets the default scale.
    ///   - scale: overall multiplier; nil for the type's default (required for `.other`: default 1).
    ///   - rscales: per-replicate multipliers (one value is recycled); required for `.jkn`.
    ///   - rho: Fay's ρ (0 ≤ ρ < 1), required for `.fay`.
    ///   - mse: centre at the full-sample estimate instead of the replicate mean.
    /// - Throws: ``DesignError`` `lengthMismatch`, `invalidWeight`, `invalidArgument`.
    public init(weights: [Double], replicateWeights: [[Double]], combinedWeights: Bool = true,
                type: ReplicateType, scale: Double? = nil, rscales: [Double]? = nil, rho: Double? = nil,
                mse: Bool = false) throws {
        let n = weights.count
        guard n > 0 else { throw DesignError(.emptyDesign, "the design has no rows") }
        let R = replicateWeights.count
        guard R >= 2 else {
            throw DesignError(.invalidArgument, "a replicate design needs at least 2 replicate weight columns, got \(R)")
        }
        for (i, w) in weights.enumerated() where !(w.isFinite && w >= 0) {
            throw DesignError(.invalidWeight, "weight \(w) in row \(i + 1) is not a finite non-negative number")
        }
        // Combined weights are validated where they are (no copy of the columns); adjustment
        // factors are multiplied into a copy first.
        var columns = replicateWeights
        for r in 0..<R {
            guard columns[r].count == n else {
                throw DesignError(.lengthMismatch, "replicate \(r + 1) has \(columns[r].count) weights for \(n) rows")
            }
            if !combinedWeights {
                columns[r].withUnsafeMutableBufferPointer { c in
                    for i in 0..<n { c[i] *= weights[i] }
                }
            }
            if let i = Self.firstInvalidWeight(columns[r]) {
                throw DesignError(.invalidWeight, "replicate weight \(columns[r][i]) in row \(i + 1), replicate \(r + 1) is not a finite non-negative number")
            }
        }
        var rs = rscales ?? [1]
        if rs.count == 1 { rs = [Double](repeating: rs[0], count: R) }
        guard rs.count == R, rs.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw DesignError(.invalidArgument, "rscales must have 1 or \(R) finite non-negative values, got \(rscales?.count ?? 0)")
        }
        if let scale, !(scale.isFinite && scale > 0) {
            throw DesignError(.invalidArgument, "scale must be a positive number, got \(scale)")
        }
        let s: Double
        switch type {
        case .jk1: s = scale ?? Double(R - 1) / Double(R)
        case .jkn:
            guard rscales != nil else {
                throw DesignError(.invalidArgument, "JKn replicate weights need rscales ((n_h − 1)/n_h for each replicate)",
                                  hint: "give one rscale per replicate: (PSUs in its stratum − 1)/(PSUs in its stratum)")
            }
            s = scale ?? 1
        case .brr: s = 1 / Double(R)
        case .fay:
            guard let rho, rho >= 0, rho < 1 else {
                throw DesignError(.invalidArgument, "Fay replicate weights need rho in [0, 1), got \(rho.map { "\($0)" } ?? "none")",
                                  hint: "rho is the Fay coefficient, e.g. 0.5")
            }
            s = 1 / (Double(R) * (1 - rho) * (1 - rho))
        case .bootstrap: s = scale ?? 1 / Double(R - 1)
        case .sdr: s = 4 / Double(R); rs = [Double](repeating: 1, count: R)
        case .other: s = scale ?? 1
        }
        self.weights = weights
        self.replicateWeights = columns
        self.type = type
        self.scale = s
        self.rscales = rs
        self.rho = type == .fay ? rho : nil
        self.mse = mse
    }

    /// The first index whose weight is not a finite number ≥ 0 (NaN included), or nil: valid
    /// when 0 ≤ w ≤ greatest finite magnitude, which NaN fails (``firstIndex(in:failing:_:)``).
    static func firstInvalidWeight(_ column: [Double]) -> Int? {
        let top = SIMD4<Double>(repeating: .greatestFiniteMagnitude)
        return firstIndex(in: column, failing: { ($0 .>= SIMD4<Double>()) .& ($0 .<= top) }) {
            $0 >= 0 && $0 <= .greatestFiniteMagnitude
        }
    }

    /// Numerical rank of the replicate-weight matrix W restricted to `rows` (R `qr(tol = 1e-5)$rank`,
    /// LINPACK dqrdc2's limited pivoting: in column order, a column is dependent when its
    /// residual after projection on the independent columns before it has norm ≤ 1e−5 of its
    /// own norm).
    ///
    /// Computed from the Gram matrix G = WᵀW (one blocked pass over the rows, see
    /// ``gram(_:rows:)``) by a Cholesky elimination in column order (``rank(ofGram:count:)``):
    /// the residual norm² of column j is G_jj − Σ_m u_m², u the Cholesky coefficients of j on
    /// the independent columns so far, and j is dependent when it is ≤ (1e−5)²·G_jj (zero
    /// columns are dependent).
    ///
    /// Numerical argument: the tolerance is squared with the norms, so the decision is the same
    /// as Gram–Schmidt's (``gramSchmidtRank(_:rows:)``) whenever both compute the residual to
    /// well within the threshold. Gram–Schmidt with re-orthogonalisation gets the residual norm
    /// with an absolute error of a few ε‖w_j‖; the Gram route gets residual² with an absolute
    /// error of order R·ε·G_jj (forming G and the Cholesky backward error, Higham, *Accuracy and
    /// Stability of Numerical Algorithms*, 2nd ed., Thm 10.3), i.e. of order R·ε/1e−10 ≈ 1e−4
    /// (worst case; typically √R·ε/1e−10 ≈ 1e−5) relative to the threshold 1e−10·G_jj, so
    /// residual *norms* agree to ~1e−5…1e−6 relative near the threshold. The two can disagree
    /// only for a column whose residual ratio lies that close to 1e−5; exact dependencies
    /// (duplicated, scaled, summed or zero columns: residual² ≈ ε·G_jj) and clearly
    /// independent columns are decided identically. Columns with G_jj overflowing or underflowing
    /// (|w| beyond ~1e±150) are outside this argument.
    ///
    /// - Complexity: O(rows · R²/2) for G, O(R³) for the elimination; no copy of the columns.
    static func rank(_ columns: [[Double]], rows: [Bool]?) -> Int {
        let n = columns.first?.count ?? 0
        var index: [Int32] = []
        index.reserveCapacity(n)
        for i in 0..<n where rows?[i] ?? true { index.append(Int32(truncatingIfNeeded: i)) }
        return rank(ofGram: gram(columns, rows: index), count: columns.count)
    }

    /// Finds the full-design rank and the rank of every domain of `plan` with one Gram pass over
    /// the rows, when the domains are disjoint (each row in at most one), the full rank is not
    /// known yet and the domains fit the rank memo; otherwise does nothing (the ranks are then
    /// found one by one when needed).
    ///
    /// ``partitionGrams(_:part:parts:)`` reads every row once, in row order, and adds it to the
    /// Gram matrix of its domain (or of the rows in no domain); each domain's rank is decided on
    /// its matrix and the full rank on their sum (WᵀW = Σ_parts W_partᵀW_part). These are the
    /// matrices ``rank(_:rows:)`` forms, summed in another order (other blocks, other thread
    /// split), which changes their entries by rounding only (relative ~R·ε per entry) and so, by
    /// the argument of ``rank(_:rows:)``, cannot change a rank decision except for a column
    /// whose residual ratio lies within ~1e−5 relative of the 1e−5 threshold. It replaces one
    /// pass over every row per domain plus one for the full design.
    func rankDomainsAndDesign(plan: BatchPlan) {
        let D = plan.domainCount
        guard D > 0, D <= DomainRankCache.capacity, plan.members.count == plan.unionRows.count,
              plan.masks.allSatisfy({ $0.count == rowCount }), !domainRanks.hasFullRank else { return }
        let R = replicateCount
        var part = [Int32](repeating: Int32(D), count: rowCount)  // D: in no domain
        for (u, row) in plan.unionRows.enumerated() { part[Int(row)] = plan.members[plan.memberStart[u]] }
        let grams = Self.partitionGrams(replicateWeights, part: part, parts: D + 1)
        var full = [Double](repeating: 0, count: R * R)
        for g in grams { for e in full.indices { full[e] += g[e] } }
        let domains = (0..<D).map { (mask: plan.masks[$0], rank: Self.rank(ofGram: grams[$0], count: R)) }
        domainRanks.store(fullRank: Self.rank(ofGram: full, count: R), domains: domains)
    }

    /// The Gram matrices (row-major R × R) of the columns over the rows of each part, `part[i]`
    /// in `0..<parts` naming row i's: one pass over the rows (two threads, each half of them, on
    /// large inputs; the halves' matrices are then added).
    static func partitionGrams(_ columns: [[Double]], part: [Int32], parts: Int) -> [[Double]] {
        let n = part.count
        guard n >= 40_000 else { return partitionGrams(columns, part: part, parts: parts, rows: 0..<n) }
        let halves = ResultPair<[[Double]]>()
        DispatchQueue.concurrentPerform(iterations: 2) { k in
            halves.set(k, partitionGrams(columns, part: part, parts: parts, rows: k == 0 ? 0..<(n / 2) : (n / 2)..<n))
        }
        let (a, b) = halves.both()
        return zip(a ?? [], b ?? []).map { zip($0, $1).map { $0 + $1 } }
    }

    /// ``partitionGrams(_:part:parts:)`` over `rows`, on this thread.
    ///
    /// Blocks of 256 rows are gathered once, each part's rows together (in row order), as
    /// ``addBlockGram(_:_:rows:paddedCount:into:)`` takes them, which then adds each part's rows
    /// to that part's matrix.
    static func partitionGrams(_ columns: [[Double]], part: [Int32], parts: Int, rows: Range<Int>) -> [[Double]] {
        let R = columns.count
        let Rp = (R + 3) / 4 * 4, half = Rp / 2
        let blockRows = 256
        var G = [Double](repeating: 0, count: parts * Rp * Rp)
        let block = GatheredBlock(rows: blockRows, valueStride: Rp, repeatedStride: Rp, groups: parts)
        let X = block.values, B = block.repeated, order = block.order, first = block.first
        let all = Array(0..<R)
        part.withUnsafeBufferPointer { part in
            G.withUnsafeMutableBufferPointer { g in
                var start = rows.lowerBound
                while start < rows.upperBound {
                    let count = min(blockRows, rows.upperBound - start)
                    // The block's rows by part, in row order.
                    _ = block.sortByGroup { entry in
                        for i in start..<(start + count) { entry(Int(part[i]), i) }
                    }
                    gatherRows(columns, all, count: count, row: { order[$0] }, plain: block.plain, repeated: B,
                               stride: Rp, offset: 0)
                    for q in 0..<parts where first[q + 1] > first[q] {
                        let from = first[q]
                        addBlockGram(X + from * half, B + from * Rp, rows: first[q + 1] - from, paddedCount: Rp,
                                     into: g.baseAddress! + q * Rp * Rp)  // non-empty: parts ≥ 1, Rp ≥ 4
                    }
                    start += count
                }
            }
        }
        return (0..<parts).map { unpadded(G, count: R, offset: $0 * Rp * Rp) }
    }

    /// The Gram matrix G = WᵀW of the columns over `rows` (row-major R × R, symmetric).
    ///
    /// Rows are gathered in blocks of 256 into a row-major buffer padded to a multiple of 4
    /// columns; each 4 × 4 tile of the upper triangle is accumulated over the block in SIMD
    /// registers and then added to G.
    static func gram(_ columns: [[Double]], rows: [Int32]) -> [Double] {
        // Large inputs: the two halves of the rows on two threads, then G = G₁ + G₂ (a different
        // summation order, immaterial to the rank decision; see ``rank(ofGram:count:)``).
        guard rows.count >= 40_000 else { return gram(columns, rows: rows[...]) }
        let half = rows.count / 2
        let parts = ResultPair<[Double]>()
        DispatchQueue.concurrentPerform(iterations: 2) { k in
            parts.set(k, gram(columns, rows: k == 0 ? rows[..<half] : rows[half...]))
        }
        let (a, b) = parts.both()
        return zip(a ?? [], b ?? []).map { $0 + $1 }
    }

    /// The Gram matrix over `rows`, on this thread: blocks of 256 rows gathered as
    /// ``addBlockGram(_:_:rows:paddedCount:into:)`` takes them.
    static func gram(_ columns: [[Double]], rows: ArraySlice<Int32>) -> [Double] {
        let R = columns.count
        let Rp = (R + 3) / 4 * 4
        let blockRows = 256
        var G = [Double](repeating: 0, count: Rp * Rp)
        guard R > 0 else { return [] }
        let block = GatheredBlock(rows: blockRows, valueStride: Rp, repeatedStride: Rp, groups: 0)
        let all = Array(0..<R)
        rows.withUnsafeBufferPointer { r in
            G.withUnsafeMutableBufferPointer { g in
                var start = 0
                while start < r.count {
                    let count = min(blockRows, r.count - start)
                    gatherRows(columns, all, count: count, row: { Int(r[start + $0]) }, plain: block.plain,
                               repeated: block.repeated, stride: Rp, offset: 0)
                    addBlockGram(block.values, block.repeated, rows: count, paddedCount: Rp, into: g.baseAddress!)  // Rp ≥ 4
                    start += count
                }
            }
        }
        return unpadded(G, count: R, offset: 0)
    }

    /// Adds the Gram matrix of a block of `rows` rows to `g` (row-major `paddedCount`², upper
    /// triangle in whole 4 × 4 tiles). The block is given twice: `x`, its rows of values
    /// (`paddedCount` each, zero-padded), and `b`, the same values each repeated in both lanes of
    /// a `SIMD2`. For each tile (a ``SumTile``), the 4 columns b…b+3 of a row are two `SIMD2`
    /// loads from `x` and column a's value one load from `b` that multiplies both halves without
    /// a shuffle (which baseline x86-64, SSE2 without `movddup`, would spend on every broadcast);
    /// the tile's sums over the block's rows, in row order, stay in registers and are then added
    /// to `g`.
    @inline(__always)
    static func addBlockGram(_ x: UnsafePointer<SIMD2<Double>>, _ b: UnsafePointer<SIMD2<Double>>, rows m: Int,
                             paddedCount Rp: Int, into g: UnsafeMutablePointer<Double>) {
        let tiles = Rp / 4, half = Rp / 2
        for ta in 0..<tiles {
            let a = ta * 4
            for tb in ta..<tiles {
                // Rows: columns a…a+3 (repeated values); columns: b…b+3.
                var tile = SumTile()
                tile.add(rows: m, x: x + tb * 2, xStride: half, b: b + a, bStride: Rp)
                for t in 0..<4 {
                    let (lo, hi) = tile.row(t), o = (a + t) * Rp + tb * 4
                    g[o] += lo[0]; g[o + 1] += lo[1]; g[o + 2] += hi[0]; g[o + 3] += hi[1]
                }
            }
        }
    }

    /// The `count` × `count` symmetric matrix whose upper triangle is that of the padded one at
    /// `offset` in `padded` (row-major, rows of `count` rounded up to a multiple of 4).
    static func unpadded(_ padded: [Double], count R: Int, offset o: Int) -> [Double] {
        let Rp = (R + 3) / 4 * 4
        var result = [Double](repeating: 0, count: R * R)
        for a in 0..<R {
            for b in 0..<R { result[a * R + b] = a <= b ? padded[o + a * Rp + b] : padded[o + b * Rp + a] }
        }
        return result
    }

    /// The rank decided on a Gram matrix (row-major `count` × `count`) by Cholesky elimination
    /// in column order with the squared tolerance (1e−5)²; see ``rank(_:rows:)``.
    static func rank(ofGram g: [Double], count R: Int) -> Int {
        var coefficients: [[Double]] = []  // of each independent column on the earlier ones
        var pivots: [Double] = []          // residual norms of the independent columns
        var basis: [Int] = []
        for j in 0..<R {
            let gjj = g[j * R + j]
            guard gjj > 0 else { continue }  // zero column (NaN cannot pass either)
            var residual = gjj
            var u: [Double] = []
            u.reserveCapacity(basis.count)
            for m in basis.indices {
                var s = g[basis[m] * R + j]
                let um = coefficients[m]
                for q in 0..<m { s -= um[q] * u[q] }
                let v = s / pivots[m]
                u.append(v)
                residual -= v * v
            }
            if residual > 1e-10 * gjj {
                basis.append(j)
                coefficients.append(u)
                pivots.append(residual.squareRoot())
            }
        }
        return basis.count
    }

    /// The reference form of ``rank(_:rows:)``, kept to test it: Gram–Schmidt in column order
    /// (re-orthogonalised once), a column is dependent when its residual norm falls below 1e−5
    /// of its original norm (LINPACK dqrdc2's limited pivoting). O(rows · R²) with a copy of
    /// every column.
    static func gramSchmidtRank(_ columns: [[Double]], rows: [Bool]?) -> Int {
        var basis: [[Double]] = []
        for column in columns {
            var v: [Double] = rows.map { mask in column.indices.filter { mask[$0] }.map { column[$0] } } ?? column
            let original = norm(v)
            guard original > 0 else { continue }
            for _ in 0..<2 {  // re-orthogonalise once for stability
                for q in basis {
                    var dot = 0.0
                    for i in v.indices { dot += q[i] * v[i] }
                    for i in v.indices { v[i] -= dot * q[i] }
                }
            }
            let residual = norm(v)
            if residual > 1e-5 * original {
                basis.append(v.map { $0 / residual })
            }
        }
        return basis.count
    }

    private static func norm(_ v: [Double]) -> Double {
        var scaleMax = 0.0
        for x in v { scaleMax = max(scaleMax, abs(x)) }
        guard scaleMax > 0 else { return 0 }
        var s = 0.0
        for x in v { let y = x / scaleMax; s += y * y }
        return scaleMax * s.squareRoot()
    }

    /// Post-stratifies the full-sample weights and, separately, every replicate's weights to
    /// the population counts (R `postStratify` of an `svrepdesign`), so the replicate variance
    /// reflects the post-stratification.
    ///
    /// - Throws: `lengthMismatch`; `invalidArgument` when a sampled post-stratum has no
    ///   population count, a population post-stratum has no sample, or a replicate has zero
    ///   weight in a post-stratum.
    public func postStratified(by groups: [String], populationCounts: [String: Double]) throws -> ReplicateDesign {
        guard groups.count == rowCount else {
            throw DesignError(.lengthMismatch, "\(groups.count) post-stratum labels for \(rowCount) rows")
        }
        var index: [String: Int] = [:]
        var names: [String] = []
        let group = groups.map { l -> Int in
            if let g = index[l] { return g }
            index[l] = names.count; names.append(l); return names.count - 1
        }
        for (label, count) in populationCounts where count != 0 && index[label] == nil {
            throw DesignError(.invalidArgument, "post-stratum \"\(label)\" (population \(count)) has no sampled rows",
                              hint: "merge it with a neighbouring post-stratum")
        }
        let pop = try names.map { label -> Double in
            guard let n = populationCounts[label] else {
                throw DesignError(.invalidArgument, "post-stratum \"\(label)\" is in the sample but has no population count")
            }
            return n
        }
        func adjust(_ w: [Double], what: String) throws -> [Double] {
            var totals = [Double](repeating: 0, count: names.count)
            for i in 0..<rowCount { totals[group[i]] += w[i] }
            for g in names.indices where totals[g] == 0 && pop[g] != 0 {
                throw DesignError(.invalidArgument, "\(what) has zero weight in post-stratum \"\(names[g])\"")
            }
            return (0..<rowCount).map { i in totals[group[i]] == 0 ? w[i] : w[i] * pop[group[i]] / totals[group[i]] }
        }
        var copy = self
        copy.weights = try adjust(weights, what: "the full sample")
        copy.replicateWeights = try replicateWeights.enumerated().map { try adjust($1, what: "replicate \($0 + 1)") }
        copy.domainRanks = DomainRankCache()
        return copy
    }

    /// Rakes the full-sample and every replicate's weights (R `rake` of an `svrepdesign`):
    /// iterated ``postStratified(by:populationCounts:)`` until the full-sample weighted
    /// cross-table of the margins changes by less than `epsilon` (absolute if ≥ 1, else relative
    /// to the total weight).
    public func raked(margins: [(labels: [String], populationCounts: [String: Double])],
                      maxIterations: Int = 10, epsilon: Double = 1) throws -> (design: ReplicateDesign, converged: Bool, iterations: Int) {
        guard !margins.isEmpty else { throw DesignError(.invalidArgument, "raking needs at least one margin") }
        let tolerance = epsilon < 1 ? epsilon * weights.reduce(0, +) : epsilon
        let keys = (0..<rowCount).map { i in margins.map { $0.labels[i] }.joined(separator: "\u{1F}") }
        func table(_ w: [Double]) -> [String: Double] {
            var t: [String: Double] = [:]
            for i in 0..<rowCount { t[keys[i], default: 0] += w[i] }
            return t
        }
        var current = self
        var old = table(weights)
        var iterations = 0
        while iterations < maxIterations {
            for margin in margins { current = try current.postStratified(by: margin.labels, populationCounts: margin.populationCounts) }
            let new = table(current.weights)
            let delta = new.keys.map { abs((old[$0] ?? 0) - (new[$0] ?? 0)) }.max() ?? 0
            if delta < tolerance { return (current, true, iterations) }
            old = new
            iterations += 1
        }
        return (current, false, iterations)
    }

    /// Calibrates the full-sample weights and, separately, every replicate's weights to the
    /// population totals (R `calibrate` of an `svrepdesign`); see
    /// ``SurveyDesign/calibrated(auxiliary:populationTotals:method:bounds:maxIterations:epsilon:)``.
    public func calibrated(auxiliary: [[Double]], populationTotals: [Double], method: CalibrationMethod = .linear,
                           bounds: ClosedRange<Double>? = nil, maxIterations: Int = 50,
                           epsilon: Double = 1e-7) throws -> ReplicateDesign {
        func adjust(_ w: [Double]) throws -> [Double] {
            let g = try calibrationFactors(auxiliary: auxiliary, weights: w, populationTotals: populationTotals,
                                           method: method, bounds: bounds, maxIterations: maxIterations, epsilon: epsilon).g
            return zip(w, g).map { $0 * $1 }
        }
        var copy = self
        copy.weights = try adjust(weights)
        copy.replicateWeights = try replicateWeights.map(adjust)
        copy.domainRanks = DomainRankCache()
        return copy
    }

    // MARK: - Replicate estimation

    /// Evaluates `estimator` with the full-sample weights and with every replicate's weights.
    ///
    /// - Parameter estimator: a statistic of a weight vector (one weight per row).
    /// - Returns: value and replicate values (n and domain cover every row).
    public func replicate(_ estimator: ([Double]) throws -> Double) rethrows -> ReplicateEstimate {
        let value = try estimator(weights)
        var reps: [Double] = []
        reps.reserveCapacity(replicateCount)
        for column in replicateWeights { reps.append(try estimator(column)) }
        return ReplicateEstimate(value: value, replicates: reps, n: weights.filter { $0 != 0 }.count,
                                 domain: [Bool](repeating: true, count: rowCount))
    }

    /// The replicate covariance matrix of several replicate estimates:
    /// `scale · Σ_r rscales[r] (θ_a,r − c_a)(θ_b,r − c_b)` (R `svrVar`). Replicates where any
    /// estimate is NaN are dropped.
    public func covariance(_ items: [ReplicateEstimate]) throws -> [[Double]] {
        let p = items.count
        for item in items where item.replicates.count != replicateCount {
            throw DesignError(.lengthMismatch, "a replicate estimate has \(item.replicates.count) replicates, the design \(replicateCount)")
        }
        let keep = (0..<replicateCount).filter { r in items.allSatisfy { !$0.replicates[r].isNaN } }
        guard !keep.isEmpty || p == 0 else {
            throw DesignError(.invalidArgument, "every replicate estimate is missing (NaN)")
        }
        var centre = [Double](repeating: 0, count: p)
        for a in 0..<p {
            if mse {
                centre[a] = items[a].value
            } else {
                var s = 0.0, m = 0
                for r in keep where rscales[r] > 0 { s += items[a].replicates[r]; m += 1 }
                centre[a] = m > 0 ? s / Double(m) : items[a].value
            }
        }
        var result = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        for a in 0..<p {
            for b in a..<p {
                var s = 0.0
                for r in keep {
                    s += rscales[r] * (items[a].replicates[r] - centre[a]) * (items[b].replicates[r] - centre[b])
                }
                result[a][b] = s * scale
                result[b][a] = s * scale
            }
        }
        return result
    }

    /// The ``Estimate`` of a replicate estimate; degrees of freedom = rank of the replicate
    /// weights over the domain rows − 1 (R `degf` of the subset design).
    public func estimate(_ item: ReplicateEstimate, designEffect: Double? = nil) throws -> Estimate {
        let v = try covariance([item])[0][0]
        let df = domainDegreesOfFreedom(item.domain)
        return Estimate(value: item.value, standardError: v.squareRoot(), degreesOfFreedom: Double(df),
                        designEffect: designEffect, sampleSize: item.n)
    }

    /// Degrees of freedom over the rows of `domain`: the design's when it is every row, else the
    /// replicate-weight rank over the domain − 1 (cached per domain).
    func domainDegreesOfFreedom(_ domain: [Bool]) -> Int {
        domain.allSatisfy { $0 } ? degreesOfFreedom
            : domainRanks.rank(of: domain) { Self.rank(replicateWeights, rows: $0) } - 1
    }

    private func withDomain(_ active: [Bool], _ estimator: ([Double]) throws -> Double) throws -> ReplicateEstimate {
        var e = try replicate(estimator)
        e.domain = active
        e.n = (0..<rowCount).filter { active[$0] && weights[$0] != 0 }.count
        return e
    }

    /// Replicate estimate of the weighted total over the domain.
    public func replicateTotal(_ y: [Double], domain: [Bool]? = nil) throws -> ReplicateEstimate {
        let active = try activeRows([y], domain: domain)
        return try withDomain(active) { w in
            var t = 0.0
            for i in 0..<rowCount where active[i] { t += w[i] * y[i] }
            return t
        }
    }

    /// Replicate estimate of the weighted mean over the domain.
    /// - Throws: `emptyDomain` when the full-sample domain weight is zero.
    public func replicateMean(_ y: [Double], domain: [Bool]? = nil) throws -> ReplicateEstimate {
        let active = try activeRows([y], domain: domain)
        guard (0..<rowCount).contains(where: { active[$0] && weights[$0] > 0 }) else {
            throw DesignError(.emptyDomain, "the domain has no rows with positive weight and a non-missing value")
        }
        return try withDomain(active) { w in
            var sw = 0.0, swy = 0.0
            for i in 0..<rowCount where active[i] { sw += w[i]; swy += w[i] * y[i] }
            return swy / sw
        }
    }

    /// Replicate estimate of the ratio of weighted totals over the domain.
    /// - Throws: `zeroDenominator` when the full-sample denominator total is zero.
    public func replicateRatio(numerator y: [Double], denominator x: [Double],
                               domain: [Bool]? = nil) throws -> ReplicateEstimate {
        let active = try activeRows([y, x], domain: domain)
        var tx = 0.0
        for i in 0..<rowCount where active[i] { tx += weights[i] * x[i] }
        guard tx != 0 else {
            throw DesignError(.zeroDenominator, "the denominator's weighted total is zero in the domain")
        }
        return try withDomain(active) { w in
            var ty = 0.0, tx = 0.0
            for i in 0..<rowCount where active[i] { ty += w[i] * y[i]; tx += w[i] * x[i] }
            return ty / tx
        }
    }

    /// The weighted mean over the domain with its replicate SE (R `svymean` on an `svrepdesign`);
    /// NaN = missing. Degrees of freedom: the replicate-weight rank over the domain − 1.
    public func mean(_ y: [Double], domain: [Bool]? = nil, deff: Bool = false,
                     baseline: DesignEffectBaseline = .withoutReplacement) throws -> Estimate {
        let e = try replicateMean(y, domain: domain)
        return withDesignEffect(try estimate(e), y, active: e.domain, total: false, deff: deff, baseline: baseline)
    }

    /// The weighted total over the domain with its replicate SE (R `svytotal`).
    public func total(_ y: [Double], domain: [Bool]? = nil, deff: Bool = false,
                      baseline: DesignEffectBaseline = .withoutReplacement) throws -> Estimate {
        let e = try replicateTotal(y, domain: domain)
        return withDesignEffect(try estimate(e), y, active: e.domain, total: true, deff: deff, baseline: baseline)
    }

    /// The ratio of weighted totals over the domain with its replicate SE (R `svyratio`).
    public func ratio(numerator: [Double], denominator: [Double], domain: [Bool]? = nil) throws -> Estimate {
        try estimate(replicateRatio(numerator: numerator, denominator: denominator, domain: domain))
    }
}

/// The variance under simple random sampling of the same n (R `svymean`/`svytotal` `deff`):
/// s²_w = n/(n−1)·Σw(y−ȳ)²/Σw over the contributing rows (R `svyvar`), then for a mean
/// s²_w(N̂−n)/(N̂n) without replacement or s²_w/n with replacement; for a total N̂² times that.
/// n counts the domain's rows with non-zero weight (linearisation designs) or all its rows
/// (`countZeroWeights`, replicate designs, as R's `svyvar.svyrep.design`).
/// NaN when n < 2 or, without replacement, N̂ < n (weights not scaled to the population).
func srsVariance(weights: [Double], _ y: [Double], active: [Bool], total: Bool,
                 baseline: DesignEffectBaseline, countZeroWeights: Bool = false) -> Double {
    var sumW = 0.0, sumWY = 0.0, n = 0
    for i in weights.indices where active[i] && (countZeroWeights || weights[i] != 0) {
        sumW += weights[i]; sumWY += weights[i] * y[i]; n += 1
    }
    guard n > 1, sumW > 0 else { return .nan }
    let mean = sumWY / sumW
    var ss = 0.0
    for i in weights.indices where active[i] && weights[i] != 0 {
        let d = y[i] - mean
        ss += weights[i] * d * d
    }
    return srsVariance(sumW: sumW, n: n, sumOfSquares: ss, total: total, baseline: baseline,
                       countZeroWeights: countZeroWeights)
}

/// The end of ``srsVariance(weights:_:active:total:baseline:countZeroWeights:)`` from its sums:
/// Σw and n over the rows counted, Σw(y − ȳ)² over those with non-zero weight (n > 1, Σw > 0).
func srsVariance(sumW: Double, n: Int, sumOfSquares ss: Double, total: Bool, baseline: DesignEffectBaseline,
                 countZeroWeights: Bool) -> Double {
    let nn = Double(n)
    let s2 = nn / (nn - 1) * ss / sumW
    var v: Double
    switch baseline {
    case .withReplacement: v = s2 / nn
    case .withoutReplacement:
        guard sumW >= nn || countZeroWeights else { return .nan }
        v = s2 * (sumW - nn) / (sumW * nn)
    }
    if total { v *= sumW * sumW }
    return v
}

/// A small thread-safe memo of replicate-weight ranks: the rank over all rows, and ranks keyed
/// by a domain's rows (packed to bits, so a million-row domain costs 125 KB). Holds at most 64
/// domains; it is emptied when full. Shared by copies of a design, which is sound because a
/// design's replicate weights are only replaced together with a new cache.
final class DomainRankCache: @unchecked Sendable {
    /// Domains the memo holds at most.
    static let capacity = 64
    private let lock = NSLock()
    private var ranks: [[UInt64]: Int] = [:]
    private var full: Int?

    private static func key(_ mask: [Bool]) -> [UInt64] {
        var key = [UInt64](repeating: 0, count: (mask.count + 63) / 64 + 1)
        key[key.count - 1] = UInt64(mask.count)
        for (i, m) in mask.enumerated() where m { key[i >> 6] |= 1 << UInt64(i & 63) }
        return key
    }

    /// The cached rank for the rows where `mask` is true, computed with `compute` on a miss.
    func rank(of mask: [Bool], compute: ([Bool]) -> Int) -> Int {
        let key = Self.key(mask)
        if let r = lock.withLock({ ranks[key] }) { return r }
        let r = compute(mask)
        store(r, key: key)
        return r
    }

    /// Whether the rank over all rows is known.
    var hasFullRank: Bool { lock.withLock { full != nil } }

    /// The cached rank over all rows, computed with `compute` on a miss.
    func fullRank(compute: () -> Int) -> Int {
        if let r = lock.withLock({ full }) { return r }
        let r = compute()
        lock.withLock { full = r }
        return r
    }

    /// Records the rank over all rows and the ranks of domains (`domains.count` ≤ ``capacity``).
    func store(fullRank: Int, domains: [(mask: [Bool], rank: Int)]) {
        let keys = domains.map { (Self.key($0.mask), $0.rank) }
        lock.withLock {
            full = fullRank
            if ranks.count + keys.count > Self.capacity { ranks.removeAll() }
            for (key, rank) in keys { ranks[key] = rank }
        }
    }

    private func store(_ rank: Int, key: [UInt64]) {
        lock.withLock {
            if ranks.count >= Self.capacity { ranks.removeAll() }
            ranks[key] = rank
        }
    }
}
