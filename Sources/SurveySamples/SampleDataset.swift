import Foundation

/// A generated sample: its files (name → UTF-8 text) and a README that documents the truth.
public struct SampleDataset: Sendable {
    public var name: String
    public var files: [(name: String, contents: String)]
    public var readme: String

    public init(name: String, files: [(name: String, contents: String)], readme: String) {
        self.name = name
        self.files = files
        self.readme = readme
    }
}

/// Every sample copro can generate, by name (`copro sample-data NAME`).
public enum SampleCatalog {
    public static let names = ["beacon", "caterham", "porto-alegre", "profile", "sure-start", "tackley", "villa-family"]

    public static func generate(_ name: String, seed: UInt64? = nil) -> SampleDataset? {
        switch name {
        case "beacon": return BeaconGenerator(seed: seed ?? BeaconGenerator.defaultSeed).generate()
        case "porto-alegre": return PortoAlegreGenerator(seed: seed ?? PortoAlegreGenerator.defaultSeed).generate()
        case "caterham": return CaterhamGenerator(seed: seed ?? CaterhamGenerator.defaultSeed).generate()
        case "tackley": return TackleyGenerator(seed: seed ?? TackleyGenerator.defaultSeed).generate()
        case "sure-start": return SureStartGenerator(seed: seed ?? SureStartGenerator.defaultSeed).generate()
        case "villa-family": return VillaFamilyGenerator(seed: seed ?? VillaFamilyGenerator.defaultSeed).generate()
        case "profile": return ProfileGenerator(seed: seed ?? ProfileGenerator.defaultSeed).generate()
        default: return nil
        }
    }
}

/// Writes one CSV record: comma-separated, RFC 4180 minimal quoting, LF ending.
func csvRecord(_ fields: [String]) -> String {
    fields.map { f in
        if f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return f
    }.joined(separator: ",") + "\n"
}
