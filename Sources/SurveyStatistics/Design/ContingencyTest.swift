/// The design correction of the Pearson X² test of independence in a two-way table.
public enum ChiSquareAdjustment: String, Sendable, CaseIterable {
    /// Rao–Scott second-order correction (R `svychisq(statistic = "F")`): F = X²/tr(Δ) on
    /// d = tr(Δ)²/tr(Δ²) and d·ν degrees of freedom.
    case secondOrderF = "F"
    /// Rao–Scott first-order correction (R `statistic = "Chisq"`): X²/mean eigenvalue of Δ
    /// against χ² on (r−1)(c−1) df; the reported statistic is the uncorrected X².
    case firstOrder = "Chisq"
}

/// A design-based test of independence with its tables.
public struct ContingencyTest: Sendable, Equatable {
    /// The test; `degreesOfFreedom` is the (numerator) df.
    public var test: TestResult
    /// The F test's denominator df d·ν (nil for the χ² form).
    public var denominatorDegreesOfFreedom: Double?
    public var rowLevels: [String]
    public var columnLevels: [String]
    /// Weighted counts scaled to the number of rows (R `svytable(..., Ntotal = n)`), [row][column].
    public var observed: [[Double]]
    /// Expected counts under independence from the same margins.
    public var expected: [[Double]]
    /// The design-effect matrix Δ's trace and the Rao–Scott degrees of freedom d.
    public var generalisedDesignEffects: [Double]
}

extension DesignBasedVariance {
    /// Rao–Scott corrected Pearson test of independence of two categorical variables (R `svychisq`).
    ///
    /// With cell proportions p̂ (design covariance V), C the residuals of the interaction contrasts
    /// on the main-effect columns, D = diag(p̂), Δ = (Cᵀ D⁻¹ C / n)⁻¹ (Cᵀ D⁻¹ V D⁻¹ C) (Rao & Scott
    /// 1984, Ann. Statist. 12:46–60). X² is Pearson's statistic on the weighted table scaled to n rows.
    ///
    /// - Parameters:
    ///   - rows, columns: category labels per row (nil = missing; such rows are left out of the
    ///     table but count in n, as in R).
    ///   - rowLevels, columnLevels: level order (nil = sorted by bytes).
    ///   - domain: rows of the domain (R `svychisq(..., subset(design, ...))`): n is then the number
    ///     of domain rows and ν the domain's degrees of freedom.
    ///   - adjustment: second-order F (default) or first-order χ².
    /// - Throws: `lengthMismatch`, `invalidArgument` (fewer than 2 levels), `lonelyPSU`.
    public func independenceTest(rows: [String?], columns: [String?], rowLevels: [String]? = nil,
                                 columnLevels: [String]? = nil, domain: [Bool]? = nil,
                                 adjustment: ChiSquareAdjustment = .secondOrderF) throws -> ContingencyTest {
        guard rows.count == rowCount, columns.count == rowCount else {
            throw DesignError(.lengthMismatch, "the table variables must have \(rowCount) values")
        }
        func levels(_ v: [String?]) -> [String] {
            Array(Set(v.compactMap { $0 })).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        }
        let rl = rowLevels ?? levels(rows), cl = columnLevels ?? levels(columns)
        let nr = rl.count, nc = cl.count
        guard nr >= 2, nc >= 2 else {
            throw DesignError(.invalidArgument, "a test of independence needs at least 2 levels of each variable (got \(nr) × \(nc))")
        }
        if let domain, domain.count != rowCount {
            throw DesignError(.lengthMismatch, "the domain has \(domain.count) entries for \(rowCount) rows")
        }
        let inDomain = domain ?? [Bool](repeating: true, count: rowCount)
        let n = Double(inDomain.filter { $0 }.count)
        // Cell indicators, rows varying fastest (R interaction()).
        var cells: [DomainStatistic] = []
        for j in 0..<nc {
            for i in 0..<nr {
                let indicator = (0..<rowCount).map { k -> Double in
                    guard let r = rows[k], let c = columns[k] else { return .nan }
                    return r == rl[i] && c == cl[j] ? 1 : 0
                }
                cells.append(DomainStatistic(.mean(indicator), domain: domain))
            }
        }
        let joint = try jointEstimates(cells, deff: nil)
        let p = joint.estimates.map(\.value)
        let v = joint.covariance
        // Weighted table scaled to n.
        var observed = [[Double]](repeating: [Double](repeating: 0, count: nc), count: nr)
        var total = 0.0
        for k in 0..<rowCount where inDomain[k] {
            guard let r = rows[k], let c = columns[k], let i = rl.firstIndex(of: r), let j = cl.firstIndex(of: c) else { continue }
            observed[i][j] += weights[k]; total += weights[k]
        }
        observed = observed.map { $0.map { $0 * n / total } }
        let rowSums = observed.map { $0.reduce(0, +) }
        let colSums = (0..<nc).map { j in observed.reduce(0) { $0 + $1[j] } }
        var expected = observed
        var x2 = 0.0
        for i in 0..<nr {
            for j in 0..<nc {
                expected[i][j] = rowSums[i] * colSums[j] / n
                let d = observed[i][j] - expected[i][j]
                x2 += d * d / expected[i][j]
            }
        }
        // Contrast matrix C: interaction columns' residuals on intercept + main effects.
        let m = nr * nc
        var main: [[Double]] = [[Double](repeating: 1, count: m)]
        for i in 1..<nr { main.append((0..<m).map { $0 % nr == i ? 1 : 0 }) }
        for j in 1..<nc { main.append((0..<m).map { $0 / nr == j ? 1 : 0 }) }
        var c: [[Double]] = []
        for j in 1..<nc {
            for i in 1..<nr {
                let interaction = (0..<m).map { Double($0 % nr == i && $0 / nr == j ? 1 : 0) }
                c.append(leastSquaresResiduals(columns: main, response: interaction))
            }
        }
        let q = c.count
        let inv = p.map { $0 == 0 ? 0 : 1 / $0 }
        var denom = [[Double]](repeating: [Double](repeating: 0, count: q), count: q)
        var numr = denom
        for a in 0..<q {
            for b in 0..<q {
                var s = 0.0, t = 0.0
                for k in 0..<m {
                    s += c[a][k] * inv[k] / n * c[b][k]
                    for l in 0..<m { t += c[a][k] * inv[k] * v[k][l] * inv[l] * c[b][l] }
                }
                denom[a][b] = s; numr[a][b] = t
            }
        }
        // Δ = denom⁻¹ numr, column by column.
        var delta = [[Double]](repeating: [Double](repeating: 0, count: q), count: q)
        for b in 0..<q {
            let column = try solveLinearSystem(denom, (0..<q).map { numr[$0][b] })
            for a in 0..<q { delta[a][b] = column[a] }
        }
        var trace = 0.0, trace2 = 0.0
        for a in 0..<q {
            trace += delta[a][a]
            for b in 0..<q { trace2 += delta[a][b] * delta[b][a] }
        }
        let d0 = trace * trace / trace2
        let nu = domain == nil ? Double(degreesOfFreedom) : joint.estimates.map(\.degreesOfFreedom).max() ?? .nan
        let test: TestResult
        var ddf: Double? = nil
        switch adjustment {
        case .secondOrderF:
            let f = x2 / trace
            ddf = d0 * nu
            test = TestResult(statistic: f, degreesOfFreedom: d0,
                              pValue: FDistribution(numeratorDegreesOfFreedom: d0, denominatorDegreesOfFreedom: d0 * nu).sf(f),
                              method: "Pearson's X^2: Rao & Scott adjustment")
        case .firstOrder:
            test = TestResult(statistic: x2, degreesOfFreedom: Double(q),
                              pValue: ChiSquared(degreesOfFreedom: Double(q)).sf(x2 / (trace / Double(q))),
                              method: "Pearson's X^2: Rao & Scott adjustment")
        }
        return ContingencyTest(test: test, denominatorDegreesOfFreedom: ddf, rowLevels: rl, columnLevels: cl, observed: observed, expected: expected,
                               generalisedDesignEffects: [trace, d0])
    }
}
