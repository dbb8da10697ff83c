import Foundation

/// Renders the complete report model as JSON (sorted keys, pretty-printed: byte-stable).
public enum JSONReport {
    public static func render(_ r: EvaluationReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity",
                                                                      negativeInfinity: "-Infinity", nan: "NaN")
        return String(decoding: try encoder.encode(r), as: UTF8.self) + "\n"
    }
}
