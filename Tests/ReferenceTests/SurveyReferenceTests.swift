import Foundation
import Testing
import SurveyStatistics

// Data-driven tests over survey/cases.json (R 4.2.2, survey 4.1.1; provenance in each case's
// `r_call` and the folder's README). Cases are mapped by their documented fields — `design`,
// `options`, `estimator`, the arguments of `r_call` — never by id.

/// Relative tolerance for closed-form results (README: "1e-9 relative for everything except …").
let surveyTolerance = 1e-9

/// Collects mismatches of one case.
struct SurveyChecker {
    var problems: [String] = []

    mutating func value(_ what: String, _ actual: Double, _ expected: Any?, rel: Double = surveyTolerance,
                        abs absTol: Double = 0) {
        // JSON null marks a value R returned as NA/NaN (e.g. a quantile bound outside [0, 1]).
        let e: Double
        if expected is NSNull { e = .nan } else if let v = (expected as? NSNumber)?.doubleValue { e = v } else {
            problems.append("\(what): expected value missing or not a number"); return
        }
        if !close(actual, e, rel: rel, abs: absTol) {
            problems.append("\(what): got \(actual), expected \(e) (rel err \(Swift.abs(actual - e) / Swift.abs(e)))")
        }
    }

    mutating func vector(_ what: String, _ actual: [Double], _ expected: Any?, rel: Double = surveyTolerance) {
        guard let e = expected as? [Any] else { problems.append("\(what): expected array missing"); return }
        guard e.count == actual.count else {
            problems.append("\(what): got \(actual.count) values, expected \(e.count)"); return
        }
        for (i, x) in actual.enumerated() { value("\(what)[\(i)]", x, e[i], rel: rel) }
    }

    /// Covariance matrices: relative to the diagonal scale, so exact zeros compare sensibly.
    mutating func matrix(_ what: String, _ actual: [[Double]], _ expected: Any?, rel: Double = surveyTolerance) {
        guard let e = expected as? [[Any]] else { problems.append("\(what): expected matrix missing"); return }
        guard e.count == actual.count else {
            problems.append("\(what): got \(actual.count) rows, expected \(e.count)"); return
        }
        for a in actual.indices {
            for b in actual.indices {
                let scale = (Swift.abs(actual[a][a] * actual[b][b])).squareRoot()
                value("\(what)[\(a),\(b)]", actual[a][b], e[a][b], rel: rel, abs: rel * scale)
            }
        }
    }

    mutating func strings(_ what: String, _ actual: [String], _ expected: Any?) {
        guard let e = expected as? [String] else { problems.append("\(what): expected strings missing"); return }
        if e != actual { problems.append("\(what): got \(actual), expected \(e)") }
    }

    mutating func integer(_ what: String, _ actual: Int, _ expected: Any?) {
        guard let e = (expected as? NSNumber)?.intValue else { problems.append("\(what): expected missing"); return }
        if e != actual { problems.append("\(what): got \(actual), expected \(e)") }
    }
}

/// A design built from a case, of either kind.
enum CaseDesign {
    case taylor(SurveyDesign)
    case replicate(ReplicateDesign)

    var base: any DesignBasedVariance {
        switch self {
        case .taylor(let d): return d
        case .replicate(let d): return d
        }
    }
}

/// Everything a case runner needs.
struct SurveyCaseContext {
    let data: SurveyDataset
    let design: CaseDesign
    let objects: [String: Any]
    let expected: [String: Any]
}

@Test func surveyReferenceCases() throws {
    guard let root = try ReferenceDirectory.cases("survey") else {
        print("reference survey: folder not present, nothing to run")
        return
    }
    let tally = ReferenceTally("survey")
    let cases = root["cases"] as? [[String: Any]] ?? []
    let objects = root["objects"] as? [String: Any] ?? [:]
    var datasets: [String: SurveyDataset] = [:]
    let folder = ReferenceDirectory.url.appendingPathComponent("survey")
    for c in cases {
        let id = c["id"] as? String ?? "?"
        do {
            guard let file = c["dataset"] as? String else { throw SkipCase("case names no dataset") }
            let data: SurveyDataset
            if let cached = datasets[file] { data = cached } else {
                data = try SurveyDataset(path: folder.appendingPathComponent(file).path)
                datasets[file] = data
            }
            let problems = try runSurveyCase(c, data: data, objects: objects)
            if problems.isEmpty { tally.pass(id) } else { tally.fail(id, problems.prefix(6).joined(separator: "; ")) }
        } catch let skip as SkipCase {
            tally.skip(id, skip.reason)
        } catch {
            tally.fail(id, "threw \(error)")
        }
    }
    tally.report()
}

/// Runs one case; returns the mismatches (empty = pass).
func runSurveyCase(_ c: [String: Any], data: SurveyDataset, objects: [String: Any]) throws -> [String] {
    guard let designInfo = c["design"] as? [String: Any], let estimator = c["estimator"] as? String,
          let rCall = c["r_call"] as? String else { throw SkipCase("case lacks design/estimator/r_call") }
    let options = c["options"] as? [String: Any] ?? [:]
    let call = try RParser.parse(rCall)

    // Cases where R raised an error pass when copro throws the corresponding error.
    if let rError = c["error"] as? String {
        do {
            let design = try buildSurveyDesign(designInfo, options: options, data: data, objects: objects)
            _ = try evaluateSurveyCall(estimator, call, SurveyCaseContext(data: data, design: design, objects: objects, expected: [:]))
            return ["R raised \"\(rError)\" but copro returned a result"]
        } catch let e as DesignError {
            // R's error messages (survey 4.1.1) and the DesignError codes that correspond.
            let codes: [(String, DesignError.Code)] = [
                ("has only one PSU", .lonelyPSU), ("Clusters not nested in strata", .clustersNotNested),
                ("only one primary sampling unit", .singlePSU), ("FPC implies >100% sampling", .fpcExceedsPopulation),
                ("Must have all fpc>=1 or all fpc<=1", .invalidFPC), ("missing values in `weights'", .invalidWeight),
                ("Calibration failed", .notConverged),
            ]
            guard let expectedCode = codes.first(where: { rError.contains($0.0) })?.1 else {
                return ["R raised \"\(rError)\" (not mapped), copro threw \(e)"]
            }
            if e.code != expectedCode { return ["R raised \"\(rError)\", copro threw \(e)"] }
            if expectedCode == .lonelyPSU && e.message != rError {
                return ["message \"\(e.message)\" differs from R's \"\(rError)\""]
            }
            return []
        }
    }
    guard let expected = c["expected"] as? [String: Any] else { throw SkipCase("case has neither expected nor error") }
    let design = try buildSurveyDesign(designInfo, options: options, data: data, objects: objects)
    var check = try evaluateSurveyCall(estimator, call, SurveyCaseContext(data: data, design: design, objects: objects, expected: expected))
    check.integer("design_degf", design.base.degreesOfFreedom, expected["design_degf"])
    check.integer("design_nrow", design.base.rowCount, expected["design_nrow"])
    if expected["final_weights"] != nil {
        // lib_survey_reference.R records `weights(des)`, which for a replicate design is the
        // replicate-weight matrix, and keeps its first column (`if (is.matrix(w)) w <- w[, 1]`).
        switch design {
        case .taylor(let d): check.vector("final_weights", d.weights, expected["final_weights"])
        case .replicate(let d): check.vector("final_weights (replicate 1)", d.replicateWeights[0], expected["final_weights"])
        }
    }
    return check.problems
}

// MARK: - Designs

/// Column names of a formula's right-hand side (`~a + b`), or [] for `~1` / `~0`.
func formulaColumns(_ e: RExpr?) throws -> [String] {
    guard let e else { return [] }
    guard case .formula(_, let rhs) = e else { throw SkipCase("expected a formula, got \(e)") }
    if case .number = rhs { return [] }
    return try rhs.terms.map { t in
        guard let name = t.identifier else { throw SkipCase("formula term \(t) is not a column") }
        return name
    }
}

func buildSurveyDesign(_ info: [String: Any], options: [String: Any], data: SurveyDataset,
                       objects: [String: Any]) throws -> CaseDesign {
    guard let rCall = info["r_call"] as? String else { throw SkipCase("design has no r_call") }
    let call = try RParser.parse(rCall)
    let lonely: LonelyPSUPolicy
    if let option = options["survey.lonely.psu"] as? String {
        guard let p = LonelyPSUPolicy(rawValue: option) else { throw SkipCase("lonely-PSU option \(option)") }
        lonely = p
    } else {
        lonely = .fail  // R's default
    }
    var design: CaseDesign
    switch call.callName {
    case "svydesign":
        // R matches `id =` to `ids` partially; the first positional argument is `ids` too.
        let ids = try formulaColumns(call.argument("ids") ?? call.argument("id") ?? call.positional(0))
        let strataColumns = try formulaColumns(call.argument("strata"))
        guard strataColumns.count <= 1 else { throw SkipCase("more than one strata column") }
        let fpcColumns = try formulaColumns(call.argument("fpc"))
        let nest = call.argument("nest")?.literal == "TRUE"
        let probColumns = try formulaColumns(call.argument("probs"))
        let clusters = try ids.map { try data.raw($0).map { $0 ?? "" } }
        let strata = try strataColumns.first.map { try data.raw($0).map { $0 ?? "" } }
        let fpc = try fpcColumns.map { try data.numeric($0) }
        let weightColumns = try formulaColumns(call.argument("weights"))
        if let pc = probColumns.first {
            // Sampling probabilities: weights are their reciprocals (R svydesign(probs = ...)).
            design = .taylor(try SurveyDesign(weights: try data.numeric(pc).map { 1 / $0 }, strata: strata,
                                              clusters: clusters, fpc: fpc, nest: nest, lonelyPSU: lonely))
        } else if let w = weightColumns.first {
            design = .taylor(try SurveyDesign(weights: try data.numeric(w), strata: strata, clusters: clusters,
                                              fpc: fpc, nest: nest, lonelyPSU: lonely))
        } else if !fpc.isEmpty {
            design = .taylor(try SurveyDesign(weightsFromFPC: fpc, strata: strata, clusters: clusters,
                                              nest: nest, lonelyPSU: lonely))
        } else {
            design = .taylor(try SurveyDesign(weights: Array(repeating: 1, count: data.rowCount), strata: strata,
                                              clusters: clusters, nest: nest, lonelyPSU: lonely))
        }
    case "svrepdesign":
        guard let pattern = call.argument("repweights")?.literal else { throw SkipCase("repweights not a pattern") }
        let regex = try NSRegularExpression(pattern: pattern)
        let repColumns = data.names.filter {
            regex.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) != nil
        }
        guard let w = try formulaColumns(call.argument("weights")).first else { throw SkipCase("no weights") }
        let typeName = call.argument("type")?.literal ?? "BRR"
        let types: [String: ReplicateType] = ["JK1": .jk1, "JKn": .jkn, "BRR": .brr, "Fay": .fay,
                                              "bootstrap": .bootstrap, "successive-difference": .sdr, "other": .other]
        guard let type = types[typeName] else { throw SkipCase("replicate type \(typeName)") }
        var rscales: [Double]? = nil
        if let r = call.argument("rscales") {
            if let numbers = r.numbers { rscales = numbers } else if let name = r.identifier,
                let values = objects[name] as? [NSNumber] { rscales = values.map(\.doubleValue) } else {
                throw SkipCase("rscales \(r) not resolvable")
            }
        }
        let combined = call.argument("combined.weights")?.literal != "FALSE"
        design = .replicate(try ReplicateDesign(
            weights: try data.numeric(w), replicateWeights: try repColumns.map { try data.numeric($0) },
            combinedWeights: combined, type: type, scale: call.argument("scale")?.numbers?.first,
            rscales: rscales, rho: call.argument("rho")?.numbers?.first,
            mse: call.argument("mse")?.literal == "TRUE"))
    default:
        throw SkipCase("design call \(call.callName ?? "?")")
    }
    if let calibration = info["calibration"] as? [String: Any] {
        design = try calibrateSurveyDesign(design, calibration, data: data, objects: objects)
    }
    return design
}

/// Calibration (postStratify, rake, calibrate) of a case design; the population tables come
/// from the top-level `objects`.
func calibrateSurveyDesign(_ design: CaseDesign, _ info: [String: Any], data: SurveyDataset,
                           objects: [String: Any]) throws -> CaseDesign {
    guard let rCall = info["r_call"] as? String else { throw SkipCase("calibration has no r_call") }
    let call = try RParser.parse(rCall)
    /// A population table object {variable: [levels], Freq: [counts]} as label → count.
    func table(_ e: RExpr?, variable: String) throws -> [String: Double] {
        guard let name = e?.identifier, let object = objects[name] as? [String: Any],
              let levels = object[variable] as? [Any], let freq = object["Freq"] as? [NSNumber],
              levels.count == freq.count else { throw SkipCase("population table \(String(describing: e)) for \(variable)") }
        var out: [String: Double] = [:]
        for (l, f) in zip(levels, freq) {
            let label = (l as? String) ?? ((l as? NSNumber).map { rNumberLabel($0.doubleValue) } ?? "\(l)")
            out[label] = f.doubleValue
        }
        return out
    }
    /// Post-stratum labels of a formula's variables (joined) and the population table keyed the same way.
    func strata(_ formula: RExpr?, _ population: RExpr?) throws -> (labels: [String], counts: [String: Double]) {
        let vars = try formulaColumns(formula)
        guard !vars.isEmpty else { throw SkipCase("post-strata formula") }
        let columns = try vars.map { try data.labels($0) }
        let labels = try (0..<data.rowCount).map { i -> String in
            let parts = columns.map { $0[i] }
            guard !parts.contains(where: { $0 == nil }) else { throw SkipCase("missing post-stratum labels") }
            return parts.map { $0 ?? "" }.joined(separator: "\u{1F}")
        }
        guard let name = population?.identifier, let object = objects[name] as? [String: Any],
              let freq = object["Freq"] as? [NSNumber] else { throw SkipCase("population table \(String(describing: population))") }
        let levelColumns = try vars.map { v -> [Any] in
            guard let c = object[v] as? [Any], c.count == freq.count else { throw SkipCase("population table \(name) lacks \(v)") }
            return c
        }
        var counts: [String: Double] = [:]
        for k in freq.indices {
            let key = levelColumns.map { c -> String in
                (c[k] as? String) ?? ((c[k] as? NSNumber).map { rNumberLabel($0.doubleValue) } ?? "\(c[k])")
            }.joined(separator: "\u{1F}")
            counts[key] = freq[k].doubleValue
        }
        return (labels, counts)
    }
    switch call.callName {
    case "postStratify":
        let (l, pop) = try strata(call.argument("strata") ?? call.positional(1), call.argument("population") ?? call.positional(2))
        switch design {
        case .taylor(let d): return .taylor(try d.postStratified(by: l, populationCounts: pop))
        case .replicate(let d): return .replicate(try d.postStratified(by: l, populationCounts: pop))
        }
    case "rake":
        guard case .call("list", let sm)? = call.argument("sample.margins") ?? call.positional(1),
              case .call("list", let pm)? = call.argument("population.margins") ?? call.positional(2),
              sm.count == pm.count else { throw SkipCase("rake margins") }
        let margins = try zip(sm, pm).map { s, p -> (labels: [String], populationCounts: [String: Double]) in
            let (l, pop) = try strata(s.value, p.value)
            return (l, pop)
        }
        let control = call.argument("control")
        let maxit = Int(control?.argument("maxit")?.numbers?.first ?? 10)
        let epsilon = control?.argument("epsilon")?.numbers?.first ?? 1
        switch design {
        case .taylor(let d): return .taylor(try d.raked(margins: margins, maxIterations: maxit, epsilon: epsilon).design)
        case .replicate(let d): return .replicate(try d.raked(margins: margins, maxIterations: maxit, epsilon: epsilon).design)
        }
    case "calibrate":
        let (columns, names) = try modelMatrix(call.argument("formula") ?? call.positional(1), data: data)
        guard let popName = (call.argument("population") ?? call.positional(2))?.identifier,
              let pop = objects[popName] as? [String: Any] else { throw SkipCase("calibration totals") }
        let totals = try names.map { n -> Double in
            guard let v = (pop[n] as? NSNumber)?.doubleValue else { throw SkipCase("no population total for \(n)") }
            return v
        }
        let calfun = call.argument("calfun")?.literal ?? "linear"
        guard let method = CalibrationMethod(rawValue: calfun) else { throw SkipCase("calfun \(calfun)") }
        var bounds: ClosedRange<Double>? = nil
        if let b = call.argument("bounds")?.numbers, b.count == 2, b[0] <= b[1], b[0].isFinite || b[1].isFinite {
            bounds = b[0]...b[1]
        }
        let maxit = Int(call.argument("maxit")?.numbers?.first ?? 50)
        let epsilon = call.argument("epsilon")?.numbers?.first ?? 1e-7
        switch design {
        case .taylor(let d):
            return .taylor(try d.calibrated(auxiliary: columns, populationTotals: totals, method: method, bounds: bounds,
                                            maxIterations: maxit, epsilon: epsilon).design)
        case .replicate(let d):
            return .replicate(try d.calibrated(auxiliary: columns, populationTotals: totals, method: method, bounds: bounds,
                                               maxIterations: maxit, epsilon: epsilon))
        }
    default:
        throw SkipCase("calibration call \(call.callName ?? "?")")
    }
}

/// R's model.matrix for `~a + b` with treatment contrasts: an intercept, then per factor one
/// dummy per level except the first (named `<var><level>`), numeric columns as they are.
func modelMatrix(_ formula: RExpr?, data: SurveyDataset) throws -> (columns: [[Double]], names: [String]) {
    var columns: [[Double]] = [Array(repeating: 1, count: data.rowCount)]
    var names = ["(Intercept)"]
    for v in try formulaColumns(formula) {
        if try data.isNumeric(v) {
            columns.append(try data.numeric(v)); names.append(v)
        } else {
            let l = try data.labels(v)
            for level in try data.levels(v).dropFirst() {
                columns.append(l.map { $0.map { $0 == level ? 1 : 0 } ?? .nan }); names.append(v + level)
            }
        }
    }
    return (columns, names)
}

// MARK: - Estimators

/// The design expression of a call (`des` or `subset(des, cond)`) as a domain mask (nil = all).
func domainOf(_ e: RExpr?, data: SurveyDataset) throws -> [Bool]? {
    guard let e else { throw SkipCase("call has no design argument") }
    if case .ident("des") = e { return nil }
    if case .call("subset", let args) = e, args.count == 2 {
        let inner = try domainOf(args[0].value, data: data)
        let m = try data.mask(args[1].value)
        return inner.map { zip($0, m).map { $0 && $1 } } ?? m
    }
    throw SkipCase("design expression \(e)")
}

func and(_ a: [Bool]?, _ b: [Bool]) -> [Bool] { a.map { zip($0, b).map { $0 && $1 } } ?? b }

/// Variables of a formula as statistics: numeric columns as they are, factors as one 0/1
/// indicator per level (NaN where missing), named `<variable><level>` as R does.
func formulaItems(_ formula: RExpr?, data: SurveyDataset) throws -> [(name: String, values: [Double])] {
    guard let formula, case .formula(_, let rhs) = formula else { throw SkipCase("expected a formula") }
    var out: [(String, [Double])] = []
    for term in rhs.terms {
        if let name = term.identifier, try !data.isNumeric(name) {
            let labels = try data.labels(name)
            for level in try data.levels(name) {
                out.append((name + level, labels.map { $0.map { $0 == level ? 1 : 0 } ?? .nan }))
            }
        } else {
            let values = try data.evaluate(term).asNumbers
            out.append((term.identifier ?? term.description, values))
        }
    }
    return out
}

func deffBaseline(_ e: RExpr?) -> DesignEffectBaseline? {
    switch e?.literal {
    case "TRUE": return .withoutReplacement
    case "replace": return .withReplacement
    default: return nil
    }
}

func evaluateSurveyCall(_ estimator: String, _ call: RExpr, _ ctx: SurveyCaseContext) throws -> SurveyChecker {
    switch estimator {
    case "svymean", "svytotal": return try checkMeanTotal(estimator, call, ctx)
    case "svyratio": return try checkRatio(call, ctx)
    case "svyby": return try checkBy(call, ctx)
    case "svycontrast": return try checkContrast(call, ctx)
    case "svyciprop": return try checkCIProp(call, ctx)
    case "svyquantile": return try checkQuantile(call, ctx)
    case "svyglm": return try checkGLM(call, ctx)
    case "svyttest": return try checkTTest(call, ctx)
    case "svychisq": return try checkChisq(call, ctx)
    default: throw SkipCase("estimator \(estimator) is not mapped yet")
    }
}

func checkMeanTotal(_ estimator: String, _ call: RExpr, _ ctx: SurveyCaseContext) throws -> SurveyChecker {
    let items = try formulaItems(call.positional(0), data: ctx.data)
    let domain = try domainOf(call.argument("design") ?? call.positional(1), data: ctx.data)
    let deff = deffBaseline(call.argument("deff"))
    let stats = items.map { DomainStatistic(estimator == "svymean" ? .mean($0.values) : .total($0.values), domain: domain) }
    let joint = try ctx.design.base.jointEstimates(stats, deff: deff)
    var check = SurveyChecker()
    check.strings("names", items.map(\.name), ctx.expected["names"])
    check.vector("estimate", joint.estimates.map(\.value), ctx.expected["estimate"])
    check.vector("se", joint.estimates.map(\.standardError), ctx.expected["se"])
    if ctx.expected["vcov"] != nil { check.matrix("vcov", joint.covariance, ctx.expected["vcov"]) }
    if deff != nil { check.vector("deff", joint.estimates.map { $0.designEffect ?? .nan }, ctx.expected["deff"]) }
    checkNormalIntervals(&check, joint.estimates, ctx.expected)
    return check
}

/// `ci95_normal_lower/upper`: confint() default, estimate ± qnorm(0.975)·se.
func checkNormalIntervals(_ check: inout SurveyChecker, _ estimates: [Estimate], _ expected: [String: Any]) {
    guard expected["ci95_normal_lower"] != nil else { return }
    let normal = estimates.map {
        Estimate(value: $0.value, standardError: $0.standardError, degreesOfFreedom: .infinity, sampleSize: $0.sampleSize)
    }
    let intervals = normal.map { $0.confidenceInterval(level: 0.95) }
    check.vector("ci95_normal_lower", intervals.map(\.lower), expected["ci95_normal_lower"])
    check.vector("ci95_normal_upper", intervals.map(\.upper), expected["ci95_normal_upper"])
}

func checkRatio(_ call: RExpr, _ ctx: SurveyCaseContext) throws -> SurveyChecker {
    let num = try formulaItems(call.argument("numerator") ?? call.positional(0), data: ctx.data)
    let den = try formulaItems(call.argument("denominator") ?? call.positional(1), data: ctx.data)
    guard num.count == 1, den.count == 1 else { throw SkipCase("svyratio with several variables") }
    let domain = try domainOf(call.argument("design") ?? call.positional(2), data: ctx.data)
    let e = try ctx.design.base.ratio(numerator: num[0].values, denominator: den[0].values, domain: domain)
    var check = SurveyChecker()
    check.strings("names", ["\(num[0].name)/\(den[0].name)"], ctx.expected["names"])
    check.vector("estimate", [e.value], ctx.expected["estimate"])
    check.vector("se", [e.standardError], ctx.expected["se"])
    check.matrix("var", [[e.variance]], ctx.expected["var"])
    return check
}

/// The domains of `svyby(..., ~a + b, ...)`: level combinations present among rows with
/// non-zero weight in the design's domain, the first variable varying fastest, labelled `a.b`.
func byDomains(_ by: RExpr?, data: SurveyDataset, weights: [Double], within: [Bool]?)
    throws -> [(label: String, mask: [Bool])] {
    let vars = try formulaColumns(by)
    guard !vars.isEmpty else { throw SkipCase("svyby without by variables") }
    let labels = try vars.map { try data.labels($0) }
    let levels = try vars.map { try data.levels($0) }
    // All combinations, the first variable varying fastest (R interaction()).
    var ordered: [[String]] = [[]]
    for lv in levels { ordered = lv.flatMap { l in ordered.map { $0 + [l] } } }
    var out: [(String, [Bool])] = []
    for combo in ordered {
        var mask = [Bool](repeating: false, count: data.rowCount)
        var any = false
        for i in 0..<data.rowCount {
            var match = true
            for (k, l) in combo.enumerated() where labels[k][i] != l { match = false; break }
            if match, within?[i] ?? true {
                mask[i] = true
                if weights[i] != 0 { any = true }
            }
        }
        if any { out.append((combo.joined(separator: "."), mask)) }
    }
    return out
}

/// `svyby`: one estimate per (statistic, domain), statistic-major as R's coef.svyby; labels are
/// the domain labels for one statistic, `domain:statistic` for several (a factor or several variables).
func byJoint(_ call: RExpr, _ ctx: SurveyCaseContext) throws -> (labels: [String], joint: JointEstimate, deff: Bool) {
    let items = try formulaItems(call.argument("formula") ?? call.positional(0), data: ctx.data)
    let within = try domainOf(call.argument("design") ?? call.positional(2), data: ctx.data)
    let domains = try byDomains(call.argument("by") ?? call.positional(1), data: ctx.data,
                                weights: ctx.design.base.weights, within: within)
    guard let fun = (call.argument("FUN") ?? call.positional(3))?.identifier else { throw SkipCase("svyby FUN") }
    let deff = deffBaseline(call.argument("deff"))
    var stats: [DomainStatistic] = []
    var labels: [String] = []
    switch fun {
    case "svymean", "svytotal":
        for item in items {
            for d in domains {
                stats.append(DomainStatistic(fun == "svymean" ? .mean(item.values) : .total(item.values), domain: d.mask))
                labels.append(items.count == 1 ? d.label : "\(d.label):\(item.name)")
            }
        }
    case "svyratio":
        let den = try formulaItems(call.argument("denominator"), data: ctx.data)
        guard items.count == 1, den.count == 1 else { throw SkipCase("svyratio with several variables") }
        stats = domains.map { DomainStatistic(.ratio(numerator: items[0].values, denominator: den[0].values), domain: $0.mask) }
        labels = domains.map(\.label)
    default: throw SkipCase("svyby FUN \(fun)")
    }
    let joint = try ctx.design.base.jointEstimates(stats, deff: fun == "svyratio" ? nil : deff)
    return (labels, joint, deff != nil)
}

/// `svyby` with `svyquantile` or `svyciprop`: per-domain estimates and SEs (their vcov is
/// diagonal at most, so only the diagonal is compared).
func checkByOther(_ fun: String, _ call: RExpr, _ ctx: SurveyCaseContext) throws -> SurveyChecker {
    let (_, values) = try formulaVariable(call.argument("formula") ?? call.positional(0), data: ctx.data)
    let within = try domainOf(call.argument("design") ?? call.positional(2), data: ctx.data)
    let domains = try byDomains(call.argument("by") ?? call.positional(1), data: ctx.data,
                                weights: ctx.design.base.weights, within: within)
    var estimates: [Double] = [], ses: [Double] = []
    for d in domains {
        if fun == "svyquantile" {
            guard let probs = call.argument("quantiles")?.numbers, probs.count == 1 else { throw SkipCase("svyby svyquantile with several quantiles") }
            let rule = QuantileRule(rawValue: call.argument("qrule")?.literal ?? "math")
            let type = QuantileIntervalType(rawValue: call.argument("interval.type")?.literal ?? "mean")
            guard let rule, let type else { throw SkipCase("svyby svyquantile options") }
            let q = try ctx.design.base.quantiles(values, probabilities: probs, domain: d.mask, rule: rule, interval: type,
                                                  level: 1 - (call.argument("alpha")?.numbers?.first ?? 0.05),
                                                  degreesOfFreedom: call.argument("df")?.numbers?.first)
            estimates.append(q[0].quantile); ses.append(q[0].standardError)
        } else {
            guard let method = SurveyProportionMethod(rawValue: call.argument("method")?.literal ?? "logit") else {
                throw SkipCase("svyby svyciprop method")
            }
            let ci = try ctx.design.base.proportionInterval(values, domain: d.mask, method: method,
                                                            level: call.argument("level")?.numbers?.first ?? 0.95,
                                                            degreesOfFreedom: call.argument("df")?.numbers?.first)
            estimates.append(ci.estimate); ses.append(ci.standardError)
        }
    }
    var check = SurveyChecker()
    check.strings("domains", domains.map(\.label), ctx.expected["domains"])
    check.vector("estimate", estimates, ctx.expected["estimate"], rel: fun == "svyciprop" ? 1e-8 : 1e-12)
    check.vector("se", ses, ctx.expected["se"])
    if let v = ctx.expected["vcov"] as? [[Any]], v.count == domains.count {
        check.vector("vcov diagonal", ses.map { $0 * $0 }, v.indices.map { v[$0][$0] })
    }
    return check
}

func checkBy(_ call: RExpr, _ ctx: SurveyCaseContext) throws -> SurveyChecker {
    if let fun = (call.argument("FUN") ?? call.positional(3))?.identifier, fun == "svyquantile" || fun == "svyciprop" {
        return try checkByOther(fun, call, ctx)
    }
    let (labels, joint, deff) = try byJoint(call, ctx)
    var check = SurveyChecker()
    check.strings("domains", labels, ctx.expected["domains"])
    check.vector("estimate", joint.estimates.map(\.value), ctx.expected["estimate"])
    check.vector("se", joint.estimates.map(\.standardError), ctx.expected["se"])
    if deff { check.vector("deff", joint.estimates.map { $0.designEffect ?? .nan }, ctx.expected["deff"]) }
    if ctx.expected["vcov"] != nil { check.matrix("vcov", joint.covariance, ctx.expected["vcov"]) }
    return check
}

func checkContrast(_ call: RExpr, _ ctx: SurveyCaseContext) throws -> SurveyChecker {
    guard let inner = call.positional(0), inner.callName == "svyby" else { throw SkipCase("svycontrast of \(String(describing: call.positional(0)))") }
    guard let coefficients = call.positional(1)?.numbers else { throw SkipCase("contrast coefficients") }
    let (_, joint, _) = try byJoint(inner, ctx)
    let e = try joint.contrast(coefficients)
    var check = SurveyChecker()
    check.vector("estimate", [e.value], ctx.expected["estimate"])
    check.vector("se", [e.standardError], ctx.expected["se"])
    check.matrix("vcov", [[e.variance]], ctx.expected["vcov"])
    checkNormalIntervals(&check, [e], ctx.expected)
    return check
}

/// The single numeric variable of a one-sided formula (`~x` or `~I(cond)`).
func formulaVariable(_ formula: RExpr?, data: SurveyDataset) throws -> (name: String, values: [Double]) {
    guard let formula, case .formula(_, let rhs) = formula, rhs.terms.count == 1 else {
        throw SkipCase("expected a one-variable formula")
    }
    return (rhs.description, try data.evaluate(rhs).asNumbers)
}

func checkCIProp(_ call: RExpr, _ ctx: SurveyCaseContext) throws -> SurveyChecker {
    let (_, y) = try formulaVariable(call.argument("formula") ?? call.positional(0), data: ctx.data)
    let domain = try domainOf(call.argument("design") ?? call.positional(1), data: ctx.data)
    let methodName = call.argument("method")?.literal ?? "logit"
    guard let method = SurveyProportionMethod(rawValue: methodName) else { throw SkipCase("svyciprop method \(methodName)") }
    let level = call.argument("level")?.numbers?.first ?? 0.95
    let df = call.argument("df")?.numbers?.first
    let ci = try ctx.design.base.proportionInterval(y, domain: domain, method: method, level: level, degreesOfFreedom: df)
    // README: logit/likelihood come from an IRLS fit in R and match to ~1e-8 relative.
    let rel = method == .logit || method == .likelihood ? 1e-8 : surveyTolerance
    var check = SurveyChecker()
    check.value("estimate", ci.estimate, ctx.expected["estimate"], rel: rel)
    check.value("se", ci.standardError, ctx.expected["se"])
    check.value("ci_lower", ci.lower, ctx.expected["ci_lower"], rel: rel)
    check.value("ci_upper", ci.upper, ctx.expected["ci_upper"], rel: rel)
    return check
}

func checkQuantile(_ call: RExpr, _ ctx: SurveyCaseContext) throws -> SurveyChecker {
    guard let formula = call.argument("x") ?? call.positional(0) else { throw SkipCase("svyquantile formula") }
    let columns = try formulaColumns(formula)
    let domain = try domainOf(call.argument("design") ?? call.positional(1), data: ctx.data)
    guard let probs = (call.argument("quantiles") ?? call.positional(2))?.numbers else { throw SkipCase("quantiles") }
    let ruleName = call.argument("qrule")?.literal ?? "math"
    guard let rule = QuantileRule(rawValue: ruleName) else { throw SkipCase("qrule \(ruleName)") }
    let typeName = call.argument("interval.type")?.literal ?? "mean"
    guard let type = QuantileIntervalType(rawValue: typeName) else { throw SkipCase("interval.type \(typeName)") }
    let alpha = call.argument("alpha")?.numbers?.first ?? 0.05
    let df = call.argument("df")?.numbers?.first
    var check = SurveyChecker()
    for column in columns {
        guard let expected = ctx.expected[column] as? [String: Any] else { check.problems.append("no expected \(column)"); continue }
        let q = try ctx.design.base.quantiles(try ctx.data.numeric(column), probabilities: probs, domain: domain,
                                              rule: rule, interval: type, level: 1 - alpha, degreesOfFreedom: df)
        // README: quantile CIs are data values or interpolations and match exactly or to 1e-12.
        check.vector("\(column) quantile", q.map(\.quantile), expected["quantile"], rel: 1e-12)
        if expected["ci_lower"] != nil {
            check.vector("\(column) ci_lower", q.map(\.lower), expected["ci_lower"], rel: 1e-12)
            check.vector("\(column) ci_upper", q.map(\.upper), expected["ci_upper"], rel: 1e-12)
        }
        if expected["se"] != nil { check.vector("\(column) se", q.map(\.standardError), expected["se"]) }
    }
    return check
}

/// Terms of a model formula's right-hand side as R's terms(): `a * b` → a, b, a:b; ordered by
/// degree, formula order within a degree. Each term is a list of variable names.
/// The expression inside an `offset(...)` term of a formula, if any.
func offsetTerm(_ e: RExpr) -> RExpr? {
    switch e {
    case .call("offset", let args) where args.count == 1: return args[0].value
    case .binary("+", let l, let r): return offsetTerm(l) ?? offsetTerm(r)
    default: return nil
    }
}

func modelTerms(_ e: RExpr) throws -> [[String]] {
    func expand(_ e: RExpr) throws -> [[String]] {
        switch e {
        case .ident(let v): return [[v]]
        case .call("offset", _): return []
        case .binary("+", let l, let r): return try expand(l) + expand(r)
        case .binary(":", let l, let r):
            let a = try expand(l), b = try expand(r)
            return a.flatMap { x in b.map { x + $0 } }
        case .binary("*", let l, let r):
            let a = try expand(l), b = try expand(r)
            return a + b + a.flatMap { x in b.map { x + $0 } }
        default: throw SkipCase("model term \(e)")
        }
    }
    var seen: [[String]] = []
    for t in try expand(e) where !seen.contains(t) { seen.append(t) }
    return seen.enumerated().sorted { ($0.element.count, $0.offset) < ($1.element.count, $1.offset) }.map(\.element)
}

/// R's model.matrix with treatment contrasts for the terms of a formula (intercept first).
func termMatrix(_ rhs: RExpr, data: SurveyDataset) throws -> (columns: [[Double]], names: [String]) {
    var columns: [[Double]] = [Array(repeating: 1, count: data.rowCount)]
    var names = ["(Intercept)"]
    for term in try modelTerms(rhs) {
        var parts: [(names: [String], columns: [[Double]])] = []
        for v in term {
            if try data.isNumeric(v) {
                parts.append(([v], [try data.numeric(v)]))
            } else {
                let l = try data.labels(v)
                let levels = Array(try data.levels(v).dropFirst())
                parts.append((levels.map { v + $0 }, levels.map { level in l.map { $0.map { $0 == level ? 1 : 0 } ?? .nan } }))
            }
        }
        var combined: [(String, [Double])] = [("", Array(repeating: 1, count: data.rowCount))]
        for part in parts {
            combined = combined.flatMap { c in zip(part.names, part.columns).map { n, col in
                (c.0.isEmpty ? n : c.0 + ":" + n, zip(c.1, col).map { $0 * $1 })
            } }
        }
        for (n, c) in combined { names.append(n); columns.append(c) }
    }
    return (columns, names)
}

func checkGLM(_ call: RExpr, _ ctx: SurveyCaseContext) throws -> SurveyChecker {
    guard case .formula(let lhs?, let rhs)? = call.argument("formula") ?? call.positional(0) else {
        throw SkipCase("svyglm formula")
    }
    let y = try ctx.data.evaluate(lhs).asNumbers
    let (columns, names) = try termMatrix(rhs, data: ctx.data)
    let domain = try domainOf(call.argument("design") ?? call.positional(1), data: ctx.data)
    var familyName = call.argument("family")?.callName ?? call.argument("family")?.identifier ?? "gaussian"
    // svyglm's estimates, design SEs, dispersion and t tests are the same for binomial/poisson
    // as for their quasi- families (summary.svyglm always estimates the dispersion).
    if familyName == "binomial" { familyName = "quasibinomial" }
    if familyName == "poisson" { familyName = "quasipoisson" }
    guard let family = RegressionFamily(rawValue: familyName) else { throw SkipCase("family \(familyName)") }
    var offset: [Double]? = try call.argument("offset").map { try ctx.data.evaluate($0).asNumbers }
    if let o = offsetTerm(rhs) {
        let values = try ctx.data.evaluate(o).asNumbers
        offset = offset.map { zip($0, values).map { $0 + $1 } } ?? values
    }
    let fit = try ctx.design.base.regression(columns: columns, response: y, family: family, domain: domain, offset: offset)
    var check = SurveyChecker()
    check.strings("coef_names", names, ctx.expected["coef_names"])
    check.vector("coefficients", fit.coefficients, ctx.expected["coefficients"])
    check.vector("se", fit.standardErrors, ctx.expected["se"])
    check.vector("t_value", fit.tValues, ctx.expected["t_value"])
    check.vector("p_value", fit.pValues, ctx.expected["p_value"])
    check.integer("df_residual", fit.residualDegreesOfFreedom, ctx.expected["df_residual"])
    check.value("dispersion", fit.dispersion, ctx.expected["dispersion"])
    check.matrix("vcov", fit.covariance, ctx.expected["vcov"])
    return check
}

func checkTTest(_ call: RExpr, _ ctx: SurveyCaseContext) throws -> SurveyChecker {
    guard case .formula(let lhs?, let rhs)? = call.argument("formula") ?? call.positional(0) else {
        throw SkipCase("svyttest formula")
    }
    let y = try ctx.data.evaluate(lhs).asNumbers
    let domain = try domainOf(call.argument("design") ?? call.positional(1), data: ctx.data)
    let result: TestResult
    if case .number = rhs {
        result = try ctx.design.base.oneSampleTTest(y, domain: domain)
    } else {
        let (columns, _) = try termMatrix(rhs, data: ctx.data)
        guard columns.count == 2 else { throw SkipCase("svyttest group is not binary") }
        result = try ctx.design.base.twoSampleTTest(y, group: columns[1], domain: domain)
    }
    var check = SurveyChecker()
    check.value("statistic", result.statistic, ctx.expected["statistic"])
    check.vector("parameter", [result.degreesOfFreedom ?? .nan], ctx.expected["parameter"])
    check.value("p_value", result.pValue, ctx.expected["p_value"])
    check.value("estimate", result.estimate ?? .nan, ctx.expected["estimate"])
    check.vector("conf_int", [result.confidenceInterval?.lower ?? .nan, result.confidenceInterval?.upper ?? .nan],
                 ctx.expected["conf_int"])
    return check
}

func checkChisq(_ call: RExpr, _ ctx: SurveyCaseContext) throws -> SurveyChecker {
    let vars = try formulaColumns(call.argument("formula") ?? call.positional(0))
    guard vars.count == 2 else { throw SkipCase("svychisq needs two variables") }
    let domain = try domainOf(call.argument("design") ?? call.positional(1), data: ctx.data)
    let statistic = call.argument("statistic")?.literal ?? "F"
    guard let adjustment = ChiSquareAdjustment(rawValue: statistic) else { throw SkipCase("statistic \(statistic)") }
    // R takes the levels present in the (subset) design.
    let rowLabels = try ctx.data.labels(vars[0]), colLabels = try ctx.data.labels(vars[1])
    let present = { (labels: [String?], level: String) in labels.indices.contains { labels[$0] == level && (domain?[$0] ?? true) } }
    let t = try ctx.design.base.independenceTest(
        rows: rowLabels, columns: colLabels,
        rowLevels: try ctx.data.levels(vars[0]).filter { present(rowLabels, $0) },
        columnLevels: try ctx.data.levels(vars[1]).filter { present(colLabels, $0) }, domain: domain,
        adjustment: adjustment)
    var check = SurveyChecker()
    check.value("statistic", t.test.statistic, ctx.expected["statistic"])
    check.vector("parameter", [t.test.degreesOfFreedom ?? .nan] + (t.denominatorDegreesOfFreedom.map { [$0] } ?? []),
                 ctx.expected["parameter"])
    check.value("p_value", t.test.pValue, ctx.expected["p_value"])
    check.strings("observed_rownames", t.rowLevels, ctx.expected["observed_rownames"])
    check.strings("observed_colnames", t.columnLevels, ctx.expected["observed_colnames"])
    check.vector("observed_weighted_table", t.observed.flatMap { $0 },
                 (ctx.expected["observed_weighted_table"] as? [[Any]])?.flatMap { $0 })
    check.vector("expected_table", t.expected.flatMap { $0 }, (ctx.expected["expected_table"] as? [[Any]])?.flatMap { $0 })
    return check
}

/// The harness can fail: a case whose expected estimate is perturbed by 1e-6 relative is reported.
@Test func surveyHarnessDetectsAPerturbedValue() throws {
    guard let root = try ReferenceDirectory.cases("survey"),
          let cases = root["cases"] as? [[String: Any]],
          var c = cases.first(where: { ($0["estimator"] as? String) == "svymean" && $0["expected"] != nil }),
          var expected = c["expected"] as? [String: Any],
          let estimates = expected["estimate"] as? [NSNumber], let file = c["dataset"] as? String else { return }
    let data = try SurveyDataset(path: ReferenceDirectory.url.appendingPathComponent("survey").appendingPathComponent(file).path)
    let objects = root["objects"] as? [String: Any] ?? [:]
    #expect(try runSurveyCase(c, data: data, objects: objects).isEmpty)
    expected["estimate"] = estimates.map { NSNumber(value: $0.doubleValue * (1 + 1e-6)) }
    c["expected"] = expected
    #expect(!(try runSurveyCase(c, data: data, objects: objects)).isEmpty)
}

@Test func rExpressionParserReadsTheRecordedCalls() throws {
    let e = try RParser.parse(#"svyby(~accidents, ~programme + after, subset(des, pnd_eligible == 1 & after == 1), svyratio, denominator = ~child_years, covmat = TRUE)"#)
    #expect(e.callName == "svyby")
    #expect(try formulaColumns(e.positional(1)) == ["programme", "after"])
    #expect(e.argument("covmat")?.literal == "TRUE")
    #expect(e.positional(2)?.callName == "subset")
    let terms = try modelTerms(try #require({ if case .formula(_, let r)? = try? RParser.parse("y ~ a * b + c") { return r }; return nil }()))
    #expect(terms == [["a"], ["b"], ["c"], ["a", "b"]])
    #expect(try RParser.parse("c(1, -1, -1, 1)").numbers == [1, -1, -1, 1])
}
