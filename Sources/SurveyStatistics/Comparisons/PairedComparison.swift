import Foundation

/// A before/after comparison of the same respondents (a panel linked by an id).
public struct PairedComparisonResult: Sendable, Equatable {
    /// Mean of after − before under the design (design-weighted), its SE and df (R
    /// `svyttest(I(after - before) ~ 0, design)`: the one-sample design-based t test, as
    /// ``DesignBasedVariance/oneSampleTTest(_:domain:)``). For 0/1 outcomes this is the
    /// design-based counterpart of McNemar: the paired difference of proportions.
    public var difference: Double
    public var standardError: Double
    public var degreesOfFreedom: Double
    public var statistic: Double
    public var pValue: Double
    public var interval: ConfidenceInterval
    /// Pairs with both values.
    public var pairs: Int
    public var binary: Bool
    /// For 0/1 outcomes: discordant pairs before = 1, after = 0 (b) and before = 0, after = 1 (c).
    public var discordantOneToZero: Int?
    public var discordantZeroToOne: Int?
    /// McNemar (exact, mid-p, χ² with and without continuity correction) for 0/1 outcomes;
    /// Wilcoxon signed-rank (exact when there are no ties or zeros, normal approximation with tie
    /// correction) and the paired t test for numeric outcomes — all unweighted.
    public var tests: [NamedTest]
    public var effectSizes: [EffectMeasure]
    public var warnings: [String]
}

public enum PairedComparison {
    /// Compares `after` with `before` for the same units, one pair per design row.
    ///
    /// - Parameters:
    ///   - before, after: the outcome at each occasion (NaN = missing; such pairs drop out).
    ///   - design: the design of the pairs (e.g. with the panel's longitudinal weights).
    /// - Throws: ``ComparisonError`` (`lengthMismatch`, `insufficientData` for fewer than 2 pairs),
    ///   ``DesignError`` from the variance engine.
    public static func compare(before: [Double], after: [Double], design: SurveyDesign,
                               confidenceLevel: Double = 0.95) throws -> PairedComparisonResult {
        let n = design.rowCount
        guard before.count == n, after.count == n else {
            throw ComparisonError(.lengthMismatch, "before and after need \(n) values (one per pair)")
        }
        let rows = completeRows([before, after], count: n).filter { design.weights[$0] > 0 }
        guard rows.count >= 2 else {
            throw ComparisonError(.insufficientData, "a paired comparison needs at least 2 complete pairs, got \(rows.count)")
        }
        let d = (0..<n).map { after[$0] - before[$0] }
        let m = try design.mean(d)
        // The one-sample design-based t test of the differences (df as R svyttest(d ~ 0)).
        let df = try design.oneSampleTTest(d).degreesOfFreedom ?? m.degreesOfFreedom
        let inf = tInference(statistic: m.value / m.standardError, degreesOfFreedom: df, confidenceLevel: confidenceLevel)
        let a = rows.map { after[$0] }, b = rows.map { before[$0] }
        let binary = (a + b).allSatisfy { $0 == 0 || $0 == 1 }
        var tests: [NamedTest] = []
        var effects: [EffectMeasure] = []
        var oneToZero: Int? = nil, zeroToOne: Int? = nil
        if binary {
            let bCount = zip(b, a).filter { $0 == 1 && $1 == 0 }.count
            let cCount = zip(b, a).filter { $0 == 0 && $1 == 1 }.count
            oneToZero = bCount; zeroToOne = cCount
            for (method, name) in [(McNemarMethod.exact, "McNemar exact (unweighted)"), (.midP, "McNemar mid-p (unweighted)"),
                                   (.chiSquare, "McNemar chi-square (unweighted)"),
                                   (.chiSquareCorrected, "McNemar chi-square with continuity correction (unweighted)")] {
                let r = try ContingencyTests.mcNemar(b: bCount, c: cCount, method: method)
                tests.append(NamedTest(name: name, statistic: r.test.statistic, degreesOfFreedom: r.test.degreesOfFreedom,
                                       pValue: r.test.pValue))
            }
            effects.append(EffectMeasure(name: "risk_difference", value: m.value,
                                         lower: m.value - inf.critical * m.standardError,
                                         upper: m.value + inf.critical * m.standardError))
            if bCount > 0 {
                // Conditional (discordant-pair) odds ratio c/b of the matched-pairs design.
                effects.append(EffectMeasure(name: "discordant_odds_ratio", value: Double(cCount) / Double(bCount)))
            }
        } else {
            let hasTiesOrZeros = Set(zip(a, b).map { abs($0 - $1) }).count < a.count || zip(a, b).contains { $0 == $1 }
            let w = try RankTests.wilcoxonSignedRank(after: a, before: b, method: hasTiesOrZeros ? .asymptotic : .exact)
            tests.append(NamedTest(name: "Wilcoxon signed-rank (\(w.test.method), unweighted)", statistic: w.test.statistic,
                                   pValue: w.test.pValue))
            let t = try TTest.paired(after: a, before: b, confidenceLevel: confidenceLevel)
            tests.append(NamedTest(name: "paired t test (unweighted)", statistic: t.statistic,
                                   degreesOfFreedom: t.degreesOfFreedom, pValue: t.pValue))
            effects.append(EffectMeasure(name: "cohens_dz", value: try EffectSize.cohenDz(after: a, before: b)))
            effects.append(EffectMeasure(name: "cohens_d_av", value: try EffectSize.pairedCohenDAverage(after: a, before: b)))
        }
        var warnings: [String] = []
        if rows.count < n {
            warnings.append("\(n - rows.count) linked respondent(s) lack the outcome at one occasion and are left out.")
        }
        return PairedComparisonResult(
            difference: m.value, standardError: m.standardError, degreesOfFreedom: df,
            statistic: m.value / m.standardError, pValue: inf.p,
            interval: ConfidenceInterval(lower: m.value - inf.critical * m.standardError,
                                         upper: m.value + inf.critical * m.standardError, level: confidenceLevel),
            pairs: rows.count, binary: binary, discordantOneToZero: oneToZero, discordantZeroToOne: zeroToOne,
            tests: tests, effectSizes: effects, warnings: warnings)
    }
}
