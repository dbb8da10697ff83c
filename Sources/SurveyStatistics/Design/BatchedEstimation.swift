import Dispatch
import Foundation

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
    /// The driver of the batched implementations. Variables with a NaN in some domain go
    /// through the single-estimate route; the others through `batch`, which fills `out[d][k]`
    /// for every domain d and every k in `plan.batched`. Falls back to the generic loop on a
    /// length mismatch and whenever anything throws, so the error thrown is exactly the loop's
    /// first.
    func batchedDomainEstimates(_ ys: [[Double]], statistic: BatchStatistic, domains: [[Bool]?], deff: Bool,
                                baseline: DesignEffectBaseline, batchMissing: Bool = false, lean: Bool = false,
                                batch: (_ plan: BatchPlan, _ out: inout [[Estimate?]]) throws -> Void) throws -> [[Estimate]] {
        // No variables: the loop makes no call, so there is nothing to prepare (or throw).
        if ys.isEmpty { return domains.map { _ in [] } }
        let generic = {
            try self.genericDomainEstimates(ys, statistic: statistic, domains: domains, deff: deff, baseline: baseline)
        }
        guard let plan = BatchPlan(ys, domains: domains, rowCount: rowCount, batchMissing: batchMissing, lean: lean) else {
            return try generic()
        }
        do {
            var out = [[Estimate?]](repeating: [Estimate?](repeating: nil, count: ys.count), count: domains.count)
            for (d, domain) in domains.enumerated() {
                for k in plan.single {
                    switch statistic {
                    case .mean: out[d][k] = try mean(ys[k], domain: domain, deff: deff, baseline: baseline)
                    case .total: out[d][k] = try total(ys[k], domain: domain, deff: deff, baseline: baseline)
                    }
                }
            }
            if !plan.batched.isEmpty, !domains.isEmpty { try batch(plan, &out) }
            let result = out.map { $0.compactMap { $0 } }
            guard result.allSatisfy({ $0.count == ys.count }) else { return try generic() }  // not expected
            return result
        } catch {
            return try generic()
        }
    }
}

/// The domains prepared once for all variables: each domain's rows in ascending order and its
/// mask; the union of the domains' rows with, for each, the domains that hold it (so one pass
/// over the rows serves every domain, each still summing in row order); and which variables
/// are batched (no NaN in any domain row) or go through the single-estimate route.
///
/// A *lean* plan of disjoint domains (each row in at most one, as svyby's cross-classified
/// domains are) keeps only the domain of each row (``domainOfRow``): the row lists and
/// memberships are then not built, and a pass over the rows serves every domain the same way.
struct BatchPlan {
    /// Rows of each domain, ascending; empty for a lean plan (see ``domainRows(_:)``).
    var rows: [[Int32]]
    /// Each domain as a mask (every row when the domain is nil), as the single-estimate routes
    /// pass it on (their `active` rows when the variable has no NaN in the domain).
    var masks: [[Bool]]
    /// A lean plan's domain of each row (−1: in none); nil otherwise.
    var domainOfRow: [Int32]?
    /// Rows in at least one domain, ascending; empty for a lean plan.
    var unionRows: [Int32]
    /// The domains of `unionRows[u]` are `members[memberStart[u] ..< memberStart[u + 1]]`.
    var memberStart: [Int]
    var members: [Int32]
    /// Number of rows in at least one domain.
    var coveredRows: Int
    /// Variables batched: those without NaN in any domain row, or every variable when the
    /// plan was made with `batchMissing`.
    var batched: [Int]
    /// The others: these go through the single-estimate route.
    var single: [Int]
    /// `missing[d][k]`: variable k has a NaN in a row of domain d (its active rows there are
    /// fewer than the domain's). Not computed (empty) for a plan made with `batchMissing`: the
    /// batch finds these itself.
    var missing: [[Bool]]

    var domainCount: Int { masks.count }

    /// Returns nil when a length does not match `rowCount` (the generic loop then throws
    /// `lengthMismatch` in the right place) or the rows do not fit `Int32`. With `lean`, disjoint
    /// domains give a lean plan (overlapping ones the full one).
    init?(_ ys: [[Double]], domains: [[Bool]?], rowCount n: Int, batchMissing: Bool = false, lean: Bool = false) {
        guard n <= Int(Int32.max), domains.count <= Int(Int32.max), ys.allSatisfy({ $0.count == n }),
              domains.allSatisfy({ ($0?.count ?? n) == n }) else { return nil }
        let masks = domains.map { $0 ?? [Bool](repeating: true, count: n) }
        self.masks = masks
        self.missing = []
        if lean, let partition = Self.partition(masks, rowCount: n) {
            domainOfRow = partition.domainOfRow
            coveredRows = partition.covered
            rows = []; unionRows = []; memberStart = []; members = []
        } else {
            domainOfRow = nil
            (rows, unionRows, memberStart, members) = Self.memberships(masks, rowCount: n)
            coveredRows = unionRows.count
        }
        var batched: [Int] = [], single: [Int] = []
        self.batched = []
        self.single = []
        if batchMissing {
            batched = Array(ys.indices)
        } else {
            var missing = [[Bool]](repeating: [Bool](repeating: false, count: ys.count), count: domains.count)
            for k in ys.indices {
                // Whole column first (fast, sequential); the domains' rows only if needed.
                if firstIndex(in: ys[k], failing: { $0 .== $0 }, { !$0.isNaN }) != nil {
                    let present = Self.domainsWithNaN(ys[k], self)
                    for d in present.indices { missing[d][k] = present[d] }
                }
                if !missing.contains(where: { $0[k] }) { batched.append(k) } else { single.append(k) }
            }
            self.missing = missing
        }
        self.batched = batched
        self.single = single
    }

    /// The domain of each row and the number of rows in one, when no row is in two domains.
    private static func partition(_ masks: [[Bool]], rowCount n: Int) -> (domainOfRow: [Int32], covered: Int)? {
        var domainOfRow = [Int32](repeating: -1, count: n)
        var clash = false
        domainOfRow.withUnsafeMutableBufferPointer { of in
            for (d, mask) in masks.enumerated() {
                let code = Int32(truncatingIfNeeded: d)
                mask.withUnsafeBufferPointer { m in
                    // Branch-free: rows are in domains at random.
                    var seen: Int32 = 0
                    for i in 0..<n {
                        let inside = m[i]
                        seen |= inside ? of[i] &+ 1 : 0  // non-zero: already in a domain
                        of[i] = inside ? code : of[i]
                    }
                    clash = clash || seen != 0
                }
                if clash { return }
            }
        }
        guard !clash else { return nil }
        let covered = domainOfRow.withUnsafeBufferPointer { of in
            var count = 0
            for d in of { count &+= d >= 0 ? 1 : 0 }
            return count
        }
        return (domainOfRow, covered)
    }

    /// Each domain's rows; then how many domains hold each row, which places the union rows and
    /// their (domain-ordered) memberships. Tight loops over flat buffers.
    private static func memberships(_ masks: [[Bool]], rowCount n: Int)
        -> (rows: [[Int32]], unionRows: [Int32], memberStart: [Int], members: [Int32]) {
        let rows = masks.map { rowsOf($0) }
        var position = [Int](repeating: 0, count: n)  // first, memberships of row i; then where the next goes
        for r in rows { position.withUnsafeMutableBufferPointer { c in for i in r { c[Int(i)] += 1 } } }
        var unionRows: [Int32] = [], memberStart = [0]
        unionRows.reserveCapacity(n)
        memberStart.reserveCapacity(n + 1)
        position.withUnsafeMutableBufferPointer { c in
            var total = 0
            for i in 0..<n where c[i] > 0 {
                unionRows.append(Int32(truncatingIfNeeded: i))
                let count = c[i]
                c[i] = total
                total += count
                memberStart.append(total)
            }
        }
        var members = [Int32](repeating: 0, count: memberStart[memberStart.count - 1])
        members.withUnsafeMutableBufferPointer { m in
            position.withUnsafeMutableBufferPointer { c in
                for (d, r) in rows.enumerated() {
                    for i in r {
                        m[c[Int(i)]] = Int32(truncatingIfNeeded: d)
                        c[Int(i)] += 1
                    }
                }
            }
        }
        return (rows, unionRows, memberStart, members)
    }

    /// The rows of a mask, ascending.
    private static func rowsOf(_ mask: [Bool]) -> [Int32] {
        mask.withUnsafeBufferPointer { m in
            var r: [Int32] = []
            r.reserveCapacity(m.reduce(0) { $0 + ($1 ? 1 : 0) })
            for i in 0..<m.count where m[i] { r.append(Int32(truncatingIfNeeded: i)) }
            return r
        }
    }

    /// Whether `y` has a NaN in a row of each domain of `plan` (one pass over its memberships).
    static func domainsWithNaN(_ y: [Double], _ plan: BatchPlan) -> [Bool] {
        var found = [Bool](repeating: false, count: plan.domainCount)
        y.withUnsafeBufferPointer { y in
            plan.forEachMembership { d, i in if y[i].isNaN { found[d] = true } }
        }
        return found
    }

    /// Domain d's rows, ascending (built from its mask for a lean plan).
    func domainRows(_ d: Int) -> [Int32] {
        domainOfRow == nil ? rows[d] : Self.rowsOf(masks[d])
    }

    /// Calls `body(d, i)` for every (domain, row) pair, rows ascending (so every domain sees its
    /// rows in order): one pass over the rows (lean plan) or over the union of the domains' rows.
    @inline(__always)
    func forEachMembership(_ body: (Int, Int) -> Void) {
        if let domainOfRow {
            domainOfRow.withUnsafeBufferPointer { of in
                for i in 0..<of.count where of[i] >= 0 { body(Int(of[i]), i) }
            }
            return
        }
        unionRows.withUnsafeBufferPointer { u in
            memberStart.withUnsafeBufferPointer { start in
                members.withUnsafeBufferPointer { m in
                    for r in 0..<u.count {
                        let i = Int(u[r])
                        for e in start[r]..<start[r + 1] { body(Int(m[e]), i) }
                    }
                }
            }
        }
    }
}

// MARK: - Linearisation designs

extension SurveyDesign {
    /// Means or totals of every variable in every domain, batched (see the protocol's
    /// ``DesignBasedVariance/domainEstimates(_:statistic:domains:deff:baseline:)``).
    ///
    /// Per domain: its rows, degrees of freedom, contributing n, Σw and present strata are found
    /// once. The variables are then processed four at a time (SIMD lanes) in passes over the
    /// union of the domains' rows that feed every domain's accumulators (each domain still sees
    /// its rows in order): the same sums as
    /// ``linearizedMean(_:domain:)`` / ``linearizedTotal(_:domain:)`` with the same
    /// floating-point operations, and the stage-1 PSU totals of the influence values directly,
    /// which go through the same stratum formula as ``designCovariance(_:active:)`` (its diagonal
    /// for a batch equals the single-variable value bit for bit). Design effects use the sums of
    /// ``srsVariance(weights:_:active:total:baseline:countZeroWeights:)`` in the same way.
    /// Results are identical to the generic loop.
    ///
    /// Missing values (NaN) are batched too: a missing row contributes exactly +0 to every sum
    /// (these sums start at +0 and never become −0, so adding +0 leaves them unchanged, as
    /// leaving the row out does), Σw is kept per variable, and a variable with a NaN in a domain
    /// gets its own n, present strata, degrees of freedom and (p = 1) covariance there, as the
    /// single route computes them.
    ///
    /// Falls back to the generic loop for calibrated designs and designs whose variance uses
    /// more than one stage, on a length mismatch, and whenever an estimate would throw (so the
    /// error is exactly the loop's first).
    ///
    /// - Complexity: O(domain rows · p) in three passes for a mean (one for a total), each pass
    ///   reading every variable once for all domains, plus O(D · PSUs · p²) for the stratum sums
    ///   and O(D · rows) once for the domains' structure — instead of about ten O(rows) passes per
    ///   estimate.
    public func domainEstimates(_ ys: [[Double]], statistic: BatchStatistic, domains: [[Bool]?], deff: Bool,
                                baseline: DesignEffectBaseline) throws -> [[Estimate]] {
        guard calibrations.isEmpty, varianceStages == 1 else {
            return try genericDomainEstimates(ys, statistic: statistic, domains: domains, deff: deff, baseline: baseline)
        }
        return try batchedDomainEstimates(ys, statistic: statistic, domains: domains, deff: deff,
                                          baseline: baseline, batchMissing: true, lean: true) { plan, out in
            try batchedEstimates(ys, statistic: statistic, plan: plan, deff: deff, baseline: baseline, into: &out)
        }
    }

    /// The estimates of the batched variables in every domain (`out[d][k]` for k in
    /// `plan.batched`); throws whenever one of the single calls would (the caller then reruns
    /// the generic loop for the exact error).
    func batchedEstimates(_ ys: [[Double]], statistic: BatchStatistic, plan: BatchPlan, deff: Bool,
                          baseline: DesignEffectBaseline, into out: inout [[Estimate?]]) throws {
        let stage = stages[0]
        let D = plan.domainCount
        let domains = domainStructure(plan)
        for d in 0..<D where statistic == .mean && !(domains.sumW[d] > 0) {
            throw DesignError(.emptyDomain, "the domain has no rows with positive weight and a non-missing value")
        }
        // `missing[d][v]`: variable v has a NaN in domain d (found for the variables the batch
        // saw a NaN for).
        var missing = [[Bool]](repeating: [Bool](repeating: false, count: ys.count), count: D)
        // Variables in chunks so that the PSU totals stay within 32 MB (unclustered designs
        // have one PSU per row).
        let clusters = stage.clusterCount
        let fit = (1 << 22) / max(D * clusters, 1)
        let chunk = fit >= plan.batched.count ? plan.batched.count : max(4, fit / 4 * 4)
        var from = 0
        while from < plan.batched.count {
            let vars = Array(plan.batched[from..<min(from + chunk, plan.batched.count)])
            let (values, totals, p, laneSumW, sawNaN) = linearizedBatchOnTwoThreads(ys, vars: vars, plan: plan,
                                                                                   statistic: statistic)
            for (k, v) in vars.enumerated() where sawNaN[k] {
                let found = BatchPlan.domainsWithNaN(ys[v], plan)
                for d in 0..<D { missing[d][v] = found[d] }
            }
            for d in 0..<D {
                let domainTotals = Array(totals[(d * clusters * p)..<((d + 1) * clusters * p)])
                var cov = [Double](repeating: 0, count: p * p)
                try addStageCovariance(stage: 0, totals: domainTotals, present: domains.present[d], p: p, into: &cov)
                let complete = vars.filter { !missing[d][$0] }
                let rows = deff || complete.count < vars.count ? plan.domainRows(d) : []
                let srs = deff ? srsVariances(weights: weights, ys, vars: complete, rows: rows,
                                              total: statistic == .total, baseline: baseline,
                                              countZeroWeights: false) : []
                var nextComplete = 0
                for (k, v) in vars.enumerated() {
                    if missing[d][v] {
                        // Own active rows: Σw, n, present strata, df and the covariance (p = 1)
                        // of this variable alone, exactly as the single route has them.
                        if statistic == .mean, !(laneSumW[d * p + k] > 0) {
                            throw DesignError(.emptyDomain, "the domain has no rows with positive weight and a non-missing value")
                        }
                        var active = plan.masks[d]
                        var count = 0
                        var strata = [Bool](repeating: false, count: stage.stratumCount)
                        ys[v].withUnsafeBufferPointer { y in
                            for r in rows {
                                let i = Int(r)
                                if y[i].isNaN { active[i] = false; continue }
                                if weights[i] != 0 { count += 1 }
                                strata[stage.stratumOfCluster[stage.clusterOfRow[i]]] = true
                            }
                        }
                        var own = [0.0]
                        try addStageCovariance(stage: 0, totals: (0..<clusters).map { domainTotals[$0 * p + k] },
                                               present: strata, p: 1, into: &own)
                        var e = Estimate(value: values[d * p + k], standardError: own[0].squareRoot(),
                                         degreesOfFreedom: Double(degreesOfFreedom(active: active)), designEffect: nil,
                                         sampleSize: count)
                        if deff {
                            e.designEffect = e.variance / srsVariance(weights: weights, ys[v], active: active,
                                                                      total: statistic == .total, baseline: baseline)
                        }
                        out[d][v] = e
                    } else {
                        var e = Estimate(value: values[d * p + k], standardError: cov[k * p + k].squareRoot(),
                                         degreesOfFreedom: domains.df[d], designEffect: nil, sampleSize: domains.n[d])
                        if deff { e.designEffect = e.variance / srs[nextComplete] }  // as withDesignEffect
                        nextComplete += 1
                        out[d][v] = e
                    }
                }
            }
            from += chunk
        }
    }

    /// Per domain of `plan`: the degrees of freedom (as ``degreesOfFreedom(active:)``), the rows
    /// with non-zero weight (n), Σw in row order, and the stage-1 strata holding one of its rows,
    /// in one pass over the memberships (one pass per domain for the degrees of freedom when
    /// domains × PSUs exceeds 2²² flags).
    func domainStructure(_ plan: BatchPlan) -> (df: [Double], n: [Int], sumW: [Double], present: [[Bool]]) {
        let stage = stages[0]
        let D = plan.domainCount, H = stage.stratumCount, C = stage.clusterCount
        var n = [Int](repeating: 0, count: D), sumW = [Double](repeating: 0, count: D)
        var present = [Bool](repeating: false, count: D * H)
        let together = D * C <= 1 << 22
        var seenCluster = [Bool](repeating: false, count: together ? D * C : 0)
        var seenStratum = [Bool](repeating: false, count: together ? D * H : 0)
        var clustersSeen = [Int](repeating: 0, count: D), strataSeen = [Int](repeating: 0, count: D)
        weights.withUnsafeBufferPointer { w in
            stage.clusterOfRow.withUnsafeBufferPointer { cluster in
                stage.stratumOfCluster.withUnsafeBufferPointer { stratum in
                    plan.forEachMembership { d, i in
                        let c = cluster[i], h = stratum[c]
                        present[d * H + h] = true
                        sumW[d] += w[i]
                        guard w[i] != 0 else { return }
                        n[d] += 1
                        if together, !seenCluster[d * C + c] {
                            seenCluster[d * C + c] = true; clustersSeen[d] += 1
                            if !seenStratum[d * H + h] { seenStratum[d * H + h] = true; strataSeen[d] += 1 }
                        }
                    }
                }
            }
        }
        let df = (0..<D).map { d in
            Double(together ? clustersSeen[d] - strataSeen[d] : degreesOfFreedom(active: plan.masks[d]))
        }
        return (df, n, sumW, (0..<D).map { Array(present[($0 * H)..<(($0 + 1) * H)]) })
    }

    /// Values (`values[d·P + k]`) and stage-1 PSU totals of the influence values
    /// (`totals[(d·clusters + c)·P + k]`) of the variables `vars` in every domain d, P =
    /// `vars.count` rounded up to a multiple of 4 (columns beyond `vars.count` are scratch):
    /// the sums of ``linearizedMean(_:domain:)`` (Σw·y, the mean, the correction pass Σw(y − ȳ),
    /// the influence w(y − ȳ)/Σw) or ``linearizedTotal(_:domain:)`` (w·y), each in row order over
    /// the domain's rows; and whether a domain row of each variable is NaN (`sawNaN[k]`).
    ///
    /// Four variables are read at a time straight from their arrays into the lanes of a
    /// `SIMD4<Double>`: lane arithmetic is elementwise IEEE arithmetic, so every lane repeats the
    /// single-variable sum exactly, while independent chains and long sequential reads (one per
    /// pass for all domains) keep the loop fast.
    /// ``linearizedBatch(_:vars:plan:statistic:)`` with the variables split in two groups (whole
    /// SIMD lanes) computed on two threads when the domains hold many rows; each variable's sums
    /// are computed exactly as on one thread.
    private func linearizedBatchOnTwoThreads(_ ys: [[Double]], vars: [Int], plan: BatchPlan, statistic: BatchStatistic)
        -> LinearizedSums {
        let h = (vars.count / 2 + 3) / 4 * 4
        guard plan.coveredRows >= 20_000, h > 0, h < vars.count else {
            return linearizedBatch(ys, vars: vars, plan: plan, statistic: statistic)
        }
        let groups = [Array(vars[..<h]), Array(vars[h...])]
        let parts = ResultPair<LinearizedSums>()
        DispatchQueue.concurrentPerform(iterations: 2) { g in
            parts.set(g, linearizedBatch(ys, vars: groups[g], plan: plan, statistic: statistic))
        }
        let empty = (values: [Double](), totals: [Double](), padded: 0, sumW: [Double](), sawNaN: [Bool]())
        let (first, second) = parts.both()
        let a = first ?? empty, b = second ?? empty
        let P = a.padded + b.padded
        let D = plan.domainCount, C = stages[0].clusterCount
        var values = [Double](repeating: 0, count: D * P), sumW = [Double](repeating: 0, count: D * P)
        var totals = [Double](repeating: 0, count: D * C * P)
        for d in 0..<D {
            for k in 0..<a.padded {
                values[d * P + k] = a.values[d * a.padded + k]; sumW[d * P + k] = a.sumW[d * a.padded + k]
            }
            for k in 0..<b.padded {
                values[d * P + a.padded + k] = b.values[d * b.padded + k]; sumW[d * P + a.padded + k] = b.sumW[d * b.padded + k]
            }
            for c in 0..<C {
                let row = d * C + c
                for k in 0..<a.padded { totals[row * P + k] = a.totals[row * a.padded + k] }
                for k in 0..<b.padded { totals[row * P + a.padded + k] = b.totals[row * b.padded + k] }
            }
        }
        return (values, totals, P, sumW, a.sawNaN + b.sawNaN)
    }

    /// Values, PSU totals, padded width, Σw per lane and NaN seen per lane (see
    /// ``linearizedBatchOnTwoThreads(_:vars:plan:statistic:)``).
    typealias LinearizedSums = (values: [Double], totals: [Double], padded: Int, sumW: [Double], sawNaN: [Bool])

    private func linearizedBatch(_ ys: [[Double]], vars: [Int], plan: BatchPlan, statistic: BatchStatistic)
        -> LinearizedSums {
        let P = (vars.count + 3) / 4 * 4
        var sawNaN = [Bool](repeating: false, count: P)
        let stage = stages[0]
        let D = plan.domainCount, C = stage.clusterCount
        var values = [Double](repeating: 0, count: D * P)
        var sumW = [Double](repeating: 0, count: D * P)
        var totals = [Double](repeating: 0, count: D * C * P)
        let acc = UnsafeMutablePointer<SIMD4<Double>>.allocate(capacity: D)
        let mean = UnsafeMutablePointer<SIMD4<Double>>.allocate(capacity: D)
        let sw = UnsafeMutablePointer<SIMD4<Double>>.allocate(capacity: D)
        acc.initialize(repeating: .zero, count: D)
        mean.initialize(repeating: .zero, count: D)
        sw.initialize(repeating: .zero, count: D)
        defer { acc.deallocate(); mean.deallocate(); sw.deallocate() }
        for g in stride(from: 0, to: vars.count, by: 4) {
            // Lanes past the last variable repeat it; their results land in scratch columns.
            let v = (0..<4).map { vars[min(g + $0, vars.count - 1)] }
            var nan = SIMDMask<SIMD4<Int64>>(repeating: false)
            withFour(ys, v) { y0, y1, y2, y3 in
                weights.withUnsafeBufferPointer { w in
                    stage.clusterOfRow.withUnsafeBufferPointer { cluster in
                        totals.withUnsafeMutableBufferPointer { tot in
                            func y(_ i: Int) -> SIMD4<Double> { SIMD4(y0[i], y1[i], y2[i], y3[i]) }
                            // A missing (NaN) value contributes exactly +0 to every sum, which
                            // leaves it unchanged (these sums start at +0 and never become −0),
                            // as leaving the row out does.
                            func present(_ v: SIMD4<Double>, _ y: SIMD4<Double>) -> SIMD4<Double> {
                                v.replacing(with: 0, where: y .!= y)
                            }
                            // One vector load, add and store (lane by lane the same sums), which
                            // also keeps the lanes of `v` — and the division making them — vectors.
                            let totals = UnsafeMutableRawPointer(tot.baseAddress!)  // D·C·P ≥ 4 doubles
                            func add(_ v: SIMD4<Double>, domain d: Int, cluster c: Int) {
                                let o = ((d * C + c) * P + g) * MemoryLayout<Double>.stride
                                totals.storeBytes(of: totals.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self) + v,
                                                  toByteOffset: o, as: SIMD4<Double>.self)
                            }
                            for d in 0..<D { acc[d] = .zero; sw[d] = .zero }
                            switch statistic {
                            case .total:
                                plan.forEachMembership { d, i in
                                    let yi = y(i)
                                    nan .|= yi .!= yi
                                    let v = present(w[i] * yi, yi)
                                    acc[d] += v
                                    add(v, domain: d, cluster: cluster[i])
                                }
                                for d in 0..<D { mean[d] = acc[d] }
                            case .mean:
                                plan.forEachMembership { d, i in
                                    let yi = y(i)
                                    nan .|= yi .!= yi
                                    sw[d] += present(SIMD4(repeating: w[i]), yi)
                                    acc[d] += present(w[i] * yi, yi)
                                }
                                for d in 0..<D {
                                    mean[d] = acc[d] / sw[d]
                                    acc[d] = .zero
                                }
                                // Second pass: correct by the weighted mean residual (finite means only).
                                plan.forEachMembership { d, i in
                                    let yi = y(i)
                                    acc[d] += present(w[i] * (yi - mean[d]), yi)
                                }
                                for d in 0..<D {
                                    for k in 0..<4 where mean[d][k].isFinite { mean[d][k] += acc[d][k] / sw[d][k] }
                                }
                                plan.forEachMembership { d, i in
                                    let yi = y(i)
                                    add(present(w[i] * (yi - mean[d]) / sw[d], yi), domain: d, cluster: cluster[i])
                                }
                            }
                        }
                    }
                }
            }
            for d in 0..<D {
                for k in 0..<4 {
                    values[d * P + g + k] = mean[d][k]
                    sumW[d * P + g + k] = sw[d][k]
                }
            }
            for k in 0..<4 { sawNaN[g + k] = nan[k] }
        }
        return (values, totals, P, sumW, sawNaN)
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

/// Scratch for the blocked kernels: a block of rows gathered as rows of values (`values`,
/// `valueStride` doubles a row, also seen as `plain` doubles) and as values each repeated in both
/// lanes of a `SIMD2` (`repeated`, `repeatedStride` a row), zero-initialised so padding columns
/// stay 0; and the block's entries sorted by group (`order`, group g at `first[g]..<first[g + 1]`).
final class GatheredBlock {
    let values: UnsafeMutablePointer<SIMD2<Double>>
    let repeated: UnsafeMutablePointer<SIMD2<Double>>
    let order: UnsafeMutablePointer<Int>
    let first: UnsafeMutablePointer<Int>
    private let rows: Int, valueStride: Int, repeatedStride: Int, groups: Int
    var plain: UnsafeMutablePointer<Double> { UnsafeMutableRawPointer(values).assumingMemoryBound(to: Double.self) }

    /// Room for `rows` rows; `valueStride` even.
    init(rows: Int, valueStride: Int, repeatedStride: Int, groups: Int) {
        self.rows = rows; self.valueStride = valueStride; self.repeatedStride = repeatedStride; self.groups = groups
        values = .allocate(capacity: rows * valueStride / 2)
        repeated = .allocate(capacity: rows * repeatedStride)
        order = .allocate(capacity: rows)
        first = .allocate(capacity: groups + 1)
        values.initialize(repeating: .zero, count: rows * valueStride / 2)
        repeated.initialize(repeating: .zero, count: rows * repeatedStride)
    }

    deinit {
        values.deallocate(); repeated.deallocate(); order.deallocate(); first.deallocate()
    }

    /// A counting sort of the entries `entries` reports (group, row), in the order reported
    /// within each group (at most `rows` of them); returns their number.
    func sortByGroup(_ entries: ((_ group: Int, _ row: Int) -> Void) -> Void) -> Int {
        for g in 0...groups { first[g] = 0 }
        entries { g, _ in first[g + 1] += 1 }
        for g in 0..<groups { first[g + 1] += first[g] }
        entries { g, row in
            order[first[g]] = row
            first[g] += 1
        }
        for g in stride(from: groups, to: 0, by: -1) { first[g] = first[g - 1] }
        first[0] = 0
        return first[groups]
    }
}

/// A 4 × 4 tile of sums held in registers: `s[t]` = row t (lanes 0–1 in `low[t]`, 2–3 in
/// `high[t]`), accumulated as s[t] += b_t · x over rows, b_t a value repeated in both lanes of a
/// `SIMD2` and x four values (two `SIMD2`): each lane is a plain IEEE product then sum, in row
/// order.
struct SumTile {
    var l0 = SIMD2<Double>(), h0 = SIMD2<Double>(), l1 = SIMD2<Double>(), h1 = SIMD2<Double>()
    var l2 = SIMD2<Double>(), h2 = SIMD2<Double>(), l3 = SIMD2<Double>(), h3 = SIMD2<Double>()

    init() {}

    /// The tile stored at `p`, rows `stride` doubles apart.
    @inline(__always)
    init(loading p: UnsafePointer<Double>, stride: Int) {
        func pair(_ o: Int) -> SIMD2<Double> { SIMD2(p[o], p[o + 1]) }
        l0 = pair(0); h0 = pair(2); l1 = pair(stride); h1 = pair(stride + 2)
        l2 = pair(2 * stride); h2 = pair(2 * stride + 2); l3 = pair(3 * stride); h3 = pair(3 * stride + 2)
    }

    /// Adds `m` rows: row j's x at `x + j·xStride` (two `SIMD2`), its b_0…b_3 at `b + j·bStride`.
    @inline(__always)
    mutating func add(rows m: Int, x: UnsafePointer<SIMD2<Double>>, xStride: Int,
                      b: UnsafePointer<SIMD2<Double>>, bStride: Int) {
        var x = x, b = b
        for _ in 0..<m {
            let x0 = x[0], x1 = x[1]
            let b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3]
            l0 += b0 * x0; h0 += b0 * x1
            l1 += b1 * x0; h1 += b1 * x1
            l2 += b2 * x0; h2 += b2 * x1
            l3 += b3 * x0; h3 += b3 * x1
            x += xStride
            b += bStride
        }
    }

    /// Row t's four sums, in column order.
    @inline(__always)
    func row(_ t: Int) -> (SIMD2<Double>, SIMD2<Double>) {
        switch t {
        case 0: return (l0, h0)
        case 1: return (l1, h1)
        case 2: return (l2, h2)
        default: return (l3, h3)
        }
    }
}

/// Copies rows of the columns `list` into a row-major block: for block row k (0..<count, the
/// data row `row(k)`) and list position t, the value of column `list[t]` goes to
/// `plain[k·stride + offset + t]` and/or, repeated in both lanes, to
/// `repeated[k·stride + offset + t]`.
///
/// Four columns at a time, so each block row receives 32 (or 64) contiguous bytes per visit
/// instead of one value per cache line per column.
@inline(__always)
func gatherRows(_ columns: [[Double]], _ list: [Int], count: Int, row: (Int) -> Int,
                plain: UnsafeMutablePointer<Double>?, repeated: UnsafeMutablePointer<SIMD2<Double>>?,
                stride: Int, offset: Int) {
    var t = 0
    while t + 4 <= list.count {
        withFour(columns, Array(list[t..<(t + 4)])) { c0, c1, c2, c3 in
            var o = offset + t
            for k in 0..<count {
                let i = row(k)
                let v0 = c0[i], v1 = c1[i], v2 = c2[i], v3 = c3[i]
                if let plain { plain[o] = v0; plain[o + 1] = v1; plain[o + 2] = v2; plain[o + 3] = v3 }
                if let repeated {
                    repeated[o] = SIMD2(repeating: v0); repeated[o + 1] = SIMD2(repeating: v1)
                    repeated[o + 2] = SIMD2(repeating: v2); repeated[o + 3] = SIMD2(repeating: v3)
                }
                o += stride
            }
        }
        t += 4
    }
    while t < list.count {
        columns[list[t]].withUnsafeBufferPointer { c in
            var o = offset + t
            for k in 0..<count {
                let v = c[row(k)]
                plain?[o] = v
                repeated?[o] = SIMD2(repeating: v)
                o += stride
            }
        }
        t += 1
    }
}

/// The first index of `column` whose value fails `valid`, or nil.
///
/// Blocks of 1,024 values are checked four at a time with `lanes` (the same test on a `SIMD4`,
/// true where valid) without branching on each value, and only a block that fails is searched
/// for its first failing index.
@inline(__always)
func firstIndex(in column: [Double], failing lanes: (SIMD4<Double>) -> SIMDMask<SIMD4<Int64>>,
                _ valid: (Double) -> Bool) -> Int? {
    column.withUnsafeBufferPointer { c -> Int? in
        guard let base = c.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        var start = 0
        while start < c.count {
            let end = min(start + 1_024, c.count)
            var ok = SIMDMask<SIMD4<Int64>>(repeating: true)
            var i = start
            while i + 4 <= end {
                ok = ok .& lanes(raw.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Double>.self))
                i += 4
            }
            var tail = true
            while i < end { tail = tail && valid(c[i]); i += 1 }
            if !(all(ok) && tail) { return (start..<end).first { !valid(c[$0]) } }
            start = end
        }
        return nil
    }
}

/// Calls `body` with base pointers of the four variables `v` (which may repeat).
func withFour<T>(_ ys: [[Double]], _ v: [Int],
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
    /// over the domain − 1, through the same cache and function as ``estimate(_:designEffect:)``)
    /// are found once; when the domains are disjoint, their ranks and the full design's come from
    /// one Gram pass over the rows (``rankDomainsAndDesign(plan:)``). Then, in one blocked pass over the union of the domains' rows, for the
    /// full-sample weights and each replicate r the sums Σ w_ri·y_ik and Σ w_ri are accumulated
    /// for every domain, in row order, for all variables without NaN in any domain, exactly as
    /// ``replicateMean(_:domain:)`` / ``replicateTotal(_:domain:)`` sum them; the SE comes from
    /// ``covariance(_:)`` and design effects from the sums of
    /// ``srsVariance(weights:_:active:total:baseline:countZeroWeights:)``. Results are identical
    /// to the generic loop.
    ///
    /// Falls back to the generic loop on a length mismatch and whenever an estimate would throw;
    /// variables with a NaN in a domain take the single-estimate route.
    ///
    /// - Complexity: O(domain rows · (R + 1) · p) in one blocked pass, plus each domain's rank
    ///   (O(domain rows · R²/2), cached per domain; none for a domain of every row; for disjoint
    ///   domains O(rows · R²/2) in all, the full design's rank included).
    public func domainEstimates(_ ys: [[Double]], statistic: BatchStatistic, domains: [[Bool]?], deff: Bool,
                                baseline: DesignEffectBaseline) throws -> [[Estimate]] {
        try batchedDomainEstimates(ys, statistic: statistic, domains: domains, deff: deff,
                                   baseline: baseline) { plan, out in
            try batchedEstimates(ys, statistic: statistic, plan: plan, deff: deff, baseline: baseline, into: &out)
        }
    }

    /// The estimates of the batched variables in every domain (`out[d][k]` for k in
    /// `plan.batched`); throws whenever one of the single calls would.
    func batchedEstimates(_ ys: [[Double]], statistic: BatchStatistic, plan: BatchPlan, deff: Bool,
                          baseline: DesignEffectBaseline, into out: inout [[Estimate?]]) throws {
        let D = plan.domainCount
        var n: [Int] = []
        for d in 0..<D {
            var count = 0, positive = false
            for r in plan.rows[d] {
                let w = weights[Int(r)]
                if w != 0 { count += 1 }
                if w > 0 { positive = true }
            }
            if statistic == .mean, !positive {
                throw DesignError(.emptyDomain, "the domain has no rows with positive weight and a non-missing value")
            }
            n.append(count)
        }
        let vars = plan.batched
        let R = replicateCount
        let (sums, sumW, p, C) = replicateSums(ys, vars: vars, plan: plan)
        rankDomainsAndDesign(plan: plan)
        for d in 0..<D {
            let df = Double(domainDegreesOfFreedom(plan.masks[d]))
            let srs = deff ? srsVariances(weights: weights, ys, vars: vars, rows: plan.rows[d],
                                          total: statistic == .total, baseline: baseline, countZeroWeights: true) : []
            for (k, v) in vars.enumerated() {
                func theta(_ r: Int) -> Double {
                    let s = sums[(d * C + r) * p + k]
                    return statistic == .mean ? s / sumW[d * C + r] : s
                }
                let item = ReplicateEstimate(value: theta(0), replicates: (1...R).map(theta), n: n[d],
                                             domain: plan.masks[d])
                let variance = try covariance([item])[0][0]
                var e = Estimate(value: item.value, standardError: variance.squareRoot(), degreesOfFreedom: df,
                                 designEffect: nil, sampleSize: n[d])
                if deff { e.designEffect = e.variance / srs[k] }  // as withDesignEffect
                out[d][v] = e
            }
        }
    }

    /// `sums[(d·C + r)·P + k]` = Σ w_ri·y_ik and `sumW[d·C + r]` = Σ w_ri over domain d's rows in
    /// row order, r = 0 for the full-sample weights and r = 1…R for the replicates (P and C are
    /// `vars.count` and R + 1 rounded up to multiples of 4).
    ///
    /// Blocks of about 256 (domain, row) memberships are gathered once, row-major and grouped by
    /// domain (variables, and the R + 1 weight columns, zero-padded); for each domain, each 4 × 4
    /// tile of its sums is loaded into SIMD registers, the domain's rows of the block are added
    /// one after another, and the tile is stored back, so every entry is still the row-order sum
    /// of w·y that ``replicateMean(_:domain:)`` computes.
    private func replicateSums(_ ys: [[Double]], vars: [Int], plan: BatchPlan)
        -> (sums: [Double], sumW: [Double], padded: Int, paddedColumns: Int) {
        let P = (vars.count + 3) / 4 * 4
        let columns = replicateCount + 1, C = (columns + 3) / 4 * 4
        let D = plan.domainCount
        var sums = [Double](repeating: 0, count: D * C * P)
        var sumW = [Double](repeating: 0, count: D * C)
        // Two threads on large inputs, each owning half of the weight columns (whole 4-column tiles):
        // every accumulator is still summed by one thread in row order, so results are identical.
        let tiles = C / 4
        let ranges: [Range<Int>] = plan.coveredRows >= 20_000 && tiles >= 2
            ? [0..<(tiles / 2 * 4), (tiles / 2 * 4)..<C] : [0..<C]
        sums.withUnsafeMutableBufferPointer { s in
            sumW.withUnsafeMutableBufferPointer { sw in
                guard let sBase = s.baseAddress, let swBase = sw.baseAddress else { return }
                let out = SharedOutput(sums: sBase, sumW: swBase)
                DispatchQueue.concurrentPerform(iterations: ranges.count) { part in
                    accumulateReplicateSums(ys, vars: vars, plan: plan, columns: ranges[part], P: P, C: C, into: out)
                }
            }
        }
        return (sums, sumW, P, C)
    }

    /// Adds Σ w_c·y_k and Σ w_c over each domain's rows, in row order, for the weight columns
    /// `range` (0 = full-sample weights, r = replicate r; columns past R are padding).
    ///
    /// The (domain, row) memberships are taken in blocks of about 256, sorted by domain (rows
    /// ascending within each) and gathered in that order: the variables as rows of values (4 of
    /// them are two `SIMD2` loads) and the weights each repeated in both lanes of a `SIMD2` (so a
    /// weight multiplies both halves without a shuffle, which baseline x86-64 — SSE2, no
    /// `movddup` — would spend on every broadcast). Each domain's rows of a block are then
    /// contiguous.
    private func accumulateReplicateSums(_ ys: [[Double]], vars: [Int], plan: BatchPlan, columns range: Range<Int>,
                                         P: Int, C: Int, into out: SharedOutput) {
        let columns = replicateCount + 1
        let D = plan.domainCount
        let capacity = max(256, D)  // memberships per block (one row may be in every domain)
        let lo = range.lowerBound, Cw = range.count, halfP = P / 2
        let block = GatheredBlock(rows: capacity, valueStride: P, repeatedStride: Cw, groups: D)
        let Y = block.values, W = block.repeated, order = block.order, first = block.first
        let weightColumns = Array(range.lowerBound..<min(range.upperBound, columns))
        let sources = [weights] + replicateWeights
        plan.unionRows.withUnsafeBufferPointer { rows in
            plan.memberStart.withUnsafeBufferPointer { memberStart in
                plan.members.withUnsafeBufferPointer { members in
                    var start = 0
                    while start < rows.count {
                        var end = start
                        while end < rows.count, memberStart[end + 1] - memberStart[start] <= capacity { end += 1 }
                        // The block's memberships by domain, rows ascending.
                        let count = block.sortByGroup { entry in
                            for u in start..<end {
                                for e in memberStart[u]..<memberStart[u + 1] { entry(Int(members[e]), Int(rows[u])) }
                            }
                        }
                        gatherRows(ys, vars, count: count, row: { order[$0] }, plain: block.plain, repeated: nil,
                                   stride: P, offset: 0)
                        gatherRows(sources, weightColumns, count: count, row: { order[$0] }, plain: nil, repeated: W,
                                   stride: Cw, offset: 0)
                        for d in 0..<D where first[d + 1] > first[d] {
                            let from = first[d], m = first[d + 1] - first[d]
                            let acc = out.sums + d * C * P, accW = out.sumW + d * C
                            for j in from..<(from + m) {
                                let w = W + j * Cw
                                for r in weightColumns { accW[r] += w[r - lo][0] }
                            }
                            for r0 in Swift.stride(from: lo, to: range.upperBound, by: 4) {
                                for k0 in Swift.stride(from: 0, to: P, by: 4) {
                                    // Rows: weight columns r0…r0+3; columns: variables k0…k0+3.
                                    var tile = SumTile(loading: acc + r0 * P + k0, stride: P)
                                    tile.add(rows: m, x: Y + from * halfP + k0 / 2, xStride: halfP,
                                             b: W + from * Cw + (r0 - lo), bStride: Cw)
                                    for t in 0..<4 {
                                        let (a, b) = tile.row(t), o = (r0 + t) * P + k0
                                        acc[o] = a[0]; acc[o + 1] = a[1]; acc[o + 2] = b[0]; acc[o + 3] = b[1]
                                    }
                                }
                            }
                        }
                        start = end
                    }
                }
            }
        }
    }
}

/// Output arrays written by concurrent workers, each to its own disjoint part.
private struct SharedOutput: @unchecked Sendable {
    let sums: UnsafeMutablePointer<Double>
    let sumW: UnsafeMutablePointer<Double>
}

/// The results of two workers (`concurrentPerform(iterations: 2)`), each setting its own slot.
final class ResultPair<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [T?] = [nil, nil]
    func set(_ k: Int, _ value: T) { lock.withLock { slots[k] = value } }
    /// Both results; call after the workers have finished.
    func both() -> (T?, T?) { lock.withLock { (slots[0], slots[1]) } }
}
