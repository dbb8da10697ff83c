/// copro's version, printed in report footers.
public enum CoproVersion {
    public static let string = "0.1.0"
}

/// Everything an evaluation report shows, computed beforehand. Renderers only format it.
///
/// The model is `Codable` so that `--format json` is the complete model (docs/report-json.md).
public struct EvaluationReport: Codable, Sendable, Equatable {
    public var title: String
    public var planID: String
    public var planDescription: String?
    public var instrument: InstrumentInfo
    public var confidenceLevel: Double
    public var dataAccount: [FileAccount]
    public var groups: [GroupSize]
    public var indicators: [IndicatorResult]
    /// Further analyses (scales, representation, difference-in-differences, rankings, resources,
    /// coproduction profile), in plan order.
    public var sections: [ReportSection]
    public var methods: Methods
    public var warnings: [String]
    public var suppression: SuppressionNote
    public var provenance: Provenance

    public init(title: String, planID: String, planDescription: String?, instrument: InstrumentInfo,
                confidenceLevel: Double, dataAccount: [FileAccount], groups: [GroupSize],
                indicators: [IndicatorResult], sections: [ReportSection] = [], methods: Methods, warnings: [String],
                suppression: SuppressionNote, provenance: Provenance) {
        self.sections = sections
        self.title = title; self.planID = planID; self.planDescription = planDescription
        self.instrument = instrument; self.confidenceLevel = confidenceLevel; self.dataAccount = dataAccount
        self.groups = groups; self.indicators = indicators; self.methods = methods; self.warnings = warnings
        self.suppression = suppression; self.provenance = provenance
    }

    public struct InstrumentInfo: Codable, Sendable, Equatable {
        public var id: String, title: String, version: String
        public init(id: String, title: String, version: String) { self.id = id; self.title = title; self.version = version }
    }

    /// What happened to every record of one input file.
    public struct FileAccount: Codable, Sendable, Equatable {
        public var file: String
        public var group: String
        public var sha256: String
        public var recordsRead: Int
        public var accepted: Int
        /// Rejected records by reason code.
        public var rejected: [String: Int]
        /// Invalid cells per question (made missing, rows rejected, or fatal, by the plan's policy).
        public var invalidCells: [String: Int]
        public var rowsUsed: Int
        public init(file: String, group: String, sha256: String, recordsRead: Int, accepted: Int,
                    rejected: [String: Int], invalidCells: [String: Int], rowsUsed: Int) {
            self.file = file; self.group = group; self.sha256 = sha256; self.recordsRead = recordsRead
            self.accepted = accepted; self.rejected = rejected; self.invalidCells = invalidCells; self.rowsUsed = rowsUsed
        }
    }

    public struct GroupSize: Codable, Sendable, Equatable {
        public var group: String
        public var respondents: Int
        public var weightedCount: Double
        public var psus: Int
        public init(group: String, respondents: Int, weightedCount: Double, psus: Int) {
            self.group = group; self.respondents = respondents; self.weightedCount = weightedCount; self.psus = psus
        }
    }

    public enum Kind: String, Codable, Sendable { case proportion, mean, total, rate }

    /// One indicator: its estimate per group and the comparisons between groups.
    public struct IndicatorResult: Codable, Sendable, Equatable {
        public var id: String
        public var label: String
        public var kind: Kind
        public var unit: String?
        public var higherIsBetter: Bool?
        /// Decimal places for values that are not percentages.
        public var decimals: Int
        public var estimates: [GroupEstimate]
        public var changes: [Change]
        public init(id: String, label: String, kind: Kind, unit: String?, higherIsBetter: Bool?, decimals: Int,
                    estimates: [GroupEstimate], changes: [Change]) {
            self.id = id; self.label = label; self.kind = kind; self.unit = unit; self.higherIsBetter = higherIsBetter
            self.decimals = decimals; self.estimates = estimates; self.changes = changes
        }
    }

    public struct GroupEstimate: Codable, Sendable, Equatable {
        public var group: String
        public var estimate: Double
        public var se: Double
        public var ciLow: Double
        public var ciHigh: Double
        public var df: Double
        /// Unweighted respondents in the denominator.
        public var n: Int
        public var suppressed: Bool
        /// Reliability flags: `rse>30%`, `small-n`, `ci-wide`.
        public var flags: [String]
        public init(group: String, estimate: Double, se: Double, ciLow: Double, ciHigh: Double, df: Double,
                    n: Int, suppressed: Bool, flags: [String]) {
            self.group = group; self.estimate = estimate; self.se = se; self.ciLow = ciLow; self.ciHigh = ciHigh
            self.df = df; self.n = n; self.suppressed = suppressed; self.flags = flags
        }

        enum CodingKeys: String, CodingKey { case group, estimate, se, ciLow, ciHigh, df, n, suppressed, flags }

        /// A suppressed cell is written with `null` numbers and no `n`: suppression holds in every format.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(group, forKey: .group)
            try c.encode(suppressed, forKey: .suppressed)
            try c.encode(df, forKey: .df)
            try c.encode(flags, forKey: .flags)
            if suppressed {
                for key in [CodingKeys.estimate, .se, .ciLow, .ciHigh, .n] { try c.encodeNil(forKey: key) }
            } else {
                try c.encode(estimate, forKey: .estimate)
                try c.encode(se, forKey: .se)
                try c.encode(ciLow, forKey: .ciLow)
                try c.encode(ciHigh, forKey: .ciHigh)
                try c.encode(n, forKey: .n)
            }
        }
    }

    /// `to − from`, and `to / from − 1`, with intervals and a test.
    public struct Change: Codable, Sendable, Equatable {
        public var from: String
        public var to: String
        public var difference: Double
        public var differenceSE: Double
        public var differenceLow: Double
        public var differenceHigh: Double
        /// Relative change `to/from − 1`; nil when `from` is 0 or either side is ≤ 0.
        public var relative: Double?
        public var relativeLow: Double?
        public var relativeHigh: Double?
        public var statistic: Double
        public var df: Double
        public var pValue: Double
        public var adjustedPValue: Double?
        public var suppressed: Bool
        public var method: String
        public init(from: String, to: String, difference: Double, differenceSE: Double, differenceLow: Double,
                    differenceHigh: Double, relative: Double?, relativeLow: Double?, relativeHigh: Double?,
                    statistic: Double, df: Double, pValue: Double, adjustedPValue: Double?, suppressed: Bool,
                    method: String) {
            self.from = from; self.to = to; self.difference = difference; self.differenceSE = differenceSE
            self.differenceLow = differenceLow; self.differenceHigh = differenceHigh; self.relative = relative
            self.relativeLow = relativeLow; self.relativeHigh = relativeHigh; self.statistic = statistic
            self.df = df; self.pValue = pValue; self.adjustedPValue = adjustedPValue; self.suppressed = suppressed
            self.method = method
        }

        enum CodingKeys: String, CodingKey {
            case from, to, difference, differenceSE, differenceLow, differenceHigh, relative, relativeLow
            case relativeHigh, statistic, df, pValue, adjustedPValue, suppressed, method
        }

        /// A suppressed change is written with `null` numbers (secondary suppression).
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(from, forKey: .from)
            try c.encode(to, forKey: .to)
            try c.encode(suppressed, forKey: .suppressed)
            try c.encode(method, forKey: .method)
            try c.encode(df, forKey: .df)
            let numbers: [(CodingKeys, Double?)] = [
                (.difference, difference), (.differenceSE, differenceSE), (.differenceLow, differenceLow),
                (.differenceHigh, differenceHigh), (.relative, relative), (.relativeLow, relativeLow),
                (.relativeHigh, relativeHigh), (.statistic, statistic), (.pValue, pValue),
                (.adjustedPValue, adjustedPValue),
            ]
            for (key, value) in numbers {
                if suppressed { try c.encodeNil(forKey: key) } else { try c.encode(value, forKey: key) }
            }
        }
    }

    /// The automatically written methods section, as facts; the renderer writes the sentences.
    public struct Methods: Codable, Sendable, Equatable {
        public var design: String
        public var varianceMethod: String
        public var degreesOfFreedom: Int
        public var intervalMethod: String
        public var relativeChangeMethod: String
        public var testMethod: String
        public var lonelyPSU: String
        public var multipleTesting: String
        public var missingData: String
        public init(design: String, varianceMethod: String, degreesOfFreedom: Int, intervalMethod: String,
                    relativeChangeMethod: String, testMethod: String, lonelyPSU: String, multipleTesting: String,
                    missingData: String) {
            self.design = design; self.varianceMethod = varianceMethod; self.degreesOfFreedom = degreesOfFreedom
            self.intervalMethod = intervalMethod; self.relativeChangeMethod = relativeChangeMethod
            self.testMethod = testMethod; self.lonelyPSU = lonelyPSU; self.multipleTesting = multipleTesting
            self.missingData = missingData
        }
    }

    public struct SuppressionNote: Codable, Sendable, Equatable {
        public var minimumCell: Int
        public var suppressedCells: [String]
        public init(minimumCell: Int, suppressedCells: [String]) {
            self.minimumCell = minimumCell; self.suppressedCells = suppressedCells
        }
    }

    public struct Provenance: Codable, Sendable, Equatable {
        public var coproVersion: String
        public var instrument: String
        public var inputs: [Input]
        public var options: [String: String]
        public struct Input: Codable, Sendable, Equatable {
            public var path: String, sha256: String
            public init(path: String, sha256: String) { self.path = path; self.sha256 = sha256 }
        }
        public init(coproVersion: String, instrument: String, inputs: [Input], options: [String: String]) {
            self.coproVersion = coproVersion; self.instrument = instrument; self.inputs = inputs; self.options = options
        }
    }
}
