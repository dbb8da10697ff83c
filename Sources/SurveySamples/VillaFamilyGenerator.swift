import Foundation
import SurveyStatistics

/// Generates the synthetic Villa Family satisfaction survey: the elderly residents of the 20 houses
/// and one family member (relative) of each, rating their satisfaction and control.
///
/// The finite population is the 120 residents (20 houses × 2 host families × 3 residents) and their
/// 120 relatives. Each person has a latent satisfaction: a house effect (sd 0.45, shared by residents
/// and relatives of the house) plus a personal one (sd 0.8); six 1–5 items are thresholds of the latent
/// plus item noise (sd 0.6), one of them negatively worded (reverse-keyed in the scale). Every member
/// of the population has answers; about 85% of residents and 75% of relatives respond. Weights are
/// (members of the house in the group) / (respondents of the house in the group). The true values are
/// the population means of the scale score (mean of the six scored items) and of the shares, computed
/// over all 120 residents and all 120 relatives.
public struct VillaFamilyGenerator: Sendable {
    public static let defaultSeed: UInt64 = 19_900_601
    public let seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    static let houses = 20
    static let itemShift = [0.55, 0.35, 0.6, 0.1, -0.35, 0.45]   // s5 is negatively worded
    static let thresholds = [-1.6, -0.8, 0.1, 1.0]

    struct Person { var house: Int, host: Int, answers: [Int], control: Int }

    static func answer(_ latent: Double, _ rng: inout SeededGenerator) -> Int {
        let z = latent + 0.6 * rng.nextNormal()
        return 1 + thresholds.filter { z > $0 }.count
    }

    /// Residents and relatives (same order: relative i belongs to resident i).
    static func makePopulation(_ rng: inout SeededGenerator) -> (residents: [Person], relatives: [Person]) {
        var residents: [Person] = [], relatives: [Person] = []
        for h in 0..<houses {
            let houseEffect = 0.45 * rng.nextNormal()
            for host in 0..<2 {
                for _ in 0..<3 {
                    for group in 0..<2 {
                        let latent = houseEffect + 0.8 * rng.nextNormal() + (group == 0 ? 0.15 : 0)
                        var answers = itemShift.map { answer(latent + $0, &rng) }
                        answers[4] = 6 - answers[4]   // "I have little say" is answered as its opposite
                        // Control: residents employ the hosts and can dismiss them; most feel in control.
                        let control = answer(latent + (group == 0 ? 0.7 : 0.3), &rng)
                        let p = Person(house: h, host: host, answers: answers, control: control)
                        if group == 0 { residents.append(p) } else { relatives.append(p) }
                    }
                }
            }
        }
        return (residents, relatives)
    }

    static let columns = ["person_id", "house", "host_family", "weight", "s1", "s2", "s3", "s4", "s5", "s6", "in_control"]

    public func generate() -> SampleDataset {
        var rng = SeededGenerator(seed: seed)
        let (residents, relatives) = Self.makePopulation(&rng)
        var files: [(name: String, contents: String)] = []
        for (name, people, rate, base) in [("residents.csv", residents, 0.85, 1000), ("families.csv", relatives, 0.75, 5000)] {
            var csv = csvRecord(Self.columns)
            for h in 0..<Self.houses {
                let members = people.enumerated().filter { $0.element.house == h }
                let responding = members.filter { _ in rng.nextBernoulli(rate) }
                guard !responding.isEmpty else { continue }
                let weight = String(format: "%.6f", Double(members.count) / Double(responding.count))
                for (i, p) in responding {
                    let items = p.answers.map { rng.nextBernoulli(0.02) ? "9" : String($0) }
                    csv += csvRecord([String(base + i), String(format: "H%02d", h + 1), "\(h + 1)\(p.host == 0 ? "a" : "b")",
                                      weight] + items + [String(p.control)])
                }
            }
            files.append((name, csv))
        }
        return SampleDataset(name: "villa-family", files: files, readme: readme(Self.truths(residents, relatives)))
    }

    /// Population truth per group: mean scale score, share satisfied (score ≥ 4), share feeling in control.
    public struct Truth: Sendable, Equatable {
        public var group: String
        public var meanScore: Double
        public var satisfied: Double
        public var inControl: Double
    }

    static func score(_ p: Person) -> Double {
        var items = p.answers.map(Double.init)
        items[4] = 6 - items[4]   // reverse-keyed in the scale
        return items.reduce(0, +) / Double(items.count)
    }

    static func truths(_ residents: [Person], _ relatives: [Person]) -> [Truth] {
        [("resident", residents), ("family", relatives)].map { group, people in
            let n = Double(people.count)
            return Truth(group: group, meanScore: people.map(score).reduce(0, +) / n,
                         satisfied: Double(people.filter { score($0) >= 4 }.count) / n,
                         inControl: Double(people.filter { $0.control >= 4 }.count) / n)
        }
    }

    /// The truths of the population this seed generates (for tests).
    public func populationTruths() -> [Truth] {
        var rng = SeededGenerator(seed: seed)
        let (r, f) = Self.makePopulation(&rng)
        return Self.truths(r, f)
    }

    func readme(_ truths: [Truth]) -> String {
        var s = """
        # Villa Family: residents' and families' satisfaction and control — SYNTHETIC sample data

        **These data are synthetic.** No real person or house is described. They were made by copro's
        seeded generator (`copro sample-data villa-family --seed \(seed) --out SampleData/villa-family`, source
        `Sources/SurveySamples/VillaFamilyGenerator.swift`) and follow the Villa Family case in Bovaird
        (2007), as summarised in `../shared/CASES.md`: 20 houses, each with two host families hosting three
        elderly people, who employ the hosts and can dismiss them. Running the command again writes
        byte-identical files.

        ## Population and design
        - 120 residents (`residents.csv`) and one relative of each (`families.csv`). About 85% of residents
          and 75% of relatives respond; `weight` = members of the house in the group / respondents.
        - `house` is the cluster (PSU); every house is included, so the intervals (which treat the houses
          as sampled with replacement) are conservative.
        - Items `s1`–`s6` are 1–5 agreement (9 = don't know, about 2%); `s5` ("I have little say in how
          the house is run") is negatively worded and reverse-keyed in the satisfaction scale.
          `in_control` (1–5) asks whether the person feels in control of the care arrangements.

        ## True population values

        | group | mean satisfaction score (1–5) | satisfied (score ≥ 4) | feel in control (4–5) |
        |---|---:|---:|---:|

        """
        for t in truths {
            s += "| \(t.group) | " + String(format: "%.4f", t.meanScore) + " | " + String(format: "%.2f%%", 100 * t.satisfied)
                + " | " + String(format: "%.2f%%", 100 * t.inControl) + " |\n"
        }
        s += """

        ## Files
        - `residents.csv`, `families.csv`: one row per respondent.
        - `plan.yaml`: the evaluation plan (`copro report SampleData/villa-family/plan.yaml`).
        - The instrument is `Instruments/villa-family-satisfaction.yaml`.

        """
        return s
    }
}
