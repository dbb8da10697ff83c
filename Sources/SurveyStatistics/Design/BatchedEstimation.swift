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
    /// - Complexity: this generic form makes p·D estimates of O(rows) each.
    public func domainEstimates(_ ys: [[Double]], statistic: BatchStatistic, domains: [[Bool]?], deff: Bool,
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
