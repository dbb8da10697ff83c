import ArgumentParser
import Foundation
import SurveyReports

@main
struct Copro: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copro",
        abstract: "Design-based evaluation of coproduced public services: survey exports in, reports out.",
        discussion: "Exit status: 0 ok, 1 input or data error, 2 bad usage, 3 internal error.",
        version: CoproVersion.string,
        subcommands: [
            ReportCommand.self, IngestCommand.self, ValidateCommand.self, CodebookCommand.self, InstrumentCommand.self,
            SampleDataCommand.self, EstimateCommand.self, CompareCommand.self,
        ]
    )

    /// Runs the command line, mapping ArgumentParser's usage failures (its exit code 64) to the
    /// documented usage status 2; help and version requests still exit 0.
    static func main() {
        InterruptHandling.install()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(ExitStatus.usage)
            }
            exit(withError: error)
        }
    }
}
