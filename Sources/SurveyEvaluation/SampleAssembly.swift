import Foundation
import SurveyIngest
import SurveyInstruments
import SurveyStatistics

/// The plan's data files read, coded and stacked into one sample with one design.
///
/// With `samples: independent` (the default) each file is its own sample: its strata and PSUs are
/// labelled with the file so that none is shared between files, and a file without strata is one
/// stratum. Rows dropped by the `reject-row` policy stay out of every domain.
struct SampleAssembly {
    struct FilePart {
        var file: Plan.DataFile
        var ingest: IngestResult
        var coded: CodedData
        var rowOffset: Int
    }

    let plan: Plan
    let instrument: Instrument
    var parts: [FilePart] = []
    var weights: [Double] = []
    var strata: [String] = []
    var clusters: [String] = []
    var fpc: [Double] = []
    /// Rows usable in estimates (false for rows rejected under `on_invalid: reject-row`).
    var usable: [Bool] = []
    /// Value of each file attribute (e.g. wave) per stacked row.
    var attributes: [String: [String]] = [:]

    init(plan: Plan, instrument: Instrument, policy: InvalidPolicy) throws {
        self.plan = plan
        self.instrument = instrument
        let keys = Set(plan.data.flatMap { $0.attributes.keys })
        for key in keys { attributes[key] = [] }
        for (index, file) in plan.data.enumerated() {
            let ingest: IngestResult
            do { ingest = try Ingest.read(path: file.path) } catch let e as IngestError {
                throw PlanError(.ingest, file: file.path, message: e.message, hint: e.hint)
            }
            if let fe = ingest.summary.fileError {
                throw PlanError(.ingest, file: file.path, message: "\(fe.reason): \(fe.message)")
            }
            let table = ingest.table
            let coded: CodedData
            do { coded = try instrument.code(table, policy: policy, dataName: file.path) } catch let e as InstrumentError {
                throw PlanError(.invalidData, file: file.path, message: e.description)
            }
            let d = plan.design
            let weightColumn = try column(d.weight, role: "design.weight", in: table, file: file.path)
            let strataColumn = try d.strata.map { try column($0, role: "design.strata", in: table, file: file.path) }
            let clusterColumn = try d.cluster.map { try column($0, role: "design.cluster", in: table, file: file.path) }
            let fpcColumn = try d.fpc.map { try column($0, role: "design.fpc", in: table, file: file.path) }
            let tag = plan.design.samples == .independent ? "\(file.file)|" : ""
            // Rows rejected under on_invalid: reject-row are not in `coded.tableRows`: they leave the sample.
            for row in coded.tableRows {
                let w = try number(table, row: row, column: weightColumn, file: file.path, role: "weight")
                guard w >= 0 else {
                    throw dataError(table, row: row, column: weightColumn, file: file.path,
                                    "a weight must be zero or positive", value: table[row, weightColumn] ?? "")
                }
                weights.append(w)
                let stratum = strataColumn.map { table[row, $0] ?? "" } ?? ""
                strata.append(tag + stratum)
                if let c = clusterColumn { clusters.append(tag + stratum + "|" + (table[row, c] ?? "")) }
                if let f = fpcColumn { fpc.append(try number(table, row: row, column: f, file: file.path, role: "fpc")) }
                usable.append(true)
                for key in keys { attributes[key, default: []].append(file.attributes[key] ?? "") }
            }
            parts.append(FilePart(file: file, ingest: ingest, coded: coded, rowOffset: weights.count - coded.tableRows.count))
            _ = index
        }
    }

    var rowCount: Int { weights.count }

    func makeDesign() throws -> SurveyDesign {
        try SurveyDesign(weights: weights,
                         strata: strata,
                         clusters: clusters.isEmpty ? [] : [clusters],
                         fpc: fpc.isEmpty ? [] : [fpc],
                         nest: true,
                         lonelyPSU: LonelyPSUPolicy(rawValue: plan.design.lonelyPSU) ?? .fail)
    }

    /// Rows whose file has `factor: level`, and that are usable.
    func domain(_ factor: String, _ level: String) -> [Bool] {
        let values = attributes[factor] ?? Array(repeating: "", count: rowCount)
        return (0..<rowCount).map { usable[$0] && values[$0] == level }
    }

    /// An indicator's values stacked over the files (NaN where it is not defined for the row).
    func values(of indicator: Indicator) throws -> (y: [Double], exposure: [Double]?) {
        var y: [Double] = []
        var exposure: [Double] = []
        var hasExposure = false
        for part in parts {
            let v: IndicatorValues
            do { v = try instrument.values(of: indicator, in: part.coded) } catch let e as InstrumentError {
                throw PlanError(.instrument, file: part.file.path, message: e.description)
            }
            y += v.y
            if let e = v.exposure { exposure += e; hasExposure = true } else { exposure += Array(repeating: .nan, count: v.y.count) }
        }
        return (y, hasExposure ? exposure : nil)
    }

    private func column(_ name: String, role: String, in table: RawTable, file: String) throws -> Int {
        guard let i = table.columnIndex(named: name) else {
            throw PlanError(.columnNotFound, file: file,
                            message: "the plan's \(role) names column '\(name)', which the export does not have",
                            hint: "the export's columns are: " + table.columns.joined(separator: ", "))
        }
        return i
    }

    private func number(_ table: RawTable, row: Int, column: Int, file: String, role: String) throws -> Double {
        let text = table[row, column] ?? ""
        guard let x = Double(text), x.isFinite else {
            throw dataError(table, row: row, column: column, file: file,
                            "the \(role) must be a number with a decimal point", value: text)
        }
        return x
    }

    private func dataError(_ table: RawTable, row: Int, column: Int, file: String, _ what: String, value: String) -> PlanError {
        PlanError(.invalidData, file: file, line: table.lines[row], column: column + 1,
                  message: "data row \(table.dataRowNumbers[row]), column '\(table.columns[column])': \(what), found '\(value)'",
                  hint: "correct the export, or remove the row; weights and fpc must never be missing")
    }
}
