import ArgumentParser
import SurveyReports

@main
struct Copro: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copro",
        abstract: "Design-based evaluation of coproduced public services: survey exports in, reports out.",
        version: CoproVersion.string,
        subcommands: [EstimateCommand.self]
    )
}
