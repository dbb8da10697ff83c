/// The statistics ``DesignBasedVariance/domainEstimates(_:statistic:domains:deff:baseline:)``
/// computes for many variables at once.
public enum BatchStatistic: String, Sendable, CaseIterable {
    /// The weighted mean (R `svymean`).
    case mean
    /// The weighted total (R `svytotal`).
    case total
}

extension DesignBasedVariance {
    /// Means or totals of every variable in every domain (R `svyby(~v1 + … + vp, ~by, design,
    /// svymean)` without the covariance between them).
    ///
    /// `result[d][k]` is exactly the ``Estimate`` that `mean(ys[k], domain: domains[d], deff:
    /// deff, baseline: baseline)` (or `total`) returns, and errors are those of the first of these
    /// calls that fails, in domain-major order.
    ///
    /// - Parameters:
    ///   - ys: the variables, one value per row each (NaN = missing).
    ///   - domains: the domains (nil = every row).
    /// - Throws: as ``mean(_:domain:deff:baseline:)``.
    /// - Complexity: this generic form makes p·D estimates of O(rows) each; ``SurveyDesign`` and
    ///   ``ReplicateDesign`` batch the variables of a domain (same results, bit for bit).
    public func domainEstimates(_ ys: [[Double]], statistic: BatchStatistic, domains: [[Bool]?], deff: Bool,
                                baseline: DesignEffectBaseline) throws -> [[Estimate]] {
        try genericDomainEstimates(ys, statistic: statistic, domains: domains, deff: deff, baseline: baseline)
    }

    /// The reference loop behind ``domainEstimates(_:statistic:domains:deff:baseline:)``: one
    /// `mean`/`total` call per (domain, variable), domain-major. The batched implementations
    /// fall back to it for what they do not special-case and whenever they would throw.
    func genericDomainEstimates(_ ys: [[Double]], statistic: BatchStatistic, domains: [[Bool]?], deff: Bool,
                                baseline: DesignEffectBaseline) throws -> [[Estimate]] {
        try domains.map { domain in
            try ys.map { y in
                switch statistic {
                case .mean: return try mean(y, domain: domain, deff: deff, baseline: baseline)
                case .total: return try total(y, domain: domain, deff: deff, baseline: baseline)
                }
            }
        }
    }
}

extension DesignBasedVariance {
    /// The driver of the batched implementations: per domain, the variables with a NaN in the
    /// domain go through the single-estimate route and the others through `batch`, which fills
    /// `out[k]` for every k in `prepared.batched`. Falls back to the generic loop on a length
    /// mismatch and whenever a domain throws, so the error thrown is exactly the loop's first.
    func batchedDomainEstimates(_ ys: [[Double]], statistic: BatchStatistic, domains: [[Bool]?], deff: Bool,
                                baseline: DesignEffectBaseline,
                                batch: (_ prepared: BatchDomain, _ out: inout [Estimate?]) throws -> Void) throws -> [[Estimate]] {
        let generic = {
            try self.genericDomainEstimates(ys, statistic: statistic, domains: domains, deff: deff, baseline: baseline)
        }
        guard ys.allSatisfy({ $0.count == rowCount }) else { return try generic() }
        let anyNaN = BatchDomain.anyNaN(ys)
        var result: [[Estimate]] = []
        result.reserveCapacity(domains.count)
        for domain in domains {
            guard let prepared = BatchDomain(ys, domain: domain, rowCount: rowCount, anyNaN: anyNaN) else {
                return try generic()
            }
            do {
                var out = [Estimate?](repeating: nil, count: ys.count)
                for k in prepared.single {
                    switch statistic {
                    case .mean: out[k] = try mean(ys[k], domain: domain, deff: deff, baseline: baseline)
                    case .total: out[k] = try total(ys[k], domain: domain, deff: deff, baseline: baseline)
                    }
                }
                if !prepared.batched.isEmpty { try batch(prepared, &out) }
                let row = out.compactMap { $0 }
                guard row.count == ys.count else { return try generic() }  // a variable left out: not expected
                result.append(row)
            } catch {
                return try generic()
            }
        }
        return result
    }
}

/// A domain prepared once for all variables: its rows in ascending order, its mask, and which
/// variables are missing (NaN) somewhere in it.
struct BatchDomain {
    /// Rows of the domain, ascending.
    var rows: [Int32]
    /// The domain as a mask (every row when the domain is nil), as the single-estimate routes
    /// pass it on (their `active` rows when the variable has no NaN in the domain).
    var mask: [Bool]
    /// Variables with no NaN in the domain's rows: these are batched.
    var batched: [Int]
    /// Variables with a NaN in the domain: these go through the single-estimate route.
    var single: [Int]

    /// Returns nil when a length does not match `rowCount` (the generic loop then throws
    /// `lengthMismatch` in the right place) or the rows do not fit `Int32`. `anyNaN[k]` tells
    /// whether variable k has a NaN anywhere (only those are checked over the domain's rows).
    init?(_ ys: [[Double]], domain: [Bool]?, rowCount n: Int, anyNaN: [Bool]) {
        guard n <= Int(Int32.max), ys.allSatisfy({ $0.count == n }), (domain?.count ?? n) == n,
              anyNaN.count == ys.count else { return nil }
        var rows: [Int32] = []
        if let domain {
            rows.reserveCapacity(n)
            for i in 0..<n where domain[i] { rows.append(Int32(truncatingIfNeeded: i)) }
        } else {
            rows = Array(0..<Int32(truncatingIfNeeded: n))
        }
        self.rows = rows
        self.mask = domain ?? [Bool](repeating: true, count: n)
        var batched: [Int] = [], single: [Int] = []
        for k in ys.indices {
            var hasNaN = false
            if anyNaN[k] {
                ys[k].withUnsafeBufferPointer { y in
                    for r in rows where y[Int(r)].isNaN { hasNaN = true; break }
                }
            }
            if hasNaN { single.append(k) } else { batched.append(k) }
        }
        self.batched = batched
        self.single = single
    }

    /// Whether each variable has a NaN anywhere.
    static func anyNaN(_ ys: [[Double]]) -> [Bool] {
        ys.map { y in y.withUnsafeBufferPointer { b in b.contains { $0.isNaN } } }
    }
}

// MARK: - Linearisation designs

extension SurveyDesign {
    /// Means or totals of every variable in every domain, batched (see the protocol's
    /// ``DesignBasedVariance/domainEstimates(_:statistic:domains:deff:baseline:)``).
    ///
    /// Per domain: its rows, degrees of freedom, contributing n and present strata are found once;
    /// the variables without NaN in the domain are then processed four at a time (SIMD lanes),
    /// accumulating the same sums as ``linearizedMean(_:domain:)`` / ``linearizedTotal(_:domain:)``
    /// (in row order, the same floating-point operations) and the stage-1 PSU totals of the
    /// influence values directly, which go through the same stratum formula as
    /// ``designCovariance(_:active:)`` (its diagonal for a batch equals the single-variable
    /// value bit for bit). Results are identical to the generic loop.
    ///
    /// Falls back to the generic loop for calibrated designs and designs whose variance uses
    /// more than one stage, on a length mismatch, and whenever a domain would throw (so the
    /// error is exactly the loop's first). Variables with a NaN inside a domain (their active
    /// rows, degrees of freedom and present strata differ) take the single-estimate route there.
    ///
    /// - Complexity: per domain O(rows of the domain · p) (three passes for a mean, one for a
    ///   total, each over four variables at a time) plus O(PSUs · p²) for the stratum sums, and O(rows) once for the domain's
    ///   structure, instead of about ten O(rows) passes per estimate.
    public func domainEstimates(_ ys: [[Double]], statistic: BatchStatistic, domains: [[Bool]?], deff: Bool,
                                baseline: DesignEffectBaseline) throws -> [[Estimate]] {
        guard calibrations.isEmpty, varianceStages == 1 else {
            return try genericDomainEstimates(ys, statistic: statistic, domains: domains, deff: deff, baseline: baseline)
        }
        return try batchedDomainEstimates(ys, statistic: statistic, domains: domains, deff: deff,
                                          baseline: baseline) { prepared, out in
            try batchedEstimates(ys, statistic: statistic, prepared: prepared, deff: deff, baseline: baseline, into: &out)
        }
    }

    /// The estimates of the domain's variables without NaN (`out[k]` for k in `dom.batched`);
    /// throws whenever one of the single calls would (the caller then reruns the generic loop
    /// for the exact error).
    func batchedEstimates(_ ys: [[Double]], statistic: BatchStatistic, prepared dom: BatchDomain, deff: Bool,
                          baseline: DesignEffectBaseline, into out: inout [Estimate?]) throws {
        let stage = stages[0]
        let df = Double(degreesOfFreedom(active: dom.mask))
        var n = 0
        var present = [Bool](repeating: false, count: stage.stratumCount)
        var sumW = 0.0
        for r in dom.rows {
            let i = Int(r)
            if weights[i] != 0 { n += 1 }
            present[stage.stratumOfCluster[stage.clusterOfRow[i]]] = true
            sumW += weights[i]
        }
        if statistic == .mean, !(sumW > 0) {
            throw DesignError(.emptyDomain, "the domain has no rows with positive weight and a non-missing value")
        }
        // Variables in chunks so that the PSU totals stay within 32 MB (unclustered designs
        // have one PSU per row).
        let fit = (1 << 22) / max(stage.clusterCount, 1)
        let chunk = fit >= dom.batched.count ? dom.batched.count : max(4, fit / 4 * 4)
        var from = 0
        while from < dom.batched.count {
            let vars = Array(dom.batched[from..<min(from + chunk, dom.batched.count)])
            let (values, totals, p) = linearizedBatch(ys, vars: vars, domain: dom, statistic: statistic, sumW: sumW)
            var cov = [Double](repeating: 0, count: p * p)
            try addStageCovariance(stage: 0, totals: totals, present: present, p: p, into: &cov)
            let srs = deff ? srsVariances(weights: weights, ys, vars: vars, rows: dom.rows, total: statistic == .total,
                                          baseline: baseline, countZeroWeights: false) : []
            for (k, v) in vars.enumerated() {
                var e = Estimate(value: values[k], standardError: cov[k * p + k].squareRoot(),
                                 degreesOfFreedom: df, designEffect: nil, sampleSize: n)
                if deff { e.designEffect = e.variance / srs[k] }  // as withDesignEffect
                out[v] = e
            }
            from += chunk
        }
    }

    /// Values and stage-1 PSU totals of the influence values (`totals[c·P + k]`, P = `vars.count`
    /// rounded up to a multiple of 4; columns beyond `vars.count` are scratch) of the variables
    /// `vars`, none of which is NaN in the domain: the sums of ``linearizedMean(_:domain:)``
    /// (Σw·y, the mean, the correction pass Σw(y − ȳ), the influence w(y − ȳ)/Σw) or
    /// ``linearizedTotal(_:domain:)`` (w·y), each in row order over the domain's rows.
    ///
    /// Four variables are read at a time straight from their arrays into the lanes of a
    /// `SIMD4<Double>`: lane arithmetic is elementwise IEEE arithmetic, so every lane repeats the
    /// single-variable sum exactly, while the four independent chains and long sequential reads
    /// keep the loop fast.
    private func linearizedBatch(_ ys: [[Double]], vars: [Int], domain dom: BatchDomain, statistic: BatchStatistic,
                                 sumW: Double) -> (values: [Double], totals: [Double], padded: Int) {
        let P = (vars.count + 3) / 4 * 4
        let stage = stages[0]
        var values = [Double](repeating: 0, count: P)
        var totals = [Double](repeating: 0, count: stage.clusterCount * P)
        for g in stride(from: 0, to: vars.count, by: 4) {
            // Lanes past the last variable repeat it; their results land in scratch columns.
            let v = (0..<4).map { vars[min(g + $0, vars.count - 1)] }
            let result: SIMD4<Double> = withFour(ys, v) { y0, y1, y2, y3 in
                weights.withUnsafeBufferPointer { w in
                    stage.clusterOfRow.withUnsafeBufferPointer { cluster in
                        dom.rows.withUnsafeBufferPointer { rows in
                            totals.withUnsafeMutableBufferPointer { tot in
                                func y(_ i: Int) -> SIMD4<Double> { SIMD4(y0[i], y1[i], y2[i], y3[i]) }
                                func add(_ v: SIMD4<Double>, cluster c: Int) {
                                    let o = c * P + g
                                    tot[o] += v[0]; tot[o + 1] += v[1]; tot[o + 2] += v[2]; tot[o + 3] += v[3]
                                }
                                switch statistic {
                                case .total:
                                    var total = SIMD4<Double>()
                                    for r in rows {
                                        let i = Int(r)
                                        let v = w[i] * y(i)
                                        total += v
                                        add(v, cluster: cluster[i])
                                    }
                                    return total
                                case .mean:
                                    var sumWY = SIMD4<Double>()
                                    for r in rows {
                                        let i = Int(r)
                                        sumWY += w[i] * y(i)
                                    }
                                    var mean = sumWY / sumW
                                    // Second pass: correct by the weighted mean residual (finite means only).
                                    if (0..<4).contains(where: { mean[$0].isFinite }) {
                                        var correction = SIMD4<Double>()
                                        for r in rows {
                                            let i = Int(r)
                                            correction += w[i] * (y(i) - mean)
                                        }
                                        for k in 0..<4 where mean[k].isFinite { mean[k] += correction[k] / sumW }
                                    }
                                    for r in rows {
                                        let i = Int(r)
                                        add(w[i] * (y(i) - mean) / sumW, cluster: cluster[i])
                                    }
                                    return mean
                                }
                            }
                        }
                    }
                }
            }
            for k in 0..<4 { values[g + k] = result[k] }
        }
        return (values, totals, P)
    }
}

/// ``srsVariance(weights:_:active:total:baseline:countZeroWeights:)`` of the variables `vars`
/// (none NaN in the domain) over the domain's `rows`, four variables at a time in SIMD lanes:
/// the same sums in the same row order, so each value is bitwise the single-variable one.
func srsVariances(weights: [Double], _ ys: [[Double]], vars: [Int], rows: [Int32], total: Bool,
                  baseline: DesignEffectBaseline, countZeroWeights: Bool) -> [Double] {
    let nonzero = rows.filter { weights[Int($0)] != 0 }
    let counted = countZeroWeights ? rows : nonzero
    var sumW = 0.0
    for r in counted { sumW += weights[Int(r)] }
    let n = counted.count
    var out = [Double](repeating: .nan, count: vars.count)
    guard n > 1, sumW > 0 else { return out }
    for g in stride(from: 0, to: vars.count, by: 4) {
        let v = (0..<4).map { vars[min(g + $0, vars.count - 1)] }
        let ss: SIMD4<Double> = withFour(ys, v) { y0, y1, y2, y3 in
            weights.withUnsafeBufferPointer { w in
                func y(_ i: Int) -> SIMD4<Double> { SIMD4(y0[i], y1[i], y2[i], y3[i]) }
                var sumWY = SIMD4<Double>()
                for r in counted {
                    let i = Int(r)
                    sumWY += w[i] * y(i)
                }
                let mean = sumWY / sumW
                var ss = SIMD4<Double>()
                for r in nonzero {
                    let i = Int(r)
                    let d = y(i) - mean
                    ss += w[i] * d * d
                }
                return ss
            }
        }
        for k in 0..<min(4, vars.count - g) {
            out[g + k] = srsVariance(sumW: sumW, n: n, sumOfSquares: ss[k], total: total, baseline: baseline,
                                     countZeroWeights: countZeroWeights)
        }
    }
    return out
}

/// Calls `body` with base pointers of the four variables `v` (which may repeat).
private func withFour<T>(_ ys: [[Double]], _ v: [Int],
                         _ body: (UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>,
                                  UnsafePointer<Double>) -> T) -> T {
    ys[v[0]].withUnsafeBufferPointer { a in
        ys[v[1]].withUnsafeBufferPointer { b in
            ys[v[2]].withUnsafeBufferPointer { c in
                ys[v[3]].withUnsafeBufferPointer { d in
                    // Design rows ≥ 1, so no variable is empty.
                    body(a.baseAddress!, b.baseAddress!, c.baseAddress!, d.baseAddress!)
                }
            }
        }
    }
}

// MARK: - Replicate designs

extension ReplicateDesign {
    /// Means or totals of every variable in every domain, batched (see the protocol's
    /// ``DesignBasedVariance/domainEstimates(_:statistic:domains:deff:baseline:)``).
    ///
    /// Per domain: its rows, contributing n and degrees of freedom (the replicate-weight rank
    /// over the domain, through the same cache as ``estimate(_:designEffect:)``) are found once;
    /// then for the full-sample weights and each replicate r the sums Σ w_ri·y_ik and Σ w_ri are
    /// accumulated over the domain's rows in row order for all variables without NaN at once,
    /// exactly as ``replicateMean(_:domain:)`` / ``replicateTotal(_:domain:)`` sum them, and the
    /// SE comes from ``covariance(_:)``. Results are identical to the generic loop.
    ///
    /// Falls back to the generic loop on a length mismatch and whenever a domain would throw;
    /// variables with a NaN inside a domain take the single-estimate route there.
    ///
    /// - Complexity: per domain O(rows of the domain · (R + 1) · p) in one blocked pass, plus
    ///   the domain's rank once (O(rows · R²/2), cached).
    public func domainEstimates(_ ys: [[Double]], statistic: BatchStatistic, domains: [[Bool]?], deff: Bool,
                                baseline: DesignEffectBaseline) throws -> [[Estimate]] {
        try batchedDomainEstimates(ys, statistic: statistic, domains: domains, deff: deff,
                                   baseline: baseline) { prepared, out in
            try batchedEstimates(ys, statistic: statistic, prepared: prepared, deff: deff, baseline: baseline, into: &out)
        }
    }

    /// The estimates of the domain's variables without NaN (`out[k]` for k in `dom.batched`);
    /// throws whenever one of the single calls would.
    func batchedEstimates(_ ys: [[Double]], statistic: BatchStatistic, prepared dom: BatchDomain, deff: Bool,
                          baseline: DesignEffectBaseline, into out: inout [Estimate?]) throws {
        var n = 0, positive = false
        for r in dom.rows {
            let w = weights[Int(r)]
            if w != 0 { n += 1 }
            if w > 0 { positive = true }
        }
        if statistic == .mean, !positive {
            throw DesignError(.emptyDomain, "the domain has no rows with positive weight and a non-missing value")
        }
        let df = Double(domainDegreesOfFreedom(dom.mask))
        let vars = dom.batched
        let R = replicateCount
        let (sums, sumW, p) = replicateSums(ys, vars: vars, domain: dom)
        let srs = deff ? srsVariances(weights: weights, ys, vars: vars, rows: dom.rows, total: statistic == .total,
                                      baseline: baseline, countZeroWeights: true) : []
        for (k, v) in vars.enumerated() {
            func theta(_ r: Int) -> Double {
                statistic == .mean ? sums[r * p + k] / sumW[r] : sums[r * p + k]
            }
            let item = ReplicateEstimate(value: theta(0), replicates: (1...R).map(theta), n: n, domain: dom.mask)
            let variance = try covariance([item])[0][0]
            var e = Estimate(value: item.value, standardError: variance.squareRoot(), degreesOfFreedom: df,
                             designEffect: nil, sampleSize: n)
            if deff { e.designEffect = e.variance / srs[k] }  // as withDesignEffect
            out[v] = e
        }
    }

    /// `sums[r·P + k]` = Σ w_ri·y_ik (P = `vars.count` rounded up to a multiple of 4) and
    /// `sumW[r]` = Σ w_ri over the domain's rows in row order, r = 0 for the full-sample weights
    /// and r = 1…R for the replicates.
    ///
    /// Blocks of 256 domain rows are gathered row-major (variables, and the R + 1 weight
    /// columns, zero-padded to multiples of 4); each 4 × 4 tile of `sums` is loaded into SIMD
    /// registers, the block's rows are added one after another, and the tile is stored back, so
    /// every entry is still the row-order sum of w·y that ``replicateMean(_:domain:)`` computes.
    private func replicateSums(_ ys: [[Double]], vars: [Int], domain dom: BatchDomain)
        -> (sums: [Double], sumW: [Double], padded: Int) {
        let P = (vars.count + 3) / 4 * 4
        let columns = replicateCount + 1, C = (columns + 3) / 4 * 4
        let blockRows = 256
        var sums = [Double](repeating: 0, count: C * P)
        var sumW = [Double](repeating: 0, count: C)
        let Y = UnsafeMutablePointer<Double>.allocate(capacity: blockRows * P)
        let W = UnsafeMutablePointer<Double>.allocate(capacity: blockRows * C)
        Y.initialize(repeating: 0, count: blockRows * P)  // padding columns stay 0
        W.initialize(repeating: 0, count: blockRows * C)
        defer { Y.deallocate(); W.deallocate() }
        func gather(_ column: [Double], into buffer: UnsafeMutablePointer<Double>, stride: Int, offset: Int,
                    rows: UnsafeBufferPointer<Int32>, start: Int, count: Int) {
            column.withUnsafeBufferPointer { x in
                var o = offset
                for j in start..<(start + count) {
                    buffer[o] = x[Int(rows[j])]
                    o += stride
                }
            }
        }
        dom.rows.withUnsafeBufferPointer { rows in
            sums.withUnsafeMutableBufferPointer { s in
                sumW.withUnsafeMutableBufferPointer { sw in
                    var start = 0
                    while start < rows.count {
                        let count = min(blockRows, rows.count - start)
                        for (k, v) in vars.enumerated() {
                            gather(ys[v], into: Y, stride: P, offset: k, rows: rows, start: start, count: count)
                        }
                        gather(weights, into: W, stride: C, offset: 0, rows: rows, start: start, count: count)
                        for r in 0..<replicateCount {
                            gather(replicateWeights[r], into: W, stride: C, offset: r + 1, rows: rows, start: start,
                                   count: count)
                        }
                        for j in 0..<count {
                            let w = W + j * C
                            for r in 0..<columns { sw[r] += w[r] }
                        }
                        for r0 in stride(from: 0, to: C, by: 4) {
                            for k0 in stride(from: 0, to: P, by: 4) {
                                func load(_ r: Int) -> SIMD4<Double> {
                                    let o = r * P + k0
                                    return SIMD4(s[o], s[o + 1], s[o + 2], s[o + 3])
                                }
                                var a0 = load(r0), a1 = load(r0 + 1), a2 = load(r0 + 2), a3 = load(r0 + 3)
                                var y = UnsafePointer(Y + k0), w = UnsafePointer(W + r0)
                                for _ in 0..<count {
                                    let yk = SIMD4(y[0], y[1], y[2], y[3])
                                    a0 += w[0] * yk
                                    a1 += w[1] * yk
                                    a2 += w[2] * yk
                                    a3 += w[3] * yk
                                    y += P
                                    w += C
                                }
                                for (t, a) in [a0, a1, a2, a3].enumerated() {
                                    let o = (r0 + t) * P + k0
                                    s[o] = a[0]; s[o + 1] = a[1]; s[o + 2] = a[2]; s[o + 3] = a[3]
                                }
                            }
                        }
                        start += count
                    }
                }
            }
        }
        return (sums, sumW, P)
    }
}
