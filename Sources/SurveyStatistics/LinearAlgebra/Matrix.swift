#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A linear-algebra failure, with a stable code and the context that caused it.
public struct LinearAlgebraError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable, Equatable {
        /// Operand shapes do not conform (e.g. A·B with A.columns ≠ B.rows).
        case dimensionMismatch
        /// The matrix is singular (or numerically so) where an inverse was required.
        case singular
        /// Cholesky factorisation met a non-positive pivot: the matrix is not symmetric positive definite.
        case notPositiveDefinite
        /// Input contains NaN or ±∞.
        case nonFiniteInput
        /// Fewer usable observations than needed, or no columns.
        case insufficientData
        /// Weights must be finite and ≥ 0.
        case invalidWeights
    }

    /// What went wrong.
    public let code: Code
    /// Human-readable context: the operation, shapes and offending indices.
    public let context: String

    public init(_ code: Code, _ context: String) {
        self.code = code
        self.context = context
    }

    public var description: String { "\(code.rawValue): \(context)" }
}

/// A dense, row-major matrix of `Double`.
///
/// Element (i, j) is `storage[i * columns + j]`, 0-based. Small dense problems only (regression
/// designs, covariance matrices); no BLAS.
public struct Matrix: Sendable, Equatable, CustomStringConvertible {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// Row-major elements, `rows × columns` of them.
    public var storage: [Double]

    /// A zero matrix.
    public init(rows: Int, columns: Int) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.storage = Array(repeating: 0, count: rows * columns)
    }

    /// A matrix from row-major storage; throws `dimensionMismatch` if the count is not rows × columns.
    public init(rows: Int, columns: Int, storage: [Double]) throws {
        guard rows >= 0, columns >= 0, storage.count == rows * columns else {
            throw LinearAlgebraError(.dimensionMismatch,
                                     "storage has \(storage.count) elements, expected \(rows) × \(columns)")
        }
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    /// A matrix from an array of rows; throws `dimensionMismatch` for ragged input.
    public init(_ rowArrays: [[Double]]) throws {
        let columns = rowArrays.first?.count ?? 0
        for (i, row) in rowArrays.enumerated() where row.count != columns {
            throw LinearAlgebraError(.dimensionMismatch, "row \(i) has \(row.count) elements, expected \(columns)")
        }
        try self.init(rows: rowArrays.count, columns: columns, storage: rowArrays.flatMap { $0 })
    }

    /// The n × n identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    /// A diagonal matrix.
    public static func diagonal(_ values: [Double]) -> Matrix {
        var m = Matrix(rows: values.count, columns: values.count)
        for (i, v) in values.enumerated() { m[i, i] = v }
        return m
    }

    /// Element (i, j), 0-based; traps on out-of-range indices like `Array`.
    public subscript(i: Int, j: Int) -> Double {
        get { storage[i * columns + j] }
        set { storage[i * columns + j] = newValue }
    }

    /// Row i as an array.
    public func row(_ i: Int) -> [Double] { Array(storage[(i * columns)..<((i + 1) * columns)]) }

    /// Column j as an array.
    public func column(_ j: Int) -> [Double] { (0..<rows).map { self[$0, j] } }

    /// The main diagonal.
    public var diagonalElements: [Double] { (0..<min(rows, columns)).map { self[$0, $0] } }

    /// Aᵀ.
    public var transpose: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for i in 0..<rows {
            for j in 0..<columns { t[j, i] = self[i, j] }
        }
        return t
    }

    /// A·B; throws `dimensionMismatch` unless `columns == other.rows`.
    public func multiply(_ other: Matrix) throws -> Matrix {
        guard columns == other.rows else {
            throw LinearAlgebraError(.dimensionMismatch, "(\(rows)×\(columns)) · (\(other.rows)×\(other.columns))")
        }
        var product = Matrix(rows: rows, columns: other.columns)
        for i in 0..<rows {
            for k in 0..<columns {
                let a = self[i, k]
                if a == 0 { continue }
                for j in 0..<other.columns { product[i, j] += a * other[k, j] }
            }
        }
        return product
    }

    /// A·v; throws `dimensionMismatch` unless `columns == vector.count`.
    public func multiply(_ vector: [Double]) throws -> [Double] {
        guard columns == vector.count else {
            throw LinearAlgebraError(.dimensionMismatch, "(\(rows)×\(columns)) · vector of \(vector.count)")
        }
        return (0..<rows).map { i in
            var s = 0.0
            for j in 0..<columns { s += self[i, j] * vector[j] }
            return s
        }
    }

    /// A⁻¹ of a square matrix via Householder QR with column pivoting.
    ///
    /// Throws `dimensionMismatch` for non-square input, `nonFiniteInput` for NaN/∞ entries and
    /// `singular` when the numerical rank is below n.
    public func inverse() throws -> Matrix {
        guard rows == columns else {
            throw LinearAlgebraError(.dimensionMismatch, "inverse of a non-square \(rows)×\(columns) matrix")
        }
        let qr = try PivotedQR(self)
        guard qr.rank == columns else {
            throw LinearAlgebraError(.singular, "\(rows)×\(columns) matrix has numerical rank \(qr.rank)")
        }
        var inverse = Matrix(rows: rows, columns: rows)
        for j in 0..<rows {
            var e = Array(repeating: 0.0, count: rows)
            e[j] = 1
            let x = qr.solve(e)
            for i in 0..<rows { inverse[i, j] = x[i] }
        }
        return inverse
    }

    /// Lower-triangular L with A = L·Lᵀ (Cholesky–Banachiewicz).
    ///
    /// Throws `notPositiveDefinite` when a pivot is ≤ 0 (A not symmetric positive definite), and
    /// `dimensionMismatch` for non-square input. Only the lower triangle of A is read.
    public func cholesky() throws -> Matrix {
        guard rows == columns else {
            throw LinearAlgebraError(.dimensionMismatch, "Cholesky of a non-square \(rows)×\(columns) matrix")
        }
        let n = rows
        var l = Matrix(rows: n, columns: n)
        for i in 0..<n {
            for j in 0...i {
                var s = self[i, j]
                for k in 0..<j { s -= l[i, k] * l[j, k] }
                if i == j {
                    guard s > 0, s.isFinite else {
                        throw LinearAlgebraError(.notPositiveDefinite, "pivot \(i) is \(s)")
                    }
                    l[i, i] = s.squareRoot()
                } else {
                    l[i, j] = s / l[j, j]
                }
            }
        }
        return l
    }

    /// A⁻¹ for a symmetric positive definite A via its Cholesky factor (A⁻¹ = L⁻ᵀL⁻¹).
    public func inverseSymmetricPositiveDefinite() throws -> Matrix {
        let l = try cholesky()
        let n = rows
        // L⁻¹ by forward substitution, column by column.
        var lInverse = Matrix(rows: n, columns: n)
        for j in 0..<n {
            for i in j..<n {
                var s = i == j ? 1.0 : 0.0
                for k in j..<i { s -= l[i, k] * lInverse[k, j] }
                lInverse[i, j] = s / l[i, i]
            }
        }
        var inverse = Matrix(rows: n, columns: n)
        for i in 0..<n {
            for j in 0...i {
                var s = 0.0
                for k in i..<n { s += lInverse[k, i] * lInverse[k, j] }
                inverse[i, j] = s
                inverse[j, i] = s
            }
        }
        return inverse
    }

    public var description: String {
        (0..<rows).map { row($0).map { "\($0)" }.joined(separator: " ") }.joined(separator: "\n")
    }
}
