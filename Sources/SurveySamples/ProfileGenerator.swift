import Foundation
import SurveyStatistics

/// Generates the coproduction profile of the six cases of Bovaird (2007): one row per case, coded
/// with `Instruments/coproduction-profile.yaml`.
///
/// Who plans and who delivers each service, and at which value-chain stages users and community
/// members take part, follow the paper (its Table 1 and case descriptions, summarised in CASES.md);
/// these are fixed, not random. The figures the paper reports are used as they are (Pôrto Alegre's
/// 50,000 participants, Caterham's £2.5 million and 5,000 members, Tackley's £415,000 split 20/80 and
/// 50+ volunteers, Sure Start's nearly 50 peer counsellors). Figures the paper does not give
/// (volunteer hours, other volunteer counts) are synthetic and drawn from the seed.
public struct ProfileGenerator: Sendable {
    public static let defaultSeed: UInt64 = 20_070_905
    public let seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    /// One case's profile. `hoursPerVolunteer` is the mean of the synthetic hours draw.
    struct Case {
        var service: String, caseName: String, planning: String, delivery: String
        var users: [String], community: [String], drivers: [String]
        var volunteers: Int, hoursPerVolunteer: Double
        var moneyLocal: Int, moneyExternal: Int, usersServed: Int
    }

    static let cases: [Case] = [
        Case(service: "Beacon Community Regeneration Partnership", caseName: "Beacon",
             planning: "no_professional_planning", delivery: "codeliverers",
             users: ["planning", "managing", "delivering", "monitoring"], community: ["delivering", "monitoring"],
             drivers: ["governance", "logistical"], volunteers: 120, hoursPerVolunteer: 60,
             moneyLocal: 0, moneyExternal: 0, usersServed: 1_000),
        Case(service: "Sure Start Gateshead breastfeeding peer support", caseName: "Sure Start",
             planning: "professionals_sole", delivery: "codeliverers",
             users: ["delivering"], community: ["delivering"], drivers: ["logistical"],
             volunteers: 48, hoursPerVolunteer: 80, moneyLocal: 0, moneyExternal: 0, usersServed: 2_400),
        Case(service: "Pôrto Alegre participatory budgeting", caseName: "Pôrto Alegre",
             planning: "coplanners", delivery: "professionals_sole",
             users: ["planning", "design", "commissioning", "monitoring"], community: ["planning", "monitoring"],
             drivers: ["governance"], volunteers: 50_000, hoursPerVolunteer: 12,
             moneyLocal: 0, moneyExternal: 0, usersServed: 1_360_000),
        Case(service: "Caterham Barracks Community Trust", caseName: "Caterham Barracks",
             planning: "coplanners", delivery: "codeliverers",
             users: ["planning", "design", "managing", "delivering", "monitoring"], community: ["planning", "managing"],
             drivers: ["logistical"], volunteers: 40, hoursPerVolunteer: 100,
             moneyLocal: 0, moneyExternal: 2_500_000, usersServed: 5_000),
        Case(service: "Villa Family houses", caseName: "Villa Family",
             planning: "professionals_sole", delivery: "community_sole",
             users: ["managing", "delivering", "monitoring"], community: ["delivering"], drivers: ["logistical"],
             volunteers: 0, hoursPerVolunteer: 0, moneyLocal: 0, moneyExternal: 0, usersServed: 120),
        Case(service: "Tackley village shop", caseName: "Tackley",
             planning: "coplanners", delivery: "community_sole",
             users: ["planning", "design", "managing", "delivering"], community: ["planning", "delivering", "evaluation"],
             drivers: ["logistical"], volunteers: 54, hoursPerVolunteer: 150,
             moneyLocal: 83_000, moneyExternal: 332_000, usersServed: 1_000),
    ]

    static let columns = ["service", "case_name", "planning_role", "delivery_role", "user_stages", "community_stages",
                          "drivers", "volunteers", "volunteer_hours", "money_raised_local", "money_external",
                          "users_served", "weight", "services_profiled"]

    /// Synthetic volunteer hours: each volunteer gives a gamma-like (sum of two exponentials) number
    /// of hours with the case's mean, summed and rounded to whole hours.
    static func hours(_ c: Case, _ rng: inout SeededGenerator) -> Int {
        guard c.volunteers > 0 else { return 0 }
        // For large volunteer counts the sum is normal to a very good approximation.
        if c.volunteers > 1_000 {
            let sd = c.hoursPerVolunteer * (Double(c.volunteers) / 2).squareRoot()
            return Int((Double(c.volunteers) * c.hoursPerVolunteer + sd * rng.nextNormal()).rounded())
        }
        var total = 0.0
        for _ in 0..<c.volunteers {
            total += -c.hoursPerVolunteer / 2 * (log(1 - rng.nextUniform()) + log(1 - rng.nextUniform()))
        }
        return Int(total.rounded())
    }

    public func generate() -> SampleDataset {
        var rng = SeededGenerator(seed: seed)
        var csv = csvRecord(Self.columns)
        var hoursByCase: [(String, Int)] = []
        for c in Self.cases {
            let h = Self.hours(c, &rng)
            hoursByCase.append((c.caseName, h))
            csv += csvRecord([
                c.service, c.caseName, c.planning, c.delivery, c.users.joined(separator: " "),
                c.community.joined(separator: " "), c.drivers.joined(separator: " "), String(c.volunteers),
                c.volunteers > 0 ? String(h) : "-97", String(c.moneyLocal), String(c.moneyExternal),
                String(c.usersServed), "1", String(Self.cases.count),
            ])
        }
        return SampleDataset(name: "profile", files: [(name: "profile.csv", contents: csv)],
                             readme: readme(hoursByCase))
    }

    /// The Table 1 placements the paper gives, as (case, planning code, delivery code).
    public static var paperPlacements: [(caseName: String, planning: String, delivery: String)] {
        cases.map { ($0.caseName, $0.planning, $0.delivery) }
    }

    func readme(_ hours: [(String, Int)]) -> String {
        var s = """
        # Coproduction profile of the six cases — SYNTHETIC sample data

        **These data are partly synthetic.** The roles and value-chain stages restate Bovaird (2007) as
        summarised in `../shared/CASES.md`; volunteer hours, and volunteer counts the paper does not give,
        are synthetic. They were written by copro's seeded generator (`copro sample-data profile --seed
        \(seed) --out SampleData/profile`, source `Sources/SurveySamples/ProfileGenerator.swift`);
        running it again writes byte-identical files.

        ## Design
        One row per case: a census of the six services (`weight` 1, `services_profiled` = 6 as the
        finite population correction), so the indicator table carries no sampling error.

        ## True values (the paper's Table 1 placements)

        | case | who plans | who delivers | users involved at | volunteers | volunteer hours |
        |---|---|---|---|---:|---:|

        """
        for (c, h) in zip(Self.cases, hours) {
            s += "| \(c.caseName) | `\(c.planning)` | `\(c.delivery)` | \(c.users.joined(separator: ", ")) | \(c.volunteers) | \(h.1) |\n"
        }
        s += """

        Published figures used: Pôrto Alegre about 50,000 participants (2002) in a city of about 1.36
        million; Caterham £2.5 million released to the trust and 5,000 skate-park members; Tackley
        £415,000 (20% = £83,000 raised in the village, 80% = £332,000 from 14 external organisations)
        and more than 50 volunteers; Villa Family 20 houses with 6 elderly residents each; Sure Start
        nearly 50 trained peer counsellors.

        ## Files
        - `profile.csv`: one row per case.
        - `plan.yaml`: the evaluation plan (`copro report SampleData/profile/plan.yaml`).
        - The instrument is `Instruments/coproduction-profile.yaml`.

        """
        return s
    }
}
