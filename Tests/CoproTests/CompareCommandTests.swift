import ArgumentParser
import Foundation
import SurveyIngest
import SurveyStatistics
import Testing
@testable import copro

// `copro compare`: in-process runs on a seeded export, then the binary for exit codes and JSON.

/// A seeded export: 6 areas (3 programme), before/after, 10 households per area and wave, a panel
/// id shared by the same household in both waves, weights 1–3, a 0/1 and a numeric outcome.
private func seededCSV(seed: UInt64 = 4) -> String {
    var rng = SeededGenerator(seed: seed)
    var lines = ["id,area,group,wave,w,score,safe,age,tenure"]
    for area in 0..<6 {
        let programme = area < 3
        for hh in 0..<10 {
            let base = 50 + 5 * rng.nextNormal()
            let age = 20 + rng.nextIndex(below: 50)
            let tenure = ["own", "rent", "social"][rng.nextIndex(below: 3)]
            for wave in ["before", "after"] {
                let lift = wave == "after" ? (programme ? 4.0 : 1.0) : 0
                let score = base + lift + 2 * rng.nextNormal()
                let safe = rng.nextBernoulli(wave == "after" && programme ? 0.7 : 0.4) ? 1 : 0
                let w = 1 + rng.nextIndex(below: 3)
                lines.append("h\(area)-\(hh),a\(area),\(programme ? "programme" : "comparison"),\(wave),\(w),"
                             + String(format: "%.3f", score) + ",\(safe),\(age),\(tenure)")
            }
        }
    }
    return lines.joined(separator: "\n") + "\n"
}

private func run(_ args: [String], csv: String = seededCSV()) throws -> [ComparisonRow] {
    let command = try CompareCommand.parse(["data.csv"] + args)
    let table = try Ingest.read(bytes: Array(csv.utf8), name: "data.csv").table
    return try CompareRun(command: command).run(table: table)
}

/// The columns of the seeded export as arrays.
private func columns(_ csv: String = seededCSV()) -> [String: [String]] {
    let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    var out: [String: [String]] = [:]
    for (j, name) in lines[0].enumerated() { out[name] = lines.dropFirst().map { $0[j] } }
    return out
}

@Test func groupComparisonGivesDifferenceAndRelativeChange() throws {
    let rows = try run(["--outcome", "score", "--group", "group=comparison,programme", "--weight", "w", "--cluster", "area"])
    #expect(rows.map(\.kind) == ["difference", "relative-change"])
    #expect(rows[0].contrast == "group: programme − comparison")
    // The same numbers from the library: the design-based two-group comparison.
    let c = columns()
    let design = try SurveyDesign(weights: c["w"]!.map { Double($0)! }, clusters: [c["area"]!])
    let lib = try GroupComparison.compare(outcome: c["score"]!.map { Double($0)! }, group: c["group"]!.map { $0 == "programme" },
                                          design: design)
    #expect(rows[0].estimate == lib.difference && rows[0].standardError == lib.standardError && rows[0].pValue == lib.pValue)
    #expect(rows[1].estimate == lib.relativeChange)
    #expect(rows[0].lower < rows[0].estimate && rows[0].estimate < rows[0].upper)
}

@Test func periodGivesEachGroupsChangeAndTheDiD() throws {
    let rows = try run(["--outcome", "score", "--group", "group=comparison,programme", "--period", "wave=before,after",
                        "--weight", "w", "--cluster", "area"])
    #expect(rows.map(\.kind) == ["difference", "relative-change", "difference", "relative-change", "did"])
    let did = try #require(rows.last)
    // DiD = (change in programme) − (change in comparison) for the weighted cell means.
    #expect(abs(did.estimate - (rows[2].estimate - rows[0].estimate)) < 1e-9)
    #expect(did.tests.contains { $0.name.hasPrefix("cluster-robust CR1 by area") })
    // 6 areas, 3 treated: the few-clusters warning.
    #expect(did.warnings.contains { $0.contains("Only 6 clusters") })
}

@Test func binaryDiDAddsTheLogisticRatioOfOddsRatios() throws {
    let rows = try run(["--outcome", "safe", "--group", "group=comparison,programme", "--period", "wave=before,after"])
    let did = try #require(rows.last)
    #expect(did.effectSizes.contains { $0.name == "ratio_of_odds_ratios" })
    #expect(did.warnings.contains { $0.contains("No --cluster") })
    #expect(rows[0].effectSizes.contains { $0.name == "number_needed_to_treat" })
}

@Test func pairedByLinksThePanel() throws {
    // Without --period the group's two levels are the occasions.
    let rows = try run(["--outcome", "score", "--group", "wave=before,after", "--paired-by", "id", "--weight", "w"])
    #expect(rows.map(\.kind) == ["paired"])
    #expect(rows[0].n == 60)
    // Unweighted paired t test must equal the design route with weight 1 (SE s_d/√n).
    let unweighted = try run(["--outcome", "score", "--group", "wave=before,after", "--paired-by", "id"])
    let t = try #require(unweighted[0].tests.first { $0.name == "paired t test (unweighted)" })
    #expect(abs(unweighted[0].statistic - t.statistic) < 1e-9 * abs(t.statistic))
    // With --period: paired change in each group and their difference.
    let did = try run(["--outcome", "safe", "--group", "group=comparison,programme", "--period", "wave=before,after",
                       "--paired-by", "id"])
    #expect(did.map(\.kind) == ["paired", "paired", "did"])
    #expect(did[0].effectSizes.contains { $0.name == "discordant_0_to_1" })
    #expect(abs(did[2].estimate - (did[1].estimate - did[0].estimate)) < 1e-12)
}

@Test func covariatesAdjustTheDifference() throws {
    let rows = try run(["--outcome", "score", "--group", "group=comparison,programme", "--covariates", "age,tenure"])
    #expect(rows[0].method.hasPrefix("regression-adjusted"))
}

@Test func compareDataErrorsNameRowColumnAndValue() throws {
    // A decimal comma in a quoted field of data row 3 (line 4).
    let csv = seededCSV()
    let quoted = csv.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { i, line -> String in
        guard i == 3 else { return String(line) }
        var f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        f[5] = "\"12,5\""
        return f.joined(separator: ",")
    }.joined(separator: "\n")
    #expect { try run(["--outcome", "score", "--group", "group=comparison,programme"], csv: quoted) } throws: {
        let message = ($0 as? EstimateInputError)?.message ?? ""
        return message.contains("row 3") && message.contains("\"score\"") && message.contains("12,5")
    }
    #expect { try run(["--outcome", "score", "--group", "group=comparison,nowhere"]) } throws: {
        (($0 as? EstimateInputError)?.message ?? "").contains("nowhere")
    }
}

@Test func compareUsageErrorsAreValidationErrors() {
    #expect(throws: (any Error).self) { try CompareCommand.parse(["d.csv", "--outcome", "y", "--group", "g=a"]) }
    #expect(throws: (any Error).self) { try CompareCommand.parse(["d.csv", "--outcome", "y", "--group", "g=a,a"]) }
    #expect(throws: (any Error).self) { try CompareCommand.parse(["d.csv", "--outcome", "y", "--group", "g=a,b", "--format", "xml"]) }
    #expect(throws: (any Error).self) { try CompareCommand.parse(["d.csv", "--outcome", "y", "--group", "g=a,b", "--bootstrap", "500"]) }
}

@Test func binaryFollowsTheJSONContractAndExitCodes() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("copro-compare-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("data.csv").path
    try seededCSV().write(toFile: path, atomically: true, encoding: .utf8)
    let ok = try CLI.run(["compare", path, "--outcome", "score", "--group", "group=comparison,programme",
                          "--period", "wave=before,after", "--weight", "w", "--cluster", "area", "--bootstrap", "199",
                          "--format", "json"])
    #expect(ok.status == 0, "\(ok.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any])
    let comparisons = try #require(json["comparisons"] as? [[String: Any]])
    #expect(comparisons.map { $0["kind"] as? String } == ["difference", "relative-change", "difference", "relative-change", "did"])
    for c in comparisons {
        for key in ["kind", "contrast", "estimate", "se", "ci_low", "ci_high", "df", "statistic", "p_value", "method",
                    "effect_sizes", "warnings"] {
            #expect(c[key] != nil, "missing \(key)")
        }
    }
    #expect(((comparisons.last?["effect_sizes"] as? [String: Any])?["did_wild_bootstrap_ci_low"]) != nil)
    let text = try CLI.run(["compare", path, "--outcome", "score", "--group", "group=comparison,programme"])
    #expect(text.status == 0 && text.stdout.hasPrefix("difference: group: programme − comparison"))
    let usage = try CLI.run(["compare", path, "--outcome", "score", "--group", "group"])
    #expect(usage.status == 2)
    let missing = try CLI.run(["compare", dir.appendingPathComponent("nope.csv").path, "--outcome", "score", "--group", "group=a,b"])
    #expect(missing.status == 1 && missing.stderr.hasPrefix("copro: error:"))
    let column = try CLI.run(["compare", path, "--outcome", "nothing", "--group", "group=comparison,programme"])
    #expect(column.status == 1 && column.stderr.contains("no column named \"nothing\""))
}
