import Foundation
import Yams
import SurveyInstruments

/// An error in a plan file or in running it, rendered like a compiler diagnostic.
public struct PlanError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case fileNotFound = "file-not-found"
        case yamlSyntax = "yaml-syntax"
        case unknownKey = "unknown-key"
        case missingKey = "missing-key"
        case invalidValue = "invalid-value"
        case columnNotFound = "column-not-found"
        case invalidData = "invalid-data"
        case design
        case instrument
        case ingest
        case resourceLimit = "resource-limit"
    }
    public var code: Code
    public var file: String
    public var line: Int?
    public var column: Int?
    public var sourceLine: String?
    public var message: String
    public var hint: String?

    public init(_ code: Code, file: String, line: Int? = nil, column: Int? = nil, sourceLine: String? = nil,
                message: String, hint: String? = nil) {
        self.code = code; self.file = file; self.line = line; self.column = column
        self.sourceLine = sourceLine; self.message = message; self.hint = hint
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)"; if let column { s += ":\(column)" } }
        s += ": error: " + message
        if let sourceLine, let column {
            s += "\n    " + sourceLine + "\n    " + String(repeating: " ", count: max(0, column - 1)) + "^"
        }
        if let hint { s += "\n  hint: " + hint }
        return s
    }
}

extension Plan {
    static let topKeys = ["plan", "instrument", "data", "design", "compare", "analysis", "analyses", "disclosure"]
    static let sectionKeys: [String: [String]] = [
        "plan": ["id", "title", "description"],
        "design": ["weight", "strata", "cluster", "fpc", "lonely_psu", "samples"],
        "analysis": ["confidence_level", "on_invalid", "multiple_testing", "indicators"],
        "disclosure": ["min_cell"],
    ]

    /// Reads a plan; relative paths in it are resolved against the plan's folder.
    /// - Throws: ``PlanError`` with file, line and column.
    public static func load(path: String) throws -> Plan {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PlanError(.fileNotFound, file: path, message: "no such plan file (or it cannot be read)",
                            hint: "check the path, e.g. SampleData/beacon/plan.yaml")
        }
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func error(_ code: PlanError.Code, _ node: Node?, _ message: String, hint: String? = nil) -> PlanError {
            guard let mark = node?.mark else { return PlanError(code, file: path, message: message, hint: hint) }
            let source = mark.line >= 1 && mark.line <= lines.count ? lines[mark.line - 1] : nil
            return PlanError(code, file: path, line: mark.line, column: mark.column, sourceLine: source,
                             message: message, hint: hint)
        }
        let root: Node
        do {
            guard let node = try YAMLLimits.compose(text) else {
                throw PlanError(.missingKey, file: path, message: "the plan is empty",
                                hint: "a plan needs plan:, instrument:, data: and design: (docs/plan-format.md)")
            }
            root = node
        } catch let e as YamlError {
            throw PlanError(.yamlSyntax, file: path, message: "not valid YAML: \(e)")
        } catch let v as YAMLLimits.Violation {
            throw PlanError(.resourceLimit, file: path, line: v.line, message: v.message)
        }
        guard let map = root.mapping else { throw error(.invalidValue, root, "the plan must be a mapping of sections") }

        // Unknown keys are errors (a misspelt key must not be silently ignored).
        func checkKeys(_ m: Node.Mapping, allowed: [String], in section: String) throws {
            for (k, _) in m {
                guard let key = k.string, allowed.contains(key) else {
                    throw error(.unknownKey, k, "unknown key '\(k.string ?? "?")' in \(section)",
                                hint: "expected one of: " + allowed.joined(separator: ", "))
                }
            }
        }
        try checkKeys(map, allowed: topKeys, in: "the plan")
        for (section, allowed) in sectionKeys {
            if let node = map[Node(section)] {
                guard let m = node.mapping else { throw error(.invalidValue, node, "'\(section)' must be a mapping") }
                try checkKeys(m, allowed: allowed, in: "'\(section)'")
            }
        }
        func required(_ key: String) throws -> Node {
            guard let n = map[Node(key)] else {
                throw error(.missingKey, root, "the plan has no '\(key):' section",
                            hint: "a plan needs plan:, instrument:, data: and design: (docs/plan-format.md)")
            }
            return n
        }
        func decode<T: Decodable>(_ type: T.Type, _ node: Node) throws -> T {
            do { return try YAMLDecoder().decode(T.self, from: node) } catch let e as DecodingError {
                throw error(.invalidValue, node, describe(e))
            }
        }

        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolve(_ p: String) -> String {
            p.hasPrefix("/") ? p : folder.appendingPathComponent(p).standardizedFileURL.relativePathFromCurrentDirectory
        }
        let header = try decode(Header.self, try required("plan"))
        let instrumentNode = try required("instrument")
        guard let instrumentFile = instrumentNode.string else {
            throw error(.invalidValue, instrumentNode, "'instrument' must be the path of an instrument file")
        }
        let dataNode = try required("data")
        guard let seq = dataNode.sequence, !seq.isEmpty else {
            throw error(.invalidValue, dataNode, "'data' must be a list of files, e.g. - {file: before.csv, wave: before}")
        }
        var files: [DataFile] = []
        for item in seq {
            guard let m = item.mapping else { throw error(.invalidValue, item, "each data entry must be a mapping with 'file:'") }
            var attrs: [String: String] = [:]
            var file: String?
            for (k, v) in m {
                guard let key = k.string, let value = v.string else {
                    throw error(.invalidValue, v, "data entries hold text values (file: and group attributes such as wave: before)")
                }
                if key == "file" { file = value } else { attrs[key] = value }
            }
            guard let file else { throw error(.missingKey, item, "this data entry has no 'file:'") }
            files.append(DataFile(file: file, path: resolve(file), attributes: attrs))
        }
        let design = try decode(Design.self, try required("design"))
        guard ["fail", "remove", "adjust", "average", "certainty"].contains(design.lonelyPSU) else {
            throw error(.invalidValue, map[Node("design")]?.mapping?[Node("lonely_psu")],
                        "unknown lonely_psu policy '\(design.lonelyPSU)'",
                        hint: "use fail, remove, adjust, average or certainty (as R's survey.lonely.psu)")
        }
        var comparisons: [Comparison] = []
        if let c = map[Node("compare")] {
            comparisons = try decode([Comparison].self, c)
            for (i, comparison) in comparisons.enumerated() {
                let levels = files.compactMap { $0.attributes[comparison.factor] }
                for level in [comparison.from, comparison.to] where !levels.contains(level) {
                    throw error(.invalidValue, c.sequence?[i],
                                "no data file has \(comparison.factor): \(level)",
                                hint: "the levels given by the data files are: " + Array(Set(levels)).sorted().joined(separator: ", "))
                }
            }
        }
        let analysis = try map[Node("analysis")].map { try decode(AnalysisOptions.self, $0) } ?? AnalysisOptions()
        guard analysis.confidenceLevel > 0 && analysis.confidenceLevel < 1 else {
            throw error(.invalidValue, map[Node("analysis")], "confidence_level must be between 0 and 1, e.g. 0.95")
        }
        guard ["missing", "reject-row", "fail"].contains(analysis.onInvalid) else {
            throw error(.invalidValue, map[Node("analysis")], "on_invalid must be missing, reject-row or fail")
        }
        guard ["holm", "bh", "none"].contains(analysis.multipleTesting) else {
            throw error(.invalidValue, map[Node("analysis")], "multiple_testing must be holm, bh or none")
        }
        let disclosure = try map[Node("disclosure")].map { try decode(Disclosure.self, $0) } ?? Disclosure()
        var plan = Plan(header: header, file: path, instrumentFile: instrumentFile, instrumentPath: resolve(instrumentFile),
                        data: files, design: design, comparisons: comparisons, analysis: analysis, disclosure: disclosure)
        if let list = map[Node("analyses")] {
            guard let items = list.sequence else {
                throw error(.invalidValue, list, "'analyses' must be a list of {kind: …} entries")
            }
            for item in items {
                guard var m = item.mapping, let kindNode = m[Node("kind")], let kind = kindNode.string else {
                    throw error(.missingKey, item, "each analysis needs a 'kind:'",
                                hint: "kinds: " + AnalysisRegistry.names.joined(separator: ", "))
                }
                guard let type = AnalysisRegistry.type(named: kind) else {
                    throw error(.invalidValue, kindNode, "unknown analysis kind '\(kind)'",
                                hint: "kinds: " + AnalysisRegistry.names.joined(separator: ", "))
                }
                try checkKeys(m, allowed: ["kind"] + type.keys, in: "a '\(kind)' analysis")
                m[Node("kind")] = nil
                let entry: any Analysis
                do { entry = try YAMLDecoder().decode(type, from: Node.mapping(m)) } catch let e as DecodingError {
                    throw error(.invalidValue, item, "\(kind): " + describe(e))
                }
                plan.analyses.append(PlannedAnalysis(kind: kind, analysis: entry, line: item.mark?.line))
            }
        }
        return plan
    }
}

func describe(_ e: DecodingError) -> String {
    switch e {
    case .keyNotFound(let key, _): return "missing key '\(key.stringValue)'"
    case .typeMismatch(let type, let ctx): return "expected \(type) at '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))'"
    case .valueNotFound(let type, let ctx): return "expected a \(type) at '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))'"
    case .dataCorrupted(let ctx):
        return "invalid value at '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))': \(ctx.debugDescription)"
    @unknown default: return "invalid value"
    }
}

extension URL {
    /// This file URL relative to the current directory when it lies below it (stable report text).
    var relativePathFromCurrentDirectory: String {
        let cwd = FileManager.default.currentDirectoryPath
        let p = standardizedFileURL.path
        return p.hasPrefix(cwd + "/") ? String(p.dropFirst(cwd.count + 1)) : p
    }
}
