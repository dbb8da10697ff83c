import ArgumentParser

/// The linearisation-design options shared by `copro estimate` and `copro compare`
/// (`--strata`, `--cluster`…, `--fpc`…, `--nest`, `--lonely-psu`). The weight option is not here:
/// `estimate` requires it and `compare` defaults to equal weights.
struct DesignOptions: ParsableArguments {
    @Option(help: "Column of stratum labels.")
    var strata: String?

    @Option(name: .customLong("cluster"), help: "Column of cluster (PSU, e.g. area) labels; repeat for later stages.")
    var clusters: [String] = []

    @Option(name: .customLong("fpc"), help: "Column of finite population corrections (population size > 1 or sampling fraction ≤ 1); one per stage.")
    var fpcs: [String] = []

    @Flag(help: "PSU labels are only unique within strata.")
    var nest = false

    @Option(name: .customLong("lonely-psu"), help: "Single-PSU strata: fail, remove, adjust, average or certainty.")
    var lonelyPSU: String = "fail"
}
