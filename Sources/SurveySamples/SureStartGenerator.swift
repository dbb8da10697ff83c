import Foundation
import SurveyStatistics

/// Generates the synthetic Sure Start parenting survey: parents of under-fours in five programme
/// areas and five comparison areas, before the programme (wave 1) and after it (wave 2).
///
/// Each area has 8 neighbourhoods (the PSUs) of about 60 parents; each wave is a new population of
/// parents (a new cohort of under-fours). Programme areas are more deprived: more lone and young
/// parents, fewer in work. Each parent has a latent warmth (neighbourhood effect sd 0.15, personal sd
/// 0.6, lower for lone (−0.2) and young (−0.25) parents); the seven items are 1–5 thresholds of it,
/// three negatively worded. After the programme, warmth in programme areas rises by 0.30 on the latent
/// scale (the NESS 2004 finding that mothers in programme areas were warmer and more accepting),
/// and breastfeeding initiation rises through the peer counsellors. Each wave and area type is an
/// independent two-stage sample: 4 of the 8 neighbourhoods in each area, then 10 parents in each
/// (weight = 8/4 × parents in neighbourhood / 10). The true values are population means over every
/// parent of each group and wave.
public struct SureStartGenerator: Sendable {
    public static let defaultSeed: UInt64 = 20_010_901
    public let seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    static let areas = 5, neighbourhoods = 8, sampledNeighbourhoods = 4, perNeighbourhood = 10
    static let effect = 0.30
    static let thresholds = [-2.2, -1.3, -0.3, 0.8]
    static let itemShift = [0.6, 0.7, -0.2, 0.5, -0.1, 0.55, -0.45]
    static let negative: Set<Int> = [2, 4, 6]

    struct Parent {
        var age: Int, childAge: Int, lone: Bool, employment: Int, items: [Int], breastfed: Bool
        var breastfed6wk: Bool, weeks: Int, groupUse: Int, peer: Bool
        var warmth: Double { Double(items.enumerated().map { negative.contains($0.offset) ? 6 - $0.element : $0.element }.reduce(0, +)) / 7 }
    }
    struct Neighbourhood { var name: String, parents: [Parent] }

    /// Population for one area type (programme: true) and wave (after: true).
    static func population(programme: Bool, after: Bool, _ rng: inout SeededGenerator) -> [[Neighbourhood]] {
        (0..<areas).map { a in
            (0..<neighbourhoods).map { n in
                let effect = 0.15 * rng.nextNormal()
                let size = 50 + rng.nextIndex(below: 21)
                let parents = (0..<size).map { _ -> Parent in
                    let lone = rng.nextBernoulli(programme ? 0.42 : 0.30)
                    let age = max(15, Int((programme ? 25.5 : 28.0) + 5.5 * rng.nextNormal()))
                    let working = rng.nextBernoulli(programme ? 0.35 : 0.48)
                    let employment = working ? (rng.nextBernoulli(0.5) ? 1 : 2) : (rng.nextBernoulli(0.9) ? 3 : 4)
                    let latent = effect + 0.6 * rng.nextNormal() - (lone ? 0.2 : 0) - (age < 20 ? 0.25 : 0)
                        + (programme && after ? Self.effect : 0)
                    let items = itemShift.enumerated().map { k, shift -> Int in
                        let z = latent + shift * (negative.contains(k) ? -1 : 1) + 0.7 * rng.nextNormal()
                        let score = 1 + thresholds.filter { z > $0 }.count
                        return negative.contains(k) ? 6 - score : score
                    }
                    let breastfed = rng.nextBernoulli(programme ? (after ? 0.62 : 0.48) : (after ? 0.55 : 0.53))
                    let childAge = rng.nextIndex(below: 48)
                    let sixWeeks = breastfed && rng.nextBernoulli(programme && after ? 0.62 : 0.5)
                    let weeks = breastfed ? (sixWeeks ? 6 + rng.nextIndex(below: 40) : 1 + rng.nextIndex(below: 5)) : 0
                    let groupUse = rng.nextIndex(below: programme && after ? 4 : 3)
                    return Parent(age: age, childAge: childAge, lone: lone, employment: employment, items: items,
                                  breastfed: breastfed, breastfed6wk: sixWeeks, weeks: min(weeks, childAge * 4 + 4),
                                  groupUse: groupUse, peer: programme && after && breastfed && rng.nextBernoulli(0.7))
                }
                return Neighbourhood(name: "\(programme ? "P" : "C")\(a + 1)-\(n + 1)", parents: parents)
            }
        }
    }

    static let columns = ["resp_id", "area", "area_name", "neighbourhood", "neighbourhoods_in_area", "weight",
                          "child_age_months", "parent_age", "lone_parent", "employment",
                          "w1", "w2", "w3", "w4", "w5", "w6", "w7", "ever_breastfed", "breastfed_6wk",
                          "breastfeeding_weeks", "peer_supporter", "support_group_use", "support_groups", "helpline"]

    /// The population truth per group and wave.
    public struct Truth: Sendable, Equatable {
        public var area: String, wave: String
        public var warmth: Double, warmParenting: Double, breastfeedingInitiation: Double
    }

    static func truth(_ pop: [[Neighbourhood]], area: String, wave: String) -> Truth {
        let parents = pop.flatMap { $0.flatMap(\.parents) }
        let n = Double(parents.count)
        return Truth(area: area, wave: wave, warmth: parents.map(\.warmth).reduce(0, +) / n,
                     warmParenting: Double(parents.filter { $0.warmth >= 4 }.count) / n,
                     breastfeedingInitiation: Double(parents.filter(\.breastfed).count) / n)
    }

    /// Populations in file order: programme before, comparison before, programme after, comparison after.
    static let groups: [(file: String, area: String, wave: String, programme: Bool, after: Bool)] = [
        ("programme_before.csv", "programme", "before", true, false), ("comparison_before.csv", "comparison", "before", false, false),
        ("programme_after.csv", "programme", "after", true, true), ("comparison_after.csv", "comparison", "after", false, true),
    ]

    public func generate() -> SampleDataset {
        var rng = SeededGenerator(seed: seed)
        let populations = Self.groups.map { Self.population(programme: $0.programme, after: $0.after, &rng) }
        var files: [(name: String, contents: String)] = []
        var id = 10_001
        for (g, pop) in zip(Self.groups, populations) {
            var csv = csvRecord(Self.columns)
            for (a, area) in pop.enumerated() {
                var order = Array(area.indices)
                for i in 0..<Self.sampledNeighbourhoods {
                    let j = i + rng.nextIndex(below: order.count - i)
                    order.swapAt(i, j)
                }
                for n in order.prefix(Self.sampledNeighbourhoods).sorted() {
                    let hood = area[n]
                    var idx = Array(hood.parents.indices)
                    for i in 0..<Self.perNeighbourhood {
                        let j = i + rng.nextIndex(below: idx.count - i)
                        idx.swapAt(i, j)
                    }
                    let weight = Double(Self.neighbourhoods) / Double(Self.sampledNeighbourhoods)
                        * Double(hood.parents.count) / Double(Self.perNeighbourhood)
                    for i in idx.prefix(Self.perNeighbourhood).sorted() {
                        csv += csvRecord(Self.record(hood.parents[i], id: id, programme: g.programme,
                                                     area: "\(g.programme ? "Programme" : "Comparison") area \(a + 1)",
                                                     hood: hood.name, weight: weight, &rng))
                        id += 1
                    }
                }
            }
            files.append((g.file, csv))
        }
        let truths = zip(Self.groups, populations).map { Self.truth($1, area: $0.area, wave: $0.wave) }
        return SampleDataset(name: "sure-start", files: files, readme: readme(truths))
    }

    static func record(_ p: Parent, id: Int, programme: Bool, area: String, hood: String, weight: Double,
                       _ rng: inout SeededGenerator) -> [String] {
        let b: (Bool) -> String = { $0 ? "1" : "0" }
        let items = p.items.map { rng.nextBernoulli(0.015) ? "-98" : String($0) }
        let groups = p.groupUse == 0 ? "-97" : (p.breastfed && rng.nextBernoulli(0.5) ? "breastfeeding parent_toddler" : "parent_toddler")
        return [String(id), programme ? "1" : "2", area, hood, String(neighbourhoods), String(format: "%.4f", weight),
                String(p.childAge), String(p.age), b(p.lone), String(p.employment)] + items + [
                    b(p.breastfed), p.breastfed && p.childAge >= 2 ? b(p.breastfed6wk) : "-97",
                    p.breastfed ? String(p.weeks) : "-97", programme ? b(p.peer) : "-97", String(p.groupUse), groups,
                    programme ? b(rng.nextBernoulli(0.3)) : "-97",
                ]
    }

    /// The truths of the populations this seed generates (for tests).
    public func populationTruths() -> [Truth] {
        var rng = SeededGenerator(seed: seed)
        let populations = Self.groups.map { Self.population(programme: $0.programme, after: $0.after, &rng) }
        return zip(Self.groups, populations).map { Self.truth($1, area: $0.area, wave: $0.wave) }
    }

    func readme(_ truths: [Truth]) -> String {
        var s = """
        # Sure Start parenting survey: programme and comparison areas, two waves — SYNTHETIC sample data

        **These data are synthetic.** No real person or area is described. They were made by copro's
        seeded generator (`copro sample-data sure-start --seed \(seed) --out SampleData/sure-start`, source
        `Sources/SurveySamples/SureStartGenerator.swift`) and follow the Sure Start Gateshead case and the
        NESS 2004 finding reported in Bovaird (2007), as summarised in `../shared/CASES.md`. Running the
        command again writes byte-identical files.

        ## Population and design
        - Five programme areas and five comparison areas, each of 8 neighbourhoods of 50–70 parents of
          under-fours; a new population of parents in each wave (before and after the programme).
        - Each file (area type × wave) is an independent two-stage sample: 4 of the 8 neighbourhoods in
          each area (`neighbourhoods_in_area` is the fpc), then 10 parents in each; `weight` = 8/4 ×
          parents in the neighbourhood / 10. `area_name` is the stratum, `neighbourhood` the PSU.
        - Programme areas are more deprived (more lone and young parents, fewer in work): a naive
          comparison is confounded, which the difference-in-differences and the propensity weighting address.
        - Warmth items `w1`–`w7` (1–5; `w3`, `w5`, `w7` negatively worded), `-98` don't know (1.5%).

        ## True population values

        | area | wave | warmth score (1–5) | warmth ≥ 4 | breastfeeding initiated |
        |---|---|---:|---:|---:|

        """
        for t in truths {
            s += "| \(t.area) | \(t.wave) | " + String(format: "%.4f", t.warmth) + " | "
                + String(format: "%.2f%%", 100 * t.warmParenting) + " | " + String(format: "%.2f%%", 100 * t.breastfeedingInitiation) + " |\n"
        }
        let d = truths.count == 4 ? (truths[2].warmth - truths[0].warmth) - (truths[3].warmth - truths[1].warmth) : .nan
        s += """

        Difference-in-differences of the mean warmth score, programme vs comparison, after vs before:
        \(String(format: "%.4f", d)) (the programme's effect on the population means).

        ## Files
        - `programme_before.csv`, `comparison_before.csv`, `programme_after.csv`, `comparison_after.csv`.
        - `plan.yaml`: the evaluation plan (`copro report SampleData/sure-start/plan.yaml`).
        - The instrument is `Instruments/sure-start-parenting.yaml`.

        """
        return s
    }
}
