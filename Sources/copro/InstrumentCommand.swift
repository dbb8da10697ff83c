import ArgumentParser
import Foundation
import SurveyInstruments

/// `copro instrument …`: working with instrument definitions.
struct InstrumentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instrument",
        abstract: "Work with instrument definitions.",
        subcommands: [ImportCommand.self])

    /// `copro instrument import FORM.xlsx [-o OUT.yaml]`.
    struct ImportCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Convert an XLSForm (.xlsx) into an instrument YAML file.",
            discussion: """
                Reads the survey, choices and settings sheets. Relevant expressions of the common forms \
                are translated to the condition language; anything that cannot be translated exactly is \
                kept as a comment in the YAML and printed as a warning on stderr. Repeat groups are \
                rejected. Exit status: 0 imported (warnings included), 1 input error, 2 usage error.
                """)

        @Argument(help: "The XLSForm workbook (.xlsx), or an SPSS/Stata/SAS file (.sav .zsav .por .dta .sas7bdat).")
        var form: String

        @Option(name: [.short, .customLong("output")], help: "Write the YAML here instead of standard output.")
        var output: String?

        @Option(help: "Label language, e.g. 'English (en)', 'English' or 'en'.")
        var language: String?

        func run() throws {
            let result = try InstrumentCLI.reportingInputErrors {
                try ReadStatInstrument.handles(path: form) ? ReadStatInstrument.importFile(path: form)
                    : XLSForm.importForm(path: form, language: language)
            }
            for w in result.warnings { InstrumentCLI.printError("\(form): warning: \(w.description)") }
            if let output {
                do {
                    try Data(result.yaml.utf8).write(to: URL(fileURLWithPath: output))
                } catch {
                    InstrumentCLI.printError("\(output): error: cannot write the instrument: \(error.localizedDescription)")
                    throw ExitCode(1)
                }
                InstrumentCLI.printError("wrote \(output): \(result.instrument.questions.count) questions, "
                                         + "\(result.warnings.count) warning(s)")
            } else {
                print(result.yaml, terminator: "")
            }
        }
    }
}
