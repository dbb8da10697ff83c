/// A design-based estimate in linearised form: its value and its influence values (the
/// linearised variable, one per design row, zero outside the domain), so that joint variances,
/// contrasts and functions of several estimates can be computed by the variance engine
/// (R `survey`: the `influence = TRUE` attribute).
public struct Linearized: Sendable, Equatable {
    /// The point estimate.
    public var value: Double
    /// Influence values, one per design row; the estimate's variance is the design variance of
    /// their total.
    public var influence: [Double]
    /// Rows with non-zero weight that contributed (in the domain, non-missing).
    public var n: Int
    /// Rows in the domain with non-missing values (whatever their weight).
    public var domain: [Bool]

    public init(value: Double, influence: [Double], n: Int, domain: [Bool]) {
        self.value = value
        self.influence = influence
        self.n = n
        self.domain = domain
    }
}

extension SurveyDesign {
    // MARK: - Linearised estimators

    private func contributing(_ active: [Bool]) -> Int {
        var n = 0
        for i in 0..<rowCount where active[i] && weights[i] != 0 { n += 1 }
        return n
    }

    /// The weighted total Σ wᵢyᵢ over the domain, linearised: influence wᵢyᵢ in the domain, 0
    /// outside (R `svytotal`).
    ///
    /// - Parameters:
    ///   - y: one value per row; NaN marks a missing value and takes the row out of the domain
    ///     (R `na.rm = TRUE`). ±∞ propagate.
    ///   - domain: rows in the domain, nil for all.
    /// - Throws: `lengthMismatch`.
    public func linearizedTotal(_ y: [Double], domain: [Bool]? = nil) throws -> Linearized {
        let active = try activeRows([y], domain: domain)
        var influence = [Double](repeating: 0, count: rowCount)
        var total = 0.0
        for i in 0..<rowCount where active[i] {
            influence[i] = weights[i] * y[i]
            total += influence[i]
        }
        return Linearized(value: total, influence: influence, n: contributing(active), domain: active)
    }

    /// The weighted mean ȳ = Σ wᵢyᵢ / Σ wᵢ over the domain (Hájek estimator), linearised:
    /// influence wᵢ(yᵢ − ȳ)/Σw in the domain, 0 outside (R `svymean`).
    ///
    /// - Parameters: as ``linearizedTotal(_:domain:)``.
    /// - Throws: `lengthMismatch`; `emptyDomain` when the domain has zero total weight.
    public func linearizedMean(_ y: [Double], domain: [Bool]? = nil) throws -> Linearized {
        let active = try activeRows([y], domain: domain)
        var sumW = 0.0, sumWY = 0.0
        for i in 0..<rowCount where active[i] {
            sumW += weights[i]
            sumWY += weights[i] * y[i]
        }
        guard sumW > 0 else {
            throw DesignError(.emptyDomain, "the domain has no rows with positive weight and a non-missing value",
                              hint: "check the domain definition and the variable's missing values")
        }
        var mean = sumWY / sumW
        // Second pass: correct the mean by the weighted mean residual (compensates rounding).
        if mean.isFinite {
            var correction = 0.0
            for i in 0..<rowCount where active[i] { correction += weights[i] * (y[i] - mean) }
            mean += correction / sumW
        }
        var influence = [Double](repeating: 0, count: rowCount)
        for i in 0..<rowCount where active[i] { influence[i] = weights[i] * (y[i] - mean) / sumW }
        return Linearized(value: mean, influence: influence, n: contributing(active), domain: active)
    }

    /// The ratio of totals R̂ = Σ wᵢyᵢ / Σ wᵢxᵢ over the domain, linearised: influence
    /// wᵢ(yᵢ − R̂xᵢ)/Σwx in the domain (R `svyratio`). Rows missing either variable are left out.
    ///
    /// - Throws: `lengthMismatch`; `zeroDenominator` when Σ wx = 0 over the domain.
    public func linearizedRatio(numerator y: [Double], denominator x: [Double],
                                domain: [Bool]? = nil) throws -> Linearized {
        let active = try activeRows([y, x], domain: domain)
        var ty = 0.0, tx = 0.0
        for i in 0..<rowCount where active[i] {
            ty += weights[i] * y[i]
            tx += weights[i] * x[i]
        }
        guard tx != 0 else {
            throw DesignError(.zeroDenominator, "the denominator's weighted total is zero in the domain",
                              hint: "a ratio needs a denominator with a non-zero total, e.g. exposure > 0")
        }
        let r = ty / tx
        var influence = [Double](repeating: 0, count: rowCount)
        for i in 0..<rowCount where active[i] { influence[i] = weights[i] * (y[i] - r * x[i]) / tx }
        return Linearized(value: r, influence: influence, n: contributing(active), domain: active)
    }

    /// The design covariance matrix of several linearised estimates (from the same design):
    /// the variance engine applied to their influence values jointly (R `svyby(covmat = TRUE)`,
    /// `vcov()` of a multi-variable `svymean`).
    ///
    /// - Throws: `lengthMismatch` if an item was made on another design; `lonelyPSU` under `.fail`.
    public func covariance(_ items: [Linearized]) throws -> [[Double]] {
        var union = [Bool](repeating: false, count: rowCount)
        for item in items {
            guard item.influence.count == rowCount, item.domain.count == rowCount else {
                throw DesignError(.lengthMismatch, "a linearised estimate has \(item.influence.count) influence values for a design of \(rowCount) rows")
            }
            for i in 0..<rowCount where item.domain[i] { union[i] = true }
        }
        return try designCovariance(items.map(\.influence), active: union)
    }

    /// The ``Estimate`` of a linearised estimate: SE from the variance engine, degrees of freedom
    /// of the domain (PSUs − strata among the contributing rows, as R's `degf(subset(des, …))`).
    public func estimate(_ item: Linearized, designEffect: Double? = nil) throws -> Estimate {
        let v = try covariance([item])[0][0]
        return Estimate(value: item.value, standardError: v.squareRoot(),
                        degreesOfFreedom: Double(degreesOfFreedom(active: item.domain)),
                        designEffect: designEffect, sampleSize: item.n)
    }

    // MARK: - Estimates

    /// The weighted mean of `y` over the domain with its design-based standard error.
    ///
    /// ```swift
    /// let m = try design.mean(api00, deff: true)   // m.value, m.standardError, m.designEffect
    /// ```
    /// - Parameters:
    ///   - y: one value per row; NaN = missing, treated as out of the domain (R `na.rm = TRUE`).
    ///   - domain: rows where the domain holds (nil = all); rows outside keep their design role
    ///     (R `subset()` / `svyby`), so the SE includes the variability of the domain size.
    ///   - deff: also compute the design effect against SRS of the same n.
    ///   - baseline: the SRS variance the design effect compares with.
    /// - Returns: the estimate; `degreesOfFreedom` is that of the domain.
    /// - Throws: `lengthMismatch`, `emptyDomain`, `lonelyPSU`.
    public func mean(_ y: [Double], domain: [Bool]? = nil, deff: Bool = false,
                     baseline: DesignEffectBaseline = .withoutReplacement) throws -> Estimate {
        let lin = try linearizedMean(y, domain: domain)
        return withDesignEffect(try estimate(lin), y, active: lin.domain, total: false, deff: deff, baseline: baseline)
    }

    /// The weighted total Σ wᵢyᵢ over the domain with its design-based standard error.
    ///
    /// - Parameters: as ``mean(_:domain:deff:baseline:)``.
    /// - Throws: `lengthMismatch`, `lonelyPSU`.
    public func total(_ y: [Double], domain: [Bool]? = nil, deff: Bool = false,
                      baseline: DesignEffectBaseline = .withoutReplacement) throws -> Estimate {
        let lin = try linearizedTotal(y, domain: domain)
        return withDesignEffect(try estimate(lin), y, active: lin.domain, total: true, deff: deff, baseline: baseline)
    }

    /// The ratio of weighted totals Σwy / Σwx over the domain with its linearised standard error.
    ///
    /// - Throws: `lengthMismatch`, `zeroDenominator`, `lonelyPSU`.
    public func ratio(numerator: [Double], denominator: [Double], domain: [Bool]? = nil) throws -> Estimate {
        try estimate(linearizedRatio(numerator: numerator, denominator: denominator, domain: domain))
    }
}
