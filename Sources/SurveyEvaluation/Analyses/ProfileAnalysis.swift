import Foundation
import SurveyInstruments
import SurveyReports
import SurveyStatistics

/// `kind: profile` — places each profiled service in its cell of Bovaird's Table 1 and shows at
/// which value-chain stages users and community members take part.
///
/// Definition: T. Bovaird, "Beyond Engagement and Participation: User and Community Coproduction of
/// Public Services", Public Administration Review 67(5), 2007, Table 1 (planning role × delivery role)
/// and the value chain planning → design → commissioning → managing → delivering → monitoring →
/// evaluation. The placement is ``classify(planning:delivery:)`` of each row's answers.
///
/// ```yaml
/// analyses:
///   - {kind: profile, label: case_name, planning: planning_role, delivery: delivery_role,
///      stages: user_stages, community_stages: community_stages}
/// ```
/// Rows whose planning or delivery answer is not valid are listed in a warning and left out of the
/// grid. Stage shares are weighted by the design's weights; with one row per service they are
/// counts of services (no sampling error is claimed).
public struct ProfileAnalysis: Analysis {
    public static let kind = "profile"
    public static let keys = ["label", "planning", "delivery", "stages", "community_stages", "title"]

    /// Question naming each row (a text question), e.g. `case_name`.
    public var label: String
    public var planning: String
    public var delivery: String
    public var stages: String
    public var communityStages: String?
    public var title: String?

    enum CodingKeys: String, CodingKey {
        case label, planning, delivery, stages, communityStages = "community_stages", title
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        label = try c.decodeIfPresent(String.self, forKey: .label) ?? "case_name"
        planning = try c.decodeIfPresent(String.self, forKey: .planning) ?? "planning_role"
        delivery = try c.decodeIfPresent(String.self, forKey: .delivery) ?? "delivery_role"
        stages = try c.decodeIfPresent(String.self, forKey: .stages) ?? "user_stages"
        communityStages = try c.decodeIfPresent(String.self, forKey: .communityStages)
        title = try c.decodeIfPresent(String.self, forKey: .title)
    }

    public func validate(plan: Plan, instrument: Instrument) throws {
        for id in [label, planning, delivery, stages] + (communityStages.map { [$0] } ?? []) {
            guard instrument.questions.contains(where: { $0.id == id }) else {
                throw AnalysisError("profile: the instrument has no question '\(id)'",
                                    hint: "profile reads the coproduction-profile instrument's questions (Instruments/coproduction-profile.yaml)")
            }
        }
    }

    /// One placed row.
    struct Placement {
        var name: String
        var cell: Table1Cell
        var stages: Set<String>
        var community: Set<String>
        var weight: Double
    }

    public func run(_ context: AnalysisContext) throws -> ReportSection {
        let names = try context.codes(label)
        let p = try context.codes(planning), d = try context.codes(delivery)
        let s = try context.codes(stages)
        let cs = try communityStages.map { try context.codes($0) }
        var placements: [Placement] = []
        var unplaced: [String] = []
        for r in 0..<context.rowCount {
            let name = names[r] ?? "row \(r + 1)"
            guard let pc = p[r].flatMap(PlanningRole.init(rawValue:)),
                  let dc = d[r].flatMap(DeliveryRole.init(rawValue:)) else {
                unplaced.append(name)
                continue
            }
            func set(_ text: String?) -> Set<String> { Set((text ?? "").split(separator: " ").map(String.init)) }
            placements.append(Placement(name: name, cell: classify(planning: pc, delivery: dc), stages: set(s[r]),
                                        community: set(cs?[r]), weight: context.weights[r]))
        }
        var section = ReportSection(id: "profile", title: title ?? "Coproduction profile (Bovaird 2007, Table 1)")
        section.findings = placements.map { "\($0.name): \($0.cell.name)." }
        let coproducing = placements.filter(\.cell.isCoproduction).count
        section.findings.append("\(coproducing) of \(placements.count) services sit in a coproduction cell of Table 1.")
        section.tables.append(placementTable(placements))
        section.figures.append(Self.grid(placements))
        section.tables.append(stageTable(placements))
        section.methods.append(
            "Placement: each service's answers to '\(planning)' (who plans) and '\(delivery)' (who delivers) give its "
                + "cell of Table 1 of Bovaird (2007); the grid shows the cells row by row (delivery) and column by "
                + "column (planning). Stage involvement is read from '\(stages)'"
                + (communityStages.map { " and '\($0)'" } ?? "")
                + "; shares are weighted by the plan's weights. The profile is a census of the services listed: "
                + "no sampling error is attached to it.")
        if !unplaced.isEmpty {
            section.warnings.append("Not placed (planning or delivery role missing or invalid): "
                                    + unplaced.joined(separator: ", ") + ".")
        }
        for pl in placements where pl.cell.name == "n/a" {
            section.warnings.append("\(pl.name): professional delivery without professional planning is the empty cell of Table 1; check the answers.")
        }
        return section
    }

    func placementTable(_ placements: [Placement]) -> ReportTable {
        ReportTable(caption: "Table 1 placement of each service (the grid below names the cells)",
                    columns: [.init("Service"), .init("Who plans"), .init("Who delivers"), .init("Case the paper cites in the cell"),
                              .init("Stages (users)", numeric: true)],
                    rows: placements.map { pl in
                        [ReportTable.Cell(pl.name), ReportTable.Cell(Self.planningText[pl.cell.planning] ?? ""),
                         ReportTable.Cell(Self.deliveryText[pl.cell.delivery] ?? ""),
                         ReportTable.Cell(pl.cell.citedCase ?? "none"),
                         .count(ValueChainStage.allCases.filter { pl.stages.contains($0.rawValue) }.count)]
                    })
    }

    func stageTable(_ placements: [Placement]) -> ReportTable {
        var columns: [ReportTable.Column] = [.init("Value-chain stage")]
        columns += placements.map { ReportTable.Column(Self.abbreviate($0.name)) }
        columns += [.init("Users involved", numeric: true)]
        if communityStages != nil { columns += [.init("Community involved", numeric: true)] }
        let total = placements.map(\.weight).reduce(0, +)
        let rows: [[ReportTable.Cell]] = ValueChainStage.allCases.map { stage in
            var row: [ReportTable.Cell] = [ReportTable.Cell(stage.rawValue)]
            row += placements.map { pl in
                let u = pl.stages.contains(stage.rawValue), c = pl.community.contains(stage.rawValue)
                return ReportTable.Cell(u && c ? "U+C" : u ? "U" : c ? "C" : "·")
            }
            let users = placements.filter { $0.stages.contains(stage.rawValue) }.map(\.weight).reduce(0, +)
            row.append(ReportTable.Cell(ReportNumber.percent(users / total, 0), value: users / total))
            if communityStages != nil {
                let comm = placements.filter { $0.community.contains(stage.rawValue) }.map(\.weight).reduce(0, +)
                row.append(ReportTable.Cell(ReportNumber.percent(comm / total, 0), value: comm / total))
            }
            return row
        }
        return ReportTable(caption: "Involvement by value-chain stage (U: service users, C: other community members; shares weighted)",
                           columns: columns, rows: rows)
    }

    static let planningText: [PlanningRole: String] = [
        .professionalsSole: "professionals alone", .coplanners: "users/community coplan",
        .noProfessionalPlanning: "no professional planning",
    ]
    static let deliveryText: [DeliveryRole: String] = [
        .professionalsSole: "professionals alone", .codeliverers: "codelivery",
        .communitySole: "users/community alone",
    ]

    /// The cell's name without the case the paper cites in it.
    static func shortName(_ cell: Table1Cell) -> String {
        guard let cited = cell.citedCase else { return cell.name }
        return String(cell.name.dropLast(cited.count + 3))
    }

    /// A service name shortened to its first word (column headings of the stage table).
    static func abbreviate(_ name: String) -> String {
        String(name.split(separator: " ").first ?? Substring(name))
    }

    /// The 3×3 grid of Table 1 with each service written in its cell (fixed width, 100 columns).
    static func grid(_ placements: [Placement]) -> String {
        let labelWidth = 19, cellWidth = 24
        let columnHeads = ["professionals sole planners", "users/community coplanners", "no professional planning"]
        let rowHeads: [DeliveryRole: String] = [
            .professionalsSole: "professionals sole deliverer", .codeliverers: "professionals and users codeliver",
            .communitySole: "users/community sole deliverers",
        ]
        func wrap(_ text: String, _ width: Int) -> [String] {
            wordWrap(text, width)
        }
        func row(_ cells: [[String]]) -> [String] {
            let height = cells.map(\.count).max() ?? 1
            return (0..<height).map { i in
                cells.enumerated().map { j, lines in
                    let text = i < lines.count ? lines[i] : ""
                    let width = j == 0 ? labelWidth : cellWidth
                    return text + String(repeating: " ", count: max(0, width - text.count))
                }.joined(separator: " | ").trailingWhitespaceTrimmed
            }
        }
        let rule = String(repeating: "-", count: labelWidth) + (0..<3).map { _ in "-+-" + String(repeating: "-", count: cellWidth) }.joined()
        var out = row([wrap("delivery \\ planning", labelWidth)] + columnHeads.map { wrap($0, cellWidth) })
        for d in DeliveryRole.allCases {
            out.append(rule)
            let cells = PlanningRole.allCases.map { p -> [String] in
                let cell = classify(planning: p, delivery: d)
                var lines = wrap(shortName(cell), cellWidth)
                for pl in placements where pl.cell == cell { lines += wrap("[" + pl.name + "]", cellWidth) }
                return lines
            }
            out += row([wrap(rowHeads[d] ?? "", labelWidth)] + cells)
        }
        return out.joined(separator: "\n")
    }
}

/// Greedy word wrap into lines of at most `width` characters (a longer word gets a line of its own).
func wordWrap(_ text: String, _ width: Int) -> [String] {
    var lines: [String] = []
    var line = ""
    for word in text.split(separator: " ") {
        if !line.isEmpty && line.count + 1 + word.count > width {
            lines.append(line)
            line = String(word)
        } else {
            line += (line.isEmpty ? "" : " ") + word
        }
    }
    if !line.isEmpty { lines.append(line) }
    return lines
}

extension String {
    /// The string without trailing spaces.
    var trailingWhitespaceTrimmed: String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
