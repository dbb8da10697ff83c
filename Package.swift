// swift-tools-version: 6.1
// copro — design-based evaluation of coproduced public services.
// Module layout and the reasons for it: README.md, "Architecture".
import PackageDescription

let package = Package(
    name: "copro",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "copro", targets: ["copro"]),
        .library(name: "SurveyStatistics", targets: ["SurveyStatistics"]),
        .library(name: "SurveyIngest", targets: ["SurveyIngest"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "3.12.3"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", exact: "0.9.20"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", exact: "2.0.1"),
    ],
    targets: [
        // libcsv (Debian libcsv-dev) exposed to Swift. No logic lives here.
        .systemLibrary(
            name: "CLibCSV",
            providers: [.apt(["libcsv-dev"])]
        ),
        // ReadStat (Debian libreadstat-dev): SPSS, Stata and SAS files. No logic lives here.
        .systemLibrary(name: "CReadStat", providers: [.apt(["libreadstat-dev"])]),
        // glibc's malloc.h (mallopt), for the CLI's allocator tuning. No logic lives here.
        .systemLibrary(name: "CMalloc"),
        // Bytes → text → records. The only importer of CLibCSV and CReadStat.
        .target(
            name: "SurveyIngest",
            dependencies: [
                "CLibCSV", "CReadStat",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Instruments (questions, codes, skip logic, scales, indicators) and coding raw tables.
        .target(
            name: "SurveyInstruments",
            dependencies: [
                "SurveyIngest",
                .product(name: "Yams", package: "Yams"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        // Seeded generators of the synthetic sample data in SampleData/ (no file access).
        .target(name: "SurveySamples", dependencies: ["SurveyStatistics"]),
        // Pure numerics: distributions, designs, estimators, variance, tests. Sees no files.
        .target(name: "SurveyStatistics"),
        // Report model → deterministic text/Markdown/JSON/CSV/HTML. Computes nothing.
        .target(
            name: "SurveyReports",
            dependencies: ["SurveyStatistics"]
        ),
        // Evaluation plans: loads a plan, runs ingest → coding → estimation, builds the report model.
        .target(
            name: "SurveyEvaluation",
            dependencies: [
                "SurveyIngest", "SurveyInstruments", "SurveyStatistics", "SurveyReports",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The thin command-line front end.
        .executableTarget(
            name: "copro",
            dependencies: [
                "SurveyIngest", "SurveyInstruments", "SurveyStatistics", "SurveyReports", "SurveyEvaluation",
                "SurveySamples", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "SurveyIngestTests",
            dependencies: ["SurveyIngest", .product(name: "PropertyBased", package: "swift-property-based")],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "SurveyStatisticsTests", dependencies: ["SurveyStatistics", .product(name: "PropertyBased", package: "swift-property-based")]),
        // Data-driven tests over ../shared/reference (override with COPRO_REFERENCE_DIR).
        .testTarget(name: "ReferenceTests", dependencies: ["SurveyStatistics", "SurveyIngest"]),
        .testTarget(name: "SurveyInstrumentsTests", dependencies: ["SurveyInstruments"], exclude: ["Fixtures"]),
        .testTarget(name: "SurveyReportsTests", dependencies: ["SurveyReports"]),
        .testTarget(name: "SurveyEvaluationTests", dependencies: ["SurveyEvaluation", "SurveySamples"]),
        // Runs the built `copro` binary on SampleData/ against golden reports.
        .testTarget(name: "CoproTests", dependencies: ["copro"]),
    ],
    swiftLanguageModes: [.v6]
)
