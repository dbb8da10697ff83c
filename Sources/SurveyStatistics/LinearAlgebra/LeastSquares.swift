#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Householder QR with column pivoting, A·P = Q·R (Golub & Van Loan, *Matrix Computations*, 4th ed.,
/// Algorithm 5.4.1), on a copy of A whose columns are first scaled to unit 2-norm (equilibration,
/// which makes the rank decision and the pivot order independent of the units of the columns).
struct PivotedQR: Sendable {
    let rows: Int
    let columns: Int
    /// Householder vectors below the diagonal and R on and above it (scaled-column space).
    private(set) var factors: Matrix
    private(set) var tau: [Double]
    /// permutation[k] = original column in position k.
    private(set) var permutation: [Int]
    /// Column scale factors (2-norms of the original columns; 1 for zero columns).
    let scale: [Double]
    /// Numerical rank: the number of leading |R_kk| above tolerance · |R_00|.
    private(set) var rank: Int

    init(_ a: Matrix, relativeTolerance: Double? = nil) throws {
        guard a.storage.allSatisfy(\.isFinite) else {
            throw LinearAlgebraError(.nonFiniteInput, "matrix \(a.rows)×\(a.columns) has NaN or infinite entries")
        }
        rows = a.rows
        columns = a.columns
        var m = a
        var scale = Array(repeating: 1.0, count: columns)
        for j in 0..<columns {
            let norm = Self.norm((0..<rows).map { m[$0, j] })
            if norm > 0 {
                scale[j] = norm
                for i in 0..<rows { m[i, j] /= norm }
            }
        }
        self.scale = scale
        var tau = Array(repeating: 0.0, count: min(rows, columns))
        var permutation = Array(0..<columns)
        let steps = min(rows, columns)
        for k in 0..<steps {
            // Pivot: the remaining column with the largest norm below row k (recomputed exactly).
            var best = k, bestNorm = -1.0
            for j in k..<columns {
                let norm = Self.norm((k..<rows).map { m[$0, j] })
                if norm > bestNorm { bestNorm = norm; best = j }
            }
            if best != k {
                for i in 0..<rows { let t = m[i, k]; m[i, k] = m[i, best]; m[i, best] = t }
                permutation.swapAt(k, best)
            }
            // Householder reflector for column k, rows k..<rows.
            let alpha = bestNorm
            if alpha == 0 { tau[k] = 0; continue }
            let x0 = m[k, k]
            let beta = x0 >= 0 ? -alpha : alpha
            let v0 = x0 - beta
            for i in (k + 1)..<rows { m[i, k] /= v0 }
            tau[k] = (beta - x0) / beta
            m[k, k] = beta
            // Apply H = I − τ v vᵀ (v₀ = 1) to the remaining columns.
            for j in (k + 1)..<columns {
                var s = m[k, j]
                for i in (k + 1)..<rows { s += m[i, k] * m[i, j] }
                s *= tau[k]
                m[k, j] -= s
                for i in (k + 1)..<rows { m[i, j] -= s * m[i, k] }
            }
        }
        factors = m
        self.tau = tau
        self.permutation = permutation
        let tolerance = relativeTolerance ?? Double.ulpOfOne * Double(max(rows, columns))
        let r00 = steps > 0 ? abs(m[0, 0]) : 0
        var rank = 0
        for k in 0..<steps where abs(m[k, k]) > tolerance * r00 && r00 > 0 { rank = k + 1 }
        // Rank is the length of the leading run above tolerance.
        var leading = 0
        while leading < steps && r00 > 0 && abs(m[leading, leading]) > tolerance * r00 { leading += 1 }
        self.rank = min(rank, leading)
    }

    /// 2-norm without overflow (scaled sum of squares).
    static func norm(_ v: [Double]) -> Double {
        let largest = v.reduce(0) { max($0, abs($1)) }
        if largest == 0 { return 0 }
        var s = 0.0
        for x in v { let r = x / largest; s += r * r }
        return largest * s.squareRoot()
    }

    /// Qᵀ·b.
    func applyQTranspose(_ b: [Double]) -> [Double] {
        var y = b
        for k in 0..<min(rows, columns) { applyReflector(k, to: &y) }
        return y
    }

    /// v ← H_k v with H_k = I − τ_k u uᵀ, u = (0, …, 1, factors[k+1..<rows, k]).
    private func applyReflector(_ k: Int, to v: inout [Double]) {
        guard tau[k] != 0 else { return }
        var s = v[k]
        for i in (k + 1)..<rows { s += factors[i, k] * v[i] }
        s *= tau[k]
        v[k] -= s
        for i in (k + 1)..<rows { v[i] -= s * factors[i, k] }
    }

    /// Q·y (the reflectors applied in reverse order).
    func applyQ(_ y: [Double]) -> [Double] {
        var v = y
        for k in stride(from: min(rows, columns) - 1, through: 0, by: -1) { applyReflector(k, to: &v) }
        return v
    }

    /// One correction of the augmented system [I A; Aᵀ 0][r; x] = [b; 0] (Björck 1967; Björck,
    /// *Numerical Methods for Least Squares Problems*, §2.9.2), for a full-rank factorisation.
    ///
    /// Given residuals f = b − r − A·x and g = −Aᵀ·r (computed in extended precision by the caller),
    /// with B = A·S⁻¹·P = Q·R: h = R⁻ᵀ(PᵀS⁻¹g), d = Qᵀf, δz = R⁻¹(d₁ − h), δr = Q·[h; d₂], and
    /// δx = S⁻¹·P·δz. Unlike refining x alone, this also corrects for large residuals.
    func augmentedCorrection(f: [Double], g: [Double]) -> (dx: [Double], dr: [Double]) {
        let n = columns
        // g in B-coordinates: g_B[k] = g[perm[k]] / scale[perm[k]]
        let gB = (0..<n).map { g[permutation[$0]] / scale[permutation[$0]] }
        // Rᵀ h = g_B (forward substitution; R upper triangular)
        var h = Array(repeating: 0.0, count: n)
        for k in 0..<n {
            var s = gB[k]
            for i in 0..<k { s -= factors[i, k] * h[i] }
            h[k] = s / factors[k, k]
        }
        let d = applyQTranspose(f)
        var dz = Array(repeating: 0.0, count: n)
        for k in stride(from: n - 1, through: 0, by: -1) {
            var s = d[k] - h[k]
            for j in (k + 1)..<n { s -= factors[k, j] * dz[j] }
            dz[k] = s / factors[k, k]
        }
        var dx = Array(repeating: 0.0, count: n)
        for k in 0..<n { dx[permutation[k]] = dz[k] / scale[permutation[k]] }
        var y = d
        for k in 0..<n { y[k] = h[k] }
        return (dx, applyQ(y))
    }

    /// Basic least-squares solution of A·x ≈ b in original column order and units; columns beyond
    /// the rank get 0 (and are reported as aliased by callers).
    func solve(_ b: [Double]) -> [Double] {
        let qtb = applyQTranspose(b)
        var z = Array(repeating: 0.0, count: columns)
        for k in stride(from: rank - 1, through: 0, by: -1) {
            var s = qtb[k]
            for j in (k + 1)..<rank { s -= factors[k, j] * z[j] }
            z[k] = s / factors[k, k]
        }
        var x = Array(repeating: 0.0, count: columns)
        for k in 0..<rank { x[permutation[k]] = z[k] / scale[permutation[k]] }
        return x
    }

    /// (AᵀA)⁻¹ restricted to the first `rank` pivoted columns, in original order and units; rows and
    /// columns of aliased coefficients are NaN.
    func unscaledCovariance() -> Matrix {
        let r = rank
        // R⁻¹ (upper triangular) for the leading r×r block.
        var rInverse = Matrix(rows: r, columns: r)
        for j in 0..<r {
            rInverse[j, j] = 1 / factors[j, j]
            for i in stride(from: j - 1, through: 0, by: -1) {
                var s = 0.0
                for k in (i + 1)...j { s += factors[i, k] * rInverse[k, j] }
                rInverse[i, j] = -s / factors[i, i]
            }
        }
        var covariance = Matrix(rows: columns, columns: columns)
        for i in 0..<columns { for j in 0..<columns { covariance[i, j] = .nan } }
        for a in 0..<r {
            for b in 0..<r {
                var s = 0.0
                for k in max(a, b)..<r { s += rInverse[a, k] * rInverse[b, k] }
                let ia = permutation[a], ib = permutation[b]
                covariance[ia, ib] = s / (scale[ia] * scale[ib])
            }
        }
        return covariance
    }
}

/// The result of a (weighted) linear least-squares fit.
public struct LeastSquaresFit: Sendable {
    /// β̂ in the order of the design columns; NaN for aliased (linearly dependent) columns, as R's NA.
    public var coefficients: [Double]
    /// y − Xβ̂ (unweighted residuals, one per observation).
    public var residuals: [Double]
    /// Fitted values Xβ̂.
    public var fittedValues: [Double]
    /// Numerical rank of √W·X.
    public var rank: Int
    /// True for columns dropped as linearly dependent on earlier-pivoted ones.
    public var aliased: [Bool]
    /// (XᵀWX)⁻¹ — the unscaled covariance; NaN rows/columns for aliased coefficients.
    public var unscaledCovariance: Matrix
    /// Σ wᵢ rᵢ².
    public var residualSumOfSquares: Double
    /// (number of observations with positive weight) − rank.
    public var residualDegreesOfFreedom: Int

    /// RSS / residual df (σ̂²); NaN when the residual df is 0.
    public var residualVariance: Double {
        residualDegreesOfFreedom > 0 ? residualSumOfSquares / Double(residualDegreesOfFreedom) : .nan
    }

    /// σ̂² (XᵀWX)⁻¹, the classical covariance of β̂.
    public var covariance: Matrix {
        var c = unscaledCovariance
        let s2 = residualVariance
        for k in c.storage.indices { c.storage[k] *= s2 }
        return c
    }

    /// Classical standard errors √diag(σ̂² (XᵀWX)⁻¹).
    public var standardErrors: [Double] {
        unscaledCovariance.diagonalElements.map { ($0 * residualVariance).squareRoot() }
    }
}

/// Linear least squares by Householder QR with column pivoting — never the normal equations.
public enum LeastSquares {
    /// Minimises Σ wᵢ (yᵢ − xᵢᵀβ)² over β.
    ///
    /// The rows are scaled by √wᵢ, the columns equilibrated to unit norm, and √W·X factorised by
    /// pivoted Householder QR (Golub & Van Loan Alg. 5.4.1). The rank is the number of pivots with
    /// |R_kk| > max(n, p)·ε·|R_00|; later columns are aliased (coefficient NaN). One step of
    /// iterative refinement with a compensated residual (Björck, *Numerical Methods for Least Squares
    /// Problems*, §2.9) recovers accuracy lost to ill-conditioning (e.g. NIST Filip).
    ///
    /// - Parameters:
    ///   - x: n × p design matrix (include a column of ones for an intercept).
    ///   - y: n responses.
    ///   - weights: optional n non-negative finite weights (frequency/precision weights); zero-weight
    ///     rows do not count toward the residual degrees of freedom.
    /// - Throws: `LinearAlgebraError` — `dimensionMismatch`, `nonFiniteInput`, `invalidWeights`,
    ///   `insufficientData` (no columns or no positive-weight rows).
    public static func fit(design x: Matrix, response y: [Double], weights: [Double]? = nil) throws -> LeastSquaresFit {
        let n = x.rows, p = x.columns
        guard y.count == n else {
            throw LinearAlgebraError(.dimensionMismatch, "design has \(n) rows but the response has \(y.count) values")
        }
        guard p > 0, n > 0 else {
            throw LinearAlgebraError(.insufficientData, "design is \(n)×\(p)")
        }
        if let i = y.firstIndex(where: { !$0.isFinite }) {
            throw LinearAlgebraError(.nonFiniteInput, "response[\(i)] = \(y[i])")
        }
        let w = weights ?? Array(repeating: 1.0, count: n)
        guard w.count == n else {
            throw LinearAlgebraError(.dimensionMismatch, "\(w.count) weights for \(n) observations")
        }
        if let i = w.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
            throw LinearAlgebraError(.invalidWeights, "weights[\(i)] = \(w[i])")
        }
        let root = w.map { $0.squareRoot() }
        var a = x
        var b = y
        for i in 0..<n {
            for j in 0..<p { a[i, j] *= root[i] }
            b[i] *= root[i]
        }
        let qr = try PivotedQR(a)
        var beta = qr.solve(b)
        if qr.rank == p {
            // Iterative refinement of the augmented system with compensated residuals (three steps;
            // each gains about −log10(κ·ε) digits).
            var r = compensatedResidual(a, b, beta)
            for _ in 0..<3 {
                let f = zip(compensatedResidual(a, b, beta), r).map { $0 - $1 }
                let g = (0..<p).map { j in -compensatedDot(a.column(j), r) }
                let (dx, dr) = qr.augmentedCorrection(f: f, g: g)
                beta = zip(beta, dx).map { $0 + $1 }
                r = zip(r, dr).map { $0 + $1 }
            }
        } else {
            // Rank deficient: one step of refinement of the basic solution.
            let correction = qr.solve(compensatedResidual(a, b, beta))
            let refined = zip(beta, correction).map { $0 + $1 }
            if residualNorm(a, b, refined) <= residualNorm(a, b, beta) { beta = refined }
        }

        var aliased = Array(repeating: true, count: p)
        for k in 0..<qr.rank { aliased[qr.permutation[k]] = false }
        var fitted = Array(repeating: 0.0, count: n)
        var residuals = Array(repeating: 0.0, count: n)
        var rss = 0.0
        for i in 0..<n {
            var products: [Double] = []
            for j in 0..<p where !aliased[j] { products.append(x[i, j] * beta[j]) }
            fitted[i] = compensatedSum(products)
            residuals[i] = compensatedSum([y[i]] + products.map { -$0 })
            rss += w[i] * residuals[i] * residuals[i]
        }
        let positive = w.filter { $0 > 0 }.count
        let coefficients = (0..<p).map { aliased[$0] ? Double.nan : beta[$0] }
        return LeastSquaresFit(coefficients: coefficients, residuals: residuals, fittedValues: fitted,
                               rank: qr.rank, aliased: aliased, unscaledCovariance: qr.unscaledCovariance(),
                               residualSumOfSquares: rss, residualDegreesOfFreedom: positive - qr.rank)
    }

    /// b − A·β with each component summed by Neumaier's compensated summation of exact products (FMA).
    private static func compensatedResidual(_ a: Matrix, _ b: [Double], _ beta: [Double]) -> [Double] {
        (0..<a.rows).map { i in
            var terms: [Double] = [b[i]]
            for j in 0..<a.columns where beta[j] != 0 {
                let product = a[i, j] * beta[j]
                terms.append(-product)
                terms.append(-fma(a[i, j], beta[j], -product))
            }
            return compensatedSum(terms)
        }
    }

    /// Σ uᵢvᵢ with exact products (FMA) and compensated summation.
    private static func compensatedDot(_ u: [Double], _ v: [Double]) -> Double {
        var terms: [Double] = []
        terms.reserveCapacity(2 * u.count)
        for (x, y) in zip(u, v) {
            let product = x * y
            terms.append(product)
            terms.append(fma(x, y, -product))
        }
        return compensatedSum(terms)
    }

    private static func residualNorm(_ a: Matrix, _ b: [Double], _ beta: [Double]) -> Double {
        PivotedQR.norm(compensatedResidual(a, b, beta))
    }

    private static func compensatedSum(_ values: [Double]) -> Double { Descriptive.neumaierSum(values) }
}
