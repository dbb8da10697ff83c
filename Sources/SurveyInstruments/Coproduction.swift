/// Bovaird's typology of user and community coproduction (Table 1 of T. Bovaird, "Beyond
/// Engagement and Participation: User and Community Coproduction of Public Services",
/// Public Administration Review 67(5), 2007; summarised in CASES.md).

/// Who plans a service (the table's columns).
public enum PlanningRole: String, Sendable, Codable, CaseIterable {
    /// Professionals as sole service planners.
    case professionalsSole = "professionals_sole"
    /// Service users and/or community as coplanners.
    case coplanners
    /// No professional input into service planning.
    case noProfessionalPlanning = "no_professional_planning"
}

/// Who delivers a service (the table's rows).
public enum DeliveryRole: String, Sendable, Codable, CaseIterable {
    /// Professionals as sole service deliverer.
    case professionalsSole = "professionals_sole"
    /// Professionals and users/communities as codeliverers.
    case codeliverers
    /// Users/communities as sole deliverers.
    case communitySole = "community_sole"
}

/// The seven stages of the service value chain at which users and communities may coproduce.
public enum ValueChainStage: String, Sendable, Codable, CaseIterable {
    case planning, design, commissioning, managing, delivering, monitoring, evaluation
}

/// A cell of Table 1: a planning role × a delivery role.
public struct Table1Cell: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let planning: PlanningRole
    public let delivery: DeliveryRole
    /// The cell's text exactly as in the table, including the case it cites, e.g.
    /// `"user codelivery of professionally designed services (Sure Start)"`.
    public let name: String

    /// The case the table cites in this cell, if any (e.g. `"Sure Start"`).
    public var citedCase: String? {
        guard name.hasSuffix(")"), let open = name.lastIndex(of: "(") else { return nil }
        return String(name[name.index(after: open)..<name.index(before: name.endIndex)])
    }

    /// Whether the cell is a form of user/community coproduction (neither purely professional
    /// provision, purely self-organised provision, nor the empty cell).
    public var isCoproduction: Bool {
        !(planning == .professionalsSole && delivery == .professionalsSole)
            && !(planning == .noProfessionalPlanning && delivery != .codeliverers)
    }

    public var description: String { name }

    /// All nine cells, row by row (delivery), column by column (planning).
    public static var all: [Table1Cell] {
        DeliveryRole.allCases.flatMap { d in PlanningRole.allCases.map { classify(planning: $0, delivery: d) } }
    }
}

/// Places a service in Table 1 from who plans it and who delivers it.
///
/// ```swift
/// classify(planning: .professionalsSole, delivery: .codeliverers).name
/// // "user codelivery of professionally designed services (Sure Start)"
/// ```
/// - Returns: the cell; for professional delivery without professional planning it is the
///   table's `"n/a"` cell.
public func classify(planning: PlanningRole, delivery: DeliveryRole) -> Table1Cell {
    let name: String
    switch (delivery, planning) {
    case (.professionalsSole, .professionalsSole):
        name = "traditional professional service provision"
    case (.professionalsSole, .coplanners):
        name = "professional provision with users and communities involved in planning and design (Pôrto Alegre)"
    case (.professionalsSole, .noProfessionalPlanning):
        name = "n/a"
    case (.codeliverers, .professionalsSole):
        name = "user codelivery of professionally designed services (Sure Start)"
    case (.codeliverers, .coplanners):
        name = "full user/professional coproduction (Caterham Barracks)"
    case (.codeliverers, .noProfessionalPlanning):
        name = "user/community codelivery with professionals, little formal planning (Beacon)"
    case (.communitySole, .professionalsSole):
        name = "user/community delivery of professionally planned services (Villa Family)"
    case (.communitySole, .coplanners):
        name = "user/community delivery of coplanned or codesigned services (Tackley)"
    case (.communitySole, .noProfessionalPlanning):
        name = "traditional self-organized community provision"
    }
    return Table1Cell(planning: planning, delivery: delivery, name: name)
}

extension Instrument {
    /// Classifies each row of data coded with a coproduction-profile instrument.
    ///
    /// Reads the single-choice questions `planning_role` and `delivery_role`, whose codes are the raw
    /// values of ``PlanningRole`` and ``DeliveryRole`` (as in `Instruments/coproduction-profile.yaml`).
    /// - Returns: one cell per kept row, `nil` where either answer is not valid.
    public func table1Cells(in data: CodedData, planning: String = "planning_role",
                            delivery: String = "delivery_role") -> [Table1Cell?] {
        let p = data.codes(planning), d = data.codes(delivery)
        return (0..<data.rowCount).map { r in
            guard r < p.count, r < d.count, let pc = p[r].flatMap(PlanningRole.init(rawValue:)),
                  let dc = d[r].flatMap(DeliveryRole.init(rawValue:)) else { return nil }
            return classify(planning: pc, delivery: dc)
        }
    }
}
