import Foundation
import SurveyStatistics

/// Generates the synthetic Beacon estate household survey (before and after regeneration).
///
/// A finite population of about 1,000 households in 40 blocks (the PSUs) over three zones (the
/// strata) is drawn once. Every household has a "before" and an "after" state whose outcome
/// probabilities are calibrated to the figures in CASES.md (postnatal depression −88%, child accidents
/// −50%, children on protection plans −60%, 87% feel safe afterwards, school attendance up, energy
/// bills down by £180 a household, i.e. £180,000 a year across the estate). Each wave is an independent
/// stratified one-stage cluster sample of blocks (all households in a sampled block are approached;
/// about 80% respond), weighted by (blocks in zone / blocks sampled) × (households / respondents).
/// The true population values are computed from the generated population and written to the README.
public struct BeaconGenerator: Sendable {
    public static let defaultSeed: UInt64 = 20_040_601
    public let seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    /// Per-wave outcome parameters (probabilities, means) — the calibration targets.
    struct WaveParameters {
        var pnd: Double, childAccident: Double, childProtection: Double
        var feelSafeShift: Double, rehousing: Double
        var attendance: Double, energyBill: Double, gpRate: Double
    }
    static let before = WaveParameters(pnd: 0.25, childAccident: 0.22, childProtection: 0.060,
                                       feelSafeShift: -0.35, rehousing: 0.40,
                                       attendance: 85.0, energyBill: 1020, gpRate: 4.1)
    static let after = WaveParameters(pnd: 0.03, childAccident: 0.11, childProtection: 0.024,
                                      feelSafeShift: 1.43, rehousing: 0.12,
                                      attendance: 91.5, energyBill: 840, gpRate: 2.9)

    /// Routine records kept by the services, one row per year (the exposure is the population at risk).
    /// Rates per `per` person-years: the calibration targets (−60%, −50%, GP visits −29%, −88%).
    public struct AdminSeries: Sendable {
        public var file: String, label: String, exposureLabel: String
        public var exposure: Double, per: Double, before: Double, after: Double
    }
    public static let adminSeries: [AdminSeries] = [
        AdminSeries(file: "admin_protection_orders.csv", label: "children on child protection orders",
                    exposureLabel: "children under 16", exposure: 1_150, per: 1_000, before: 15, after: 6),
        AdminSeries(file: "admin_child_accidents.csv", label: "child accident attendances",
                    exposureLabel: "children under 16", exposure: 1_150, per: 1_000, before: 160, after: 80),
        AdminSeries(file: "admin_gp_visits.csv", label: "GP consultations", exposureLabel: "registered residents",
                    exposure: 2_900, per: 1_000, before: 4_100, after: 2_900),
        AdminSeries(file: "admin_pnd_diagnoses.csv", label: "postnatal depression diagnoses",
                    exposureLabel: "births", exposure: 60, per: 1_000, before: 250, after: 30),
    ]
    static let adminYears: [(Int, String)] = [(1997, "before"), (1998, "before"), (1999, "before"),
                                               (2002, "after"), (2003, "after"), (2004, "after")]

    static let zones: [(name: String, blocks: Int, sampled: Int)] = [
        ("north", 14, 9), ("centre", 16, 10), ("south", 10, 7),
    ]

    struct Household {
        var id: Int, zone: Int, block: String
        var adults: Int, children: Int, schoolAge: Int, infant: Bool
        var states: [State]   // [before, after]
    }
    struct State {
        var pnd: Bool, accident: Bool, protection: Bool, feelSafe: Int, rehousing: Bool
        var attendance: Double, energyBill: Int, gpVisits: Int
    }

    /// Draws the finite population: households with a "before" and an "after" state.
    static func makePopulation(_ rng: inout SeededGenerator) -> (households: [Household], blocksByZone: [[String]]) {
        var households: [Household] = []
        var blocksByZone: [[String]] = []
        var nextID = 101
        for (z, zone) in Self.zones.enumerated() {
            var names: [String] = []
            for b in 1...zone.blocks {
                let block = "\(zone.name.prefix(1).uppercased())\(String(format: "%02d", b))"
                names.append(block)
                let size = 20 + rng.nextIndex(below: 11)
                for _ in 0..<size {
                    let adults = 1 + rng.nextIndex(below: 3)
                    let children = rng.nextBernoulli(0.55) ? 1 + rng.nextIndex(below: 3) : 0
                    let schoolAge = children == 0 ? 0 : rng.nextIndex(below: children + 1)
                    let infant = children > schoolAge && rng.nextBernoulli(0.45)
                    let persistent = rng.nextNormal()   // household-level latent: correlated bills and visits
                    let states = [Self.before, Self.after].map { p in
                        Self.drawState(p, children: children, schoolAge: schoolAge, infant: infant,
                                       persons: adults + children, latent: persistent, rng: &rng)
                    }
                    households.append(Household(id: nextID, zone: z, block: block, adults: adults,
                                                children: children, schoolAge: schoolAge, infant: infant,
                                                states: states))
                    nextID += 1 + rng.nextIndex(below: 3)
                }
            }
            blocksByZone.append(names)
        }
        calibrate(&households, &rng)
        return (households, blocksByZone)
    }

    /// Makes the population hit the calibration targets: each binary outcome is given to exactly
    /// round(p × eligible) randomly chosen eligible households per wave, and bills are rescaled so that
    /// the mean bill is £1,020 before and the estate-wide saving is exactly £180,000 a year (up to the
    /// rounding of each bill to whole pounds).
    static func calibrate(_ households: inout [Household], _ rng: inout SeededGenerator) {
        let outcomes: [(WritableKeyPath<State, Bool>, (Household) -> Bool, KeyPath<WaveParameters, Double>)] = [
            (\.pnd, { $0.infant }, \.pnd),
            (\.accident, { $0.children > 0 }, \.childAccident),
            (\.protection, { $0.children > 0 }, \.childProtection),
            (\.rehousing, { _ in true }, \.rehousing),
        ]
        for (w, p) in [before, after].enumerated() {
            for (flag, eligible, rate) in outcomes {
                var pool = households.indices.filter { eligible(households[$0]) }
                let k = Int((p[keyPath: rate] * Double(pool.count)).rounded())
                for i in households.indices { households[i].states[w][keyPath: flag] = false }
                for i in 0..<k {
                    let j = i + rng.nextIndex(below: pool.count - i)
                    pool.swapAt(i, j)
                    households[pool[i]].states[w][keyPath: flag] = true
                }
            }
        }
        let n = Double(households.count)
        let targetMeans = [before.energyBill, before.energyBill - 180_000 / n]
        for w in 0..<2 {
            let mean = households.map { Double($0.states[w].energyBill) }.reduce(0, +) / n
            for i in households.indices {
                let scaled = Double(households[i].states[w].energyBill) * targetMeans[w] / mean
                households[i].states[w].energyBill = Int(scaled.rounded())
            }
        }
    }

    public func generate() -> SampleDataset {
        var rng = SeededGenerator(seed: seed)
        let (households, blocksByZone) = Self.makePopulation(&rng)
        // 2. One independent sample of blocks per wave.
        let waves = ["before", "after"]
        var files: [(name: String, contents: String)] = []
        var sampleSizes: [Int] = []
        for (w, wave) in waves.enumerated() {
            var csv = csvRecord(Self.columns)
            var rows = 0
            for (z, zone) in Self.zones.enumerated() {
                var blocks = blocksByZone[z]
                // Partial Fisher–Yates: the first `sampled` blocks are a simple random sample.
                for i in 0..<zone.sampled {
                    let j = i + rng.nextIndex(below: blocks.count - i)
                    blocks.swapAt(i, j)
                }
                for block in blocks[0..<zone.sampled].sorted() {
                    let members = households.filter { $0.block == block }
                    let responding = members.filter { _ in rng.nextBernoulli(0.8) }
                    guard !responding.isEmpty else { continue }
                    let weight = Double(zone.blocks) / Double(zone.sampled)
                        * Double(members.count) / Double(responding.count)
                    for h in responding {
                        csv += csvRecord(Self.record(h, wave: w, zone: zone.name, blocksInZone: zone.blocks,
                                                     weight: weight, rng: &rng))
                        rows += 1
                    }
                }
            }
            files.append((name: "\(wave).csv", contents: csv))
            sampleSizes.append(rows)
        }
        // Administrative counts per year, drawn after the surveys so that the survey files do not depend
        // on them.
        for series in Self.adminSeries {
            var csv = csvRecord(["level", "year", "count", "exposure"])
            for (year, level) in Self.adminYears {
                let rate = level == "before" ? series.before : series.after
                let count = rng.nextPoisson(mean: rate * series.exposure / series.per)
                csv += csvRecord([level, String(year), String(count), String(format: "%.0f", series.exposure)])
            }
            files.append((name: series.file, contents: csv))
        }
        let readme = Self.readme(households: households, seed: seed, sampleSizes: sampleSizes)
        return SampleDataset(name: "beacon", files: files, readme: readme)
    }

    static let columns = ["hh_id", "zone", "block", "blocks_in_zone", "weight", "adults", "children_u16",
                          "school_age", "has_infant", "pnd", "child_accident", "child_protection", "feel_safe",
                          "school_attendance", "energy_bill", "gp_visits", "rehousing"]

    static func drawState(_ p: WaveParameters, children: Int, schoolAge: Int, infant: Bool, persons: Int,
                          latent: Double, rng: inout SeededGenerator) -> State {
        // Feel safe: a 1–5 Likert item from a latent normal shifted per wave.
        let s = rng.nextNormal() + p.feelSafeShift
        let feelSafe = s < -1.2 ? 1 : s < -0.5 ? 2 : s < 0.3 ? 3 : s < 1.3 ? 4 : 5
        let attendance = min(100, max(40, p.attendance + 6 * rng.nextNormal()))
        let bill = max(250, p.energyBill * exp(0.18 * latent + 0.10 * rng.nextNormal() - 0.0212))
        return State(pnd: infant && rng.nextBernoulli(p.pnd),
                     accident: children > 0 && rng.nextBernoulli(p.childAccident),
                     protection: children > 0 && rng.nextBernoulli(p.childProtection),
                     feelSafe: feelSafe,
                     rehousing: rng.nextBernoulli(p.rehousing),
                     attendance: (attendance * 10).rounded() / 10,
                     energyBill: Int(bill.rounded()),
                     gpVisits: rng.nextPoisson(mean: p.gpRate * Double(persons) * exp(0.15 * latent - 0.01125)))
    }

    /// One CSV record; skip logic writes `-97` (not applicable) where a question is not asked, and a few
    /// respondents refuse (`-99`) or do not know (`-98`, or `9` on the Likert item).
    static func record(_ h: Household, wave: Int, zone: String, blocksInZone: Int, weight: Double,
                       rng: inout SeededGenerator) -> [String] {
        let st = h.states[wave]
        func answer(_ asked: Bool, _ value: String, refuse: Double = 0.01) -> String {
            guard asked else { return "-97" }
            return rng.nextBernoulli(refuse) ? "-99" : value
        }
        let b: (Bool) -> String = { $0 ? "1" : "0" }
        let feelSafe = rng.nextBernoulli(0.03) ? "9" : String(st.feelSafe)
        // Energy bills are never missing: the estate-wide total would otherwise need a missing-data model.
        let visits = rng.nextBernoulli(0.03) ? "-98" : String(st.gpVisits)
        return [
            String(format: "%05d", h.id), zone, h.block, String(blocksInZone),
            String(format: "%.6f", weight), String(h.adults), String(h.children), String(h.schoolAge),
            b(h.infant),
            answer(h.infant, b(st.pnd), refuse: 0.02),
            answer(h.children > 0, b(st.accident)),
            answer(h.children > 0, b(st.protection), refuse: 0.02),
            feelSafe,
            answer(h.schoolAge > 0, String(format: "%.1f", st.attendance)),
            String(st.energyBill),
            visits,
            b(st.rehousing),
        ]
    }

    /// The population truth for each indicator and wave, as documented in the README.
    public struct Truth: Sendable, Equatable {
        public var indicator: String
        public var before: Double
        public var after: Double
    }

    static func truths(_ households: [Household]) -> [Truth] {
        func share(_ eligible: (Household) -> Bool, _ outcome: (State) -> Bool) -> (Double, Double) {
            let e = households.filter(eligible)
            let counts = (0..<2).map { w in e.filter { outcome($0.states[w]) }.count }
            return (Double(counts[0]) / Double(e.count), Double(counts[1]) / Double(e.count))
        }
        func mean(_ eligible: (Household) -> Bool, _ value: (State) -> Double) -> (Double, Double) {
            let e = households.filter(eligible)
            let sums = (0..<2).map { w in e.map { value($0.states[w]) }.reduce(0, +) }
            return (sums[0] / Double(e.count), sums[1] / Double(e.count))
        }
        let persons = Double(households.map { $0.adults + $0.children }.reduce(0, +))
        let gp: (Int) -> Double = { w in Double(households.map { $0.states[w].gpVisits }.reduce(0, +)) / persons }
        let bills: (Int) -> Double = { w in Double(households.map { $0.states[w].energyBill }.reduce(0, +)) }
        let rows: [(String, (Double, Double))] = [
            ("pnd", share({ $0.infant }, { $0.pnd })),
            ("child_accident", share({ $0.children > 0 }, { $0.accident })),
            ("child_protection", share({ $0.children > 0 }, { $0.protection })),
            ("feel_safe", share({ _ in true }, { $0.feelSafe >= 4 })),
            ("rehousing", share({ _ in true }, { $0.rehousing })),
            ("school_attendance", mean({ $0.schoolAge > 0 }, { $0.attendance })),
            ("energy_bill", mean({ _ in true }, { Double($0.energyBill) })),
            ("energy_total", (bills(0), bills(1))),
            ("gp_rate", (gp(0), gp(1))),
        ]
        return rows.map { Truth(indicator: $0.0, before: $0.1.0, after: $0.1.1) }
    }

    /// The truths of the population this seed generates (for tests).
    public func populationTruths() -> [Truth] {
        var rng = SeededGenerator(seed: seed)
        return Self.truths(Self.makePopulation(&rng).households)
    }
}

extension BeaconGenerator {
    enum Shown: Sendable { case percent, fixed(Int) }
    static let indicatorLabels: [String: (label: String, shown: Shown, target: String)] = [
        "pnd": ("Postnatal depression (mothers of infants)", .percent, "25% → 3% (−88%)"),
        "child_accident": ("Households with a child accident in 12 months", .percent, "22% → 11% (−50%)"),
        "child_protection": ("Households with a child on a protection plan", .percent, "6.0% → 2.4% (−60%)"),
        "feel_safe": ("Feel safe after dark (4–5 on a 1–5 scale)", .percent, "about 87% after"),
        "rehousing": ("Want to be rehoused off the estate", .percent, "40% → 12%"),
        "school_attendance": ("School attendance, % of sessions", .fixed(2), "85.0 → 91.5"),
        "energy_bill": ("Annual energy bill per household, £", .fixed(2), "£1,020 → £1,020 − £180,000/N"),
        "energy_total": ("Energy bills across the estate, £ a year", .fixed(0), "saving about £180,000"),
        "gp_rate": ("GP visits per person per year", .fixed(4), "4.1 → 2.9"),
    ]

    static func show(_ x: Double, _ how: Shown) -> String {
        switch how {
        case .percent: return String(format: "%.2f%%", 100 * x)
        case .fixed(let d): return String(format: "%.\(d)f", x)
        }
    }

    static func readme(households: [Household], seed: UInt64, sampleSizes: [Int]) -> String {
        let truths = truths(households)
        var s = """
        # Beacon estate household survey — SYNTHETIC sample data

        **These data are synthetic.** No real person, household or estate is described. They were made by
        copro's seeded generator (`copro sample-data beacon --seed \(seed) --out SampleData/beacon`,
        source `Sources/SurveySamples/BeaconGenerator.swift`) and are calibrated to the outcomes reported
        for the Beacon Community Regeneration Partnership (Falmouth, Cornwall) in Bovaird (2007), as
        summarised in `../shared/CASES.md`. Running the command again writes byte-identical files.

        ## Population and design
        - A finite population of \(households.count) households in 40 blocks over three zones
          (north 14 blocks, centre 16, south 10). Every household has a *before* and an *after* state.
        - Each wave is an **independent** stratified one-stage cluster sample: in each zone a simple random
          sample of blocks (north 9, centre 10, south 7); every household in a sampled block is approached
          and about 80% respond. Responding households: before \(sampleSizes[0]), after \(sampleSizes[1]).
        - `weight` = (blocks in zone / blocks sampled) × (households in block / respondents in block);
          `zone` is the stratum, `block` the PSU, `blocks_in_zone` the stage-1 population size (fpc).
        - Codes: `-97` not applicable (the question was not asked: skip logic), `-98` don't know,
          `-99` refused; `feel_safe` uses `9` for don't know. `hh_id` keeps its leading zeros.

        ## True population values
        Computed from the generated population (all \(households.count) households, both states). A correct
        analysis of the samples should cover these with its 95% confidence intervals most of the time.

        | indicator | definition | before | after | calibration target |
        |---|---|---:|---:|---|

        """
        for t in truths {
            guard let l = indicatorLabels[t.indicator] else { continue }
            s += "| `\(t.indicator)` | \(l.label) | \(show(t.before, l.shown)) | \(show(t.after, l.shown)) | \(l.target) |\n"
        }
        let saving = truths.first { $0.indicator == "energy_total" }.map { $0.before - $0.after } ?? .nan
        s += """

        Relative changes in the population: postnatal depression \(relative(truths, "pnd")),
        child accidents \(relative(truths, "child_accident")), children on protection plans
        \(relative(truths, "child_protection")); estate-wide energy saving £\(String(format: "%.0f", saving)) a year.

        ## Administrative counts
        Yearly counts from the services' own records (1997–1999 before, 2002–2004 after), each a Poisson
        draw with the rate below times the exposure; the true rate ratio is after/before.

        | file | events | exposure per year | rate before | rate after | true rate ratio |
        |---|---|---:|---:|---:|---:|
        \(adminSeries.map { a in "| `\(a.file)` | \(a.label) | \(Int(a.exposure)) \(a.exposureLabel) | \(show(a.before, .fixed(0))) per \(Int(a.per)) | \(show(a.after, .fixed(0))) per \(Int(a.per)) | \(show(a.after / a.before, .fixed(3))) |" }.joined(separator: "\n"))

        ## Files
        - `before.csv`, `after.csv`: one row per responding household.
        - `admin_*.csv`: the administrative counts (`level,year,count,exposure`).
        - `plan.yaml`: the evaluation plan (`copro report SampleData/beacon/plan.yaml`).
        - The instrument is `Instruments/beacon-household.yaml`.

        """
        return s
    }

    static func relative(_ truths: [Truth], _ id: String) -> String {
        guard let t = truths.first(where: { $0.indicator == id }) else { return "n/a" }
        return String(format: "%+.1f%%", 100 * (t.after / t.before - 1))
    }
}
