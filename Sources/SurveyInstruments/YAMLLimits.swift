import Yams

/// Resource limits for YAML read by the instrument and plan loaders.
///
/// Yams 6.2.2 (libyaml underneath) composes a document recursively, one stack frame per nesting
/// level, and shares an anchored node with every alias to it; walking or decoding the composed
/// tree then visits each alias's target again. A "billion laughs" document (ten anchors, each a
/// list of ten aliases to the previous one) is a few hundred bytes, composes instantly, and
/// expands to 10⁹ nodes when decoded; a document of 100 000 `[` overflows the stack while being
/// composed. Neither Yams nor libyaml limits either, so the loaders check twice:
///
/// 1. ``preScan(_:)``, on the text before composing: size, alias count, and an upper bound on the
///    nesting depth (flow brackets plus block indentation and indicators on a line);
/// 2. ``checkExpansion(_:)``, on the composed tree before any walk: the number of nodes with
///    every alias expanded, counted with a budget so the count itself stays cheap.
///
/// The limits are far above what an instrument or plan needs (docs/robustness.md).
public enum YAMLLimits {
    /// Largest YAML text accepted (bytes of UTF-8).
    public static let maxBytes = 16 << 20
    /// Most alias references (`*name`) in one document.
    public static let maxAliases = 10_000
    /// Deepest nesting accepted (an upper bound estimated from the text, see ``preScan(_:)``).
    public static let maxDepth = 256
    /// Most nodes in the tree once every alias is expanded.
    public static let maxExpandedNodes = 200_000

    /// A limit that a YAML text exceeds.
    public struct Violation: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable { case size, aliases, depth, expansion }
        public var kind: Kind
        /// 1-based line where the limit was passed, when known.
        public var line: Int?
        public var message: String
        public var description: String { message }
    }

    /// Checks the text before it is composed. Linear in its length, constant memory.
    ///
    /// The depth estimate of a line is its flow depth (`[`/`{` still open, outside quotes and
    /// comments) plus its indentation plus the block indicators (`- `, `? `, `: `) on it; every
    /// real nesting level needs one of these, so the estimate is never below the true depth.
    /// - Returns: the first limit exceeded, or `nil`.
    public static func preScan(_ text: String) -> Violation? {
        let bytes = text.utf8
        if bytes.count > maxBytes {
            return Violation(kind: .size, line: nil,
                             message: "the YAML is \(bytes.count) bytes, more than the limit of \(maxBytes)")
        }
        var line = 1, flow = 0, aliases = 0
        var indent = 0, indicators = 0, atLineStart = true
        var quote: UInt8? = nil, comment = false, escaped = false
        var previous: UInt8 = 10
        var iterator = bytes.makeIterator()
        var current = iterator.next()
        while let b = current {
            let next = iterator.next()
            defer { previous = b; current = next }
            if b == 10 {
                line += 1; indent = 0; indicators = 0; atLineStart = true; comment = false; escaped = false
                if quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") { atLineStart = false }
                continue
            }
            if comment { continue }
            if let q = quote {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") && q == UInt8(ascii: "\"") {
                    escaped = true
                } else if b == q { quote = nil }
                continue
            }
            if atLineStart {
                if b == 0x20 { indent += 1; continue }
                atLineStart = false
            }
            let separated = previous == 0x20 || previous == 10 || previous == 9
                || previous == UInt8(ascii: "[") || previous == UInt8(ascii: "{") || previous == UInt8(ascii: ",")
            switch b {
            case UInt8(ascii: "#") where separated: comment = true
            case UInt8(ascii: "\"") where separated, UInt8(ascii: "'") where separated: quote = b
            case UInt8(ascii: "["), UInt8(ascii: "{"): flow += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"): flow = max(0, flow - 1)
            case UInt8(ascii: "*") where separated: aliases += 1
            case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"):
                if next == nil || next == 0x20 || next == 10 || next == 13 || next == 9 { indicators += 1 }
            default: break
            }
            if aliases > maxAliases {
                return Violation(kind: .aliases, line: line,
                                 message: "more than \(maxAliases) aliases (*name); the limit guards against alias bombs")
            }
            if flow + indent + indicators > maxDepth {
                return Violation(kind: .depth, line: line,
                                 message: "nesting deeper than \(maxDepth) levels")
            }
        }
        return nil
    }

    /// Counts the composed tree's nodes with aliases expanded, stopping past the budget.
    /// - Returns: a violation when the expanded tree has more than ``maxExpandedNodes`` nodes.
    public static func checkExpansion(_ root: Node) -> Violation? {
        var budget = maxExpandedNodes
        var stack: [Node] = [root]
        while let node = stack.popLast() {
            budget -= 1
            if budget < 0 {
                return Violation(kind: .expansion, line: root.mark?.line,
                                 message: "the document expands to more than \(maxExpandedNodes) nodes once its aliases are resolved (an alias bomb?)")
            }
            switch node {
            case let .mapping(m):
                for (k, v) in m { stack.append(k); stack.append(v) }
            case let .sequence(s):
                stack.append(contentsOf: s)
            case .scalar, .alias:
                break
            }
        }
        return nil
    }

    /// Both checks around `Yams.compose`: pre-scan, compose, expansion.
    /// - Throws: ``Violation`` or Yams' `YamlError`.
    public static func compose(_ text: String) throws -> Node? {
        if let v = preScan(text) { throw v }
        guard let node = try Yams.compose(yaml: text) else { return nil }
        if let v = checkExpansion(node) { throw v }
        return node
    }
}
