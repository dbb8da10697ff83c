import Foundation
import SurveyStatistics

/// Generates the synthetic Tackley village-shop data: a household needs survey ("which missing
/// services would you use?") and the resource account of the shop's building.
///
/// The finite population is 432 households (just over 1,000 people). Each household would use each
/// of twelve missing services with a service-specific probability (the "Tackley Top Ten" order:
/// postal service, basic groceries, newspapers and magazines, fresh and home-grown produce, pharmacy,
/// lottery tickets, dry cleaning, off-licence, …), and would volunteer with probability 0.16.
/// The survey is a simple random sample without replacement of 200 households, of whom about 75%
/// respond (weight = 432 / respondents). The resource account restates the published £415,000
/// (20% raised in the village, 80% from 14 external organisations; the split among the 14 is
/// synthetic) and lists 54 volunteers with synthetic hours.
public struct TackleyGenerator: Sendable {
    public static let defaultSeed: UInt64 = 20_040_315
    public let seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    /// The services asked about, in the published Top Ten order, with their use probabilities.
    public static let services: [(code: String, label: String, p: Double)] = [
        ("postal", "Postal service", 0.84), ("groceries", "Basic groceries", 0.80),
        ("newspapers", "Newspapers and magazines", 0.71), ("produce", "Fresh and home-grown produce", 0.66),
        ("pharmacy", "Pharmacy", 0.52), ("lottery", "Lottery tickets", 0.41),
        ("dry_cleaning", "Dry cleaning", 0.33), ("off_licence", "Off-licence", 0.30),
        ("cash", "Cash machine", 0.24), ("cafe", "Café", 0.22), ("hardware", "Hardware", 0.14),
        ("butcher", "Butcher", 0.11),
    ]
    static let households = 432
    static let sampled = 200
    static let volunteerP = 0.16

    struct Household {
        var id: Int, size: Int, needs: [Bool], volunteer: Bool, hours: Int
    }

    static func makePopulation(_ rng: inout SeededGenerator) -> [Household] {
        (0..<households).map { i in
            let size = 1 + rng.nextIndex(below: 4)
            // A household-level propensity makes needs positively correlated, as in real surveys.
            let propensity = 0.6 * rng.nextNormal()
            let needs = services.map { s -> Bool in
                let logit = log(s.p / (1 - s.p)) + propensity - 0.03
                return rng.nextUniform() < 1 / (1 + exp(-logit))
            }
            let volunteer = rng.nextBernoulli(volunteerP)
            let hours = volunteer ? 2 + rng.nextIndex(below: 15) : 0
            return Household(id: 1001 + i, size: size, needs: needs, volunteer: volunteer, hours: hours)
        }
    }

    static let columns = ["hh_id", "weight", "households", "hh_size", "services_wanted", "would_volunteer",
                          "volunteer_hours_month"]

    /// The external funders (names synthetic) and the amounts: 14 amounts summing to £332,000.
    static let funders = ["Big Lottery Fund", "Countryside Agency", "District Council", "County Council",
                          "Lottery Awards for All", "Rural Community Council", "Village Retail Services Association",
                          "Charitable Trust A", "Charitable Trust B", "Charitable Trust C", "Landfill Tax Credit Scheme",
                          "Plunkett Foundation", "Regional Development Agency", "Community Foundation"]

    public func generate() -> SampleDataset {
        var rng = SeededGenerator(seed: seed)
        let population = Self.makePopulation(&rng)
        var order = Array(population.indices)
        for i in 0..<Self.sampled {
            let j = i + rng.nextIndex(below: order.count - i)
            order.swapAt(i, j)
        }
        let responding = order[0..<Self.sampled].sorted().filter { _ in rng.nextBernoulli(0.75) }
        let weight = String(format: "%.6f", Double(Self.households) / Double(responding.count))
        var csv = csvRecord(Self.columns)
        for i in responding {
            let h = population[i]
            let wanted = zip(Self.services, h.needs).filter(\.1).map(\.0.code).joined(separator: " ")
            let refused = rng.nextBernoulli(0.02)
            csv += csvRecord([String(h.id), weight, String(Self.households), String(h.size),
                              refused ? "-99" : wanted, h.volunteer ? "1" : "0", h.volunteer ? String(h.hours) : "-97"])
        }
        let account = Self.account(&rng)
        return SampleDataset(name: "tackley", files: [(name: "needs.csv", contents: csv), (name: "resources.csv", contents: account.csv)],
                             readme: readme(population, respondents: responding.count, volunteerHours: account.hours))
    }

    /// The resource account: village fund-raising, 14 external organisations, 54 volunteers' hours.
    static func account(_ rng: inout SeededGenerator) -> (csv: String, hours: Int) {
        var csv = csvRecord(["item", "category", "amount", "volunteers", "hours"])
        csv += csvRecord(["Village fund-raising and community shares", "village", "83000", "", ""])
        // 14 positive amounts summing to £332,000, in whole £500s.
        let raw = funders.map { _ in 0.3 + rng.nextUniform() }
        let units = 332_000 / 500
        var amounts = raw.map { Int((Double(units) * $0 / raw.reduce(0, +)).rounded(.down)) }
        amounts[0] += units - amounts.reduce(0, +)
        for (name, a) in zip(funders, amounts) { csv += csvRecord([name, "external", String(a * 500), "", ""]) }
        var hours = 0
        for group in ["Shop rota", "Building work", "Management committee"] {
            let volunteers = group == "Shop rota" ? 38 : group == "Building work" ? 10 : 6
            let h = (0..<volunteers).map { _ in 40 + rng.nextIndex(below: 121) }.reduce(0, +)
            hours += h
            csv += csvRecord([group, "volunteer_time", "", String(volunteers), String(h)])
        }
        return (csv, hours)
    }

    /// The population truth: each service's share of households and its rank (1 = most wanted).
    public struct Truth: Sendable, Equatable {
        public var shares: [String: Double]
        public var ranks: [String: Int]
        public var volunteerShare: Double
        public var volunteerHoursMonth: Double
    }

    static func truth(_ population: [Household]) -> Truth {
        let n = Double(population.count)
        var shares: [String: Double] = [:]
        for (k, s) in services.enumerated() { shares[s.code] = Double(population.filter { $0.needs[k] }.count) / n }
        let sorted = services.map(\.code).sorted { (shares[$0] ?? 0, $1) > (shares[$1] ?? 0, $0) }
        var ranks: [String: Int] = [:]
        for (i, c) in sorted.enumerated() { ranks[c] = i + 1 }
        return Truth(shares: shares, ranks: ranks,
                     volunteerShare: Double(population.filter(\.volunteer).count) / n,
                     volunteerHoursMonth: Double(population.map(\.hours).reduce(0, +)))
    }

    /// The truths of the population this seed generates (for tests).
    public func populationTruth() -> Truth {
        var rng = SeededGenerator(seed: seed)
        return Self.truth(Self.makePopulation(&rng))
    }

    func readme(_ population: [Household], respondents: Int, volunteerHours: Int) -> String {
        let t = Self.truth(population)
        var s = """
        # Tackley village shop: needs survey and resource account — SYNTHETIC sample data

        **These data are synthetic.** No real household is described. They were made by copro's seeded
        generator (`copro sample-data tackley --seed \(seed) --out SampleData/tackley`, source
        `Sources/SurveySamples/TackleyGenerator.swift`) and are calibrated to the Tackley village shop case
        in Bovaird (2007), as summarised in `../shared/CASES.md`. Running the command again writes
        byte-identical files.

        ## Population and design
        - A finite population of \(population.count) households (\(population.map(\.size).reduce(0, +)) people).
        - `needs.csv`: a simple random sample without replacement of \(Self.sampled) households, of whom
          \(respondents) responded; `weight` = \(population.count) / \(respondents); `households` is the fpc.
          `services_wanted` lists the missing services the household would use (space-separated codes;
          `-99` refused, about 2%); `volunteer_hours_month` is `-97` for households that would not volunteer.
        - `resources.csv`: the resource account of the shop building. The total, £415,000, and its split
          (20% = £83,000 raised in the village, 80% = £332,000 from 14 external organisations) are the
          published figures; the funders' names and individual amounts are synthetic. 54 volunteers
          (more than 50, as published) gave \(volunteerHours) hours in the first year (synthetic).

        ## True population values

        | service | code | share of households | rank |
        |---|---|---:|---:|

        """
        for sv in Self.services {
            s += "| \(sv.label) | `\(sv.code)` | " + String(format: "%.2f%%", 100 * (t.shares[sv.code] ?? .nan))
                + " | \(t.ranks[sv.code] ?? 0) |\n"
        }
        s += """

        Households that would volunteer: \(String(format: "%.2f%%", 100 * t.volunteerShare)); volunteer hours
        a month they would give, all households together: \(String(format: "%.0f", t.volunteerHoursMonth)).

        ## Files
        - `needs.csv`: one row per responding household; `resources.csv`: the resource account.
        - `plan.yaml`: the evaluation plan (`copro report SampleData/tackley/plan.yaml`).
        - The instrument is `Instruments/tackley-needs.yaml`.

        """
        return s
    }
}
