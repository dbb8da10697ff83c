/// A statistical-package file format read through ReadStat, recognised by file extension.
public enum ReadStatFormat: String, Sendable, CaseIterable {
    case sav = "spss-sav", zsav = "spss-zsav", por = "spss-por", dta = "stata-dta", sas7bdat

    /// The format of `path` from its extension (case-insensitive), or `nil` for any other file.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "sav": self = .sav
        case "zsav": self = .zsav
        case "por": self = .por
        case "dta": self = .dta
        case "sas7bdat": self = .sas7bdat
        default: return nil
        }
    }

    /// A name for messages.
    public var displayName: String {
        switch self {
        case .sav: "SPSS system file (.sav)"
        case .zsav: "compressed SPSS system file (.zsav)"
        case .por: "SPSS portable file (.por)"
        case .dta: "Stata file (.dta)"
        case .sas7bdat: "SAS data set (.sas7bdat)"
        }
    }
}
