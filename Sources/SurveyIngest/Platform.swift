import Foundation

/// The survey platform an export comes from, as recognised from its header rows and format.
public enum SurveyPlatform: String, Sendable, Codable, CaseIterable {
    case qualtrics
    case qualtricsLegacy = "qualtrics-legacy"
    case surveymonkey, kobo, odk, limesurvey, googleforms, excel, generic
    case spssSav = "spss-sav", spssZsav = "spss-zsav", spssPor = "spss-por", stataDta = "stata-dta", sas7bdat
}

/// What the platform's header rows say about each column, so instruments can map columns to
/// questions.
public struct PlatformMetadata: Sendable, Equatable {
    /// One column's metadata. Every field is `nil`/empty when the platform does not say.
    public struct Column: Sendable, Equatable {
        /// Reported (unique) column name.
        public var name: String
        /// Question text: Qualtrics header row 2; SurveyMonkey header row 1 (carried over
        /// continuation columns); Google Forms the column name.
        public var questionText: String?
        /// Qualtrics `ImportId` from header row 3 (e.g. `QID2_TEXT`).
        public var importID: String?
        /// Sub-question or option label: SurveyMonkey header row 2 (`Response`,
        /// `Open-Ended Response` or the option text); the choice of a Kobo/ODK select-multiple
        /// 0/1 column; LimeSurvey sub-question code (`SQ001` in `q[SQ001]`); the part after ` - `
        /// in Qualtrics question text.
        public var subLabel: String?
        /// Groups the question sits in (Kobo `group/q`, ODK `group-q`).
        public var groupPath: [String]
        /// The question column this column belongs to: for a select-multiple 0/1 column the
        /// column holding the whole answer (Kobo/ODK `q/choice` → `q`); LimeSurvey `q[SQ001]` → `q`.
        public var parent: String?

        public init(name: String, questionText: String? = nil, importID: String? = nil, subLabel: String? = nil,
                    groupPath: [String] = [], parent: String? = nil) {
            self.name = name; self.questionText = questionText; self.importID = importID
            self.subLabel = subLabel; self.groupPath = groupPath; self.parent = parent
        }
    }

    public var platform: SurveyPlatform
    public var columns: [Column]

    public init(platform: SurveyPlatform, columns: [Column]) {
        self.platform = platform; self.columns = columns
    }

    /// Metadata for the column with this reported name.
    public func column(named name: String) -> Column? { columns.first { $0.name == name } }
}

/// Recognises platform layouts from the first records (policy: docs/ingest.md, "Platforms").
enum PlatformDetection {
    /// Decides the platform and how many header rows precede the data.
    /// - Parameter records: the first (up to 3) records, as text; `nil` cells are unquoted empties.
    static func detect(_ records: [[String]]) -> (SurveyPlatform, headerRows: Int) {
        guard let names = records.first else { return (.generic, 1) }
        let set = Set(names)
        if records.count >= 3 {
            let row3 = records[2].filter { !$0.isEmpty }
            let ids = row3.filter { $0.hasPrefix("{\"ImportId\"") }.count
            if ids > 0 && ids * 2 >= row3.count { return (.qualtrics, 3) }
        }
        if records.count >= 2 {
            let row2 = Set(records[1])
            if row2.contains("ResponseID") && (row2.contains("ResponseSet") || names.starts(with: ["V1", "V2"])) {
                return (.qualtricsLegacy, 2)
            }
            if let idCol = names.firstIndex(where: { $0 == "Respondent ID" || $0 == "RespondentID" }),
               idCol < records[1].count, records[1][idCol].isEmpty {
                return (.surveymonkey, 2)
            }
            if records[1].first?.isEmpty == true,
               records[1].contains("Response") || records[1].contains("Open-Ended Response") {
                return (.surveymonkey, 2)
            }
        }
        if set.contains("_uuid") && (set.contains("_submission_time") || set.contains("_id")) { return (.kobo, 1) }
        if set.contains("SubmissionDate") && (set.contains("KEY") || set.contains("meta-instanceID")) { return (.odk, 1) }
        if set.isSuperset(of: ["id", "submitdate", "lastpage", "startlanguage"]) { return (.limesurvey, 1) }
        let timestamps: Set<String> = ["Timestamp", "Marca temporal", "Horodateur", "Zeitstempel",
                                       "Carimbo de data/hora", "Informazioni cronologiche", "Tijdstempel"]
        if let first = names.first, timestamps.contains(first) { return (.googleforms, 1) }
        return (.generic, 1)
    }

    /// Names to report: unique, non-empty. Empty names take the platform's other header rows
    /// (Qualtrics question text; SurveyMonkey `question - option`), else `column~K` (K 1-based);
    /// later duplicates become `name~2`, `name~3`, ….
    /// - Returns: the names and the 0-based columns whose raw name is empty and got no name from
    ///   another header row.
    static func reportedNames(platform: SurveyPlatform, headerRows: [[String]]) -> ([String], unnamed: [Int]) {
        let raw = headerRows.first ?? []
        var names: [String] = []
        var unnamed: [Int] = []
        var carried = ""
        for (c, name) in raw.enumerated() {
            let row2 = headerRows.count > 1 && c < headerRows[1].count ? headerRows[1][c] : ""
            if !name.isEmpty { carried = name; names.append(name); continue }
            switch platform {
            case .surveymonkey where !row2.isEmpty:
                names.append(carried.isEmpty ? row2 : "\(carried) - \(row2)")
            case .qualtrics where !row2.isEmpty, .qualtricsLegacy where !row2.isEmpty:
                names.append(row2)
            default:
                names.append("column~\(c + 1)"); unnamed.append(c)
            }
        }
        var seen = Set<String>()
        // Per base name, the next suffix to try: names only get taken, so the suffixes already
        // tried stay taken, and resuming there keeps n copies of one name linear, not quadratic.
        var nextSuffix: [String: Int] = [:]
        var out: [String] = []
        for name in names {
            var candidate = name
            var k = nextSuffix[name] ?? 2
            if seen.contains(candidate) {
                candidate = "\(name)~\(k)"
                while seen.contains(candidate) { k += 1; candidate = "\(name)~\(k)" }
                nextSuffix[name] = k + 1
            }
            // A later raw name may equal an earlier generated one; the loop above then renames it.
            seen.insert(candidate); out.append(candidate)
        }
        return (out, unnamed)
    }

    /// Per-column metadata from the header rows and names.
    static func metadata(platform: SurveyPlatform, headerRows: [[String]], names: [String]) -> PlatformMetadata {
        let raw = headerRows.first ?? []
        let nameSet = Set(raw)
        func cell(_ row: Int, _ c: Int) -> String? {
            guard row < headerRows.count, c < headerRows[row].count, !headerRows[row][c].isEmpty else { return nil }
            return headerRows[row][c]
        }
        var carried: String?
        var columns: [PlatformMetadata.Column] = []
        for (c, name) in names.enumerated() {
            let rawName = c < raw.count ? raw[c] : name
            var col = PlatformMetadata.Column(name: name)
            switch platform {
            case .qualtrics, .qualtricsLegacy:
                col.questionText = cell(1, c)
                if let text = col.questionText, let r = text.range(of: " - ") {
                    col.subLabel = String(text[r.upperBound...])
                }
                if platform == .qualtrics, let json = cell(2, c) { col.importID = importID(json) }
            case .surveymonkey:
                if !rawName.isEmpty { carried = rawName }
                col.questionText = carried
                col.subLabel = cell(1, c)
            case .kobo, .odk:
                let groupSep: Character = platform == .kobo ? "/" : "-"
                var path = rawName
                if let slash = rawName.lastIndex(of: "/"), nameSet.contains(String(rawName[..<slash])) {
                    col.parent = String(rawName[..<slash])
                    col.subLabel = String(rawName[rawName.index(after: slash)...])
                    path = String(rawName[..<slash])
                }
                let parts = path.split(separator: groupSep, omittingEmptySubsequences: false).map(String.init)
                if parts.count > 1 && !rawName.hasPrefix("_") { col.groupPath = Array(parts.dropLast()) }
            case .limesurvey:
                if rawName.hasSuffix("]"), let open = rawName.firstIndex(of: "[") {
                    col.parent = String(rawName[..<open])
                    col.subLabel = String(rawName[rawName.index(after: open)..<rawName.index(before: rawName.endIndex)])
                }
            case .googleforms:
                col.questionText = rawName.isEmpty ? nil : rawName
            case .excel, .generic, .spssSav, .spssZsav, .spssPor, .stataDta, .sas7bdat:
                break
            }
            columns.append(col)
        }
        return PlatformMetadata(platform: platform, columns: columns)
    }

    /// The `ImportId` value of a Qualtrics header-row-3 cell such as `{"ImportId":"QID1"}`.
    static func importID(_ json: String) -> String? {
        guard let data = json.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object["ImportId"] as? String
    }
}
