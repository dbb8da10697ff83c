import Foundation
import SurveyStatistics

/// Generates the synthetic Caterham Barracks skate-park monitoring records: one row per week over
/// three years (156 weeks), with users, new members and takings.
///
/// Weekly users follow a rising trend with a summer peak, multiplied by autocorrelated noise:
/// usersₜ ~ Poisson(μₜ · exp(uₜ)), μₜ = 290 + 1.3 t + 35 sin(2π(t − 13)/52), uₜ = 0.3 uₜ₋₁ + 0.05 zₜ
/// (zₜ standard normal). The true mean slope is therefore 1.3 · E[exp(u)] users a week per week
/// (E[exp(u)] = exp(σᵤ²/2), σᵤ² = 0.05²/(1 − 0.3²)), i.e. about 68 more users a week per year; the
/// busiest weeks approach the published "up to 570 users a week". New members join at a rate that
/// brings membership to about 5,000 by the end of year three; takings are about £6.50 a visit plus
/// £3 a new member, i.e. a turnover above £100,000 a year.
public struct CaterhamGenerator: Sendable {
    public static let defaultSeed: UInt64 = 19_990_401
    public let seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    static let weeks = 156
    static let baseline = 290.0, slope = 1.3, amplitude = 35.0
    static let phi = 0.3, innovationSD = 0.05

    /// The true slope of mean weekly users, per week.
    public static var trueSlopePerWeek: Double {
        slope * exp(innovationSD * innovationSD / (1 - phi * phi) / 2)
    }

    static let columns = ["week", "week_start", "year", "users", "new_members", "takings", "weight", "weeks_in_year"]

    public func generate() -> SampleDataset {
        var rng = SeededGenerator(seed: seed)
        var u = Self.innovationSD / (1 - Self.phi * Self.phi).squareRoot() * rng.nextNormal()
        var files: [(String, String)] = []
        var csv = csvRecord(Self.columns)
        var members = 0
        var usersByYear = [Int](repeating: 0, count: 3), takingsByYear = [Int](repeating: 0, count: 3)
        var peak = 0
        // Week 1 starts on Monday 6 January 2003 (days since 1970-01-01: 12_058).
        for t in 1...Self.weeks {
            let mu = Self.baseline + Self.slope * Double(t) + Self.amplitude * sin(2 * Double.pi * Double(t - 13) / 52)
            u = Self.phi * u + Self.innovationSD * rng.nextNormal()
            let users = Self.poisson(mu * exp(u), &rng)
            let newMembers = Self.poisson(t <= 8 ? 120 : 27, &rng)
            members += newMembers
            let takings = Int((6.5 * Double(users) + 3 * Double(newMembers) + 40 * rng.nextNormal()).rounded())
            let year = (t - 1) / 52
            usersByYear[year] += users
            takingsByYear[year] += takings
            peak = max(peak, users)
            csv += csvRecord([String(t), Self.isoDate(12_058 + 7 * (t - 1)), String(2003 + year), String(users),
                              String(newMembers), String(takings), "1", "52"])
            if t % 52 == 0 {
                files.append(("year\(year + 1).csv", csv))
                csv = csvRecord(Self.columns)
            }
        }
        return SampleDataset(name: "caterham", files: files,
                             readme: readme(members: members, peak: peak, users: usersByYear, takings: takingsByYear))
    }

    /// A Poisson draw: sequential inversion for small means, else the normal approximation (means
    /// here are above 300, where it is accurate to well under 1%).
    static func poisson(_ mean: Double, _ rng: inout SeededGenerator) -> Int {
        mean < 50 ? rng.nextPoisson(mean: mean) : max(0, Int((mean + mean.squareRoot() * rng.nextNormal()).rounded()))
    }

    /// `yyyy-mm-dd` of a day count since 1970-01-01 (proleptic Gregorian; H. Hinnant's civil_from_days).
    static func isoDate(_ days: Int) -> String {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    func readme(members: Int, peak: Int, users: [Int], takings: [Int]) -> String {
        var s = """
        # Caterham Barracks skate park: weekly monitoring records — SYNTHETIC sample data

        **These data are synthetic.** They were made by copro's seeded generator (`copro sample-data
        caterham --seed \(seed) --out SampleData/caterham`, source `Sources/SurveySamples/CaterhamGenerator.swift`)
        and are calibrated to the Caterham Barracks Community Trust's indoor skate park as reported in
        Bovaird (2007) and summarised in `../shared/CASES.md` (5,000 members, up to 570 users a week,
        turnover above £100,000 a year). Running the command again writes byte-identical files.

        ## What the records are
        One row per week for three years (`year1.csv`, `year2.csv`, `year3.csv`, weeks 1–156 from
        6 January 2003): `users` (visits that week), `new_members`, `takings` (£). The records are a
        complete count, not a sample: `weight` is 1 and `weeks_in_year` (52) is the finite population
        correction, so yearly totals carry no sampling error.

        ## The model and its true values
        usersₜ ~ Poisson(μₜ · exp(uₜ)), μₜ = \(Self.baseline) + \(Self.slope) t + \(Self.amplitude) sin(2π(t − 13)/52), with
        AR(1) noise uₜ = \(Self.phi) uₜ₋₁ + \(Self.innovationSD) zₜ.

        | quantity | true value |
        |---|---:|
        | slope of mean weekly users, per week | \(String(format: "%.4f", Self.trueSlopePerWeek)) |
        | slope of mean weekly users, per 52 weeks | \(String(format: "%.2f", 52 * Self.trueSlopePerWeek)) |

        ## Realised totals (the records themselves)

        | year | visits | takings (£) |
        |---|---:|---:|

        """
        for y in 0..<3 { s += "| \(2003 + y) | \(users[y]) | \(takings[y]) |\n" }
        s += """

        Members after three years: \(members); busiest week: \(peak) users.

        ## Files
        - `year1.csv`, `year2.csv`, `year3.csv`: one row per week.
        - `plan.yaml`: the evaluation plan (`copro report SampleData/caterham/plan.yaml`).
        - The instrument is `Instruments/caterham-activity.yaml`.

        """
        return s
    }
}
