import Foundation
import Testing
@testable import SurveyEvaluation
import SurveyInstruments
import SurveyIngest
import SurveyReports
import SurveySamples

/// The case reports recover the values their generators were built from.
///
/// Each test counts the 95% intervals that miss the generator's true value. For k independent
/// intervals the misses are Binomial(k, 0.05); each test states the expected number and fails only
/// when the misses are improbable for a correct method (the committed seeds are the generators'
/// defaults, not chosen to pass).
@Suite(.serialized) struct CaseTruthTests {
    /// Pôrto Alegre: 10 intervals (agreement in the city and among participants, participation, the two
    /// poorest groups' share in both samples, five participant income shares) expect 0.5 misses;
    /// P(≤ 2 misses) = 0.988, so three or more fail.
    @Test func portoAlegreCoversThePopulation() throws {
        let report = try CaseRun.report("porto-alegre")
        let t = PortoAlegreGenerator(seed: PortoAlegreGenerator.defaultSeed).populationTruth()
        var checks: [(String, Double, Double, Double)] = []
        func add(_ name: String, _ e: EvaluationReport.GroupEstimate, _ truth: Double) {
            checks.append((name, truth, e.ciLow, e.ciHigh))
        }
        add("agree, city", try CaseRun.estimate(report, "cannot_be_lost", "poll"), t.agreeCity)
        add("agree, participants", try CaseRun.estimate(report, "cannot_be_lost", "assembly"), t.agreeParticipants)
        add("took part", try CaseRun.estimate(report, "took_part", "poll"), t.participationRate)
        add("poorest two, city", try CaseRun.estimate(report, "poorest_two", "poll"), t.cityShares[0] + t.cityShares[1])
        add("poorest two, participants", try CaseRun.estimate(report, "poorest_two", "assembly"),
            t.participantShares[0] + t.participantShares[1])
        let table = try CaseRun.section(report, "representation").tables[0]
        #expect(table.rows.count == 5)
        for (g, row) in table.rows.enumerated() {
            let low = try #require(row[3].value), high = try #require(row[4].value)
            checks.append(("participant share \(g + 1)", t.participantShares[g], low, high))
            // The ratio column is the share over the plan's population share (4 decimals of the truth).
            let ratio = try #require(row[5].value), share = try #require(row[2].value)
            #expect(abs(ratio - share / t.cityShares[g]) < 0.002 * ratio)
        }
        let misses = checks.filter { !($0.2 <= $0.1 && $0.1 <= $0.3) }
        #expect(misses.count <= 2, "\(misses)")
        // The published poll figure (64%) is inside the poll's margin of error, and the poll has ~600 people.
        let poll = try CaseRun.estimate(report, "cannot_be_lost", "poll")
        #expect(poll.ciLow <= 0.64 && 0.64 <= poll.ciHigh)
        #expect(poll.n >= 580 && poll.n <= 640)
        // The paper's finding: most participants come from the poorest groups.
        let poorest = try CaseRun.estimate(report, "poorest_two", "assembly")
        #expect(poorest.ciLow > 0.5)
    }

    /// Tackley: 12 service shares, households that would volunteer and the village's volunteer hours:
    /// 14 intervals expect 0.7 misses; P(≤ 2) = 0.970. Rank intervals (percentile bootstrap, whose
    /// coverage is approximate for ranks) are checked against the population ranks with the same
    /// allowance over 12 ranks (expected 0.6 if they were exact 95% intervals).
    @Test func tackleyCoversThePopulation() throws {
        let report = try CaseRun.report("tackley")
        let t = TackleyGenerator(seed: TackleyGenerator.defaultSeed).populationTruth()
        let table = try CaseRun.section(report, "ranking").tables[0]
        #expect(table.rows.count == TackleyGenerator.services.count)
        var shareMisses: [String] = [], rankMisses: [String] = []
        for row in table.rows {
            let label = row[1].text
            let code = try #require(TackleyGenerator.services.first { $0.label == label }?.code)
            let truth = try #require(t.shares[code]), rank = try #require(t.ranks[code])
            let low = try #require(row[3].value), high = try #require(row[4].value)
            if !(low <= truth && truth <= high) { shareMisses.append("\(code): \(truth) ∉ [\(low), \(high)]") }
            let bounds = row[5].text.split(separator: "–").compactMap { Int($0) }
            #expect(bounds.count == 2)
            if bounds.count == 2, !(bounds[0] <= rank && rank <= bounds[1]) { rankMisses.append("\(code): rank \(rank) ∉ \(row[5].text)") }
        }
        let volunteer = try CaseRun.estimate(report, "would_volunteer", "needs")
        if !(volunteer.ciLow <= t.volunteerShare && t.volunteerShare <= volunteer.ciHigh) { shareMisses.append("volunteer share") }
        let hours = try CaseRun.estimate(report, "volunteer_hours", "needs")
        if !(hours.ciLow <= t.volunteerHoursMonth && t.volunteerHoursMonth <= hours.ciHigh) { shareMisses.append("volunteer hours") }
        #expect(shareMisses.count <= 2, "\(shareMisses)")
        #expect(rankMisses.count <= 2, "\(rankMisses)")
    }

    /// The resource account restates the published figures exactly: £415,000, 20% from the village,
    /// 80% from 14 external organisations, more than 50 volunteers, time valued at hours × wage.
    @Test func tackleyResourceAccountMatchesThePublishedFigures() throws {
        let section = try CaseRun.section(try CaseRun.report("tackley"), "resources")
        let rows = section.tables[0].rows
        let village = try #require(rows.first { $0[0].text == "Raised in the village" })
        let external = try #require(rows.first { $0[0].text == "External organisations" })
        let money = try #require(rows.first { $0[0].text == "Money in all" })
        #expect(money[2].value == 415_000)
        #expect(village[3].value == 0.2 && external[3].value == 0.8)
        #expect(external[1].value == 14)
        let time = try #require(rows.first { $0[0].text.hasPrefix("Volunteer time") })
        #expect(try #require(time[1].value) > 50)
        let hours = section.tables[1].rows.compactMap { $0[4].value }.reduce(0, +)
        #expect(abs(try #require(time[2].value) - hours * 4.85) < 1e-6)
    }

    /// Caterham: the trend interval covers the generator's true slope (one interval: a miss has
    /// probability 0.05 for a correct method), and the records match the published figures.
    @Test func caterhamTrendCoversTheTrueSlope() throws {
        let report = try CaseRun.report("caterham")
        let row = try CaseRun.section(report, "trend").tables[0].rows[0]
        let truth = 52 * CaterhamGenerator.trueSlopePerWeek
        let low = try #require(row[3].value), high = try #require(row[4].value)
        #expect(low <= truth && truth <= high, "true slope \(truth) outside [\(low), \(high)]")
        let members = ["2003", "2004", "2005"].compactMap { try? CaseRun.estimate(report, "new_members", $0).estimate }
        #expect(members.count == 3)
        #expect(abs(members.reduce(0, +) - 5_000) < 300, "members after three years: \(members.reduce(0, +))")
        for year in ["2003", "2004", "2005"] {
            #expect(try CaseRun.estimate(report, "turnover", year).estimate > 100_000)
        }
        let peak = try #require(report.sections.first { $0.id.hasPrefix("trend") }?.findings.last)
        #expect(peak.contains("highest count"))
    }

    /// Villa Family: mean score, share satisfied and share in control for residents and families: six
    /// intervals expect 0.3 misses; P(≤ 1) = 0.967, so two or more fail. The scale is reliable
    /// (alpha well above 0.7 by construction: six items of one latent with item noise sd 0.6).
    @Test func villaFamilyCoversThePopulation() throws {
        let report = try CaseRun.report("villa-family")
        var misses: [String] = []
        for t in VillaFamilyGenerator(seed: VillaFamilyGenerator.defaultSeed).populationTruths() {
            for (id, truth) in [("satisfaction", t.meanScore), ("satisfied", t.satisfied), ("in_control", t.inControl)] {
                let e = try CaseRun.estimate(report, id, t.group)
                if !(e.ciLow <= truth && truth <= e.ciHigh) { misses.append("\(id) \(t.group): \(truth) ∉ [\(e.ciLow), \(e.ciHigh)]") }
            }
        }
        #expect(misses.count <= 1, "\(misses)")
        let scale = try CaseRun.section(report, "scale")
        let alpha = try #require(scale.tables[0].rows[0][1].value)
        #expect(alpha > 0.7 && alpha < 1)
        #expect(scale.warnings.isEmpty, "\(scale.warnings)")
        #expect(scale.tables.count == 3 && scale.tables[2].rows.count == 20, "one row per house")
    }

    /// Sure Start: the four area × wave warmth means and the difference-in-differences cover the
    /// population values (5 intervals expect 0.25 misses; P(≤ 1) = 0.977); the scale is reliable; the
    /// propensity analysis of the after wave reports balance.
    @Test func sureStartCoversThePopulation() throws {
        let report = try CaseRun.report("sure-start")
        let truths = SureStartGenerator(seed: SureStartGenerator.defaultSeed).populationTruths()
        let did = try #require(report.sections.first { $0.id.hasPrefix("did") || $0.title.contains("warmth score") })
        var misses: [String] = []
        let cells = try #require(did.tables.first)
        for t in truths {
            let row = try #require(cells.rows.first { $0[0].text == t.area && $0[1].text == t.wave })
            let low = try #require(row[3].value), high = try #require(row[4].value)
            if !(low <= t.warmth && t.warmth <= high) { misses.append("\(t.area) \(t.wave): \(t.warmth) ∉ [\(low), \(high)]") }
        }
        let d = (truths[2].warmth - truths[0].warmth) - (truths[3].warmth - truths[1].warmth)
        let row = try #require(did.tables[1].rows.first { $0[0].text == "difference-in-differences" })
        let low = try #require(row[3].value), high = try #require(row[4].value)
        if !(low <= d && d <= high) { misses.append("DiD \(d) ∉ [\(low), \(high)]") }
        #expect(misses.count <= 1, "\(misses)")
        let alpha = try #require(CaseRun.section(report, "scale").tables[0].rows[0][1].value)
        #expect(alpha > 0.7)
        let after = try CaseRun.report("sure-start-after")
        let propensity = try #require(after.sections.first { $0.title.lowercased().contains("propensity") })
        #expect(propensity.tables.count >= 2, "a balance table and the weighted contrast")
    }

    /// Table 1 placements are the paper's (Bovaird 2007; CASES.md), both through the instrument's
    /// `table1Cells(in:)` on the committed data and in the report's placement table.
    @Test func profilePlacesEachCaseInThePapersCell() throws {
        let expected: [String: String] = [
            "Pôrto Alegre": "professional provision with users and communities involved in planning and design (Pôrto Alegre)",
            "Sure Start": "user codelivery of professionally designed services (Sure Start)",
            "Caterham Barracks": "full user/professional coproduction (Caterham Barracks)",
            "Beacon": "user/community codelivery with professionals, little formal planning (Beacon)",
            "Villa Family": "user/community delivery of professionally planned services (Villa Family)",
            "Tackley": "user/community delivery of coplanned or codesigned services (Tackley)",
        ]
        let instrument = try Instrument.load(path: CaseRun.root.appendingPathComponent("Instruments/coproduction-profile.yaml").path)
        let data = try Ingest.read(path: CaseRun.root.appendingPathComponent("SampleData/profile/profile.csv").path)
        let coded = try instrument.code(data.table, policy: .fail, dataName: "profile.csv")
        let cells = instrument.table1Cells(in: coded)
        let names = coded.codes("case_name")
        #expect(cells.count == 6)
        for (name, cell) in zip(names, cells) {
            let n = try #require(name)
            #expect(cell?.name == expected[n], "\(n) placed in \(cell?.name ?? "nil")")
        }
        let section = try CaseRun.section(try CaseRun.report("profile"), "profile")
        for row in section.tables[0].rows { #expect(row[3].text == row[0].text, "\(row[0].text) sits in \(row[3].text)'s cell") }
        let grid = try #require(section.figures.first)
        for name in expected.keys { #expect(grid.contains("[\(name)]")) }
    }
}
