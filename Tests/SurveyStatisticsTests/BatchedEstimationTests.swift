import Testing
@testable import SurveyStatistics

// `domainEstimates` batches the variables of a domain; its contract is that every field of every
// estimate is bitwise identical to one `mean`/`total` call per (domain, variable), and that it
// throws the loop's first error. These tests compare it with that loop on seeded random designs,
// and check that the batched route itself (not only its fallback) ran where it should.

/// Bitwise equality of two estimates (NaN == NaN, +0 ≠ −0).
private func identical(_ a: Estimate, _ b: Estimate) -> Bool {
    a.value.bitPattern == b.value.bitPattern
        && a.standardError.bitPattern == b.standardError.bitPattern
        && a.degreesOfFreedom.bitPattern == b.degreesOfFreedom.bitPattern
        && a.designEffect?.bitPattern == b.designEffect?.bitPattern
        && a.sampleSize == b.sampleSize
}

/// The reference: one call per (domain, variable), domain-major, written out here.
private func loop(_ design: any DesignBasedVariance, _ ys: [[Double]], _ statistic: BatchStatistic,
                  _ domains: [[Bool]?], deff: Bool, baseline: DesignEffectBaseline) throws -> [[Estimate]] {
    var result: [[Estimate]] = []
    for domain in domains {
        var row: [Estimate] = []
        for y in ys {
            switch statistic {
            case .mean: row.append(try design.mean(y, domain: domain, deff: deff, baseline: baseline))
            case .total: row.append(try design.total(y, domain: domain, deff: deff, baseline: baseline))
            }
        }
        result.append(row)
    }
    return result
}

/// Either the results of both routes are bitwise identical, or both throw the same error.
/// Returns whether the loop succeeded.
@discardableResult
private func expectSameAsLoop(_ design: any DesignBasedVariance, _ ys: [[Double]], _ statistic: BatchStatistic,
                              _ domains: [[Bool]?], deff: Bool, baseline: DesignEffectBaseline = .withoutReplacement,
                              _ label: String) -> Bool {
    let expected: Result<[[Estimate]], DesignError> = Result {
        try loop(design, ys, statistic, domains, deff: deff, baseline: baseline)
    }.mapError { $0 as? DesignError ?? DesignError(.invalidArgument, "unexpected \($0)") }
    let actual: Result<[[Estimate]], DesignError> = Result {
        try design.domainEstimates(ys, statistic: statistic, domains: domains, deff: deff, baseline: baseline)
    }.mapError { $0 as? DesignError ?? DesignError(.invalidArgument, "unexpected \($0)") }
    switch (expected, actual) {
    case (.success(let e), .success(let a)):
        #expect(e.count == a.count && zip(e, a).allSatisfy { $0.count == $1.count }, "\(label): shape")
        for (d, (re, ra)) in zip(e, a).enumerated() {
            for (k, (x, y)) in zip(re, ra).enumerated() {
                #expect(identical(x, y), "\(label) \(statistic) domain \(d) variable \(k): loop \(x) batched \(y)")
            }
        }
        return true
    case (.failure(let e), .failure(let a)):
        #expect(e == a, "\(label): loop threw \(e), batched \(a)")
        return false
    default:
        Issue.record("\(label) \(statistic): loop \(expected), batched \(actual)")
        return false
    }
}

/// Runs the batched route itself (not its fallback) on all the domains; it must not throw and
/// must fill exactly the batched variables (for a linearisation design every variable, NaN or
/// not; for a replicate design those without NaN in any domain). Returns the number of domains run.
private func runBatched(_ design: any DesignBasedVariance, _ ys: [[Double]], _ statistic: BatchStatistic,
                        _ domains: [[Bool]?]) throws -> Int {
    let plan = try #require(BatchPlan(ys, domains: domains, rowCount: design.rowCount,
                                      batchMissing: design is SurveyDesign, lean: design is SurveyDesign))
    var out = [[Estimate?]](repeating: [Estimate?](repeating: nil, count: ys.count), count: domains.count)
    if let d = design as? SurveyDesign {
        try d.batchedEstimates(ys, statistic: statistic, plan: plan, deff: true, baseline: .withoutReplacement,
                               into: &out)
    } else if let d = design as? ReplicateDesign {
        try d.batchedEstimates(ys, statistic: statistic, plan: plan, deff: true, baseline: .withoutReplacement,
                               into: &out)
    }
    for row in out { #expect(row.indices.filter { row[$0] != nil } == plan.batched) }
    #expect(!plan.batched.isEmpty)
    return domains.count
}

/// A random survey: 3–6 strata (one of them, optionally, with a single PSU), 2–5 PSUs each,
/// 1–6 rows per PSU, a few zero weights, variables with ±0, a few NaN, and domains that are
/// partial, overlapping, empty or everything.
private struct RandomSurvey {
    var weights: [Double] = []
    var strata: [String] = []
    var psus: [String] = []
    var ssus: [String] = []
    var fpc1: [Double] = []
    var fpc2: [Double] = []
    var ys: [[Double]] = []
    var withNaN: [[Double]] = []
    var domains: [[Bool]?] = []
    var psuCount = 0

    init(seed: UInt64, lonely: Bool, p: Int = 5) {
        var rng = SeededGenerator(seed: seed)
        let h = Int.random(in: 3...6, using: &rng)
        for s in 0..<h {
            let m = lonely && s == 1 ? 1 : Int.random(in: 2...5, using: &rng)
            let population = Double(m + Int.random(in: 0...6, using: &rng))
            for c in 0..<m {
                let rowsInPSU = Int.random(in: 1...6, using: &rng)
                let ssuPopulation = Double(rowsInPSU + Int.random(in: 0...3, using: &rng))
                for r in 0..<rowsInPSU {
                    weights.append(Double.random(in: 0...1, using: &rng) < 0.06 ? 0 : Double.random(in: 0.5...30, using: &rng))
                    strata.append("s\(s)")
                    psus.append("p\(c)")      // labels repeat across strata: use nest
                    ssus.append("u\(r)")
                    fpc1.append(population)
                    fpc2.append(ssuPopulation)
                }
                psuCount += 1
            }
        }
        let n = weights.count
        for k in 0..<p {
            var y = (0..<n).map { _ in Double.random(in: -50...120, using: &rng).rounded() / 4 }
            for i in 0..<n where Double.random(in: 0...1, using: &rng) < 0.1 {
                y[i] = Bool.random(using: &rng) ? 0.0 : -0.0
            }
            if k == 0 { for i in 0..<n { y[i] = y[i] < 0 ? 1 : 0 } }  // an indicator
            ys.append(y)
            var z = y
            for i in 0..<n where Double.random(in: 0...1, using: &rng) < 0.08 { z[i] = .nan }
            withNaN.append(k % 2 == 0 ? z : y)
        }
        let a = (0..<n).map { _ in Double.random(in: 0...1, using: &rng) < 0.5 }
        let b = (0..<n).map { _ in Double.random(in: 0...1, using: &rng) < 0.7 }
        let c = zip(a, b).map { $0 && !$1 }
        domains = [nil, a, b, c, (0..<n).map { $0 < n / 2 }, [Bool](repeating: true, count: n)]
    }

    /// One of several design shapes.
    func design(shape: Int, lonely: LonelyPSUPolicy) throws -> SurveyDesign {
        switch shape {
        case 0: return try SurveyDesign(weights: weights, strata: strata, clusters: [psus], nest: true, lonelyPSU: lonely)
        case 1: return try SurveyDesign(weights: weights, strata: strata, clusters: [psus], fpc: [fpc1], nest: true,
                                        lonelyPSU: lonely)
        case 2: return try SurveyDesign(weights: weights, strata: strata, lonelyPSU: lonely)  // each row a PSU
        case 3: return try SurveyDesign(weights: weights, clusters: [zip(strata, psus).map { $0 + $1 }], lonelyPSU: lonely)
        case 4: return try SurveyDesign(weights: weights, strata: strata, clusters: [psus, ssus], fpc: [fpc1, fpc2],
                                        nest: true, lonelyPSU: lonely)  // two variance stages: the generic route
        default: return try SurveyDesign(weights: weights, strata: strata, clusters: [psus, ssus], nest: true,
                                         lonelyPSU: lonely)            // multistage, ultimate clusters
        }
    }
}

@Test func batchedLinearizedEstimatesAreBitwiseTheLoop() throws {
    var batchedRan = 0
    for seed in UInt64(1)...24 {
        let lonely = seed % 2 == 0
        let survey = RandomSurvey(seed: seed, lonely: lonely)
        let policies: [LonelyPSUPolicy] = lonely ? [.remove, .adjust, .average, .certainty] : [.fail]
        for shape in 0...5 {
            for policy in policies where seed % 4 < 2 || policy != .certainty {
                let design = try survey.design(shape: shape, lonely: policy)
                for statistic in BatchStatistic.allCases {
                    for ys in [survey.ys, survey.withNaN] {
                        for deff in [false, true] {
                            let baseline: DesignEffectBaseline = seed % 3 == 0 ? .withReplacement : .withoutReplacement
                            expectSameAsLoop(design, ys, statistic, survey.domains, deff: deff, baseline: baseline,
                                             "seed \(seed) shape \(shape) \(policy)")
                        }
                    }
                    // The batched route itself ran (not its fallback) for single-stage designs.
                    if shape != 4 { batchedRan += try runBatched(design, survey.withNaN, statistic, survey.domains) }
                }
            }
        }
    }
    #expect(batchedRan > 1000)
}

/// Disjoint domains (svyby's cross-classification, some rows in none, some domains empty or
/// tiny) take the lean plan, one pass over the rows with each row's domain; the estimates must
/// still be the loop's, bit for bit, and its errors the loop's.
@Test func batchedLinearizedEstimatesOnDisjointDomainsAreBitwiseTheLoop() throws {
    var batchedRan = 0, lean = 0
    for seed in UInt64(1)...16 {
        let survey = RandomSurvey(seed: seed &+ 100, lonely: seed % 2 == 0)
        let n = survey.weights.count
        var rng = SeededGenerator(seed: seed &* 31)
        let groups = Int.random(in: 1...5, using: &rng)
        let group = (0..<n).map { _ in Double.random(in: 0...1, using: &rng) < 0.1 ? -1 : Int.random(in: 0..<groups, using: &rng) }
        var domains: [[Bool]?] = (0..<groups).map { g in group.map { $0 == g } }
        if seed % 3 == 0 { domains.append([Bool](repeating: false, count: n)) }   // empty: means throw
        if seed % 4 == 1 { domains = [group.map { $0 >= 0 }] }                     // one domain
        if seed % 5 == 2 { domains = [nil] }                                       // every row
        let policies: [LonelyPSUPolicy] = seed % 2 == 0 ? [.remove, .adjust, .average] : [.fail]
        for shape in [0, 1, 2, 3, 5] {
            for policy in policies {
                let design = try survey.design(shape: shape, lonely: policy)
                let plan = try #require(BatchPlan(survey.withNaN, domains: domains, rowCount: n, batchMissing: true,
                                                  lean: true))
                #expect(plan.domainOfRow != nil && plan.unionRows.isEmpty && plan.rows.isEmpty)
                #expect(plan.coveredRows == (0..<n).filter { i in domains.contains { $0?[i] ?? true } }.count)
                for d in domains.indices {
                    #expect(plan.domainRows(d) == (0..<n).filter { domains[d]?[$0] ?? true }.map { Int32($0) })
                }
                lean += 1
                for statistic in BatchStatistic.allCases {
                    var succeeded = false  // with NaN and deff: then the batched route must not throw
                    for ys in [survey.ys, survey.withNaN] {
                        for deff in [false, true] {
                            succeeded = expectSameAsLoop(design, ys, statistic, domains, deff: deff,
                                                         baseline: seed % 3 == 1 ? .withReplacement : .withoutReplacement,
                                                         "disjoint seed \(seed) shape \(shape) \(policy)")
                        }
                    }
                    if succeeded { batchedRan += try runBatched(design, survey.withNaN, statistic, domains) }
                }
            }
        }
    }
    #expect(lean > 50 && batchedRan > 100)
}

/// A lean plan is made only for disjoint domains: overlapping ones (a nil domain beside another,
/// two masks sharing a row) get the memberships.
@Test func leanPlansNeedDisjointDomains() throws {
    let n = 40
    let a = (0..<n).map { $0 % 2 == 0 }, b = (0..<n).map { $0 % 2 == 1 }
    let y = [(0..<n).map(Double.init)]
    for (domains, disjoint) in [([a, b], true), ([a, nil], false), ([a, b, (0..<n).map { $0 == 7 }], false),
                                ([nil], true), ([a], true), ([[Bool]?](), true)] as [([[Bool]?], Bool)] {
        let plan = try #require(BatchPlan(y, domains: domains, rowCount: n, lean: true))
        #expect((plan.domainOfRow != nil) == disjoint)
        let full = try #require(BatchPlan(y, domains: domains, rowCount: n))
        #expect(full.domainOfRow == nil && full.coveredRows == plan.coveredRows)
        var pairs: [[Int]] = [], expected: [[Int]] = []
        plan.forEachMembership { d, i in pairs.append([d, i]) }
        full.forEachMembership { d, i in expected.append([d, i]) }
        #expect(pairs == expected)
    }
}

@Test func batchedLinearizedEstimatesThrowTheLoopsError() throws {
    let survey = RandomSurvey(seed: 7, lonely: true)
    let n = survey.weights.count
    // A lonely PSU under .fail.
    let failing = try survey.design(shape: 0, lonely: .fail)
    #expect(!expectSameAsLoop(failing, survey.ys, .mean, survey.domains, deff: false, "lonely"))
    // An empty domain (mean: emptyDomain; total: fine), after a good one.
    let design = try survey.design(shape: 1, lonely: .adjust)
    let empty = [Bool](repeating: false, count: n)
    #expect(!expectSameAsLoop(design, survey.ys, .mean, [nil, empty], deff: true, "empty"))
    #expect(expectSameAsLoop(design, survey.ys, .total, [nil, empty], deff: true, "empty total"))
    // A domain whose rows all have zero weight, and a variable that is NaN throughout a domain.
    let zeroRows = survey.weights.map { $0 == 0 }
    #expect(!expectSameAsLoop(design, survey.ys, .mean, [zeroRows], deff: false, "zero weights"))
    var allNaN = survey.ys
    allNaN[2] = allNaN[2].enumerated().map { $0.offset < n / 2 ? .nan : $0.element }
    #expect(!expectSameAsLoop(design, allNaN, .mean, [nil, (0..<n).map { $0 < n / 2 }], deff: false, "NaN domain"))
    // Lengths that do not match.
    #expect(!expectSameAsLoop(design, [survey.ys[0], [1, 2]], .total, [nil], deff: false, "short variable"))
    #expect(!expectSameAsLoop(design, survey.ys, .mean, [[true, false]], deff: false, "short domain"))
    do {
        _ = try design.domainEstimates(survey.ys, statistic: .mean, domains: [nil, empty], deff: false,
                                       baseline: .withoutReplacement)
        Issue.record("an empty domain did not throw")
    } catch let error as DesignError {
        #expect(error.code == .emptyDomain)
    }
}

/// No variables: one empty row of estimates per domain, as the loop (which makes no call), for
/// every design kind and even for a domain of the wrong length.
@Test func batchedEstimatesOfNoVariablesAreEmpty() throws {
    let survey = RandomSurvey(seed: 3, lonely: false)
    let designs: [any DesignBasedVariance] = [try survey.design(shape: 0, lonely: .fail),
                                              try replicateDesigns(survey, seed: 3)[0].1]
    for design in designs {
        for domains in [survey.domains, [[true, false]], []] {
            let out = try design.domainEstimates([], statistic: .mean, domains: domains, deff: true,
                                                 baseline: .withoutReplacement)
            #expect(out.count == domains.count && out.allSatisfy(\.isEmpty))
        }
    }
}

@Test func batchedCalibratedEstimatesAreTheLoop() throws {
    let survey = RandomSurvey(seed: 11, lonely: false)
    let design = try survey.design(shape: 0, lonely: .fail)
    let n = survey.weights.count
    let groups = (0..<n).map { $0 % 3 == 0 ? "a" : "b" }
    var counts: [String: Double] = [:]
    for (g, w) in zip(groups, survey.weights) { counts[g, default: 0] += w * 1.1 }
    let calibrated = try design.postStratified(by: groups, populationCounts: counts)
    for statistic in BatchStatistic.allCases {
        #expect(expectSameAsLoop(calibrated, survey.withNaN, statistic, survey.domains, deff: true, "calibrated"))
    }
}

// MARK: - Replicate designs

/// Replicate weights of every type built from a random survey's PSUs: a factor per (replicate,
/// PSU) times the sampling weight.
private func replicateDesigns(_ survey: RandomSurvey, seed: UInt64) throws -> [(String, ReplicateDesign)] {
    var rng = SeededGenerator(seed: seed &+ 1000)
    let keys = zip(survey.strata, survey.psus).map { $0 + "/" + $1 }
    var index: [String: Int] = [:]
    let psu = keys.map { k -> Int in
        if let i = index[k] { return i }
        index[k] = index.count
        return index.count - 1
    }
    let G = index.count
    func columns(_ R: Int, _ factor: (Int, Int, inout SeededGenerator) -> Double) -> [[Double]] {
        (0..<R).map { r in
            let f = (0..<G).map { factor(r, $0, &rng) }
            return zip(survey.weights, psu).map { $0 * f[$1] }
        }
    }
    let w = survey.weights
    let jk = columns(G) { r, g, _ in g == r ? 0 : Double(G) / Double(G - 1) }
    let half = columns(8) { _, _, rng in Bool.random(using: &rng) ? 2 : 0 }
    let fay = columns(8) { _, _, rng in Bool.random(using: &rng) ? 1.5 : 0.5 }
    let boot = columns(12) { _, _, rng in Double(Int.random(in: 0...3, using: &rng)) }
    var dup = boot
    dup.append(dup[0])  // a duplicated replicate: rank < R
    let rscales = (0..<G).map { _ in Double.random(in: 0.3...0.9, using: &rng) }
    return [
        ("jk1", try ReplicateDesign(weights: w, replicateWeights: jk, type: .jk1)),
        ("jk1 mse", try ReplicateDesign(weights: w, replicateWeights: jk, type: .jk1, mse: true)),
        ("jkn", try ReplicateDesign(weights: w, replicateWeights: jk, type: .jkn, rscales: rscales)),
        ("brr", try ReplicateDesign(weights: w, replicateWeights: half, type: .brr)),
        ("fay mse", try ReplicateDesign(weights: w, replicateWeights: fay, type: .fay, rho: 0.5, mse: true)),
        ("bootstrap", try ReplicateDesign(weights: w, replicateWeights: boot, type: .bootstrap)),
        ("bootstrap dup", try ReplicateDesign(weights: w, replicateWeights: dup, type: .bootstrap, mse: true)),
        ("sdr", try ReplicateDesign(weights: w, replicateWeights: fay, type: .sdr)),
        ("other", try ReplicateDesign(weights: w, replicateWeights: boot, type: .other, scale: 0.7,
                                      rscales: [0.5])),
        ("factors", try ReplicateDesign(weights: w, replicateWeights: boot.map { c in zip(c, w).map { $1 == 0 ? 0 : $0 / $1 } },
                                        combinedWeights: false, type: .bootstrap)),
    ]
}

@Test func batchedReplicateEstimatesAreBitwiseTheLoop() throws {
    var batchedRan = 0
    for seed in UInt64(1)...10 {
        let survey = RandomSurvey(seed: seed, lonely: false)
        for (name, design) in try replicateDesigns(survey, seed: seed) {
            for statistic in BatchStatistic.allCases {
                for ys in [survey.ys, survey.withNaN] {
                    for deff in [false, true] {
                        expectSameAsLoop(design, ys, statistic, survey.domains, deff: deff,
                                         baseline: seed % 2 == 0 ? .withReplacement : .withoutReplacement,
                                         "seed \(seed) \(name)")
                    }
                }
                batchedRan += try runBatched(design, survey.withNaN, statistic, survey.domains)
            }
        }
    }
    #expect(batchedRan == 10 * 10 * 2 * 6)
}

@Test func batchedReplicateEstimatesThrowTheLoopsError() throws {
    let survey = RandomSurvey(seed: 5, lonely: false)
    let n = survey.weights.count
    let empty = [Bool](repeating: false, count: n)
    for (name, design) in try replicateDesigns(survey, seed: 5) {
        #expect(!expectSameAsLoop(design, survey.ys, .mean, [nil, empty], deff: false, "\(name) empty"))
        #expect(expectSameAsLoop(design, survey.ys, .total, [nil, empty], deff: true, "\(name) empty total"))
        #expect(!expectSameAsLoop(design, survey.ys, .mean, [survey.weights.map { $0 == 0 }], deff: false,
                                  "\(name) zero weights"))
    }
}

// MARK: - Replicate-weight rank

/// Random n × R columns with exact dependencies: duplicates, sums, zero and scaled columns, and
/// columns that differ from others only on rows a mask may drop.
private func dependentColumns(seed: UInt64, n: Int, R: Int) -> [[Double]] {
    var rng = SeededGenerator(seed: seed)
    var columns: [[Double]] = []
    for _ in 0..<R {
        let kind = columns.count < 2 ? 0 : Int.random(in: 0...6, using: &rng)
        let a = Int.random(in: 0..<max(columns.count, 1), using: &rng)
        let b = Int.random(in: 0..<max(columns.count, 1), using: &rng)
        switch kind {
        case 1: columns.append(columns[a])
        case 2: columns.append(zip(columns[a], columns[b]).map { $0 + $1 })
        case 3: columns.append([Double](repeating: 0, count: n))
        case 4: columns.append(columns[a].map { $0 * 3.5 })
        case 5:  // equal to another column on the first half of the rows only
            columns.append(columns[a].enumerated().map { $0.offset < n / 2 ? $0.element : Double.random(in: 0...5, using: &rng) })
        default:
            columns.append((0..<n).map { _ in Double.random(in: 0...1, using: &rng) < 0.3 ? 0 : Double.random(in: 0...40, using: &rng) })
        }
    }
    return columns
}

@Test func replicateRankFromTheGramMatrixIsGramSchmidts() {
    var deficient = 0
    for seed in UInt64(1)...60 {
        var rng = SeededGenerator(seed: seed &* 77)
        let n = Int.random(in: 5...300, using: &rng)
        let R = Int.random(in: 2...23, using: &rng)
        let columns = dependentColumns(seed: seed, n: n, R: R)
        let masks: [[Bool]?] = [nil, (0..<n).map { $0 < n / 2 }, (0..<n).map { _ in Bool.random(using: &rng) },
                                [Bool](repeating: false, count: n)]
        for mask in masks {
            let fast = ReplicateDesign.rank(columns, rows: mask)
            let reference = ReplicateDesign.gramSchmidtRank(columns, rows: mask)
            #expect(fast == reference, "seed \(seed) n \(n) R \(R): Gram \(fast), Gram–Schmidt \(reference)")
            if fast < R { deficient += 1 }
        }
    }
    #expect(deficient > 100)  // the dependencies were there to find
}

@Test func gramMatrixIsWTransposeW() {
    let columns = dependentColumns(seed: 3, n: 150, R: 9)
    let rows = (0..<150).filter { $0 % 3 != 1 }.map { Int32($0) }
    let g = ReplicateDesign.gram(columns, rows: rows)
    for a in 0..<9 {
        for b in 0..<9 {
            var s = 0.0
            for i in rows { s += columns[a][Int(i)] * columns[b][Int(i)] }
            #expect(abs(g[a * 9 + b] - s) <= 1e-12 * max(abs(s), 1), "G[\(a)][\(b)] = \(g[a * 9 + b]) vs \(s)")
        }
    }
}

@Test func replicateRankOnDesignsAgreesWithGramSchmidt() throws {
    for seed in UInt64(1)...6 {
        let survey = RandomSurvey(seed: seed, lonely: false)
        for (name, design) in try replicateDesigns(survey, seed: seed) {
            for domain in survey.domains {
                #expect(ReplicateDesign.rank(design.replicateWeights, rows: domain)
                        == ReplicateDesign.gramSchmidtRank(design.replicateWeights, rows: domain), "\(name)")
            }
        }
    }
}

/// The plan's structure is the row-by-row one: each domain's rows ascending, the union of
/// the rows, and each union row's domains in domain order (overlapping, empty and nil domains).
@Test func batchPlanMembershipsAreRowByRow() throws {
    var rng = SeededGenerator(seed: 21)
    let n = 500
    let domains: [[Bool]?] = [nil, (0..<n).map { _ in Bool.random(using: &rng) }, [Bool](repeating: false, count: n),
                              (0..<n).map { $0 % 3 == 0 }, (0..<n).map { $0 > 400 }]
    for list in [domains, Array(domains.dropFirst())] {
        let plan = try #require(BatchPlan([(0..<n).map { Double($0) }], domains: list, rowCount: n))
        var union: [Int32] = [], start = [0], members: [Int32] = []
        for i in 0..<n {
            let holders = list.indices.filter { list[$0]?[i] ?? true }
            guard !holders.isEmpty else { continue }
            union.append(Int32(i)); members += holders.map { Int32($0) }; start.append(members.count)
        }
        #expect(plan.unionRows == union && plan.memberStart == start && plan.members == members)
        for (d, domain) in list.enumerated() {
            #expect(plan.rows[d] == (0..<n).filter { domain?[$0] ?? true }.map { Int32($0) })
        }
    }
}

/// `partitionGrams` (one pass, rows grouped by part within 256-row blocks, two threads past
/// 40,000 rows) gives each part's WᵀW over its rows, empty parts included.
@Test func partitionGramsAreEachPartsWTransposeW() {
    for (n, seed) in [(150, UInt64(4)), (41_000, UInt64(5))] {
        let columns = dependentColumns(seed: seed, n: n, R: 7)
        var rng = SeededGenerator(seed: seed)
        let part = (0..<n).map { _ in Int32(Int.random(in: 0..<3, using: &rng)) }  // part 3 stays empty
        let grams = ReplicateDesign.partitionGrams(columns, part: part, parts: 4)
        #expect(grams.count == 4)
        for q in 0..<4 {
            let rows = (0..<n).filter { part[$0] == Int32(q) }
            for a in 0..<7 {
                for b in 0..<7 {
                    var s = 0.0
                    for i in rows { s += columns[a][i] * columns[b][i] }
                    #expect(abs(grams[q][a * 7 + b] - s) <= 1e-12 * max(abs(s), 1), "n \(n) part \(q) G[\(a)][\(b)]")
                }
            }
        }
    }
}

/// Invalid replicate weights (NaN, negative, infinite) are found at their first row wherever
/// they fall: in a full 4-lane group, in a block's tail, past the first 1,024-value block.
@Test func invalidReplicateWeightsNameTheirFirstRow() throws {
    let n = 2_051
    let weights = [Double](repeating: 2, count: n)
    for (row, value) in [(0, Double.nan), (5, -1.0), (1_023, Double.infinity), (1_024, -Double.infinity),
                         (2_050, Double.nan), (1_500, -0.5)] {
        var bad = [Double](repeating: 3, count: n)
        bad[row] = value
        if row + 7 < n { bad[row + 7] = .nan }  // a later one is not reported
        #expect(ReplicateDesign.firstInvalidWeight(bad) == row)
        #expect(throws: DesignError.self) {
            try ReplicateDesign(weights: weights, replicateWeights: [weights, bad], type: .bootstrap)
        }
        do {
            _ = try ReplicateDesign(weights: weights, replicateWeights: [weights, bad], type: .bootstrap)
        } catch let error as DesignError {
            #expect(error.code == .invalidWeight && "\(error)".contains("row \(row + 1), replicate 2"), "\(error)")
        }
    }
    #expect(ReplicateDesign.firstInvalidWeight([Double](repeating: 0, count: n)) == nil)
    #expect(ReplicateDesign.firstInvalidWeight([.greatestFiniteMagnitude, 0, 1]) == nil)
    #expect(ReplicateDesign.firstInvalidWeight([]) == nil)
}

/// Disjoint domains share one Gram pass (`rankDomainsAndDesign`): the full-design rank found
/// from the sum of the domains' (and the left-over rows') Gram matrices, and every domain's rank,
/// must be those found one by one, on columns with exact dependencies (duplicated, summed,
/// scaled, zero columns, and columns that differ only on some rows) and domains of a few rows.
@Test func sharedGramRanksAreThoseFoundOneByOne() throws {
    var shared = 0, deficient = 0
    for seed in UInt64(1)...40 {
        var rng = SeededGenerator(seed: seed &* 131)
        let n = Int.random(in: 6...300, using: &rng)
        let R = Int.random(in: 2...23, using: &rng)
        let columns = dependentColumns(seed: seed &+ 1_000, n: n, R: R)
        let weights = (0..<n).map { _ in Double.random(in: 0.5...20, using: &rng) }
        // A partition into 1–5 groups (some tiny), with rows optionally left in no domain.
        let groups = Int.random(in: 1...5, using: &rng)
        let group = (0..<n).map { i in i < groups ? i : Int.random(in: 0..<groups, using: &rng) }
        let leaveOut = Bool.random(using: &rng)
        let tiny = Int.random(in: 0..<groups, using: &rng)
        let domains: [[Bool]?] = (0..<groups).map { g in
            (0..<n).map { i in
                group[i] == g && !(leaveOut && i % 7 == 3) && (g != tiny || i < groups + 2)
            }
        }
        let design = try ReplicateDesign(weights: weights, replicateWeights: columns, type: .bootstrap)
        let plan = try #require(BatchPlan([weights], domains: domains, rowCount: n))
        design.rankDomainsAndDesign(plan: plan)
        #expect(design.domainRanks.hasFullRank, "seed \(seed): the shared pass should run on disjoint domains")
        let fullRank = ReplicateDesign.rank(columns, rows: nil)
        #expect(design.degreesOfFreedom == fullRank - 1, "seed \(seed): shared \(design.degreesOfFreedom + 1), alone \(fullRank)")
        #expect(fullRank == ReplicateDesign.gramSchmidtRank(columns, rows: nil), "seed \(seed)")
        for (d, mask) in domains.enumerated() {
            let mask = try #require(mask)
            let cached = design.domainRanks.rank(of: mask) { _ in -1 }  // −1: not cached
            #expect(cached == ReplicateDesign.rank(columns, rows: mask), "seed \(seed) domain \(d)")
            if cached < R { deficient += 1 }
        }
        shared += 1
    }
    #expect(shared == 40)
    #expect(deficient > 20)  // rank-deficient domains were there to decide
}

/// The shared pass only runs where its premise holds: not on overlapping domains, and not when
/// the full rank is already known; and estimates through it are still the loop's, bit for bit.
@Test func sharedGramPassRunsOnlyOnDisjointDomains() throws {
    let survey = RandomSurvey(seed: 9, lonely: false)
    for (name, rep) in try replicateDesigns(survey, seed: 9) {
        let n = rep.rowCount
        let half = (0..<n).map { $0 < n / 2 }
        let overlapping: [[Bool]?] = [half, (0..<n).map { $0 >= n / 3 }]
        var fresh = rep
        fresh.domainRanks = DomainRankCache()  // as a design that has not computed any rank
        fresh.rankDomainsAndDesign(plan: try #require(BatchPlan(survey.ys, domains: overlapping, rowCount: n)))
        #expect(!fresh.domainRanks.hasFullRank, "\(name): overlapping domains do not partition the rows")
        let disjoint: [[Bool]?] = [half, half.map { !$0 }]
        #expect(expectSameAsLoop(fresh, survey.ys, .mean, disjoint, deff: true, "\(name) disjoint"))
        #expect(fresh.domainRanks.hasFullRank, "\(name)")
        #expect(fresh.degreesOfFreedom == ReplicateDesign.rank(rep.replicateWeights, rows: nil) - 1, "\(name)")
    }
}

/// Designs large enough (25,000 rows) for the two-thread routes: the linearisation batch split
/// into two variable groups, the replicate sums split by weight columns, the Gram matrix split by
/// rows. The estimates must still be the loop's, bit for bit.
@Test func twoThreadBatchesAreBitwiseTheLoop() throws {
    var rng = SeededGenerator(seed: 77)
    let n = 25_000
    let strata = (0..<n).map { "s\($0 / 2_500)" }
    let psus = (0..<n).map { "p\(($0 / 125) % 20)" }
    let weights = (0..<n).map { _ in Double.random(in: 0.5...40, using: &rng) }
    var ys = (0..<9).map { _ in (0..<n).map { _ in Double.random(in: -10...90, using: &rng).rounded() / 8 } }
    for i in stride(from: 3, to: n, by: 97) { ys[2][i] = .nan }
    let area = (0..<n).map { _ in Bool.random(using: &rng) }
    let domains: [[Bool]?] = [nil, area, area.map { !$0 }]
    let design = try SurveyDesign(weights: weights, strata: strata, clusters: [psus], nest: true)
    for statistic in BatchStatistic.allCases {
        #expect(expectSameAsLoop(design, ys, statistic, domains, deff: false, "large linearisation"))
        // Disjoint domains: the lean plan on two threads.
        #expect(expectSameAsLoop(design, ys, statistic, [area, area.map { !$0 }], deff: false, "large disjoint"))
    }
    let groups = (0..<n).map { ($0 / 125) % 10 }
    let replicates = (0..<10).map { r in zip(weights, groups).map { w, g in g == r ? 0 : w * 10 / 9 } }
    let rep = try ReplicateDesign(weights: weights, replicateWeights: replicates, type: .jk1)
    let complete = [ys[0], ys[1], ys[3], ys[4], ys[5]]
    for statistic in BatchStatistic.allCases {
        #expect(expectSameAsLoop(rep, complete, statistic, domains, deff: false, "large replicate"))
    }
    #expect(rep.degreesOfFreedom == ReplicateDesign.gramSchmidtRank(replicates, rows: nil) - 1)
}
