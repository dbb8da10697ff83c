import ArgumentParser
import Foundation
#if canImport(Glibc)
import CMalloc
#endif
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
        #if canImport(Glibc)
        // Large buffers (columns of a million rows, parse windows) come from the heap and stay
        // there when freed, so the next one reuses pages already faulted in instead of mapping
        // fresh ones (each first touch of a page costs a fault). BENCHMARKS.md, "Estimation".
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
        #endif
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
