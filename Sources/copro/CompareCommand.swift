import ArgumentParser
import Foundation
import SurveyIngest
import SurveyStatistics

/// `copro compare`: the comparisons of an evaluation from one survey export — programme vs
/// comparison group, before vs after, a panel's paired change, and difference-in-differences —
/// each with a design-based estimate, SE, interval and test, effect sizes and warnings.
/// Documented in docs/compare.md.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare an outcome between groups, periods or linked respondents (difference, relative change, paired, DiD).",
        discussion: """
            --group V=A,B compares B with A (A is the reference: --group area=comparison,programme gives \
            programme − comparison). With --period V=BEFORE,AFTER each group's change AFTER − BEFORE and the \
            difference-in-differences are reported; with --paired-by ID rows are linked across the two levels of \
            the period (or, without --period, of the group). Without --weight every row has weight 1 (a simple \
            random sample). Exit status: 0 ok, 1 input or data error, 2 usage error.
            """
    )

    @Argument(help: "The survey export (CSV or similar delimited text).")
    var data: String

    @Option(help: "The outcome column (numbers; 0/1 for a proportion).")
    var outcome: String

    @Option(help: "The group column and its two levels, reference first: V=A,B (contrast B − A).")
    var group: String

    @Option(help: "The period column and its two levels: V=BEFORE,AFTER (change AFTER − BEFORE, and DiD).")
    var period: String?

    @Option(name: .customLong("paired-by"), help: "Column identifying a respondent across the two occasions (a panel).")
    var pairedBy: String?

    @Option(help: "Column of sampling weights (default: every row weight 1).")
    var weight: String?

    @OptionGroup var designOptions: DesignOptions
    var strata: String? { designOptions.strata }
    var clusters: [String] { designOptions.clusters }
    var fpcs: [String] { designOptions.fpcs }
    var nest: Bool { designOptions.nest }
    var lonelyPSU: String { designOptions.lonelyPSU }

    @Option(help: "Covariates for regression adjustment, comma-separated (numeric columns, or text columns as factors).")
    var covariates: String?

    @Option(help: "Confidence level in (0, 1).")
    var level: Double = 0.95

    @Option(help: "Wild cluster bootstrap replications for the DiD (needs --cluster; 0 = none).")
    var bootstrap: Int = 0

    @Option(help: "Seed of the wild cluster bootstrap.")
    var seed: UInt64 = 1

    @Option(help: "Output format: text or json.")
    var format: String = "text"

    /// The parsed `V=A,B` option: the column and its two levels.
    struct LevelPair: Equatable {
        var column: String
        var first: String
        var second: String

        init(_ spec: String, option: String) throws {
            let parts = spec.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let levels = parts.count == 2 ? parts[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init) : []
            guard parts.count == 2, !parts[0].isEmpty, levels.count == 2, !levels[0].isEmpty, !levels[1].isEmpty else {
                throw ValidationError("--\(option) takes COLUMN=LEVEL1,LEVEL2 (e.g. area=comparison,programme), got '\(spec)'")
            }
            guard levels[0] != levels[1] else { throw ValidationError("--\(option) needs two different levels, got '\(spec)'") }
            column = parts[0]; first = levels[0]; second = levels[1]
        }
    }

    func validate() throws {
        guard level > 0, level < 1 else { throw ValidationError("--level must be in (0, 1), got \(level)") }
        guard LonelyPSUPolicy(rawValue: lonelyPSU) != nil else {
            throw ValidationError("--lonely-psu must be one of \(LonelyPSUPolicy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard ["text", "json"].contains(format) else { throw ValidationError("--format must be text or json, got '\(format)'") }
        let g = try LevelPair(group, option: "group")
        if let period {
            let p = try LevelPair(period, option: "period")
            guard p.column != g.column else { throw ValidationError("--period and --group name the same column \(g.column)") }
        }
        guard bootstrap == 0 || bootstrap >= 99 else { throw ValidationError("--bootstrap needs at least 99 replications (or 0)") }
        if bootstrap > 0, clusters.isEmpty { throw ValidationError("--bootstrap needs --cluster (the areas to resample)") }
        if let c = covariates, c.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw ValidationError("--covariates takes comma-separated column names, got '\(c)'")
        }
    }

    func run() throws {
        do {
            let table = try Ingest.read(path: data).table
            let rows = try CompareRun(command: self).run(table: table)
            print(format == "json" ? CompareOutput.json(rows) : CompareOutput.text(rows), terminator: "")
        } catch let error as EstimateInputError {
            throw failure("\(data): \(error)")
        } catch let error as ComparisonError {
            throw failure("\(data): \(error.message)" + (error.hint.map { "\nhint: \($0)" } ?? ""))
        } catch let error as DesignError {
            throw failure("\(data): \(error)")
        } catch let error as IngestError {
            throw failure("\(error)")
        } catch let error as ClassicalTestError {
            throw failure("\(data): \(error.context)")
        } catch let error as LinearAlgebraError {
            throw failure("\(data): the comparison could not be computed: \(error)")
        }
    }
}

/// One comparison as printed.
struct ComparisonRow: Equatable {
    var kind: String
    var contrast: String
    var estimate: Double
    var standardError: Double
    var lower: Double
    var upper: Double
    var degreesOfFreedom: Double?
    var statistic: Double
    var pValue: Double
    var method: String
    var effectSizes: [EffectMeasure] = []
    var tests: [NamedTest] = []
    var warnings: [String] = []
    var n: Int
}

/// Turns the parsed command and a table into comparisons; separate from `run()` for in-process tests.
struct CompareRun {
    let command: CompareCommand

    /// Numeric and label access to the export's columns with row/column/value errors.
    struct Table {
        let raw: RawTable
        func index(_ name: String) throws -> Int {
            guard let j = raw.columnIndex(named: name) else {
                throw EstimateInputError(message: "no column named \"\(name)\"; the columns are: \(raw.columns.joined(separator: ", "))")
            }
            return j
        }
        func where_(_ i: Int) -> String { i < raw.lines.count ? "row \(i + 1) (line \(raw.lines[i]))" : "row \(i + 1)" }
        /// Trimmed cell labels; empty cells are nil (an error when `required`).
        func labels(_ name: String, required: Bool = false) throws -> [String?] {
            let j = try index(name)
            return try (0..<raw.rowCount).map { i in
                let cell = raw[i, j]?.trimmingCharacters(in: .whitespaces)
                guard let cell, !cell.isEmpty else {
                    if required { throw EstimateInputError(message: "\(where_(i)), column \"\(name)\": value is missing") }
                    return nil
                }
                return cell
            }
        }
        /// Numbers parsed strictly (``NumberSyntax``: no thousands separators, units or decimal
        /// commas); missing → NaN.
        func numbers(_ name: String, required: Bool = false) throws -> [Double] {
            let j = try index(name)
            return try (0..<raw.rowCount).map { i in
                switch NumberSyntax.parse(raw[i, j]) {
                case .value(let v):
                    return v
                case .missing:
                    if required { throw EstimateInputError(message: "\(where_(i)), column \"\(name)\": value is missing") }
                    return .nan
                case .invalid:
                    let cell = NumberSyntax.trimmedBlanks(raw[i, j] ?? "")
                    throw EstimateInputError(message: "\(where_(i)), column \"\(name)\": \"\(cell)\" is not a number")
                }
            }
        }
    }

    func run(table raw: RawTable) throws -> [ComparisonRow] {
        let c = command
        let t = Table(raw: raw)
        let group = try CompareCommand.LevelPair(c.group, option: "group")
        let period = try c.period.map { try CompareCommand.LevelPair($0, option: "period") }
        let y = try t.numbers(c.outcome)
        let groupLabels = try t.labels(group.column)
        for level in [group.first, group.second] where !groupLabels.contains(level) {
            throw EstimateInputError(message: "column \"\(group.column)\" has no rows with level \"\(level)\" (--group)")
        }
        var periodLabels: [String?] = []
        if let period {
            periodLabels = try t.labels(period.column)
            for level in [period.first, period.second] where !periodLabels.contains(level) {
                throw EstimateInputError(message: "column \"\(period.column)\" has no rows with level \"\(level)\" (--period)")
            }
        }
        let (covariates, covariateNames) = try covariateColumns(t)
        if let id = c.pairedBy {
            return try paired(t, y: y, group: group, groupLabels: groupLabels, period: period, periodLabels: periodLabels,
                              idColumn: id, covariates: covariates)
        }
        let design = try makeDesign(t, rows: Array(0..<raw.rowCount))
        let isB: [Bool?] = groupLabels.map { $0 == group.second ? true : ($0 == group.first ? false : nil) }
        guard let period else {
            return try groupRows(y, split: isB, design: design, covariates: covariates,
                                 contrast: "\(group.column): \(group.second) − \(group.first)",
                                 ratio: "\(group.column): \(group.second) / \(group.first) − 1")
        }
        var out: [ComparisonRow] = []
        let isAfter: [Bool?] = periodLabels.map { $0 == period.second ? true : ($0 == period.first ? false : nil) }
        for level in [group.first, group.second] {
            let split = (0..<raw.rowCount).map { groupLabels[$0] == level ? isAfter[$0] : nil }
            out += try groupRows(y, split: split, design: design, covariates: covariates,
                                 contrast: "\(period.column): \(period.second) − \(period.first) in \(group.column) = \(level)",
                                 ratio: "\(period.column): \(period.second) / \(period.first) − 1 in \(group.column) = \(level)")
        }
        out.append(try did(t, y: y, isB: isB, isAfter: isAfter, design: design, covariates: covariates,
                           names: covariateNames, group: group, period: period))
        return out
    }

    /// The design over `rows` of the export (equal weights and SRS without --weight).
    func makeDesign(_ t: Table, rows: [Int]) throws -> SurveyDesign {
        let c = command
        let weights = try c.weight.map { try t.numbers($0, required: true) } ?? [Double](repeating: 1, count: t.raw.rowCount)
        let strata = try c.strata.map { try t.labels($0, required: true).map { $0 ?? "" } }
        let clusters = try c.clusters.map { try t.labels($0, required: true).map { $0 ?? "" } }
        let fpc = try c.fpcs.map { try t.numbers($0, required: true) }
        return try SurveyDesign(weights: rows.map { weights[$0] }, strata: strata.map { s in rows.map { s[$0] } },
                                clusters: clusters.map { cl in rows.map { cl[$0] } }, fpc: fpc.map { f in rows.map { f[$0] } },
                                nest: c.nest, lonelyPSU: LonelyPSUPolicy(rawValue: c.lonelyPSU) ?? .fail)
    }

    /// Covariate columns: numeric when the first non-missing value is a number (then parsed
    /// strictly), otherwise a factor coded by indicator columns for every level but the first
    /// (levels sorted by bytes).
    func covariateColumns(_ t: Table) throws -> ([[Double]], [String]) {
        guard let list = command.covariates else { return ([], []) }
        var columns: [[Double]] = [], names: [String] = []
        for name in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let labels = try t.labels(name)
            if let first = labels.compactMap({ $0 }).first, Double(first) != nil {
                columns.append(try t.numbers(name)); names.append(name)
            } else {
                let levels = Set(labels.compactMap { $0 }).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
                for level in levels.dropFirst() {
                    columns.append(labels.map { $0.map { $0 == level ? 1 : 0 } ?? .nan })
                    names.append("\(name)=\(level)")
                }
            }
        }
        return (columns, names)
    }

    /// The difference and relative change of B over A (`split[i]` true for B, false for A).
    func groupRows(_ y: [Double], split: [Bool?], design: SurveyDesign, covariates: [[Double]], contrast: String,
                   ratio: String) throws -> [ComparisonRow] {
        let r = try GroupComparison.compare(outcome: y, group: split, design: design, covariates: covariates,
                                            confidenceLevel: command.level)
        let what = r.binary ? "proportions" : "means"
        let n = r.reference.sampleSize + r.comparison.sampleSize
        var rows = [ComparisonRow(
            kind: "difference", contrast: contrast, estimate: r.difference, standardError: r.standardError,
            lower: r.interval.lower, upper: r.interval.upper, degreesOfFreedom: r.degreesOfFreedom,
            statistic: r.statistic, pValue: r.pValue,
            method: (r.adjusted ? "regression-adjusted difference of \(what) (survey-weighted linear model with the covariates)"
                     : "difference of design-weighted \(what)")
                + "; design-based t test (as R svyttest) on \(Int(r.degreesOfFreedom)) df",
            effectSizes: r.effectSizes + [EffectMeasure(name: "reference_estimate", value: r.reference.value),
                                          EffectMeasure(name: "comparison_estimate", value: r.comparison.value)],
            tests: r.tests, warnings: r.warnings, n: n)]
        if let rel = r.relativeChange, let lo = r.relativeInterval, let se = r.relativeStandardError,
           let st = r.relativeStatistic, let p = r.relativePValue {
            rows.append(ComparisonRow(kind: "relative-change", contrast: ratio, estimate: rel, standardError: se,
                                      lower: lo.lower, upper: lo.upper, degreesOfFreedom: r.degreesOfFreedom, statistic: st,
                                      pValue: p, method: "ratio of the design-weighted \(what) minus 1; delta method on the log scale with the joint design covariance, interval exp(log ratio ± t·SE) − 1; statistic = log ratio / SE",
                                      n: n))
        }
        return rows
    }

    /// The design-based DiD (with CR1 and the wild bootstrap as extra tests when clusters are given).
    func did(_ t: Table, y: [Double], isB: [Bool?], isAfter: [Bool?], design: SurveyDesign, covariates: [[Double]],
             names: [String], group: CompareCommand.LevelPair, period: CompareCommand.LevelPair) throws -> ComparisonRow {
        let c = command
        let treated = isB.map { $0.map { $0 ? 1.0 : 0.0 } ?? .nan }
        let post = isAfter.map { $0.map { $0 ? 1.0 : 0.0 } ?? .nan }
        let lin = try DifferenceInDifferences.designBased(outcome: y, treated: treated, post: post, covariates: covariates,
                                                          covariateNames: names, design: design, confidenceLevel: c.level)
        var tests: [NamedTest] = [], effects: [EffectMeasure] = [], warnings = lin.warnings
        let binary = zip(y, zip(treated, post)).allSatisfy { $0.isNaN || $1.0.isNaN || $1.1.isNaN || $0 == 0 || $0 == 1 }
        if binary, let logit = try? DifferenceInDifferences.designBased(
            outcome: y, treated: treated, post: post, covariates: covariates, design: design, family: .quasibinomial,
            confidenceLevel: c.level) {
            effects.append(EffectMeasure(name: "ratio_of_odds_ratios", value: exp(logit.estimate),
                                         lower: exp(logit.interval.lower), upper: exp(logit.interval.upper)))
            tests.append(NamedTest(name: "logistic DiD (survey-weighted quasi-binomial, as R svyglm)", statistic: logit.statistic,
                                   degreesOfFreedom: logit.degreesOfFreedom, pValue: logit.pValue))
        }
        if let areaColumn = c.clusters.first {
            let areas = try t.labels(areaColumn, required: true).map { $0 ?? "" }
            let cr1 = try DifferenceInDifferences.clusterRobust(outcome: y, treated: treated, post: post, covariates: covariates,
                                                                weights: design.weights, clusters: areas, confidenceLevel: c.level)
            tests.append(NamedTest(name: "cluster-robust CR1 by \(areaColumn) (weighted least squares, t on G − 1 df); SE \(cr1.standardError)",
                                   statistic: cr1.statistic, degreesOfFreedom: cr1.degreesOfFreedom, pValue: cr1.pValue))
            warnings += cr1.warnings
            if c.bootstrap > 0 {
                var rng = SeededGenerator(seed: c.seed)
                let boot = try DifferenceInDifferences.wildClusterBootstrap(
                    outcome: y, treated: treated, post: post, covariates: covariates, sampleWeights: design.weights,
                    clusters: areas, replications: c.bootstrap, weights: .webb, confidenceLevel: c.level, using: &rng)
                tests.append(NamedTest(name: "wild cluster bootstrap-t (Webb weights, \(boot.replications) replications, seed \(c.seed), null imposed)",
                                       statistic: boot.statistic, pValue: boot.pValue))
                effects.append(EffectMeasure(name: "did_wild_bootstrap", value: lin.estimate, lower: boot.interval.lower,
                                             upper: boot.interval.upper))
            }
        } else {
            warnings.append("No --cluster given: the standard error treats respondents as independent within strata; with one programme area, area-level change cannot be told apart from the programme's effect.")
        }
        return ComparisonRow(
            kind: "did",
            contrast: "(\(group.column) = \(group.second): \(period.second) − \(period.first)) − (\(group.column) = \(group.first): \(period.second) − \(period.first))",
            estimate: lin.estimate, standardError: lin.standardError, lower: lin.interval.lower, upper: lin.interval.upper,
            degreesOfFreedom: lin.degreesOfFreedom, statistic: lin.statistic, pValue: lin.pValue,
            method: "difference-in-differences: " + lin.method + (covariates.isEmpty ? "" : "; adjusted for " + names.joined(separator: ", ")),
            effectSizes: effects, tests: tests, warnings: warnings, n: lin.sampleSize)
    }

    /// Paired comparisons of a panel: rows linked by `idColumn` across the period's levels (or the
    /// group's, without --period). Design variables come from the later occasion's record.
    func paired(_ t: Table, y: [Double], group: CompareCommand.LevelPair, groupLabels: [String?],
                period: CompareCommand.LevelPair?, periodLabels: [String?], idColumn: String,
                covariates: [[Double]]) throws -> [ComparisonRow] {
        let ids = try t.labels(idColumn)
        let occasion = period ?? group
        let occasionLabels = period == nil ? groupLabels : periodLabels
        // Link: id → (row at the first level, row at the second level).
        var first: [String: Int] = [:], second: [String: Int] = [:]
        for i in 0..<t.raw.rowCount {
            guard let id = ids[i], let level = occasionLabels[i] else { continue }
            if level == occasion.first {
                if first[id] != nil { throw EstimateInputError(message: "\(t.where_(i)): id \"\(id)\" appears twice with \(occasion.column) = \(level)") }
                first[id] = i
            } else if level == occasion.second {
                if second[id] != nil { throw EstimateInputError(message: "\(t.where_(i)): id \"\(id)\" appears twice with \(occasion.column) = \(level)") }
                second[id] = i
            }
        }
        let linked = second.keys.filter { first[$0] != nil }.sorted { (second[$0] ?? 0) < (second[$1] ?? 0) }
        guard linked.count >= 2 else {
            throw ComparisonError(.insufficientData, "only \(linked.count) respondent(s) of \(idColumn) appear at both \(occasion.first) and \(occasion.second)",
                                  hint: "--paired-by names the column that identifies a respondent in both waves")
        }
        let unmatched = first.count + second.count - 2 * linked.count
        let beforeRows = linked.compactMap { first[$0] }, afterRows = linked.compactMap { second[$0] }
        let design = try makeDesign(t, rows: afterRows)
        let before = beforeRows.map { y[$0] }, after = afterRows.map { y[$0] }
        func pairedRow(_ keep: [Bool], label: String) throws -> ComparisonRow {
            let b = zip(before, keep).map { $1 ? $0 : .nan }, a = zip(after, keep).map { $1 ? $0 : .nan }
            let r = try PairedComparison.compare(before: b, after: a, design: design, confidenceLevel: command.level)
            var warnings = r.warnings
            if unmatched > 0 { warnings.append("\(unmatched) record(s) have no partner at the other occasion and are left out.") }
            var effects = r.effectSizes
            if let b = r.discordantOneToZero, let c = r.discordantZeroToOne {
                effects += [EffectMeasure(name: "discordant_1_to_0", value: Double(b)), EffectMeasure(name: "discordant_0_to_1", value: Double(c))]
            }
            return ComparisonRow(
                kind: "paired", contrast: "\(occasion.column): \(occasion.second) − \(occasion.first), paired by \(idColumn)\(label)",
                estimate: r.difference, standardError: r.standardError, lower: r.interval.lower, upper: r.interval.upper,
                degreesOfFreedom: r.degreesOfFreedom, statistic: r.statistic, pValue: r.pValue,
                method: "mean of the paired differences under the design (design variables of the \(occasion.second) record); design-based one-sample t test (as R svyttest) on \(Int(r.degreesOfFreedom)) df",
                effectSizes: effects, tests: r.tests, warnings: warnings, n: r.pairs)
        }
        guard period != nil else { return [try pairedRow([Bool](repeating: true, count: linked.count), label: "")] }
        // Group of each linked respondent: taken from the later record.
        let groupOfPair = afterRows.map { groupLabels[$0] }
        var out: [ComparisonRow] = []
        for level in [group.first, group.second] {
            out.append(try pairedRow(groupOfPair.map { $0 == level }, label: " in \(group.column) = \(level)"))
        }
        let change = zip(after, before).map { $0 - $1 }
        let split: [Bool?] = groupOfPair.map { $0 == group.second ? true : ($0 == group.first ? false : nil) }
        let r = try GroupComparison.compare(outcome: change, group: split, design: design,
                                            covariates: covariates.map { col in afterRows.map { col[$0] } },
                                            confidenceLevel: command.level)
        out.append(ComparisonRow(
            kind: "did", contrast: "(\(group.column) = \(group.second): paired change) − (\(group.column) = \(group.first): paired change)",
            estimate: r.difference, standardError: r.standardError, lower: r.interval.lower, upper: r.interval.upper,
            degreesOfFreedom: r.degreesOfFreedom, statistic: r.statistic, pValue: r.pValue,
            method: "difference-in-differences of a panel: difference between groups of the mean paired change \(occasion.second) − \(occasion.first), design-based t test (as R svyttest) on \(Int(r.degreesOfFreedom)) df",
            tests: r.tests, warnings: r.warnings, n: r.reference.sampleSize + r.comparison.sampleSize))
        return out
    }
}

/// JSON and text renderings of the comparisons.
enum CompareOutput {
    static func number(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "null" }
        return "\(x)"
    }

    static func string(_ s: String) -> String { JSONText.string(s) }

    /// `{"comparisons": [...]}` with keys in a fixed order; non-finite numbers are null. Effect
    /// sizes are a flat object of numbers; an interval adds `NAME_ci_low` and `NAME_ci_high`.
    static func json(_ rows: [ComparisonRow]) -> String {
        let items = rows.map { r -> String in
            var effects: [String] = []
            for e in r.effectSizes {
                effects.append("\(string(e.name)): \(number(e.value))")
                if e.lower != nil || e.upper != nil {
                    effects.append("\(string(e.name + "_ci_low")): \(number(e.lower))")
                    effects.append("\(string(e.name + "_ci_high")): \(number(e.upper))")
                }
            }
            let tests = r.tests.map {
                "{\"name\": \(string($0.name)), \"statistic\": \(number($0.statistic)), \"df\": \(number($0.degreesOfFreedom)), \"p_value\": \(number($0.pValue))}"
            }
            let fields = [
                "\"kind\": \(string(r.kind))", "\"contrast\": \(string(r.contrast))", "\"estimate\": \(number(r.estimate))",
                "\"se\": \(number(r.standardError))", "\"ci_low\": \(number(r.lower))", "\"ci_high\": \(number(r.upper))",
                "\"df\": \(number(r.degreesOfFreedom))", "\"statistic\": \(number(r.statistic))", "\"p_value\": \(number(r.pValue))",
                "\"method\": \(string(r.method))", "\"n\": \(r.n)",
                "\"effect_sizes\": {" + effects.joined(separator: ", ") + "}",
                "\"tests\": [" + tests.joined(separator: ", ") + "]",
                "\"warnings\": [" + r.warnings.map(string).joined(separator: ", ") + "]",
            ]
            return "    {\n      " + fields.joined(separator: ",\n      ") + "\n    }"
        }
        return "{\n  \"comparisons\": [\n" + items.joined(separator: ",\n") + "\n  ]\n}\n"
    }

    /// A readable block per comparison.
    static func text(_ rows: [ComparisonRow]) -> String {
        func f(_ x: Double?) -> String { x.map { $0.isFinite ? String(format: "%.6g", $0) : "NA" } ?? "NA" }
        func p(_ x: Double) -> String { x.isNaN ? "NA" : (x < 0.0001 ? "< 0.0001" : String(format: "%.4f", x)) }
        var out = ""
        for r in rows {
            out += "\(r.kind): \(r.contrast)\n"
            out += "  estimate \(f(r.estimate))  SE \(f(r.standardError))  CI [\(f(r.lower)), \(f(r.upper))]  "
            out += "statistic \(f(r.statistic))" + (r.degreesOfFreedom.map { " on \(f($0)) df" } ?? "") + "  p \(p(r.pValue))  n \(r.n)\n"
            out += "  method: \(r.method)\n"
            if !r.effectSizes.isEmpty {
                out += "  effect sizes: " + r.effectSizes.map { e in
                    e.name + " " + f(e.value) + (e.lower != nil || e.upper != nil ? " [\(f(e.lower)), \(f(e.upper))]" : "")
                }.joined(separator: "; ") + "\n"
            }
            for t in r.tests {
                out += "  test: \(t.name): statistic \(f(t.statistic))" + (t.degreesOfFreedom.map { " on \(f($0)) df" } ?? "")
                    + ", p \(p(t.pValue))\n"
            }
            for w in r.warnings { out += "  warning: \(w)\n" }
            out += "\n"
        }
        return out
    }
}
