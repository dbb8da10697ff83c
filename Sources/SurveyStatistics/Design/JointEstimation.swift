/// A statistic to estimate from a design: what R's `svymean`, `svytotal` and `svyratio` compute.
public enum SurveyStatistic: Sendable, Equatable {
    /// Weighted mean of the values (NaN = missing).
    case mean([Double])
    /// Weighted total of the values (NaN = missing).
    case total([Double])
    /// Ratio of the weighted totals of numerator and denominator (rows missing either are left out).
    case ratio(numerator: [Double], denominator: [Double])
}

/// A statistic restricted to a domain (nil = all rows).
public struct DomainStatistic: Sendable, Equatable {
    public var statistic: SurveyStatistic
    public var domain: [Bool]?
    public init(_ statistic: SurveyStatistic, domain: [Bool]? = nil) {
        self.statistic = statistic
        self.domain = domain
    }
}

/// Several estimates from one design with their joint design covariance (R `svyby(...,
/// covmat = TRUE)` or a multi-variable `svymean`), ready for contrasts.
public struct JointEstimate: Sendable, Equatable {
    /// Each estimate as computed alone (its SE and domain degrees of freedom, as R's separate
    /// `svymean(subset(...))` calls inside `svyby`).
    public var estimates: [Estimate]
    /// The joint covariance matrix, computed on the full design.
    public var covariance: [[Double]]
    /// Degrees of freedom of the full design.
    public var degreesOfFreedom: Int

    public init(estimates: [Estimate], covariance: [[Double]], degreesOfFreedom: Int) {
        self.estimates = estimates
        self.covariance = covariance
        self.degreesOfFreedom = degreesOfFreedom
    }

    /// The linear combination Σ cₖ θₖ with variance cᵀVc (R `svycontrast`); df = the design's.
    ///
    /// - Throws: `invalidArgument` when the number of coefficients differs from the estimates.
    public func contrast(_ coefficients: [Double]) throws -> Estimate {
        guard coefficients.count == estimates.count else {
            throw DesignError(.invalidArgument, "\(coefficients.count) contrast coefficients for \(estimates.count) estimates")
        }
        var value = 0.0, variance = 0.0
        for a in coefficients.indices {
            value += coefficients[a] * estimates[a].value
            for b in coefficients.indices { variance += coefficients[a] * coefficients[b] * covariance[a][b] }
        }
        let n = zip(coefficients, estimates).filter { $0.0 != 0 }.map(\.1.sampleSize).reduce(0, +)
        return Estimate(value: value, standardError: max(variance, 0).squareRoot(),
                        degreesOfFreedom: Double(degreesOfFreedom), sampleSize: n)
    }
}

extension DesignBasedVariance {
    /// The rows that are in `domain` and non-missing (not NaN) in every one of `columns`.
    func activeRows(_ columns: [[Double]], domain: [Bool]?) throws -> [Bool] {
        for c in columns where c.count != rowCount {
            throw DesignError(.lengthMismatch, "a variable has \(c.count) values for a design of \(rowCount) rows")
        }
        if let domain, domain.count != rowCount {
            throw DesignError(.lengthMismatch, "the domain has \(domain.count) entries for a design of \(rowCount) rows")
        }
        var active = domain ?? [Bool](repeating: true, count: rowCount)
        for c in columns { for i in 0..<rowCount where c[i].isNaN { active[i] = false } }
        return active
    }

    /// `estimate` with its design effect against SRS (``srsVariance(weights:_:active:total:baseline:)``) when asked.
    func withDesignEffect(_ estimate: Estimate, _ y: [Double], active: [Bool], total: Bool, deff: Bool,
                          baseline: DesignEffectBaseline) -> Estimate {
        guard deff else { return estimate }
        var e = estimate
        e.designEffect = e.variance / srsVariance(weights: weights, y, active: active, total: total, baseline: baseline,
                                                  countZeroWeights: self is ReplicateDesign)
        return e
    }

    /// Estimates each statistic on its domain, with design effects when `deff` is given
    /// (means and totals only; nil for ratios).
    func separateEstimates(_ items: [DomainStatistic], deff: DesignEffectBaseline?) throws -> [Estimate] {
        try items.map { item in
            switch item.statistic {
            case .mean(let y):
                return try mean(y, domain: item.domain, deff: deff != nil, baseline: deff ?? .withoutReplacement)
            case .total(let y):
                return try total(y, domain: item.domain, deff: deff != nil, baseline: deff ?? .withoutReplacement)
            case .ratio(let y, let x):
                return try ratio(numerator: y, denominator: x, domain: item.domain)
            }
        }
    }
}

extension SurveyDesign {
    /// The linearised form of a domain statistic.
    public func linearized(_ item: DomainStatistic) throws -> Linearized {
        switch item.statistic {
        case .mean(let y): return try linearizedMean(y, domain: item.domain)
        case .total(let y): return try linearizedTotal(y, domain: item.domain)
        case .ratio(let y, let x): return try linearizedRatio(numerator: y, denominator: x, domain: item.domain)
        }
    }

    /// Several estimates with their joint covariance (influence values of all items through the
    /// variance engine at once; rows outside every domain contribute zero).
    ///
    /// - Parameter deff: compute design effects against this SRS baseline (means, totals).
    public func jointEstimates(_ items: [DomainStatistic], deff: DesignEffectBaseline? = nil) throws -> JointEstimate {
        let lins = try items.map(linearized)
        let all = [Bool](repeating: true, count: rowCount)
        let cov = try designCovariance(lins.map(\.influence), active: all)
        return JointEstimate(estimates: try separateEstimates(items, deff: deff), covariance: cov,
                             degreesOfFreedom: degreesOfFreedom)
    }
}

extension ReplicateDesign {
    /// The replicate form of a domain statistic.
    public func replicated(_ item: DomainStatistic) throws -> ReplicateEstimate {
        switch item.statistic {
        case .mean(let y): return try replicateMean(y, domain: item.domain)
        case .total(let y): return try replicateTotal(y, domain: item.domain)
        case .ratio(let y, let x): return try replicateRatio(numerator: y, denominator: x, domain: item.domain)
        }
    }

    /// Several estimates with their joint replicate covariance.
    public func jointEstimates(_ items: [DomainStatistic], deff: DesignEffectBaseline? = nil) throws -> JointEstimate {
        let reps = try items.map(replicated)
        return JointEstimate(estimates: try separateEstimates(items, deff: deff), covariance: try covariance(reps),
                             degreesOfFreedom: degreesOfFreedom)
    }
}
