extension SurveyDesign {
    /// The design covariance matrix of `z.count` linearised estimates whose influence values
    /// (one column per estimate, one entry per row) are `z`: the Taylor-linearisation variance
    /// of R `survey` 4.1.1 `svyrecvar` → `multistage` → `onestage` → `onestrat`.
    ///
    /// For every stage that is computed and every stratum `h` present (having an `active` row):
    /// with PSU totals `t_i` (a p-vector per PSU; PSUs outside the active rows have zero totals),
    /// `n_h` PSUs sampled and `f_h` = (N_h − n_h)/N_h with an fpc (else 1),
    /// the contribution is `f_h · n_h/(n_h − 1) · Σ_i (t_i − t̄)(t_i − t̄)ᵀ`; strata with
    /// `f_h` < 1e−7 (self-representing) contribute zero; single-PSU strata follow
    /// ``LonelyPSUPolicy``. Stage s ≥ 2 contributions (only when every stage so far has an fpc)
    /// are computed within each earlier-stage cluster and multiplied by the product of the
    /// earlier stages' sampling fractions n/N.
    ///
    /// - Parameters:
    ///   - z: influence values, `z[k][i]` for estimate k and row i. NaN propagates to the result.
    ///   - active: rows in the estimation domain(s), used only to decide which strata are present
    ///     (as R's `subset()` drops the other rows); nil means all rows.
    /// - Returns: the symmetric p × p covariance matrix, row-major as `[[Double]]`.
    /// - Throws: ``DesignError/Code/lonelyPSU`` under `.fail` when a present stratum has one PSU.
    /// - Complexity: O(n·p + PSUs·p²) per stage.
    func designCovariance(_ z: [[Double]], active: [Bool]?) throws -> [[Double]] {
        let p = z.count
        let n = rowCount
        var total = [Double](repeating: 0, count: p * p)
        guard p > 0 else { return [] }
        // Calibrated designs keep every row in a domain (R sets out-of-domain weights to zero
        // instead of dropping rows), so every stratum is present.
        let z = calibrations.isEmpty ? z : calibrationResiduals(z)
        let active = calibrations.isEmpty ? active : nil
        for s in 0..<varianceStages {
            let stage = stages[s]
            let totals = clusterTotals(z, stage: stage)
            var present = [Bool](repeating: false, count: stage.stratumCount)
            for i in 0..<n where active?[i] ?? true {
                present[stage.stratumOfCluster[stage.clusterOfRow[i]]] = true
            }
            try addStageCovariance(stage: s, totals: totals, present: present, p: p, into: &total)
        }
        // Symmetrise exactly.
        var result = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        for a in 0..<p {
            for b in a..<p {
                let v = a == b ? total[a * p + a] : 0.5 * (total[a * p + b] + total[b * p + a])
                result[a][b] = v
                result[b][a] = v
            }
        }
        return result
    }

    /// Stage totals of influence values: `totals[c·p + k]` = Σ over the rows of cluster c of
    /// `z[k][i]`, summed in row order (the first half of ``designCovariance(_:active:)``).
    func clusterTotals(_ z: [[Double]], stage: Stage) -> [Double] {
        let p = z.count
        var totals = [Double](repeating: 0, count: stage.clusterCount * p)
        for k in 0..<p {
            let column = z[k]
            for i in 0..<rowCount { totals[stage.clusterOfRow[i] * p + k] += column[i] }
        }
        return totals
    }

    /// Adds stage `s`'s contribution to the (unsymmetrised, row-major p × p) covariance `total`
    /// from its cluster totals and the strata present (the second half of
    /// ``designCovariance(_:active:)``; see there for the formula). Entry (k, k) depends only on
    /// column k of `totals`, with the same operations in the same order whatever p is.
    ///
    /// - Throws: ``DesignError/Code/lonelyPSU`` under `.fail` when a present stratum has one PSU.
    func addStageCovariance(stage s: Int, totals: [Double], present: [Bool], p: Int,
                            into total: inout [Double]) throws {
        let stage = stages[s]
        // Stage 1: one averaging group (all strata); later stages: each stratum alone.
        var groupSum = [Double](repeating: 0, count: p * p)
        var presentCount = 0, okCount = 0
        for h in 0..<stage.stratumCount where present[h] {
            presentCount += 1
            var contribution = [Double](repeating: 0, count: p * p)
            let ok = try addStratum(h, stage: stage, stageNumber: s + 1, totals: totals, p: p,
                                    into: &contribution)
            if ok {
                okCount += 1
                let m = stage.multiplier[h]
                if s == 0 {
                    for a in 0..<(p * p) { groupSum[a] += contribution[a] * m }
                } else {
                    for a in 0..<(p * p) { total[a] += contribution[a] * m }
                }
            }
            // A later-stage lonely unit under .average has no other stratum in its group; R
            // returns NaN there (0 · 1/0), copro lets it contribute zero.
        }
        if s == 0, okCount > 0 {
            let factor = Double(presentCount) / Double(okCount)
            for a in 0..<(p * p) { total[a] += groupSum[a] * factor }
        }
    }

    /// Adds stratum `h`'s (unmultiplied) contribution to `out`; returns false when the stratum
    /// is left out under `.average`.
    private func addStratum(_ h: Int, stage: Stage, stageNumber: Int, totals: [Double], p: Int,
                            into out: inout [Double]) throws -> Bool {
        let clusters = stage.clustersOfStratum[h]
        let nh = clusters.count
        var f = 1.0
        if let pop = stage.populationSize {
            let N = pop[h]
            f = N.isInfinite ? 1 : (N - Double(nh)) / N
        }
        if f < 0.0000001 { return true }  // self-representing stratum (R onestrat)
        if nh > 1 {
            var mean = [Double](repeating: 0, count: p)
            for c in clusters { for k in 0..<p { mean[k] += totals[c * p + k] } }
            for k in 0..<p { mean[k] /= Double(nh) }
            let scale = f * Double(nh) / Double(nh - 1)
            var d = [Double](repeating: 0, count: p)
            for c in clusters {
                for k in 0..<p { d[k] = totals[c * p + k] - mean[k] }
                for a in 0..<p {
                    let da = d[a] * scale
                    for b in 0..<p { out[a * p + b] += da * d[b] }
                }
            }
            return true
        }
        switch lonelyPSU {
        case .fail:
            throw DesignError(
                .lonelyPSU,
                "Stratum (\(stage.stratumLabels[h])) has only one PSU at stage \(stageNumber)",
                hint: "choose a lonely-PSU policy: adjust (conservative, centres at the overall estimate), average, remove or certainty (R options(survey.lonely.psu = ...)), or merge the stratum with a similar one")
        case .remove, .certainty:
            return true
        case .adjust:
            let c = clusters[0]
            for a in 0..<p {
                for b in 0..<p { out[a * p + b] += f * totals[c * p + a] * totals[c * p + b] }
            }
            return true
        case .average:
            return false
        }
    }
}
