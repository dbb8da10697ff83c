import Foundation
import SurveyIngest
import SurveyInstruments
import SurveyReports
import SurveyStatistics

/// `kind: resources` — the resources a coproduced service mobilised: money by source, with shares,
/// and volunteer time valued at a stated wage rate.
///
/// ```yaml
/// analyses:
///   - kind: resources
///     account: resources.csv        # relative to the plan; columns item, category, amount, volunteers, hours
///     wage: 4.85                    # £ an hour at which volunteer hours are valued
///     wage_source: "UK adult national minimum wage from October 2004"
///     categories: {village: Raised in the village, external: External organisations}
/// ```
///
/// Each account row is either money (`amount` in £) or volunteer time (`volunteers`, `hours`, no
/// amount). Money shares are of the money total; the valuation of volunteer time is hours × wage
/// (the replacement-cost method: e.g. ILO, *Manual on the Measurement of Volunteer Work*, 2011, ch. 5),
/// shown beside the money and as a share of money + time. No sampling is involved: the figures are
/// an account, not estimates. A blank cell is "not given"; a non-numeric amount or hours is an error
/// naming the line.
public struct ResourcesAnalysis: Analysis {
    public static let kind = "resources"
    public static let keys = ["account", "wage", "wage_source", "categories", "currency", "title"]

    public var account: String
    public var wage: Double
    public var wageSource: String
    public var categories: [String: String]
    public var currency: String
    public var title: String?

    enum CodingKeys: String, CodingKey {
        case account, wage, wageSource = "wage_source", categories, currency, title
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        account = try c.decode(String.self, forKey: .account)
        wage = try c.decode(Double.self, forKey: .wage)
        wageSource = try c.decode(String.self, forKey: .wageSource)
        categories = try c.decodeIfPresent([String: String].self, forKey: .categories) ?? [:]
        currency = try c.decodeIfPresent(String.self, forKey: .currency) ?? "£"
        title = try c.decodeIfPresent(String.self, forKey: .title)
    }

    public func validate(plan: Plan, instrument: Instrument) throws {
        guard wage.isFinite, wage >= 0 else { throw AnalysisError("resources: wage must be a non-negative number of \(currency) an hour") }
    }

    /// One line of the account.
    struct Line: Equatable {
        var item: String, category: String
        var amount: Double?, volunteers: Int?, hours: Double?
    }

    /// Reads the account CSV (through SurveyIngest).
    static func read(path: String) throws -> [Line] {
        let result: IngestResult
        do { result = try Ingest.read(path: path) } catch let e as IngestError {
            throw AnalysisError("resources: cannot read \(path): \(e.message)", hint: e.hint)
        }
        let t = result.table
        func column(_ name: String) throws -> Int {
            guard let i = t.columnIndex(named: name) else {
                throw AnalysisError("resources: \(path) has no column '\(name)'",
                                    hint: "the account needs columns item, category, amount, volunteers, hours")
            }
            return i
        }
        let item = try column("item"), category = try column("category"), amount = try column("amount")
        let volunteers = try column("volunteers"), hours = try column("hours")
        func number(_ r: Int, _ c: Int) throws -> Double? {
            let text = (t[r, c] ?? "").trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { return nil }
            guard let x = Double(text), x.isFinite, x >= 0 else {
                throw AnalysisError("resources: \(path):\(t.lines[r]): '\(t.columns[c])' must be a non-negative number, found '\(text)'")
            }
            return x
        }
        return try (0..<t.rowCount).map { r in
            Line(item: t[r, item] ?? "", category: t[r, category] ?? "", amount: try number(r, amount),
                 volunteers: try number(r, volunteers).map { Int($0) }, hours: try number(r, hours))
        }
    }

    public func run(_ context: AnalysisContext) throws -> ReportSection {
        let folder = URL(fileURLWithPath: context.plan.file).deletingLastPathComponent()
        let path = account.hasPrefix("/") ? account : folder.appendingPathComponent(account).path
        let lines = try Self.read(path: path)
        let money = lines.filter { $0.amount != nil }
        let time = lines.filter { $0.amount == nil && $0.hours != nil }
        let moneyTotal = money.compactMap(\.amount).reduce(0, +)
        let hours = time.compactMap(\.hours).reduce(0, +)
        let volunteers = time.compactMap(\.volunteers).reduce(0, +)
        let timeValue = hours * wage
        var categoryOrder: [String] = []
        for l in money where !categoryOrder.contains(l.category) { categoryOrder.append(l.category) }
        func name(_ c: String) -> String { categories[c] ?? c }
        func pounds(_ x: Double) -> ReportTable.Cell { ReportTable.Cell(currency + ReportNumber.grouped(x), value: x) }

        var rows: [[ReportTable.Cell]] = []
        for c in categoryOrder {
            let ls = money.filter { $0.category == c }
            let amount = ls.compactMap(\.amount).reduce(0, +)
            rows.append([ReportTable.Cell(name(c)), .count(ls.count), pounds(amount), .percent(amount / moneyTotal),
                         .percent(amount / (moneyTotal + timeValue))])
        }
        rows.append([ReportTable.Cell("Money in all"), .count(money.count), pounds(moneyTotal), .percent(1),
                     .percent(moneyTotal / (moneyTotal + timeValue))])
        rows.append([ReportTable.Cell("Volunteer time (\(ReportNumber.grouped(hours)) hours × \(currency)\(ReportNumber.fixed(wage, 2)))"),
                     .count(volunteers), pounds(timeValue), ReportTable.Cell(""), .percent(timeValue / (moneyTotal + timeValue))])
        rows.append([ReportTable.Cell("Money and time"), ReportTable.Cell(""), pounds(moneyTotal + timeValue),
                     ReportTable.Cell(""), .percent(1)])

        var section = ReportSection(id: "resources", title: title ?? "Resources mobilised")
        let shares = categoryOrder.map { c in
            "\(ReportNumber.percent(money.filter { $0.category == c }.compactMap(\.amount).reduce(0, +) / moneyTotal, 0)) \(name(c).lowercased()) (\(money.filter { $0.category == c }.count) sources)"
        }
        section.findings.append("Money raised: \(currency)\(ReportNumber.grouped(moneyTotal)) — " + shares.joined(separator: ", ") + ".")
        section.findings.append("\(volunteers) volunteers gave \(ReportNumber.grouped(hours)) hours, worth \(currency)\(ReportNumber.grouped(timeValue)) at \(currency)\(ReportNumber.fixed(wage, 2)) an hour: \(ReportNumber.percent(timeValue / (moneyTotal + timeValue))) of all resources, money and time.")
        section.tables.append(ReportTable(
            caption: "Resource account (sources counted per category; shares of money, and of money plus valued time)",
            columns: [.init("Source"), .init("Sources / volunteers", numeric: true), .init("Amount", numeric: true),
                      .init("Share of money", numeric: true), .init("Share of all", numeric: true)],
            rows: rows))
        section.tables.append(ReportTable(
            caption: "Account lines",
            columns: [.init("Item"), .init("Category"), .init("Amount", numeric: true), .init("Volunteers", numeric: true),
                      .init("Hours", numeric: true)],
            rows: lines.map { l in
                [ReportTable.Cell(l.item), ReportTable.Cell(name(l.category)), l.amount.map(pounds) ?? ReportTable.Cell(""),
                 l.volunteers.map { .count($0) } ?? ReportTable.Cell(""),
                 l.hours.map { ReportTable.Cell(ReportNumber.grouped($0), value: $0) } ?? ReportTable.Cell("")]
            }))
        section.methods.append(
            "Resources: an account read from \(account), not a sample, so no interval is attached. Volunteer time is "
                + "valued by the replacement-cost method at \(currency)\(ReportNumber.fixed(wage, 2)) an hour (\(wageSource)); "
                + "a different wage rate scales the time value proportionally.")
        if moneyTotal == 0 { section.warnings.append("The account lists no money.") }
        if time.isEmpty { section.warnings.append("The account lists no volunteer time.") }
        return section
    }
}
