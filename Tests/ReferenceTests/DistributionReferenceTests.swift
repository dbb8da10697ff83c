import Foundation
import Testing
import SurveyStatistics

/// Runs every case of `distributions/cases.json` (mpmath values at 60/90 digits, correctly rounded;
/// see the README there) against copro's distributions, at 1e-12 relative (the README's target).
@Test func distributionReferenceCases() throws {
    guard let root = try ReferenceDirectory.cases("distributions"),
          let cases = root["cases"] as? [[String: Any]] else {
        Issue.record("distributions/cases.json not found under \(ReferenceDirectory.url.path)")
        return
    }
    let tally = ReferenceTally("distributions")
    var worst = (error: 0.0, id: "")
    for c in cases {
        let id = c["id"] as? String ?? "?"
        guard let distribution = c["distribution"] as? String,
              let function = c["function"] as? String,
              let expected = preciseReferenceDouble(c["expected"]),
              let params = c["params"] as? [String: Any] else {
            tally.skip(id, "case lacks distribution/function/expected/params")
            continue
        }
        let argument = preciseReferenceDouble(c["x"] ?? c["p"]) ?? .nan
        func param(_ name: String) -> Double { preciseReferenceDouble(params[name]) ?? .nan }
        let functions: (cdf: (Double) -> Double, sf: (Double) -> Double,
                        ppf: (Double) -> Double, isf: (Double) -> Double)
        switch distribution {
        case "norm":
            functions = (Normal.cdf, Normal.sf, Normal.quantile, Normal.inverseSurvival)
        case "t":
            let d = StudentT(degreesOfFreedom: param("df"))
            functions = (d.cdf, d.sf, d.quantile, d.inverseSurvival)
        case "chi2":
            let d = ChiSquared(degreesOfFreedom: param("df"))
            functions = (d.cdf, d.sf, d.quantile, d.inverseSurvival)
        case "f":
            let d = FDistribution(numeratorDegreesOfFreedom: param("dfn"), denominatorDegreesOfFreedom: param("dfd"))
            functions = (d.cdf, d.sf, d.quantile, d.inverseSurvival)
        case "beta":
            let d = BetaDistribution(alpha: param("a"), beta: param("b"))
            functions = (d.cdf, d.sf, d.quantile, d.inverseSurvival)
        default:
            tally.skip(id, "unknown distribution \(distribution)")
            continue
        }
        let actual: Double
        switch function {
        case "cdf": actual = functions.cdf(argument)
        case "sf": actual = functions.sf(argument)
        case "ppf": actual = functions.ppf(argument)
        case "isf": actual = functions.isf(argument)
        default:
            tally.skip(id, "unknown function \(function)")
            continue
        }
        let relative = expected == 0 ? abs(actual) : abs(actual - expected) / abs(expected)
        if relative > worst.error || relative.isNaN { worst = (relative.isNaN ? .infinity : relative, id) }
        if close(actual, expected, rel: 1e-12) {
            tally.pass(id)
        } else {
            tally.fail(id, "\(distribution)\(params) \(function)(\(argument)) = \(actual), expected \(expected), rel error \(relative)")
        }
    }
    print("reference distributions: worst relative error \(worst.error) (\(worst.id))")
    tally.report()
}

/// The exact double of a JSON number from `JSONSerialization`.
///
/// swift-corelibs-foundation returns some numbers as `NSDecimalNumber`, whose `doubleValue` is not
/// correctly rounded (e.g. the file's `0.999999` came back as 0.9999990000000001, one ulp off, which
/// moved beta sf(0.999999) by 5·10⁻¹¹ relative). Its 17-digit description parses back exactly.
func preciseReferenceDouble(_ value: Any?) -> Double? {
    if let decimal = value as? NSDecimalNumber { return Double(decimal.description) }
    return (value as? NSNumber)?.doubleValue
}
