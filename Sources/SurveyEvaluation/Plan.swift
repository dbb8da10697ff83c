import Foundation
import Yams

/// An evaluation plan: which instrument, which data files (and what each file is), the design,
/// and the comparisons to make. Documented in docs/plan-format.md.
///
/// ```yaml
/// plan: {id: beacon, title: "Beacon estate: before and after regeneration"}
/// instrument: ../../Instruments/beacon-household.yaml
/// data:
///   - {file: before.csv, wave: before}
///   - {file: after.csv, wave: after}
/// design: {weight: weight, strata: zone, cluster: block, fpc: blocks_in_zone}
/// compare:
///   - {factor: wave, from: before, to: after}
/// ```
public struct Plan: Sendable {
    public struct Header: Decodable, Sendable, Equatable {
        public var id: String
        public var title: String
        public var description: String?
    }

    /// One export and the group attributes of all its rows (e.g. `wave: before`).
    public struct DataFile: Sendable, Equatable {
        /// The path as written in the plan.
        public var file: String
        /// The path resolved against the plan's folder.
        public var path: String
        public var attributes: [String: String]
    }

    public enum Samples: String, Decodable, Sendable, Equatable {
        /// Each file is an independent sample: strata and PSUs are kept apart between files.
        case independent
        /// The files are parts of one sample (e.g. one file per region): labels are shared.
        case shared
    }

    public struct Design: Decodable, Sendable, Equatable {
        public var weight: String
        public var strata: String?
        public var cluster: String?
        public var fpc: String?
        public var lonelyPSU: String
        public var samples: Samples
        enum CodingKeys: String, CodingKey {
            case weight, strata, cluster, fpc, lonelyPSU = "lonely_psu", samples
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            weight = try c.decode(String.self, forKey: .weight)
            strata = try c.decodeIfPresent(String.self, forKey: .strata)
            cluster = try c.decodeIfPresent(String.self, forKey: .cluster)
            fpc = try c.decodeIfPresent(String.self, forKey: .fpc)
            lonelyPSU = try c.decodeIfPresent(String.self, forKey: .lonelyPSU) ?? "fail"
            samples = try c.decodeIfPresent(Samples.self, forKey: .samples) ?? .independent
        }
    }

    /// A comparison between two levels of a file attribute: `to − from`.
    public struct Comparison: Decodable, Sendable, Equatable {
        public var factor: String
        public var from: String
        public var to: String
    }

    /// The `analysis:` options.
    public struct AnalysisOptions: Decodable, Sendable, Equatable {
        public var confidenceLevel: Double
        public var onInvalid: String
        public var multipleTesting: String
        public var indicators: [String]?
        enum CodingKeys: String, CodingKey {
            case confidenceLevel = "confidence_level", onInvalid = "on_invalid"
            case multipleTesting = "multiple_testing", indicators
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            confidenceLevel = try c.decodeIfPresent(Double.self, forKey: .confidenceLevel) ?? 0.95
            onInvalid = try c.decodeIfPresent(String.self, forKey: .onInvalid) ?? "missing"
            multipleTesting = try c.decodeIfPresent(String.self, forKey: .multipleTesting) ?? "holm"
            indicators = try c.decodeIfPresent([String].self, forKey: .indicators)
        }
        init() { confidenceLevel = 0.95; onInvalid = "missing"; multipleTesting = "holm"; indicators = nil }
    }

    public struct Disclosure: Decodable, Sendable, Equatable {
        public var minimumCell: Int
        enum CodingKeys: String, CodingKey { case minimumCell = "min_cell" }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            minimumCell = try c.decodeIfPresent(Int.self, forKey: .minimumCell) ?? 10
        }
        init() { minimumCell = 10 }
    }

    public var header: Header
    /// The plan file as given.
    public var file: String
    /// The instrument path as written, and resolved.
    public var instrumentFile: String
    public var instrumentPath: String
    public var data: [DataFile]
    public var design: Design
    public var comparisons: [Comparison]
    public var analysis: AnalysisOptions
    /// The `analyses:` list, in plan order.
    public var analyses: [PlannedAnalysis] = []
    public var disclosure: Disclosure

    /// The levels of a file attribute, in the order the files give them.
    public func levels(of factor: String) -> [String] {
        var seen: [String] = []
        for d in data { if let v = d.attributes[factor], !seen.contains(v) { seen.append(v) } }
        return seen
    }
}
