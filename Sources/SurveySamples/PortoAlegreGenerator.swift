import Foundation
import SurveyStatistics

/// Generates the synthetic Pôrto Alegre participatory-budgeting data: a city poll and a survey of
/// participants at the regional assemblies.
///
/// The finite population is the city's adults (about 1,000,000) in the 16 budget regions, held as
/// counts per region × income group × participated × agrees cell (so no million-row array is built).
/// Income groups are household income in minimum wages; participation rates fall steeply with income
/// so that about 5% of adults take part (about 50,000, as in 2002) and most participants come from the
/// poorest groups; agreement that the budget "cannot be lost" is calibrated to 64% of all adults
/// (the 2003 poll). Samples:
/// - `poll.csv`: a stratified simple random sample without replacement of 616 adults, allocated to
///   regions in proportion to size (weight = adults in region / sampled in region);
/// - `assembly.csv`: a stratified simple random sample of 40 participants per region (weight =
///   participants in region / 40).
public struct PortoAlegreGenerator: Sendable {
    public static let defaultSeed: UInt64 = 19_890_101
    public let seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    /// Income groups (household income in minimum wages) and their city-wide shares.
    public static let incomeGroups = ["up to 2", "2 to 4", "4 to 8", "8 to 12", "over 12"]
    static let cityShares = [0.22, 0.25, 0.25, 0.12, 0.16]
    /// Probability of taking part in the budget assemblies by income group.
    static let participation = [0.100, 0.065, 0.040, 0.025, 0.012]
    /// Probability of agreeing, for participants and for other adults, by income group.
    static let agreeParticipant = [0.88, 0.86, 0.83, 0.78, 0.72]
    static let agreeOther = [0.675, 0.655, 0.63, 0.60, 0.565]

    static let pollSize = 616
    static let assemblyPerRegion = 40

    /// Cell counts of one region: [income group][participated 0/1][agrees 0/1].
    struct Region {
        var name: String
        var counts: [[[Int]]]
        var adults: Int { counts.joined().joined().reduce(0, +) }
        func count(participant: Int) -> Int { counts.map { $0[participant].reduce(0, +) }.reduce(0, +) }
    }

    static let regionNames = ["Humaitá/Navegantes", "Noroeste", "Leste", "Lomba do Pinheiro", "Norte", "Nordeste",
                              "Partenon", "Restinga", "Glória", "Cruzeiro", "Cristal", "Centro-Sul",
                              "Extremo-Sul", "Eixo Baltazar", "Sul", "Centro"]

    /// Draws the population: region sizes, and in each region the income mix and the cell counts.
    static func makePopulation(_ rng: inout SeededGenerator) -> [Region] {
        regionNames.enumerated().map { index, name in
            let adults = 30_000 + rng.nextIndex(below: 60_001) + (name == "Centro" ? 60_000 : 0)
            // Regions differ in income mix: a region-level shift towards poorer or richer groups.
            let shift = 0.35 * rng.nextNormal()
            var shares = cityShares.enumerated().map { g, s in s * exp(shift * (2 - Double(g)) / 2) }
            let total = shares.reduce(0, +)
            shares = shares.map { $0 / total }
            var counts: [[[Int]]] = []
            for g in 0..<incomeGroups.count {
                let n = Int((Double(adults) * shares[g]).rounded())
                let participants = binomial(n, participation[g], &rng)
                let agreeP = binomial(participants, agreeParticipant[g], &rng)
                let others = n - participants
                let agreeO = binomial(others, agreeOther[g], &rng)
                counts.append([[others - agreeO, agreeO], [participants - agreeP, agreeP]])
            }
            _ = index
            return Region(name: name, counts: counts)
        }
    }

    /// A binomial draw by the normal approximation with continuity (n·p large here), clamped to 0…n.
    static func binomial(_ n: Int, _ p: Double, _ rng: inout SeededGenerator) -> Int {
        let mean = Double(n) * p, sd = (Double(n) * p * (1 - p)).squareRoot()
        return min(n, max(0, Int((mean + sd * rng.nextNormal()).rounded())))
    }

    /// A simple random sample without replacement of `k` of `0..<n` (Floyd's algorithm), sorted.
    static func sampleIndices(_ k: Int, of n: Int, _ rng: inout SeededGenerator) -> [Int] {
        var chosen = Set<Int>()
        for j in (n - k)..<n {
            let t = rng.nextIndex(below: j + 1)
            chosen.insert(chosen.contains(t) ? j : t)
        }
        return chosen.sorted()
    }

    /// The person at position `i` of a region, persons ordered by cell.
    static func person(_ region: Region, _ i: Int, participantsOnly: Bool) -> (group: Int, participant: Int, agrees: Int) {
        var k = i
        for g in 0..<incomeGroups.count {
            for p in (participantsOnly ? [1] : [0, 1]) {
                for a in 0..<2 {
                    if k < region.counts[g][p][a] { return (g, p, a) }
                    k -= region.counts[g][p][a]
                }
            }
        }
        return (incomeGroups.count - 1, 1, 1)
    }

    static let columns = ["resp_id", "region", "weight", "income_group", "took_part", "op_cannot_be_lost"]

    public func generate() -> SampleDataset {
        var rng = SeededGenerator(seed: seed)
        let regions = Self.makePopulation(&rng)
        let adults = regions.map(\.adults).reduce(0, +)
        // Proportional allocation (largest remainders) of the poll to the regions.
        let exact = regions.map { Double(Self.pollSize) * Double($0.adults) / Double(adults) }
        var allocation = exact.map { Int($0) }
        let order = exact.indices.sorted { (exact[$0] - floor(exact[$0]), $1) > (exact[$1] - floor(exact[$1]), $0) }
        for j in order.prefix(Self.pollSize - allocation.reduce(0, +)) { allocation[j] += 1 }

        var poll = csvRecord(Self.columns)
        var assembly = csvRecord(Self.columns)
        var id = 1
        for (h, region) in regions.enumerated() {
            let weight = String(format: "%.4f", Double(region.adults) / Double(allocation[h]))
            for i in Self.sampleIndices(allocation[h], of: region.adults, &rng) {
                let p = Self.person(region, i, participantsOnly: false)
                poll += csvRecord(Self.record(id: id, region: region.name, weight: weight, p, &rng))
                id += 1
            }
        }
        id = 5001
        for region in regions {
            let participants = region.count(participant: 1)
            let weight = String(format: "%.4f", Double(participants) / Double(Self.assemblyPerRegion))
            for i in Self.sampleIndices(Self.assemblyPerRegion, of: participants, &rng) {
                let p = Self.person(region, i, participantsOnly: true)
                assembly += csvRecord(Self.record(id: id, region: region.name, weight: weight, p, &rng))
                id += 1
            }
        }
        return SampleDataset(name: "porto-alegre", files: [(name: "poll.csv", contents: poll),
                                                            (name: "assembly.csv", contents: assembly)],
                             readme: readme(Self.truths(regions), regions: regions, allocation: allocation))
    }

    /// One respondent; 2% say "don't know" (9) to the agreement item and 1% refuse the income question.
    static func record(id: Int, region: String, weight: String, _ p: (group: Int, participant: Int, agrees: Int),
                       _ rng: inout SeededGenerator) -> [String] {
        // Agreement on a 1–5 scale: agreeing persons answer 4 or 5, the others 1–3.
        let u = rng.nextUniform()
        let answer = p.agrees == 1 ? (u < 0.55 ? 4 : 5) : (u < 0.35 ? 3 : u < 0.75 ? 2 : 1)
        let dk = rng.nextBernoulli(0.02)
        let refuse = rng.nextBernoulli(0.01)
        return [String(format: "%05d", id), region, weight, refuse ? "-99" : String(p.group + 1), String(p.participant),
                dk ? "9" : String(answer)]
    }

    /// The population values the samples estimate.
    public struct Truth: Sendable, Equatable {
        /// Share of all adults who agree (4 or 5).
        public var agreeCity: Double
        /// Share of participants who agree.
        public var agreeParticipants: Double
        /// Share of adults who took part.
        public var participationRate: Double
        public var participants: Int
        public var adults: Int
        /// Income-group shares of all adults and of participants.
        public var cityShares: [Double]
        public var participantShares: [Double]
    }

    static func truths(_ regions: [Region]) -> Truth {
        let groups = incomeGroups.indices
        func sum(_ f: (Region, Int) -> Int) -> Int { regions.map { r in groups.map { f(r, $0) }.reduce(0, +) }.reduce(0, +) }
        let adults = sum { r, g in r.counts[g].joined().reduce(0, +) }
        let participants = sum { r, g in r.counts[g][1].reduce(0, +) }
        let agree = sum { r, g in r.counts[g][0][1] + r.counts[g][1][1] }
        let agreeP = sum { r, g in r.counts[g][1][1] }
        let city = groups.map { g in Double(regions.map { $0.counts[g].joined().reduce(0, +) }.reduce(0, +)) / Double(adults) }
        let part = groups.map { g in Double(regions.map { $0.counts[g][1].reduce(0, +) }.reduce(0, +)) / Double(participants) }
        return Truth(agreeCity: Double(agree) / Double(adults), agreeParticipants: Double(agreeP) / Double(participants),
                     participationRate: Double(participants) / Double(adults), participants: participants,
                     adults: adults, cityShares: city, participantShares: part)
    }

    /// The truths of the population this seed generates (for tests).
    public func populationTruth() -> Truth {
        var rng = SeededGenerator(seed: seed)
        return Self.truths(Self.makePopulation(&rng))
    }

    func readme(_ t: Truth, regions: [Region], allocation: [Int]) -> String {
        func pct(_ x: Double) -> String { String(format: "%.2f%%", 100 * x) }
        var s = """
        # Pôrto Alegre participatory budgeting: poll and assembly survey — SYNTHETIC sample data

        **These data are synthetic.** No real person is described. They were made by copro's seeded
        generator (`copro sample-data porto-alegre --seed \(seed) --out SampleData/porto-alegre`, source
        `Sources/SurveySamples/PortoAlegreGenerator.swift`) and are calibrated to the figures reported for
        participatory budgeting in Pôrto Alegre in Bovaird (2007), as summarised in `../shared/CASES.md`
        (about 50,000 participants in 2002; a 2003 poll of more than 600 people, 64% agreeing that the
        budget "is a great achievement for the city that cannot be lost"; most participants from the
        poorest groups). Running the command again writes byte-identical files.

        ## Population and design
        - A finite population of \(t.adults) adults in 16 budget regions, of whom \(t.participants)
          (\(pct(t.participationRate))) took part in the assemblies.
        - `poll.csv`: a stratified simple random sample without replacement of \(allocation.reduce(0, +)) adults,
          allocated to the regions in proportion to their size; `weight` = adults in region / sampled.
        - `assembly.csv`: a stratified simple random sample of \(Self.assemblyPerRegion) participants in each
          region; `weight` = participants in region / \(Self.assemblyPerRegion).
        - `region` is the stratum. `op_cannot_be_lost` is agreement on a 1–5 scale (4–5 agree; 9 don't
          know, about 2%); `income_group` is household income in minimum wages (1 = up to 2 … 5 = over 12;
          `-99` refused, about 1%); `took_part` is 1 for people who took part in the assemblies.

        ## True population values

        | quantity | value | calibration target |
        |---|---:|---|
        | adults agreeing the budget cannot be lost | \(pct(t.agreeCity)) | 64% (2003 poll) |
        | participants agreeing | \(pct(t.agreeParticipants)) | higher than the city |
        | adults who took part | \(pct(t.participationRate)) | about 50,000 of 1 million |

        | income group (minimum wages) | share of adults | share of participants | representation ratio |
        |---|---:|---:|---:|

        """
        for (g, name) in Self.incomeGroups.enumerated() {
            s += "| \(name) | \(pct(t.cityShares[g])) | \(pct(t.participantShares[g])) | "
                + String(format: "%.3f", t.participantShares[g] / t.cityShares[g]) + " |\n"
        }
        s += """

        The plan gives the city's shares (the first column, as a census would) to the representation
        analysis, which compares them with the participants' shares estimated from `assembly.csv`.

        ## Files
        - `poll.csv`, `assembly.csv`: one row per respondent.
        - `plan.yaml`: the evaluation plan (`copro report SampleData/porto-alegre/plan.yaml`).
        - The instrument is `Instruments/porto-alegre-poll.yaml`.

        """
        return s
    }
}
