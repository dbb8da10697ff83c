/// What to do with a stratum that has a single sampled PSU (a "lonely PSU").
///
/// Semantics follow R `survey` 4.1.1 (`options(survey.lonely.psu = ...)`, `R/multistage.R`
/// `onestrat`): the variance contribution of a stratum with ≥ 2 PSUs is
/// `f · n/(n−1) · Σ (t_i − t̄)²` over its PSU totals `t_i` of the influence values; for a
/// single-PSU stratum:
/// - `fail`: throw ``DesignError/Code/lonelyPSU`` (the default; the error suggests the others);
/// - `remove`, `certainty`: the stratum contributes zero;
/// - `adjust`: the single PSU total is used uncentred (influence values are centred at the
///   overall estimate), contributing `f · t²`;
/// - `average`: the stratum is left out and the sum over the other strata is multiplied by
///   (strata present) / (strata with ≥ 2 PSUs).
///
/// `f` = (N − n)/N with a finite population correction, else 1. Degrees of freedom are unchanged.
public enum LonelyPSUPolicy: String, Sendable, CaseIterable {
    case fail, remove, adjust, average, certainty
}

/// Which simple-random-sampling variance a design effect compares with.
public enum DesignEffectBaseline: String, Sendable, CaseIterable {
    /// SRS without replacement of the same number of units (R `deff = TRUE`).
    case withoutReplacement
    /// SRS with replacement (R `deff = "replace"`).
    case withReplacement
}

/// A design column (strata or one stage's cluster labels) as integer codes: row i's label is
/// `levels[codes[i]]`. Equal labels must have equal codes for the design to see them as one
/// stratum or cluster; ``SurveyDesign/init(weights:codedStrata:codedClusters:fpc:nest:lonelyPSU:)``
/// merges repeated levels itself, so any coding of the labels gives the same design.
public struct DesignLabels: Sendable, Equatable {
    /// One code per row, an index into ``levels``.
    public var codes: [Int32]
    /// The label texts (used in messages and in the labels of later-stage strata).
    public var levels: [String]

    /// Labels already coded (e.g. an ingested label column without missing cells).
    public init(codes: [Int32], levels: [String]) {
        self.codes = codes
        self.levels = levels
    }

    /// Codes the labels in order of first appearance.
    public init(_ labels: [String]) {
        var index: [String: Int32] = [:]
        var levels: [String] = []
        var codes = [Int32](repeating: 0, count: labels.count)
        for (i, label) in labels.enumerated() {
            // Files are usually sorted: a label like the last one needs no lookup.
            if i > 0, label == labels[i - 1] { codes[i] = codes[i - 1]; continue }
            if let c = index[label] { codes[i] = c } else {
                let c = Int32(truncatingIfNeeded: levels.count)
                index[label] = c; levels.append(label); codes[i] = c
            }
        }
        self.codes = codes
        self.levels = levels
    }

    /// The same labels with one code per distinct level text (the first code of each), so that
    /// code equality is label equality; nil when a code is outside `levels`.
    func canonical() -> DesignLabels? {
        var first: [String: Int32] = [:]
        var map = [Int32](repeating: 0, count: levels.count)
        var merged = false
        for (c, level) in levels.enumerated() {
            if let f = first[level] { map[c] = f; merged = true } else {
                first[level] = Int32(truncatingIfNeeded: c); map[c] = Int32(truncatingIfNeeded: c)
            }
        }
        let count = levels.count
        let valid = codes.withUnsafeBufferPointer { c in
            var ok = true
            for code in c { ok = ok && code >= 0 && Int(code) < count }
            return ok
        }
        guard valid else { return nil }
        guard merged else { return self }
        return DesignLabels(codes: codes.map { map[Int($0)] }, levels: levels)
    }
}

/// A probability sample described by its weights, strata, (multistage) clusters and finite
/// population corrections: the Taylor-linearisation counterpart of R's `svydesign()`.
///
/// The design knows the sampling structure; estimators (``mean(_:domain:deff:baseline:)``,
/// ``total(_:domain:deff:baseline:)``, ``ratio(numerator:denominator:domain:)``) reduce a variable to
/// its value and *influence values* (the linearised variable, one per row, zero outside the
/// domain), and a single variance engine turns influence values into a design covariance
/// (R `svyrecvar`: with-replacement between-PSU variance within strata, times (1 − n_h/N_h)
/// with an fpc, plus later-stage components when every stage has an fpc).
///
/// ```swift
/// let design = try SurveyDesign(weights: w, strata: stype, fpc: [popSize])
/// let m = try design.mean(api00)            // value, SE, df = PSUs − strata
/// let ci = m.confidenceInterval(level: 0.95)
/// ```
///
/// - Complexity: building is O(n · stages) with hashing of labels; every estimate is O(n)
///   plus O(PSUs · p²) for p joint estimates.
public struct SurveyDesign: Sendable {
    /// One stage of sampling, with integer indices built once.
    struct Stage: Sendable {
        /// Cluster index (0..<clusterCount) of each row, nested in the earlier stages.
        var clusterOfRow: [Int]
        /// Stratum index of each cluster at this stage.
        var stratumOfCluster: [Int]
        /// Clusters of each stratum, in first-appearance order.
        var clustersOfStratum: [[Int]]
        /// Stratum labels for messages.
        var stratumLabels: [String]
        /// Cluster labels as R builds them (nested labels joined by "."), for messages.
        var clusterLabels: [String]
        /// Population size per stratum (number of clusters at this stage), or nil (no fpc).
        var populationSize: [Double]?
        /// Product of the sampling fractions n/N of the ancestors (1 at stage 1).
        var multiplier: [Double]
        var clusterCount: Int { stratumOfCluster.count }
        var stratumCount: Int { clustersOfStratum.count }
    }

    /// Sampling weights, one per row.
    public internal(set) var weights: [Double]
    /// The lonely-PSU policy in force.
    public internal(set) var lonelyPSU: LonelyPSUPolicy
    /// Whether a finite population correction was given.
    public let hasFPC: Bool
    /// Whether strata were given.
    public let isStratified: Bool
    let stages: [Stage]
    /// Calibration steps applied to the weights, in order (their residuals enter the variance).
    var calibrations: [CalibrationStep] = []

    /// Whether the weights were calibrated (post-stratified, raked or GREG-calibrated).
    public var isCalibrated: Bool { !calibrations.isEmpty }
    /// Number of stages whose variance is computed (1, or all stages when each has an fpc).
    let varianceStages: Int

    /// Number of rows.
    public var rowCount: Int { weights.count }

    /// Number of sampling stages (cluster columns; 1 when each row is its own PSU).
    public var stageCount: Int { stages.count }

    /// Degrees of freedom as R's `degf()`: distinct stage-1 PSUs minus distinct strata, counting
    /// only rows with non-zero weight.
    public var degreesOfFreedom: Int { degreesOfFreedom(active: nil) }

    /// Builds a design.
    ///
    /// - Parameters:
    ///   - weights: sampling weights (≥ 0, finite). Rows with weight 0 are allowed and count as
    ///     out of sample for the degrees of freedom.
    ///   - strata: one stratum label per row, or nil for an unstratified design.
    ///   - clusters: one label array per stage (stage-1 PSU labels, then stage-2 …); empty means
    ///     each row is its own PSU. Later-stage labels are nested in earlier ones automatically.
    ///   - fpc: per stage, the population size (> 1, number of units at that stage in the
    ///     stratum / parent cluster) or the sampling fraction (≤ 1); empty for none. As in R, all
    ///     values are population sizes if any exceeds 1, else all are fractions.
    ///   - nest: PSU labels are only unique within strata (R `nest = TRUE`).
    ///   - lonelyPSU: the policy for single-PSU strata.
    /// - Throws: ``DesignError`` with codes `lengthMismatch`, `emptyDesign`, `invalidWeight`,
    ///   `invalidFPC`, `fpcVariesWithinStratum`, `fpcExceedsPopulation`, `clustersNotNested`,
    ///   `singlePSU`.
    public init(weights: [Double], strata: [String]? = nil, clusters: [[String]] = [], fpc: [[Double]] = [],
                nest: Bool = false, lonelyPSU: LonelyPSUPolicy = .fail) throws {
        try self.init(weights: weights, codedStrata: strata.map(DesignLabels.init),
                      codedClusters: clusters.map(DesignLabels.init), fpc: fpc, nest: nest, lonelyPSU: lonelyPSU)
    }

    /// Builds a design from coded strata and cluster labels: the same design, errors and
    /// messages as ``init(weights:strata:clusters:fpc:nest:lonelyPSU:)`` with the labels
    /// `levels[codes[i]]`, without a text per row (strata and clusters are told apart by their
    /// codes, levels with equal texts being merged first).
    ///
    /// - Throws: as ``init(weights:strata:clusters:fpc:nest:lonelyPSU:)``, and `invalidArgument`
    ///   when a code is not an index into its levels.
    public init(weights: [Double], codedStrata strata: DesignLabels?, codedClusters clusters: [DesignLabels],
                fpc: [[Double]] = [], nest: Bool = false, lonelyPSU: LonelyPSUPolicy = .fail) throws {
        let structure = try Self.buildStages(rowCount: weights.count, strata: strata, clusters: clusters,
                                             fpc: fpc, nest: nest)
        for (i, w) in weights.enumerated() where !(w.isFinite && w >= 0) {
            throw DesignError(.invalidWeight, "weight \(w) in row \(i + 1) is not a finite non-negative number",
                              hint: "sampling weights must be ≥ 0; give missing weights a value or drop the row")
        }
        self.weights = weights
        self.lonelyPSU = lonelyPSU
        self.hasFPC = !fpc.isEmpty
        self.isStratified = strata != nil
        self.stages = structure.stages
        self.varianceStages = structure.varianceStages
    }

    /// Builds a design whose weights are implied by the finite population corrections: the
    /// product over stages of N/n (R `svydesign(ids, fpc = ...)` without `weights`).
    ///
    /// - Throws: as ``init(weights:strata:clusters:fpc:nest:lonelyPSU:)``, and `invalidFPC` when
    ///   `fpc` is empty or shorter than the number of stages.
    public init(weightsFromFPC fpc: [[Double]], strata: [String]? = nil, clusters: [[String]] = [],
                nest: Bool = false, lonelyPSU: LonelyPSUPolicy = .fail) throws {
        let n = fpc.first?.count ?? 0
        let strata = strata.map(DesignLabels.init), clusters = clusters.map(DesignLabels.init)
        let structure = try Self.buildStages(rowCount: n, strata: strata, clusters: clusters, fpc: fpc, nest: nest)
        guard !fpc.isEmpty, fpc.count >= structure.stages.count else {
            throw DesignError(.invalidFPC, "weights can only be implied when every stage has an fpc",
                              hint: "give weights, or one fpc column per cluster stage")
        }
        var w = [Double](repeating: 1, count: n)
        for stage in structure.stages {
            guard let pop = stage.populationSize else { continue }
            for i in 0..<n {
                let h = stage.stratumOfCluster[stage.clusterOfRow[i]]
                w[i] *= pop[h] / Double(stage.clustersOfStratum[h].count)
            }
        }
        try self.init(weights: w, codedStrata: strata, codedClusters: clusters, fpc: fpc, nest: nest,
                      lonelyPSU: lonelyPSU)
    }

    /// The same design with another lonely-PSU policy.
    public func with(lonelyPSU policy: LonelyPSUPolicy) -> SurveyDesign {
        var copy = self
        copy.lonelyPSU = policy
        return copy
    }

    /// The same design with other weights (e.g. calibrated), keeping strata, clusters and fpc.
    ///
    /// - Throws: `lengthMismatch` or `invalidWeight`.
    public func with(weights newWeights: [Double]) throws -> SurveyDesign {
        guard newWeights.count == rowCount else {
            throw DesignError(.lengthMismatch, "\(newWeights.count) weights for a design of \(rowCount) rows")
        }
        for (i, w) in newWeights.enumerated() where !(w.isFinite && w >= 0) {
            throw DesignError(.invalidWeight, "weight \(w) in row \(i + 1) is not a finite non-negative number")
        }
        var copy = self
        copy.weights = newWeights
        return copy
    }

    // MARK: - Structure

    /// The stages from coded labels: strata and clusters in order of first appearance, told
    /// apart by code (after ``DesignLabels/canonical()``, equal codes are equal labels).
    private static func buildStages(rowCount n: Int, strata codedStrata: DesignLabels?, clusters codedClusters: [DesignLabels],
                                    fpc: [[Double]], nest: Bool) throws -> (stages: [Stage], varianceStages: Int) {
        guard n > 0 else { throw DesignError(.emptyDesign, "the design has no rows") }
        if let strata = codedStrata, strata.codes.count != n {
            throw DesignError(.lengthMismatch, "\(strata.codes.count) stratum labels for \(n) rows")
        }
        for (s, c) in codedClusters.enumerated() where c.codes.count != n {
            throw DesignError(.lengthMismatch, "\(c.codes.count) cluster labels at stage \(s + 1) for \(n) rows")
        }
        let strata = try codedStrata.map { labels in
            guard let canonical = labels.canonical() else {
                throw DesignError(.invalidArgument, "a stratum code is not an index into the \(labels.levels.count) stratum levels")
            }
            return canonical
        }
        let clusters = try codedClusters.enumerated().map { s, labels in
            guard let canonical = labels.canonical() else {
                throw DesignError(.invalidArgument,
                                  "a cluster code at stage \(s + 1) is not an index into its \(labels.levels.count) levels")
            }
            return canonical
        }
        for (s, f) in fpc.enumerated() where f.count != n {
            throw DesignError(.lengthMismatch, "\(f.count) fpc values at stage \(s + 1) for \(n) rows")
        }
        let stageCount = max(clusters.count, 1)
        guard fpc.count <= stageCount else {
            throw DesignError(.invalidFPC, "fpc given for \(fpc.count) stages but the design has \(stageCount)",
                              hint: "give one fpc column per cluster stage")
        }
        // Population sizes or fractions, decided over all values as R's as.fpc().
        var isPopulationSize = false
        for column in fpc {
            for v in column {
                if v.isNaN || v < 0 {
                    throw DesignError(.invalidFPC, "fpc value \(v) is missing or negative",
                                      hint: "fpc must be a population size (> 1) or a sampling fraction (≤ 1)")
                }
                if v > 1 { isPopulationSize = true }
            }
        }
        if isPopulationSize, fpc.contains(where: { $0.contains(where: { $0 < 1 }) }) {
            throw DesignError(.invalidFPC, "fpc mixes population sizes (> 1) and sampling fractions (< 1)",
                              hint: "use either population sizes or sampling fractions throughout")
        }

        // Stage-1 strata: codes (one stratum "" without strata) and their texts.
        let stratumCodes = strata?.codes ?? [Int32](repeating: 0, count: n)
        let stratumTexts = strata?.levels ?? [""]
        // Cluster keys per stage: nested in earlier stages (and in strata when nest).
        var stages: [Stage] = []
        var previousClusterOfRow: [Int]? = nil
        var previousMultiplier: [Double] = []
        var previousStage: Stage? = nil
        for s in 0..<stageCount {
            // Stratum of each row at this stage.
            var stratumOfRow = [Int](repeating: 0, count: n)
            var stratumLabels: [String] = []
            if s == 0 {
                var index = [Int](repeating: -1, count: stratumTexts.count)  // stratum of each code
                for i in 0..<n {
                    let key = Int(stratumCodes[i])
                    if index[key] < 0 { index[key] = stratumLabels.count; stratumLabels.append(stratumTexts[key]) }
                    stratumOfRow[i] = index[key]
                }
            } else if let prev = previousClusterOfRow, let prevStage = previousStage {
                stratumOfRow = prev
                // R: the stage-s stratum is interaction(stage-1 stratum, stage-(s−1) cluster), "1" when
                // the design has no strata; messages name it that way.
                stratumLabels = (0..<prevStage.clusterCount).map { _ in "" }
                for i in 0..<n where stratumLabels[prev[i]].isEmpty {
                    stratumLabels[prev[i]] = (strata.map { $0.levels[Int($0.codes[i])] } ?? "1") + "." + prevStage.clusterLabels[prev[i]]
                }
            }
            // Cluster of each row at this stage: key = (stratum-if-nest or parent cluster, label).
            var clusterOfRow = [Int](repeating: 0, count: n)
            var stratumOfCluster: [Int] = []
            var clustersOfStratum = [[Int]](repeating: [], count: stratumLabels.count)
            var clusterLabels: [String] = []
            if clusters.isEmpty {
                for i in 0..<n {
                    clusterOfRow[i] = i; stratumOfCluster.append(stratumOfRow[i])
                    clusterLabels.append("row \(i + 1)")
                    clustersOfStratum[stratumOfRow[i]].append(i)
                }
            } else {
                // A cluster is a (parent, label code) pair: the parent is the stratum (stage 1 with
                // nest), none (stage 1 without), or the earlier stage's cluster.
                let labels = clusters[s].codes, texts = clusters[s].levels
                let parents = s == 0 && !nest ? 1 : stratumLabels.count
                var index = ClusterIndex(parents: parents, labels: texts.count)
                var stratumOfLabel = [Int](repeating: -1, count: texts.count)
                for i in 0..<n {
                    let parent = s == 0 && !nest ? 0 : stratumOfRow[i]
                    let label = Int(labels[i])
                    let sameAsLast = i > 0 && labels[i] == labels[i - 1] && (s == 0 && !nest ? true : stratumOfRow[i] == stratumOfRow[i - 1])
                    if sameAsLast {
                        clusterOfRow[i] = clusterOfRow[i - 1]
                    } else if let c = index[parent, label] {
                        clusterOfRow[i] = c
                    } else {
                        let c = stratumOfCluster.count
                        index[parent, label] = c; clusterOfRow[i] = c
                        stratumOfCluster.append(stratumOfRow[i])
                        let nested = s == 0 ? texts[label] : (previousStage?.clusterLabels[stratumOfRow[i]] ?? "") + "." + texts[label]
                        clusterLabels.append(s == 0 && nest && strata != nil
                                             ? stratumTexts[Int(stratumCodes[i])] + "." + nested : nested)
                        clustersOfStratum[stratumOfRow[i]].append(c)
                    }
                    if s == 0, !nest, strata != nil, !(sameAsLast && stratumOfRow[i] == stratumOfRow[i - 1]) {
                        let h = stratumOfLabel[label]
                        if h >= 0, h != stratumOfRow[i] {
                            throw DesignError(
                                .clustersNotNested,
                                "PSU \"\(texts[label])\" appears in strata \"\(stratumLabels[h])\" and \"\(stratumLabels[stratumOfRow[i]])\"",
                                hint: "if PSU labels are only unique within strata, nest them in the strata (nest: true, copro estimate --nest; R nest = TRUE)")
                        }
                        stratumOfLabel[label] = stratumOfRow[i]
                    }
                }
            }
            if s == 0, stratumOfCluster.count == 1, !(nest && strata != nil) {
                throw DesignError(.singlePSU, "the design has only one primary sampling unit",
                                  hint: "check the cluster column; for a simple random sample give no clusters")
            }
            // Population sizes per stratum.
            var populationSize: [Double]? = nil
            if s < fpc.count {
                var pop = [Double](repeating: .nan, count: stratumLabels.count)
                for i in 0..<n {
                    let h = stratumOfRow[i]
                    let nh = Double(clustersOfStratum[h].count)
                    let v = fpc[s][i]
                    let N = isPopulationSize ? v : (v == 0 ? .infinity : nh / v)
                    if pop[h].isNaN {
                        pop[h] = N
                    } else if pop[h] != N {
                        throw DesignError(.fpcVariesWithinStratum,
                                          "fpc varies within stratum \"\(stratumLabels[h])\" at stage \(s + 1) (row \(i + 1))",
                                          hint: "the fpc must be constant within each stratum (and, at later stages, within each cluster)")
                    }
                    if N < nh {
                        throw DesignError(.fpcExceedsPopulation,
                                          "fpc implies a population of \(N) but \(Int(nh)) units were sampled in stratum \"\(stratumLabels[h])\" at stage \(s + 1)",
                                          hint: "the fpc is the population size of the stratum (number of PSUs at stage 1), not of the whole population")
                    }
                }
                populationSize = pop
            }
            // Multipliers: product of ancestors' sampling fractions.
            var multiplier = [Double](repeating: 1, count: stratumLabels.count)
            if s > 0, let prevStage = previousStage {
                for c in 0..<prevStage.clusterCount {
                    let h = prevStage.stratumOfCluster[c]
                    let fraction: Double
                    if let pop = prevStage.populationSize {
                        fraction = Double(prevStage.clustersOfStratum[h].count) / pop[h]
                    } else {
                        fraction = 1
                    }
                    multiplier[c] = previousMultiplier[h] * fraction
                }
            }
            let stage = Stage(clusterOfRow: clusterOfRow, stratumOfCluster: stratumOfCluster,
                              clustersOfStratum: clustersOfStratum, stratumLabels: stratumLabels,
                              clusterLabels: clusterLabels,
                              populationSize: populationSize, multiplier: multiplier)
            stages.append(stage)
            previousStage = stage
            previousClusterOfRow = clusterOfRow
            previousMultiplier = multiplier
        }
        // Later stages contribute only while every stage so far has an fpc (R: survey's default
        // multistage formula needs the fpc; without it the ultimate-cluster variance is used).
        var varianceStages = 1
        while varianceStages < stages.count, stages[varianceStages - 1].populationSize != nil,
              stages[varianceStages].populationSize != nil {
            varianceStages += 1
        }
        return (stages, varianceStages)
    }

    /// Degrees of freedom counting only `active` rows with non-zero weight.
    func degreesOfFreedom(active: [Bool]?) -> Int {
        let stage = stages[0]
        var seenCluster = [Bool](repeating: false, count: stage.clusterCount)
        var seenStratum = [Bool](repeating: false, count: stage.stratumCount)
        var clustersSeen = 0, strataSeen = 0
        for i in 0..<rowCount where weights[i] != 0 && (active?[i] ?? true) {
            let c = stage.clusterOfRow[i]
            if !seenCluster[c] {
                seenCluster[c] = true; clustersSeen += 1
                let h = stage.stratumOfCluster[c]
                if !seenStratum[h] { seenStratum[h] = true; strataSeen += 1 }
            }
        }
        return clustersSeen - strataSeen
    }
}

/// The cluster number of each (parent, label code) pair seen so far: a flat table when the pairs
/// are few (up to 2¹⁸), else a dictionary.
private struct ClusterIndex {
    private struct Pair: Hashable { var parent: Int; var label: Int }
    private var table: [Int]
    private var dictionary: [Pair: Int] = [:]
    private let labels: Int

    init(parents: Int, labels: Int) {
        self.labels = labels
        let (pairs, overflow) = parents.multipliedReportingOverflow(by: labels)
        table = !overflow && pairs <= 1 << 18 ? [Int](repeating: -1, count: pairs) : []
    }

    subscript(parent: Int, label: Int) -> Int? {
        get {
            if table.isEmpty { return dictionary[Pair(parent: parent, label: label)] }
            let c = table[parent * labels + label]
            return c < 0 ? nil : c
        }
        set {
            if table.isEmpty { dictionary[Pair(parent: parent, label: label)] = newValue } else {
                table[parent * labels + label] = newValue ?? -1
            }
        }
    }
}
