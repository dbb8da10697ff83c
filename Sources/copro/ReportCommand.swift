import ArgumentParser
import Foundation
import SurveyEvaluation
import SurveyReports

/// `copro report PLAN.yaml [--format text|json] [-o PATH]`: the main job.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Run an evaluation plan and print its report (text, Markdown, JSON, CSV or HTML).",
        discussion: """
        Reads the plan's instrument and data files, codes every answer, estimates each indicator per group \
        with design-based standard errors, compares the groups, and prints a deterministic report. \
        Exit status: 0 report written, 1 input or data error, 2 bad usage.
        """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case text, markdown, json, csv, html }

    @Argument(help: "The evaluation plan (YAML), e.g. SampleData/beacon/plan.yaml.")
    var plan: String

    @Option(help: "Output format: text, markdown, json, csv or html.")
    var format: OutputFormat = .text

    @Option(name: [.short, .customLong("output")], help: "Write the report to this file (atomically) instead of standard output.")
    var output: String?

    func run() throws {
        do {
            let loaded = try Plan.load(path: plan)
            let report = try Evaluation.run(loaded)
            let text: String
            switch format {
            case .text: text = TextReport.render(report)
            case .markdown: text = MarkdownReport.render(report)
            case .json: text = try JSONReport.render(report)
            case .csv: text = CSVReport.render(report)
            case .html: text = HTMLReport.render(report)
            }
            try emit(text, to: output)
        } catch let e as PlanError {
            throw failure(e.description)
        } catch let e as ExitCode {
            throw e
        } catch {
            throw failure("internal error: \(error); please report it with the command line",
                          status: ExitStatus.internalError)
        }
    }
}
