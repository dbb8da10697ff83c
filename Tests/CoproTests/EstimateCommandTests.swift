import ArgumentParser
import Foundation
import SurveyIngest
import SurveyStatistics
import Testing
@testable import copro

// In-process tests of `copro estimate`: argument parsing, the estimation run on an in-memory
// export, output formats and error reporting (row, column and value named).

private let csv = """
    id,stratum,psu,w,score,group,served,cost,people
    1,A,a1,10,3.5,x,yes,100,2
    2,A,a1,10,4.0,y,no,150,3
    3,A,a2,12,2.5,x,yes,90,1
    4,A,a2,12,,y,yes,120,2
    5,B,b1,20,5.0,x,no,300,4
    6,B,b1,20,4.5,y,yes,200,2
    7,B,b2,25,3.0,x,no,250,5
    8,B,b2,25,3.5,y,yes,175,3

    """

private func table(_ text: String = csv) throws -> RawTable {
    try Ingest.read(bytes: Array(text.utf8), name: "test.csv").table
}

private func report(_ args: [String], data: String = csv) throws -> EstimateReport {
    let command = try EstimateCommand.parse(["test.csv"] + args)
    return try EstimateRun(command: command).run(table: table(data))
}

@Test func estimateMatchesTheLibrary() throws {
    let r = try report(["--weight", "w", "--strata", "stratum", "--cluster", "psu", "--mean", "score",
                        "--total", "cost", "--ratio", "cost/people", "--deff"])
    #expect(r.rows.count == 3)
    let t = try table()
    func col(_ name: String) -> [Double] {
        let j = t.columnIndex(named: name) ?? 0
        return t.rows.map { $0[j].flatMap { Double($0) } ?? .nan }
    }
    let design = try SurveyDesign(weights: col("w"), strata: t.rows.map { $0[1] ?? "" },
                                  clusters: [t.rows.map { $0[2] ?? "" }])
    let mean = try design.mean(col("score"), deff: true)
    #expect(r.rows[0].statistic == "mean")
    #expect(r.rows[0].estimate == mean.value)
    #expect(r.rows[0].standardError == mean.standardError)
    #expect(r.rows[0].designEffect == mean.designEffect)
    #expect(r.rows[0].n == 7)  // one score is missing
    let ci = mean.confidenceInterval(level: 0.95)
    #expect(r.rows[0].lower == ci.lower && r.rows[0].upper == ci.upper)
    #expect(r.rows[1].estimate == (try design.total(col("cost"))).value)
    #expect(r.rows[2].estimate == (try design.ratio(numerator: col("cost"), denominator: col("people"))).value)
    #expect(r.rows[0].degreesOfFreedom == 2)  // 4 PSUs − 2 strata
}

@Test func proportionsAndDomains() throws {
    let r = try report(["--weight", "w", "--strata", "stratum", "--proportion", "served", "--by", "group",
                        "--ci-method", "xlogit"])
    // Two domains (x, y) × two levels (no, yes).
    #expect(r.rows.map(\.level) == ["no", "yes", "no", "yes"])
    #expect(r.rows.map { $0.domain.first?.value } == ["x", "x", "y", "y"])
    for pair in stride(from: 0, to: 4, by: 2) {
        #expect(abs(r.rows[pair].estimate + r.rows[pair + 1].estimate - 1) < 1e-12)
    }
    // xlogit intervals stay inside (0, 1).
    #expect(r.rows.allSatisfy { $0.lower > 0 && $0.upper < 1 })
    let single = try report(["--weight", "w", "--proportion", "served=yes"])
    #expect(single.rows.count == 1 && single.rows[0].level == "yes")
    #expect(abs(single.rows[0].estimate - (10 + 12 + 12 + 20 + 25) / 134.0) < 1e-12)
}

@Test func jsonAndTextOutput() throws {
    let r = try report(["--weight", "w", "--mean", "score", "--quantile", "score@0.5", "--format", "json"])
    let json = r.json()
    let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
    let estimates = object?["estimates"] as? [[String: Any]]
    #expect(estimates?.count == 2)
    #expect(estimates?[0]["statistic"] as? String == "mean")
    #expect(estimates?[1]["statistic"] as? String == "quantile")
    for key in ["estimate", "se", "ci_low", "ci_high", "df", "n"] { #expect(estimates?[0][key] != nil) }
    #expect((object?["design"] as? [String: Any])?["weight"] as? String == "w")
    let text = r.text()
    #expect(text.contains("statistic") && text.contains("score"))
}

@Test func replicateDesignRuns() throws {
    // Delete-one-PSU jackknife columns built by hand for 2 PSUs (R = 2, JK1).
    let data = """
        w,y,r1,r2
        1,1,0,2
        1,2,0,2
        1,4,2,0
        1,5,2,0

        """
    let r = try report(["--weight", "w", "--replicate-prefix", "r", "--replicate-type", "jk1", "--mean", "y"], data: data)
    // Replicate means 4.5 and 1.5 around 3: JK1 variance (1/2)·(2.25 + 2.25) = 2.25.
    #expect(abs(r.rows[0].estimate - 3) < 1e-12)
    #expect(abs(r.rows[0].standardError - 1.5) < 1e-12)
}

@Test func dataErrorsNameRowColumnAndValue() throws {
    let bad = csv.replacingOccurrences(of: "5,B,b1,20,5.0", with: "5,B,b1,2O,5.0")
    let error = #expect(throws: EstimateInputError.self) { try report(["--weight", "w", "--mean", "score"], data: bad) }
    #expect(error?.message.contains("row 5") == true)
    #expect(error?.message.contains("column \"w\"") == true)
    #expect(error?.message.contains("\"2O\"") == true)
    let missing = #expect(throws: EstimateInputError.self) { try report(["--weight", "w", "--mean", "nope"]) }
    #expect(missing?.message.contains("no column named \"nope\"") == true)
    // Stratum B with a single PSU is a design error (exit 1) naming the stratum.
    let lonely = csv.replacingOccurrences(of: "b2", with: "b1")
    let design = #expect(throws: DesignError.self) {
        try report(["--weight", "w", "--strata", "stratum", "--cluster", "psu", "--mean", "score"], data: lonely)
    }
    #expect(design?.code == .lonelyPSU)
    #expect(design?.message.contains("(B)") == true)
}

/// The exit code ArgumentParser would use for parsing `args`, nil when they parse.
private func exitCode(_ args: [String]) -> Int32? {
    do { _ = try EstimateCommand.parse(args); return nil } catch { return EstimateCommand.exitCode(for: error).rawValue }
}

@Test func usageErrorsExitWithTwo() throws {
    #expect(exitCode(["d.csv", "--weight", "w"]) == 2)  // no statistic
    #expect(exitCode(["d.csv", "--weight", "w", "--mean", "y", "--level", "1.5"]) == 2)
    #expect(exitCode(["d.csv", "--weight", "w", "--quantile", "y@2"]) == 2)
    #expect(exitCode(["d.csv", "--weight", "w", "--mean", "y", "--lonely-psu", "drop"]) == 2)
    #expect(exitCode(["d.csv", "--weight", "w", "--mean", "y", "--replicate-prefix", "r"]) == 2)
    #expect(exitCode(["d.csv", "--weight", "w", "--proportion", "y", "--ci-method", "score"]) == 2)
    #expect(exitCode(["d.csv", "--weight", "w", "--quantile", "y@0.5", "--ci-method", "score"]) == nil)
    #expect(exitCode(["d.csv", "--weight", "w", "--mean", "y"]) == nil)
    // A missing required option is ArgumentParser's own parse error (non-zero, its usage status).
    #expect(exitCode(["d.csv", "--mean", "y"]) != nil)
}
