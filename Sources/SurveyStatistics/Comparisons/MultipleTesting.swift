/// Multiplicity adjustment of a family of p-values.
///
/// - `holm`: Holm (1979) step-down: sort ascending, p̃₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1) p₍ⱼ₎).
/// - `benjaminiHochberg`: Benjamini & Hochberg (1995) step-up false discovery rate:
///   p̃₍ᵢ₎ = min_{j ≥ i} min(1, m p₍ⱼ₎ / j).
/// - `bonferroni`: min(1, m p).
/// Adjusted values are returned in input order (as R's `p.adjust` and statsmodels' `multipletests`).
/// NaN p-values are left NaN and do not count in m.
public enum MultipleTestingMethod: String, Sendable, CaseIterable {
    case holm
    case benjaminiHochberg = "bh"
    case bonferroni
    case none

    /// Parses a plan's `multiple_testing:` value (`holm`, `bh`, `bonferroni`); `none` gives nil.
    public init?(_ name: String) {
        guard let m = MultipleTestingMethod(rawValue: name), m != .none else { return nil }
        self = m
    }
}

public enum MultipleTesting {
    /// Adjusted p-values, in the order of `pValues`.
    public static func adjust(_ pValues: [Double], method: MultipleTestingMethod) -> [Double] {
        let valid = pValues.indices.filter { !pValues[$0].isNaN }
        let m = Double(valid.count)
        var adjusted = pValues
        guard !valid.isEmpty, method != .none else { return adjusted }
        // Stable sort by p (ties keep input order), so results are deterministic.
        let order = valid.sorted { (pValues[$0], $0) < (pValues[$1], $1) }
        switch method {
        case .bonferroni:
            for i in valid { adjusted[i] = min(1, m * pValues[i]) }
        case .holm:
            var running = 0.0
            for (rank, i) in order.enumerated() {
                running = max(running, min(1, (m - Double(rank)) * pValues[i]))
                adjusted[i] = running
            }
        case .benjaminiHochberg:
            var running = 1.0
            for (rank, i) in order.enumerated().reversed() {
                running = min(running, min(1, m * pValues[i] / Double(rank + 1)))
                adjusted[i] = running
            }
        case .none:
            break
        }
        return adjusted
    }
}
