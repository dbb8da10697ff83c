import Testing
@testable import SurveyStatistics

// `SurveyDesign(weights:codedStrata:codedClusters:…)` builds the design from label codes. Its
// contract: the design (every stage's structure, labels, population sizes and multipliers), and
// any error, are those of the text-label initialiser given the labels `levels[codes[i]]`, for any
// coding of the same labels (levels in any order, repeated texts). These tests compare the two on
// seeded random designs.

/// Every stage field, and the design-level flags, agree.
private func sameStructure(_ a: SurveyDesign, _ b: SurveyDesign) -> Bool {
    guard a.stages.count == b.stages.count, a.varianceStages == b.varianceStages, a.hasFPC == b.hasFPC,
          a.isStratified == b.isStratified, a.weights == b.weights else { return false }
    return zip(a.stages, b.stages).allSatisfy { s, t in
        s.clusterOfRow == t.clusterOfRow && s.stratumOfCluster == t.stratumOfCluster
            && s.clustersOfStratum == t.clustersOfStratum && s.stratumLabels == t.stratumLabels
            && s.clusterLabels == t.clusterLabels && s.multiplier == t.multiplier
            && s.populationSize?.map(\.bitPattern) == t.populationSize?.map(\.bitPattern)
    }
}

/// Another coding of `labels`: levels shuffled, some texts repeated under two codes (rows split
/// between them at random), and unused levels.
private func recoded(_ labels: [String], using rng: inout SeededGenerator) -> DesignLabels {
    var distinct: [String] = []
    for l in labels where !distinct.contains(l) { distinct.append(l) }
    var levels = distinct + distinct.filter { _ in Bool.random(using: &rng) } + ["unused"]
    levels.shuffle(using: &rng)
    let codes = labels.map { label -> Int32 in
        let choices = levels.indices.filter { levels[$0] == label }
        return Int32(choices.randomElement(using: &rng) ?? 0)
    }
    return DesignLabels(codes: codes, levels: levels)
}

@Test func codedDesignsAreTheTextLabelDesigns() throws {
    var built = 0, failed = 0
    for seed in UInt64(1)...300 {
        var rng = SeededGenerator(seed: seed &* 7_919)
        let n = Int.random(in: 1...60, using: &rng)
        let strataCount = Int.random(in: 1...5, using: &rng)
        let psuLabels = Int.random(in: 1...6, using: &rng)
        // Sorted or shuffled rows; PSU labels that repeat across strata (nest matters), a few rows
        // that break the sort; weights occasionally invalid.
        var strata = (0..<n).map { _ in "h\(Int.random(in: 0..<strataCount, using: &rng))" }
        if Bool.random(using: &rng) { strata.sort() }
        let psus = (0..<n).map { _ in "\(Int.random(in: 0..<psuLabels, using: &rng))" }
        let ssus = (0..<n).map { _ in "u\(Int.random(in: 0..<3, using: &rng))" }
        var weights = (0..<n).map { _ in Double.random(in: 0.5...9, using: &rng) }
        if seed % 10 == 0 { weights[Int.random(in: 0..<n, using: &rng)] = -1 }
        let stratified = Bool.random(using: &rng)
        let stages = Int.random(in: 0...2, using: &rng)
        let clusters = [psus, ssus].prefix(stages).map { $0 }
        let nest = Bool.random(using: &rng)
        // fpc: none, population sizes per stratum (sometimes varying or too small), or fractions.
        var fpc: [[Double]] = []
        switch Int.random(in: 0...3, using: &rng) {
        case 1: fpc = [strata.map { Double($0.dropFirst().utf8.first ?? 0) + 40 }]
        case 2: fpc = [strata.map { _ in Double(Int.random(in: 1...12, using: &rng)) }]
        case 3: fpc = [strata.map { _ in 0.5 }, strata.map { _ in 0.25 }].prefix(max(stages, 1)).map { $0 }
        default: break
        }
        let policy = LonelyPSUPolicy.allCases.randomElement(using: &rng) ?? .fail
        let text = Result {
            try SurveyDesign(weights: weights, strata: stratified ? strata : nil, clusters: clusters, fpc: fpc,
                             nest: nest, lonelyPSU: policy)
        }
        let coded = Result {
            try SurveyDesign(weights: weights, codedStrata: stratified ? recoded(strata, using: &rng) : nil,
                             codedClusters: clusters.map { recoded($0, using: &rng) }, fpc: fpc, nest: nest,
                             lonelyPSU: policy)
        }
        switch (text, coded) {
        case (.success(let a), .success(let b)):
            #expect(sameStructure(a, b), "seed \(seed)")
            #expect(a.degreesOfFreedom == b.degreesOfFreedom && a.lonelyPSU == b.lonelyPSU, "seed \(seed)")
            built += 1
        case (.failure(let a), .failure(let b)):
            #expect(a as? DesignError == b as? DesignError, "seed \(seed): \(a) vs \(b)")
            failed += 1
        default:
            Issue.record("seed \(seed): text labels \(text), codes \(coded)")
        }
    }
    #expect(built > 100 && failed > 20, "built \(built), failed \(failed)")  // both outcomes were there to compare
}

@Test func codedDesignRejectsCodesOutsideItsLevels() {
    let w = [1.0, 2, 3, 4]
    let good = DesignLabels(["a", "a", "b", "b"])
    #expect(good.codes == [0, 0, 1, 1] && good.levels == ["a", "b"])
    for bad in [DesignLabels(codes: [0, 0, 2, 1], levels: ["a", "b"]), DesignLabels(codes: [0, -1, 1, 1], levels: ["a", "b"])] {
        #expect(throws: DesignError.self) { try SurveyDesign(weights: w, codedStrata: bad, codedClusters: []) }
        #expect(throws: DesignError.self) { try SurveyDesign(weights: w, codedStrata: good, codedClusters: [bad]) }
        do {
            _ = try SurveyDesign(weights: w, codedStrata: nil, codedClusters: [bad])
            Issue.record("an invalid code was accepted")
        } catch let error as DesignError {
            #expect(error.code == .invalidArgument)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
    // Lengths are checked first, as for text labels.
    do {
        _ = try SurveyDesign(weights: w, codedStrata: DesignLabels(codes: [0, 5], levels: ["a"]), codedClusters: [])
        Issue.record("a short stratum column was accepted")
    } catch let error as DesignError {
        #expect(error.code == .lengthMismatch)
    } catch {
        Issue.record("unexpected \(error)")
    }
}
