import Foundation
import SurveyReports
import SurveyStatistics
import Testing
@testable import SurveyEvaluation

/// The synthetic exports of Fixtures/compare, written with SeededGenerator: 8 neighbourhoods
/// (N1–N4 programme, N5–N8 comparison), 15 households per neighbourhood and wave. Wellbeing =
/// 50 + neighbourhood shock + 2·after + 4·programme·after − 3·lone_parent + noise, so the true DiD
/// is 4; lone parents are more common in the programme area (confounding).
enum ComparisonFixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/compare")

    static func files(seed: UInt64 = 2026) -> [(name: String, contents: String)] {
        var rng = SeededGenerator(seed: seed)
        var out: [(String, String)] = []
        var shocks: [Double] = []
        for _ in 0..<8 { shocks.append(2 * rng.nextNormal()) }
        for area in ["programme", "comparison"] {
            for wave in ["before", "after"] {
                var lines = ["hh_id,neighbourhood,weight,wellbeing,feel_safe,age,lone_parent,gp_visits,person_years"]
                let programme = area == "programme", after = wave == "after"
                for k in 0..<4 {
                    let hood = programme ? k : k + 4
                    for h in 0..<15 {
                        let lone = rng.nextBernoulli(programme ? 0.45 : 0.2) ? 1 : 0
                        let age = 18 + rng.nextIndex(below: 60)
                        let y = 50 + shocks[hood] + (after ? 2 : 0) + (programme && after ? 4 : 0) - 3 * Double(lone)
                            + 4 * rng.nextNormal()
                        let safe = rng.nextBernoulli(programme && after ? 0.75 : 0.5) ? 1 : 0
                        let years = 1 + Double(rng.nextIndex(below: 4))
                        let visits = rng.nextPoisson(mean: years * (programme && after ? 2.0 : 3.0))
                        let weight = 1 + Double(rng.nextIndex(below: 3))
                        lines.append("\(area.prefix(1))\(wave.prefix(1))\(hood)-\(h),N\(hood + 1),\(weight),"
                                     + String(format: "%.2f", y) + ",\(safe),\(age),\(lone),\(visits),\(years)")
                    }
                }
                out.append(("\(area)_\(wave).csv", lines.joined(separator: "\n") + "\n"))
            }
        }
        return out
    }

    static func report() throws -> EvaluationReport {
        try Evaluation.run(try Plan.load(path: directory.appendingPathComponent("plan.yaml").path))
    }

    /// Weighted mean of `column` in one file (for hand checks).
    static func weightedMean(_ file: String, _ column: String) throws -> Double {
        let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
        let rows = text.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        let j = rows[0].firstIndex(of: column) ?? 0, w = rows[0].firstIndex(of: "weight") ?? 0
        var sw = 0.0, swy = 0.0
        for r in rows.dropFirst() { sw += Double(r[w]) ?? 0; swy += (Double(r[w]) ?? 0) * (Double(r[j]) ?? 0) }
        return swy / sw
    }
}

@Suite struct ComparisonAnalysisTests {
    @Test func committedFixturesAreWhatTheGeneratorWrites() throws {
        for file in ComparisonFixture.files() {
            let url = ComparisonFixture.directory.appendingPathComponent(file.name)
            if ProcessInfo.processInfo.environment["COPRO_RECORD"] == "1" { try Data(file.contents.utf8).write(to: url) }
            #expect(try String(contentsOf: url, encoding: .utf8) == file.contents, "\(file.name) is stale: COPRO_RECORD=1")
        }
    }

    @Test func didSectionMatchesTheCellMeansAndWarnsAboutFewClusters() throws {
        let report = try ComparisonFixture.report()
        let did = try #require(report.sections.first { $0.id == "did-wellbeing" })
        // Cell estimates are the weighted means of each file (independent samples; hand check).
        let cells = did.tables[0].rows
        let expected = [("comparison_before.csv"), ("comparison_after.csv"), ("programme_before.csv"), ("programme_after.csv")]
        for (row, file) in zip(cells, expected) {
            #expect(abs((row[2].value ?? .nan) - (try ComparisonFixture.weightedMean(file, "wellbeing"))) < 1e-9)
        }
        // DiD = (programme change) − (comparison change) of those means.
        let rows = did.tables[1].rows
        let didValue = try #require(rows[2][1].value), treatedChange = try #require(rows[1][1].value),
            controlChange = try #require(rows[0][1].value)
        #expect(abs(didValue - (treatedChange - controlChange)) < 1e-9)
        // The true DiD is 4; the estimate's interval should cover it (a 95% interval; seed fixed).
        #expect((rows[2][3].value ?? .nan) < 4 && 4 < (rows[2][4].value ?? .nan))
        // CR1 and wild bootstrap rows; 8 clusters → the few-clusters warning.
        #expect(rows.contains { $0[0].text.hasPrefix("DiD, cluster-robust CR1") })
        #expect(rows.contains { $0[0].text == "DiD, wild cluster bootstrap" })
        #expect(did.warnings.contains { $0.contains("Only 8 clusters") })
        #expect(did.findings.first?.contains("difference-in-differences of") == true)
        #expect(did.methods.contains { $0.contains("svyglm") })
    }

    @Test func binaryDiDReportsPercentagePointsAndTheOddsRatioRatio() throws {
        let report = try ComparisonFixture.report()
        let did = try #require(report.sections.first { $0.id == "did-feel_safe" })
        #expect(did.findings.first?.contains("percentage points") == true)
        #expect(did.tables[1].rows.contains { $0[0].text.hasPrefix("ratio of odds ratios") })
    }

    @Test func propensitySectionImprovesBalance() throws {
        let report = try ComparisonFixture.report()
        let p = try #require(report.sections.first { $0.id == "propensity-wellbeing" })
        let lone = try #require(p.tables[0].rows.first { $0[0].text == "lone_parent" })
        let before = try #require(lone[3].value), after = try #require(lone[6].value)
        #expect(abs(after) < abs(before))
        #expect(abs(after) < 0.1)
        #expect(p.tables[2].rows.count == 2)
    }
}
