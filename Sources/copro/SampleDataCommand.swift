import ArgumentParser
import Foundation
import SurveySamples

/// `copro sample-data NAME [--seed S] [--out DIR]`: writes a synthetic sample and its README.
struct SampleDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample-data",
        abstract: "Generate a synthetic sample data set (seeded; byte-identical on every run).",
        discussion: "Samples: \(SampleCatalog.names.joined(separator: ", ")). The README written beside the data gives the true population values it was generated from."
    )

    @Argument(help: "The sample to generate.")
    var name: String

    @Option(help: "Random seed (default: the seed of the committed sample).")
    var seed: UInt64?

    @Option(help: "Output folder (default: SampleData/NAME).")
    var out: String?

    func validate() throws {
        guard SampleCatalog.names.contains(name) else {
            throw ValidationError("unknown sample '\(name)'; expected one of: \(SampleCatalog.names.joined(separator: ", "))")
        }
    }

    func run() throws {
        guard let sample = SampleCatalog.generate(name, seed: seed) else { throw ExitCode(ExitStatus.usage) }
        let dir = out ?? "SampleData/\(name)"
        for file in sample.files {
            try writeAtomically(Data(file.contents.utf8), to: dir + "/" + file.name)
        }
        try writeAtomically(Data(sample.readme.utf8), to: dir + "/README.md")
        print("wrote \(sample.files.count + 1) files to \(dir)")
    }
}
