import Foundation
import SurveyInstruments
import SurveyReports
import SurveyStatistics
import Yams

/// One entry of a plan's `analyses:` list: a kind of analysis beyond the indicator table.
///
/// To add a kind: write a `Decodable` type conforming to `Analysis` (its YAML keys are its coding
/// keys, plus `kind:`), list it in ``AnalysisRegistry/kinds``, document it in docs/plan-format.md,
/// and test it. `run` computes with SurveyStatistics and returns a ``ReportSection`` whose tables
/// keep every value and whose `methods` say how each number was computed.
public protocol Analysis: Decodable, Sendable {
    /// The `kind:` value that selects this analysis in a plan.
    static var kind: String { get }
    /// Every YAML key the analysis accepts besides `kind` (any other key is an error in the plan).
    static var keys: [String] { get }
    /// Checks the analysis against the plan and instrument before any data is read (names of
    /// variables, factors and levels). Throw ``AnalysisError`` with a clear message.
    func validate(plan: Plan, instrument: Instrument) throws
    /// Computes the section.
    func run(_ context: AnalysisContext) throws -> ReportSection
}

extension Analysis {
    public func validate(plan: Plan, instrument: Instrument) throws {}
}

/// An analysis that cannot run, with what to change.
public struct AnalysisError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var hint: String?
    public init(_ message: String, hint: String? = nil) { self.message = message; self.hint = hint }
    public var description: String { message + (hint.map { " (hint: \($0))" } ?? "") }
}

/// An analysis as the plan gives it.
public struct PlannedAnalysis: Sendable {
    public var kind: String
    public var analysis: any Analysis
    /// Where it is in the plan file (for messages).
    public var line: Int?
}

/// Every analysis kind a plan may name.
public enum AnalysisRegistry {
    public static let kinds: [any Analysis.Type] = [
        DiDAnalysis.self,
        PropensityAnalysis.self,
        PairedAnalysis.self,
        RateRatioAnalysis.self,
        PowerPlanAnalysis.self,
        ProfileAnalysis.self,
        RepresentationAnalysis.self,
        RankingAnalysis.self,
        ResourcesAnalysis.self,
        TrendAnalysis.self,
        ScaleAnalysis.self,
    ]

    static func type(named kind: String) -> (any Analysis.Type)? { kinds.first { $0.kind == kind } }
    static var names: [String] { kinds.map { $0.kind }.sorted() }
}

/// What an analysis sees: the plan, the instrument, the stacked coded sample and its design.
public struct AnalysisContext: Sendable {
    public let plan: Plan
    public let instrument: Instrument
    public let design: SurveyDesign
    let sample: SampleAssembly

    /// Number of stacked rows (all files).
    public var rowCount: Int { sample.rowCount }
    /// Sampling weights of the stacked rows.
    public var weights: [Double] { sample.weights }
    /// Stratum label of each stacked row (file-tagged for independent samples).
    public var strata: [String] { sample.strata }
    /// PSU label of each stacked row (empty when the plan names no cluster).
    public var clusters: [String] { sample.clusters }
    public var confidenceLevel: Double { plan.analysis.confidenceLevel }
    public var minimumCell: Int { plan.disclosure.minimumCell }

    /// A question, derived variable or scale, numerically, stacked over the files (NaN where not valid).
    public func numeric(_ id: String) throws -> [Double] {
        var out: [Double] = []
        for part in sample.parts {
            let column = part.coded.numeric(id)
            guard column.count == part.coded.rowCount else {
                throw AnalysisError("'\(id)' is not a question, derived variable or scale of instrument \(instrument.id)")
            }
            out += column
        }
        return out
    }

    /// Codes (as text) of a question, stacked (nil where not valid).
    public func codes(_ id: String) throws -> [String?] {
        var out: [String?] = []
        for part in sample.parts {
            let column = part.coded.codes(id)
            guard column.count == part.coded.rowCount else {
                throw AnalysisError("'\(id)' is not a question of instrument \(instrument.id)")
            }
            out += column
        }
        return out
    }

    /// An indicator's per-row values (`y`, and `exposure` for rates), stacked.
    public func values(ofIndicator id: String) throws -> (y: [Double], exposure: [Double]?) {
        guard let indicator = instrument.indicator(id) else {
            throw AnalysisError("the instrument has no indicator '\(id)'",
                                hint: "its indicators are: " + instrument.indicators.map(\.id).joined(separator: ", "))
        }
        return try sample.values(of: indicator)
    }

    /// Rows of files with `factor: level` (file attributes such as `wave: before`).
    public func domain(_ factor: String, _ level: String) -> [Bool] { sample.domain(factor, level) }

    /// The per-row value of a file attribute (e.g. `area`), stacked.
    public func attribute(_ factor: String) -> [String]? { sample.attributes[factor] }

    /// The levels of a file attribute in plan order.
    public func levels(_ factor: String) -> [String] { plan.levels(of: factor) }
}
