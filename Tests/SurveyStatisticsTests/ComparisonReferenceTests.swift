import Foundation
import Testing
@testable import SurveyStatistics

// Route agreement with the reference folder: the comparisons' DiD routes against the cases that
// `dist` (classical/ols_did_*) and `design` (survey/regen_svyglm_*) check. Cases are found by
// their documented fields (function, options, estimator, r_call), never by id; the expected
// values are read from cases.json (provenance: the case's `reference` block).

private enum ReferenceFolder {
    /// `COPRO_REFERENCE_DIR`, default `../shared/reference` beside the package.
    static var root: String {
        if let env = ProcessInfo.processInfo.environment["COPRO_REFERENCE_DIR"], !env.isEmpty { return env }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/reference").path
    }

    /// The folder's cases; none (with a printed reason) when the folder is absent.
    static func cases(_ folder: String) throws -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: "\(root)/\(folder)/cases.json") else {
            print("reference \(folder): no cases.json under \(root); set COPRO_REFERENCE_DIR")
            return []
        }
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return json?["cases"] as? [[String: Any]] ?? []
    }

    /// A simple CSV (no embedded commas or newlines, as the reference data): header → column.
    static func csv(_ folder: String, _ path: String) throws -> [String: [String]] {
        let text = try String(contentsOfFile: "\(root)/\(folder)/\(path)", encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"\r")) } }
        guard let header = lines.first else { return [:] }
        var out: [String: [String]] = [:]
        for (j, name) in header.enumerated() { out[name] = lines.dropFirst().map { j < $0.count ? $0[j] : "" } }
        return out
    }

    static func numbers(_ column: [String]?) -> [Double] { (column ?? []).map { Double($0) ?? .nan } }
}

private func double(_ x: Any?) -> Double? {
    if let n = x as? NSNumber { return Double(n.description) ?? n.doubleValue }
    return nil
}

private func near(_ a: Double, _ b: Double, _ tol: Double) -> Bool { abs(a - b) <= tol * max(1, abs(b)) }

@Test func clusterRobustDiDReproducesTheClassicalCR1Case() throws {
    // classical/: statsmodels OLS y ~ programme + post + programme:post, cov_type = "cluster",
    // use_t = True (t on G − 1), on did_clustered.csv. Tolerance 1e-10 (README, classical/).
    let matches = try ReferenceFolder.cases("classical").filter {
        ($0["function"] as? String) == "statsmodels.api.OLS"
            && (($0["options"] as? [String: Any])?["cov_type"] as? String) == "cluster"
            && (($0["options"] as? [String: Any])?["use_t"] as? Bool) == true
    }
    guard !matches.isEmpty else {
        print("reference classical: skipped CR1 DiD route: no OLS cluster/use_t case in this reference set")
        return
    }
    for c in matches {
        let dataset = try #require(c["dataset"] as? String)
        let groups = (c["options"] as? [String: Any])?["groups"] as? String ?? "neighbourhood"
        let data = try ReferenceFolder.csv("classical", dataset)
        let expected = try #require(c["expected"] as? [String: Any])
        let names = expected["coef_names"] as? [String] ?? []
        // coef_names = [const, TREAT, POST, TREAT:POST]: the columns named by the case.
        let treatName = names.count == 4 ? names[1] : "programme", postName = names.count == 4 ? names[2] : "post"
        let r = try DifferenceInDifferences.clusterRobust(
            outcome: ReferenceFolder.numbers(data["y"]), treated: ReferenceFolder.numbers(data[treatName]),
            post: ReferenceFolder.numbers(data[postName]), clusters: data[groups] ?? [])
        let params = (expected["params"] as? [Any] ?? []).compactMap(double)
        let bse = (expected["bse"] as? [Any] ?? []).compactMap(double)
        let p = (expected["pvalues"] as? [Any] ?? []).compactMap(double)
        try #require(params.count == 4 && bse.count == 4 && p.count == 4)
        #expect(near(r.estimate, params[3], 1e-10))
        #expect(near(r.standardError, bse[3], 1e-10))
        #expect(near(r.pValue, p[3], 1e-10))
        #expect(r.degreesOfFreedom == double(expected["df_inference"]))
    }
}

@Test func designBasedDiDReproducesTheSvyglmCases() throws {
    // survey/: svyglm(Y ~ programme * after, design = des) on the Taylor design of regen_survey.csv
    // (ids = ~block, strata = ~stratum, weights = ~wt), gaussian and quasibinomial, full design.
    // Tolerance 1e-9 (README, survey/); the quasibinomial fits were converged to 1e-13.
    let matches = try ReferenceFolder.cases("survey").filter { c in
        guard (c["estimator"] as? String) == "svyglm", let call = c["r_call"] as? String,
              let design = c["design"] as? [String: Any], (design["kind"] as? String) == "taylor",
              (design["fpc"] as? String) == nil else { return false }
        return call.contains("~ programme * after, design = des")
    }
    guard !matches.isEmpty else {
        print("reference survey: skipped svyglm DiD route: no svyglm(Y ~ programme * after) case on a Taylor design")
        return
    }
    for c in matches {
        let call = try #require(c["r_call"] as? String)
        let design = try #require(c["design"] as? [String: Any])
        let data = try ReferenceFolder.csv("survey", try #require(c["dataset"] as? String))
        let outcome = String(call.dropFirst("svyglm(".count).prefix { $0 != " " })
        let w = ReferenceFolder.numbers(data[design["weights"] as? String ?? "wt"])
        let strata = (design["strata"] as? String).flatMap { data[$0] }
        let ids = (design["ids"] as? String).flatMap { data[$0] }
        let survey = try SurveyDesign(weights: w, strata: strata, clusters: ids.map { [$0] } ?? [])
        let family: RegressionFamily = call.contains("quasibinomial") ? .quasibinomial : .gaussian
        let r = try DifferenceInDifferences.designBased(
            outcome: ReferenceFolder.numbers(data[outcome]), treated: ReferenceFolder.numbers(data["programme"]),
            post: ReferenceFolder.numbers(data["after"]), design: survey, family: family)
        let expected = try #require(c["expected"] as? [String: Any])
        let coef = (expected["coefficients"] as? [Any] ?? []).compactMap(double)
        let se = (expected["se"] as? [Any] ?? []).compactMap(double)
        let p = (expected["p_value"] as? [Any] ?? []).compactMap(double)
        try #require(coef.count == 4 && se.count == 4 && p.count == 4)
        let tol = family == .gaussian ? 1e-9 : 1e-8
        #expect(near(r.estimate, coef[3], tol), "\(call)")
        #expect(near(r.standardError, se[3], tol), "\(call)")
        #expect(near(r.pValue, p[3], tol), "\(call)")
        #expect(r.degreesOfFreedom == double(expected["df_residual"]))
    }
}
