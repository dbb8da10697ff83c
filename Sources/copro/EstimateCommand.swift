import ArgumentParser
import Foundation
import SurveyIngest
import SurveyStatistics

/// `copro estimate`: design-based means, totals, proportions, ratios and quantiles of a survey
/// export, overall or by domains, with standard errors and confidence intervals (R `survey`'s
/// svymean/svytotal/svyciprop/svyratio/svyquantile/svyby). Documented in docs/estimation.md.
struct EstimateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate",
        abstract: "Design-based estimates (mean, total, proportion, ratio, quantile) with SEs and confidence intervals.",
        discussion: """
            Exit status: 0 success, 1 input or data error (unreadable file, unknown column, a value that is \
            not a number, an invalid design), 2 usage error.
            """
    )

    @Argument(help: "The survey export (CSV or similar delimited text).")
    var data: String

    @Option(help: "Column of sampling weights (required).")
    var weight: String

    @OptionGroup var designOptions: DesignOptions
    var strata: String? { designOptions.strata }
    var clusters: [String] { designOptions.clusters }
    var fpcs: [String] { designOptions.fpcs }
    var nest: Bool { designOptions.nest }
    var lonelyPSU: String { designOptions.lonelyPSU }

    @Option(name: .customLong("replicate-prefix"), help: "Use the columns whose names start with this prefix as replicate weights (already multiplied by the sampling weight).")
    var replicatePrefix: String?

    @Option(name: .customLong("replicate-type"), help: "Replicate method: jk1, jkn, brr, fay, bootstrap, sdr or other.")
    var replicateType: String?

    @Option(name: .customLong("fay-rho"), help: "Fay's rho for --replicate-type fay.")
    var fayRho: Double?

    @Option(help: "Variance scale of the replicate method (default: the method's).")
    var scale: Double?

    @Option(name: .customLong("rscales-column"), help: "Column whose first R non-missing values are the per-replicate rscales.")
    var rscalesColumn: String?

    @Flag(help: "Centre replicate variances at the full-sample estimate.")
    var mse = false

    @Option(help: "Estimate the mean of a numeric column.")
    var mean: [String] = []

    @Option(help: "Estimate the total of a numeric column.")
    var total: [String] = []

    @Option(help: "Estimate proportions: V (every level of V) or V=LEVEL.")
    var proportion: [String] = []

    @Option(help: "Estimate the ratio of totals N/D.")
    var ratio: [String] = []

    @Option(help: "Estimate the quantile V@P, P in [0, 1] (e.g. income@0.5).")
    var quantile: [String] = []

    @Option(help: "Estimate within the domains of this column; repeat for cross-classified domains.")
    var by: [String] = []

    @Option(help: "Confidence level in (0, 1).")
    var level: Double = 0.95

    @Option(name: .customLong("ci-method"), help: "Interval for proportions (logit, likelihood, asin, beta, mean, xlogit; default logit) or quantiles (mean, beta, xlogit, asin, score, quantile; default mean).")
    var ciMethod: String?

    @Flag(help: "Report design effects (means and totals).")
    var deff = false

    @Option(help: "Output format: text or json.")
    var format: String = "text"

    /// Usage errors exit with status 2 (the project's convention; ArgumentParser's own parse
    /// errors keep its status 64 unless the root command maps them).
    func validate() throws {
        do { try checkOptions() } catch let error as ValidationError {
            FileHandle.standardError.write(Data("copro estimate: error: \(error.message)\nSee 'copro estimate --help'.\n".utf8))
            throw ExitCode(2)
        }
    }

    func checkOptions() throws {
        guard level > 0, level < 1 else { throw ValidationError("--level must be in (0, 1), got \(level)") }
        guard LonelyPSUPolicy(rawValue: lonelyPSU) != nil else {
            throw ValidationError("--lonely-psu must be one of \(LonelyPSUPolicy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard ["text", "json"].contains(format) else { throw ValidationError("--format must be text or json") }
        guard !(mean.isEmpty && total.isEmpty && proportion.isEmpty && ratio.isEmpty && quantile.isEmpty) else {
            throw ValidationError("give at least one of --mean, --total, --proportion, --ratio, --quantile")
        }
        if let t = replicateType, ReplicateType(rawValue: t) == nil {
            throw ValidationError("--replicate-type must be one of \(ReplicateType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if (replicatePrefix == nil) != (replicateType == nil) {
            throw ValidationError("--replicate-prefix and --replicate-type go together")
        }
        if replicatePrefix != nil, !(clusters.isEmpty && fpcs.isEmpty && strata == nil) {
            throw ValidationError("a replicate design takes no --strata, --cluster or --fpc")
        }
        for r in ratio where r.split(separator: "/", omittingEmptySubsequences: false).count != 2 {
            throw ValidationError("--ratio takes NUMERATOR/DENOMINATOR, got \(r)")
        }
        for q in quantile {
            let parts = q.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, let p = Double(parts[1]), p >= 0, p <= 1 else {
                throw ValidationError("--quantile takes VARIABLE@P with P in [0, 1], got \(q)")
            }
        }
        if let m = ciMethod {
            if !proportion.isEmpty, SurveyProportionMethod(rawValue: m) == nil {
                throw ValidationError("--ci-method \(m) is not a proportion interval (\(SurveyProportionMethod.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if !quantile.isEmpty, QuantileIntervalType(rawValue: m) == nil {
                throw ValidationError("--ci-method \(m) is not a quantile interval (\(QuantileIntervalType.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if proportion.isEmpty, quantile.isEmpty {
                throw ValidationError("--ci-method applies to --proportion and --quantile only")
            }
        }
    }

    func run() throws {
        do {
            let estimateRun = EstimateRun(command: self)
            let t0 = DispatchTime.now().uptimeNanoseconds
            let (columns, summary) = try Ingest.readColumns(path: data, select: estimateRun.requests)
            let t1 = DispatchTime.now().uptimeNanoseconds
            if !summary.rejectedRows.isEmpty {
                let first = summary.rejectedRows[0]
                FileHandle.standardError.write(Data(("copro estimate: warning: \(summary.rejectedRows.count) of \(summary.dataRows) records "
                    + "were rejected and left out (first: line \(first.line), \(first.reason)); run `copro ingest \(data)` for the list\n").utf8))
            }
            let report = try estimateRun.run(data: columns)
            let t2 = DispatchTime.now().uptimeNanoseconds
            // COPRO_PHASES=1: the wall time of reading and of estimating, on stderr (BENCHMARKS.md).
            if ProcessInfo.processInfo.environment["COPRO_PHASES"] != nil {
                let seconds = { (a: UInt64, b: UInt64) in String(format: "%.3f", Double(b - a) / 1e9) }
                FileHandle.standardError.write(Data("copro estimate: phases: read \(seconds(t0, t1)) s, estimate \(seconds(t1, t2)) s\n".utf8))
            }
            print(format == "json" ? report.json() : report.text(), terminator: "")
        } catch let error as EstimateInputError {
            FileHandle.standardError.write(Data("copro estimate: error: \(error)\n".utf8))
            throw ExitCode(1)
        } catch let error as DesignError {
            FileHandle.standardError.write(Data("copro estimate: \(error)\n".utf8))
            throw ExitCode(1)
        } catch let error as IngestError {
            FileHandle.standardError.write(Data("copro estimate: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// A data problem found while preparing the estimation: names the row, column and value.
struct EstimateInputError: Error, CustomStringConvertible, Equatable {
    var message: String
    var description: String { message }
}

/// One reported estimate.
struct EstimateRow: Equatable {
    var statistic: String
    var variable: String
    var level: String?
    var domain: [(variable: String, value: String)]
    var estimate: Double
    var standardError: Double
    var lower: Double
    var upper: Double
    var degreesOfFreedom: Double
    var designEffect: Double?
    var n: Int

    static func == (a: EstimateRow, b: EstimateRow) -> Bool {
        a.statistic == b.statistic && a.variable == b.variable && a.level == b.level
            && a.domain.map(\.variable) == b.domain.map(\.variable) && a.domain.map(\.value) == b.domain.map(\.value)
            && a.estimate == b.estimate && a.standardError == b.standardError && a.n == b.n
    }
}

/// A value in the report's design description.
enum DesignInfoValue {
    case text(String), number(Double), integer(Int), flag(Bool), list([String])
}

/// The whole output of `copro estimate`.
struct EstimateReport {
    var design: [(key: String, value: DesignInfoValue)]
    var rows: [EstimateRow]

    /// `{"design": {...}, "estimates": [...]}` with keys in a fixed order; non-finite numbers are null.
    func json() -> String {
        func number(_ x: Double) -> String {
            guard x.isFinite else { return "null" }
            if x == x.rounded(), abs(x) < 1e15 { return String(format: "%.1f", x) }
            return "\(x)"
        }
        func string(_ s: String) -> String { JSONText.string(s) }
        func value(_ v: DesignInfoValue) -> String {
            switch v {
            case .text(let t): return string(t)
            case .number(let x): return number(x)
            case .integer(let i): return String(i)
            case .flag(let b): return b ? "true" : "false"
            case .list(let l): return "[" + l.map(string).joined(separator: ", ") + "]"
            }
        }
        var s = "{\n  \"design\": {"
        s += design.map { "\n    \(string($0.key)): \(value($0.value))" }.joined(separator: ",")
        s += "\n  },\n  \"estimates\": ["
        s += rows.map { r in
            var fields = ["\"statistic\": \(string(r.statistic))", "\"variable\": \(string(r.variable))"]
            if let level = r.level { fields.append("\"level\": \(string(level))") }
            if !r.domain.isEmpty {
                fields.append("\"domain\": {" + r.domain.map { "\(string($0.variable)): \(string($0.value))" }.joined(separator: ", ") + "}")
            }
            fields += ["\"estimate\": \(number(r.estimate))", "\"se\": \(number(r.standardError))",
                       "\"ci_low\": \(number(r.lower))", "\"ci_high\": \(number(r.upper))",
                       "\"df\": \(number(r.degreesOfFreedom))"]
            if let d = r.designEffect { fields.append("\"deff\": \(number(d))") }
            fields.append("\"n\": \(r.n)")
            return "\n    {" + fields.joined(separator: ", ") + "}"
        }.joined(separator: ",")
        s += "\n  ]\n}\n"
        return s
    }

    /// A fixed-width table.
    func text() -> String {
        func f(_ x: Double) -> String { x.isFinite ? String(format: "%.6g", x) : "NA" }
        let header = ["statistic", "variable", "level", "domain", "estimate", "se", "ci_low", "ci_high", "df", "deff", "n"]
        let body = rows.map { r in
            [r.statistic, r.variable, r.level ?? "", r.domain.map { "\($0.variable)=\($0.value)" }.joined(separator: ","),
             f(r.estimate), f(r.standardError), f(r.lower), f(r.upper), f(r.degreesOfFreedom),
             r.designEffect.map(f) ?? "", String(r.n)]
        }
        let widths = header.indices.map { j in ([header[j]] + body.map { $0[j] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { j, c in c.padding(toLength: widths[j], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        func value(_ v: DesignInfoValue) -> String {
            switch v {
            case .text(let t): return t
            case .number(let x): return "\(x)"
            case .integer(let i): return String(i)
            case .flag(let b): return b ? "yes" : "no"
            case .list(let l): return l.joined(separator: ", ")
            }
        }
        var out = design.map { "\($0.key): \(value($0.value))" }.joined(separator: "\n") + "\n\n"
        out += line(header) + "\n" + body.map(line).joined(separator: "\n") + "\n"
        return out
    }
}

/// Turns the parsed command and the typed columns it needs into estimates; separated from
/// `run()` so tests can call it in-process.
struct EstimateRun {
    let command: EstimateCommand

    /// The columns the command reads, and how, given the file's column names.
    func requests(_ columns: [String]) -> [ColumnRequest] {
        let c = command
        var r = [ColumnRequest(c.weight, .number)]
        if let prefix = c.replicatePrefix {
            r += columns.filter { $0.hasPrefix(prefix) && $0 != c.weight }.map { ColumnRequest($0, .number) }
        }
        if let rc = c.rscalesColumn { r.append(ColumnRequest(rc, .number)) }
        if let s = c.strata { r.append(ColumnRequest(s, .label)) }
        r += c.clusters.map { ColumnRequest($0, .label) }
        r += c.fpcs.map { ColumnRequest($0, .number) }
        r += c.by.map { ColumnRequest($0, .label) }
        r += (c.mean + c.total).map { ColumnRequest($0, .number) }
        r += c.proportion.map { ColumnRequest(String($0.split(separator: "=", maxSplits: 1).first ?? ""), .label) }
        r += c.ratio.flatMap { $0.split(separator: "/", omittingEmptySubsequences: false).map { ColumnRequest(String($0), .number) } }
        r += c.quantile.map { ColumnRequest(String($0.split(separator: "@").first ?? ""), .number) }
        return r
    }

    /// Estimates from a table already in memory (tests).
    func run(table: RawTable) throws -> EstimateReport {
        try run(data: TypedColumns(table: table, requests: requests(table.columns)))
    }

    func run(data: TypedColumns) throws -> EstimateReport {
        let c = command
        let columns = Columns(data: data)
        let weights = try columns.numbers(c.weight, missing: .error)
        let design: any DesignBasedVariance
        var info: [(key: String, value: DesignInfoValue)] = [("rows", .integer(data.rowCount)), ("weight", .text(c.weight))]
        if let prefix = c.replicatePrefix, let typeName = c.replicateType, let type = ReplicateType(rawValue: typeName) {
            let names = data.columns.filter { $0.hasPrefix(prefix) && $0 != c.weight }
            guard names.count >= 2 else {
                throw EstimateInputError(message: "--replicate-prefix \(prefix) matches \(names.count) column(s); a replicate design needs at least 2")
            }
            let reps = try names.map { try columns.numbers($0, missing: .error) }
            var rscales: [Double]? = nil
            if let rc = c.rscalesColumn {
                let values = try columns.numbers(rc, missing: .allowed).filter { !$0.isNaN }
                guard values.count >= names.count else {
                    throw EstimateInputError(message: "column \(rc) has \(values.count) rscales for \(names.count) replicates")
                }
                rscales = Array(values.prefix(names.count))
            }
            let rep = try ReplicateDesign(weights: weights, replicateWeights: reps, type: type, scale: c.scale,
                                          rscales: rscales, rho: c.fayRho, mse: c.mse)
            design = rep
            info += [("type", .text("replicate")), ("replicate_type", .text(type.rawValue)), ("replicates", .integer(names.count)),
                     ("scale", .number(rep.scale)), ("mse", .flag(c.mse))]
        } else {
            let strata = try c.strata.map { try columns.requiredLabels($0) }
            let clusters = try c.clusters.map { try columns.requiredLabels($0) }
            let fpc = try c.fpcs.map { try columns.numbers($0, missing: .error) }
            let policy = LonelyPSUPolicy(rawValue: c.lonelyPSU) ?? .fail
            design = try SurveyDesign(weights: weights, codedStrata: strata, codedClusters: clusters, fpc: fpc,
                                      nest: c.nest, lonelyPSU: policy)
            info += [("type", .text("linearisation"))]
            if let s = c.strata { info.append(("strata", .text(s))) }
            if !c.clusters.isEmpty { info.append(("clusters", .list(c.clusters))) }
            if !c.fpcs.isEmpty { info.append(("fpc", .list(c.fpcs))) }
            info += [("nest", .flag(c.nest)), ("lonely_psu", .text(policy.rawValue))]
        }
        let domains = try self.domains(data, columns, weights: weights)

        var rows: [EstimateRow] = []
        func row(_ statistic: String, _ variable: String, _ level: String?, _ d: [(String, String)], _ e: Estimate,
                 lower: Double? = nil, upper: Double? = nil) -> EstimateRow {
            let ci = e.confidenceInterval(level: c.level)
            return EstimateRow(statistic: statistic, variable: variable, level: level, domain: d, estimate: e.value,
                               standardError: e.standardError, lower: lower ?? ci.lower, upper: upper ?? ci.upper,
                               degreesOfFreedom: e.degreesOfFreedom, designEffect: e.designEffect, n: e.sampleSize)
        }
        // Means and totals of every variable in every domain at once (one pass per domain).
        let masks = domains.map(\.mask)
        let means = try design.domainEstimates(try c.mean.map { try columns.numbers($0, missing: .allowed) },
                                               statistic: .mean, domains: masks, deff: c.deff, baseline: .withoutReplacement)
        let totals = try design.domainEstimates(try c.total.map { try columns.numbers($0, missing: .allowed) },
                                                statistic: .total, domains: masks, deff: c.deff, baseline: .withoutReplacement)
        // After the domain estimates: a replicate design finds its rank with theirs (one Gram pass).
        info.append(("degrees_of_freedom", .integer(design.degreesOfFreedom)))
        info.append(("level", .number(c.level)))
        for (di, d) in domains.enumerated() {
            for (v, e) in zip(c.mean, means[di]) { rows.append(row("mean", v, nil, d.labels, e)) }
            for (v, e) in zip(c.total, totals[di]) { rows.append(row("total", v, nil, d.labels, e)) }
            for spec in c.proportion {
                let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
                let v = parts[0]
                let column = try columns.labels(v, missing: .allowed)
                let levels = parts.count == 2 ? [parts[1]] : sortedLevels(column.levels).map { column.levels[$0] }
                let method = c.ciMethod.flatMap(SurveyProportionMethod.init(rawValue:)) ?? .logit
                for level in levels {
                    let code = column.levels.firstIndex(of: level).map(Int32.init) ?? -2
                    let y = column.codes.map { $0 < 0 ? Double.nan : ($0 == code ? 1.0 : 0.0) }
                    let ci = try design.proportionInterval(y, domain: d.mask, method: method, level: c.level)
                    let m = try design.mean(y, domain: d.mask, deff: c.deff, baseline: .withoutReplacement)
                    var r = row("proportion", v, level, d.labels, m, lower: ci.lower, upper: ci.upper)
                    r.degreesOfFreedom = ci.degreesOfFreedom
                    rows.append(r)
                }
            }
            for spec in c.ratio {
                let parts = spec.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                let num = try columns.numbers(parts[0], missing: .allowed)
                let den = try columns.numbers(parts[1], missing: .allowed)
                rows.append(row("ratio", spec, nil, d.labels, try design.ratio(numerator: num, denominator: den, domain: d.mask)))
            }
            for spec in c.quantile {
                let parts = spec.split(separator: "@").map(String.init)
                let x = try columns.numbers(parts[0], missing: .allowed)
                let p = Double(parts[1]) ?? .nan
                let type = c.ciMethod.flatMap(QuantileIntervalType.init(rawValue:)) ?? .mean
                guard let q = try design.quantiles(x, probabilities: [p], domain: d.mask, interval: type, level: c.level).first
                else { continue }
                let n = x.indices.filter { !x[$0].isNaN && (d.mask?[$0] ?? true) && weights[$0] != 0 }.count
                rows.append(EstimateRow(statistic: "quantile", variable: parts[0], level: parts[1], domain: d.labels,
                                        estimate: q.quantile, standardError: q.standardError, lower: q.lower, upper: q.upper,
                                        degreesOfFreedom: q.degreesOfFreedom, designEffect: nil, n: n))
            }
        }
        return EstimateReport(design: info, rows: rows)
    }

    /// The estimation domains of `--by`: every combination of the --by values (levels sorted, first
    /// variable slowest) that holds a row with non-zero weight, with its mask. Each row's
    /// combination is found column by column (−1 when a --by value is missing), then each
    /// domain's mask from it: flat buffers. No --by: one domain, every row (mask `nil`).
    func domains(_ data: TypedColumns, _ columns: Columns, weights: [Double]) throws
        -> [(labels: [(String, String)], mask: [Bool]?)] {
        let c = command
        guard !c.by.isEmpty else { return [([], nil)] }
        let byColumns = try c.by.map { try columns.labels($0, missing: .allowed) }
        var labels: [[(String, String)]] = [[]]
        var ranks: [[Int32]] = []  // position of each level in report order
        for (v, column) in zip(c.by, byColumns) {
            let order = sortedLevels(column.levels)
            labels = labels.flatMap { l in order.map { l + [(v, column.levels[$0])] } }
            var rank = [Int32](repeating: 0, count: column.levels.count)
            for (position, code) in order.enumerated() { rank[code] = Int32(truncatingIfNeeded: position) }
            ranks.append(rank)
        }
        guard labels.count <= Int(Int32.max) else {
            throw EstimateInputError(message: "the --by columns make \(labels.count) domains; at most \(Int32.max) are possible")
        }
        let n = data.rowCount
        var combination = [Int32](repeating: 0, count: n)
        combination.withUnsafeMutableBufferPointer { x in
            for (column, rank) in zip(byColumns, ranks) {
                column.codes.withUnsafeBufferPointer { codes in
                    rank.withUnsafeBufferPointer { r in
                        let levels = Int32(truncatingIfNeeded: r.count)
                        for i in 0..<min(n, codes.count) {
                            let code = codes[i]
                            x[i] = x[i] < 0 || code < 0 ? -1 : x[i] &* levels &+ r[Int(code)]
                        }
                    }
                }
            }
        }
        var weighted = [Bool](repeating: false, count: labels.count)
        for (i, d) in combination.enumerated() where d >= 0 && weights[i] != 0 { weighted[Int(d)] = true }
        return labels.indices.filter { weighted[$0] }.map { d in
            let code = Int32(truncatingIfNeeded: d)
            let mask = combination.withUnsafeBufferPointer { x in
                [Bool](unsafeUninitializedCapacity: n) { m, count in
                    for i in 0..<n { m[i] = x[i] == code }
                    count = n
                }
            }
            return (labels[d], mask)
        }
    }

    /// Indices of `levels` in report order: numerically when all are numbers, else by bytes (C locale).
    func sortedLevels(_ levels: [String]) -> [Int] {
        let numbers = levels.map { Double($0) }
        if numbers.allSatisfy({ $0 != nil }) {
            return levels.indices.sorted { (numbers[$0] ?? 0) < (numbers[$1] ?? 0) }
        }
        return levels.indices.sorted { Array(levels[$0].utf8).lexicographicallyPrecedes(Array(levels[$1].utf8)) }
    }
}

/// Column access with strict number parsing and row/column/value messages, over the typed
/// columns ``EstimateRun/requests(_:)`` asked for.
struct Columns {
    let data: TypedColumns
    enum Missing { case error, allowed }

    private func unknown(_ name: String) -> EstimateInputError {
        EstimateInputError(message: "no column named \"\(name)\"; the columns are: \(data.columns.joined(separator: ", "))")
    }

    private func rowNumber(_ i: Int) -> String {
        i < data.lines.count ? "row \(i + 1) (line \(data.lines[i]))" : "row \(i + 1)"
    }

    /// Cell labels; empty or blank cells are missing (code −1).
    func labels(_ name: String, missing: Missing) throws -> LabelColumn {
        guard let column = data.labels[name] else { throw unknown(name) }
        if missing == .error, let i = column.missingRows.first {
            throw EstimateInputError(message: "\(rowNumber(i)), column \"\(name)\": value is missing")
        }
        return column
    }

    /// Labels as codes into their texts (no text per row), for design columns that may not be
    /// missing.
    func requiredLabels(_ name: String) throws -> DesignLabels {
        let column = try labels(name, missing: .error)
        return DesignLabels(codes: column.codes, levels: column.levels)
    }

    /// Numbers parsed strictly (``NumberSyntax``); missing → NaN when allowed.
    func numbers(_ name: String, missing: Missing) throws -> [Double] {
        guard let column = data.numbers[name] else { throw unknown(name) }
        let firstMissing = missing == .error ? column.missingRows.first : nil
        if let bad = column.firstInvalid, bad.row < (firstMissing ?? Int.max) {
            throw EstimateInputError(message: "\(rowNumber(bad.row)), column \"\(name)\": \"\(bad.text)\" is not a number")
        }
        if let i = firstMissing {
            throw EstimateInputError(message: "\(rowNumber(i)), column \"\(name)\": value is missing")
        }
        return column.values
    }
}
