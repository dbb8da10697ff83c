import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ZIPFoundation

/// A worksheet read from an .xlsx file: cell text by row, with the sheet's 1-based row numbers.
public struct XLSXSheet: Sendable, Equatable {
    public var name: String
    /// Rows that hold at least one cell, each padded to the widest row; empty cells are `""`.
    public var rows: [[String]]
    /// 1-based spreadsheet row number of each entry in `rows`.
    public var rowNumbers: [Int]
}

/// Reads the cell text of every worksheet of an Office Open XML workbook (.xlsx).
///
/// Follows ECMA-376 Part 1 (SpreadsheetML): `xl/workbook.xml` names the sheets and points to them
/// through `xl/_rels/workbook.xml.rels`; a cell's value is a shared-string index (`t="s"`, into
/// `xl/sharedStrings.xml`), an inline string (`t="inlineStr"`), a formula string (`t="str"`), a
/// boolean (`t="b"`, read as `TRUE`/`FALSE`) or a number (whole numbers are written without `.0`).
/// Formulas are not evaluated; their cached value is used.
public enum XLSXReader {
    /// Largest workbook part read (uncompressed bytes): 256 MiB, far above any form, so that a
    /// forged size or a "zip bomb" is an error instead of a memory exhaustion.
    static let maxPartBytes: UInt64 = 256 << 20

    /// Why a part could not be extracted (reported inside an `xlsform-read` error).
    enum ExtractError: Error, CustomStringConvertible {
        case noLocalHeader, truncated, tooLarge(UInt64), longerThanDeclared(UInt64), sizeMismatch(Int, UInt64), checksum, unsupportedMethod
        var description: String {
            switch self {
            case .noLocalHeader: "its local header is missing"
            case .truncated: "its compressed data ends before the deflate stream does (a truncated or damaged file)"
            case let .tooLarge(n): "it declares \(n) bytes, more than the \(XLSXReader.maxPartBytes >> 20) MiB a workbook part may have"
            case let .longerThanDeclared(declared): "it decompresses to more than the \(declared) bytes its header declares"
            case let .sizeMismatch(got, declared): "it holds \(got) bytes, not the \(declared) its header declares"
            case .checksum: "its CRC-32 does not match"
            case .unsupportedMethod: "it is compressed with a method other than deflate"
            }
        }
    }

    /// The bytes of `entry`, decompressed from the archive's bytes `file`, with a provider that
    /// refuses to read past the entry's compressed data.
    ///
    /// Not `Archive.extract`: ZIPFoundation 0.9.20's inflate loop (`Data.decode`, non-Apple
    /// platforms) asks its provider for more input until the deflate stream ends; at the end of
    /// the file the provider returns nothing and the loop spins forever (fuzzing finding
    /// `xlsform-timeout-689019cc…`: a workbook whose last part has a damaged deflate stream).
    /// Here the provider throws instead, and sizes and the CRC-32 are checked.
    static func extract(_ entry: Entry, from file: [UInt8]) throws -> Data {
        guard entry.uncompressedSize <= maxPartBytes else { throw ExtractError.tooLarge(entry.uncompressedSize) }
        let compressed = try compressedBytes(of: entry, in: file)
        var out = Data()
        if entry.isCompressed {
            let size = compressed.count
            _ = try Data.decompress(size: Int64(size), bufferSize: 1 << 15, skipCRC32: true, provider: { position, chunk in
                let start = Int(position)
                guard start < size else { throw ExtractError.truncated }
                // Always `chunk` bytes: the inflate loop sets `avail_in` to the buffer size, not
                // to the chunk's length, so a short last chunk is padded with zeros.
                var piece = compressed.subdata(in: start..<min(size, start + chunk))
                if piece.count < chunk { piece.append(Data(count: chunk - piece.count)) }
                return piece
            }, consumer: { part in
                out.append(part)
                if UInt64(out.count) > entry.uncompressedSize { throw ExtractError.longerThanDeclared(entry.uncompressedSize) }
            })
        } else {
            out = compressed
        }
        guard UInt64(out.count) == entry.uncompressedSize else { throw ExtractError.sizeMismatch(out.count, entry.uncompressedSize) }
        guard out.crc32(checksum: 0) == entry.checksum else { throw ExtractError.checksum }
        return out
    }

    /// The compressed data of `entry`: found from its local file header (signature `PK\3\4`, the
    /// same path), which ZIPFoundation does not expose; APPNOTE.TXT 4.3.7.
    private static func compressedBytes(of entry: Entry, in bytes: [UInt8]) throws -> Data {
        let name = Array(entry.path.utf8)
        let size = Int(clamping: entry.compressedSize)
        func u16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
        var i = 0
        while i + 30 <= bytes.count {
            if bytes[i] == 0x50 && bytes[i + 1] == 0x4B && bytes[i + 2] == 3 && bytes[i + 3] == 4 {
                let method = u16(i + 8), nameLength = u16(i + 26), extraLength = u16(i + 28)
                let start = i + 30 + nameLength + extraLength
                if i + 30 + nameLength <= bytes.count && Array(bytes[(i + 30)..<(i + 30 + nameLength)]) == name {
                    guard method == 0 || method == 8 else { throw ExtractError.unsupportedMethod }
                    guard start <= bytes.count, size <= bytes.count - start else { throw ExtractError.truncated }
                    return Data(bytes[start..<(start + size)])
                }
            }
            i += 1
        }
        throw ExtractError.noLocalHeader
    }

    /// Reads all sheets of the workbook at `path`, in workbook order.
    /// - Throws: ``InstrumentError`` `.xlsformRead` when the file is not a readable workbook.
    public static func read(path: String) throws -> [XLSXSheet] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw InstrumentError(.fileNotFound, file: path, message: "no such file")
        }
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw InstrumentError(.xlsformRead, file: path, message: "not a readable .xlsx (zip) file",
                                  hint: "save the form from Excel, LibreOffice or Google Sheets as .xlsx")
        }
        // The whole file, for ``extract(_:from:)``; a form is small, and the size is checked.
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw InstrumentError(.xlsformRead, file: path, message: "cannot read the workbook: \(error.localizedDescription)")
        }
        func entry(_ name: String) throws -> Data? {
            guard let e = archive[name] else { return nil }
            do {
                return try extract(e, from: bytes)
            } catch {
                throw InstrumentError(.xlsformRead, file: path, message: "cannot extract \(name) from the workbook: \(error)")
            }
        }
        guard let workbook = try entry("xl/workbook.xml") else {
            throw InstrumentError(.xlsformRead, file: path, message: "the archive has no xl/workbook.xml; it is not an .xlsx workbook")
        }
        let sheets = try parse(workbook, file: path, part: "xl/workbook.xml", WorkbookParser())
        let rels = try entry("xl/_rels/workbook.xml.rels").map {
            try parse($0, file: path, part: "xl/_rels/workbook.xml.rels", RelationshipsParser())
        } ?? [:]
        let shared = try entry("xl/sharedStrings.xml").map {
            try parse($0, file: path, part: "xl/sharedStrings.xml", SharedStringsParser())
        } ?? []
        return try sheets.map { sheet in
            guard let target = rels[sheet.relationship] else {
                throw InstrumentError(.xlsformRead, file: path, message: "sheet '\(sheet.name)' has no target in the workbook relationships")
            }
            let part = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
            guard let xml = try entry(part) else {
                throw InstrumentError(.xlsformRead, file: path, message: "sheet '\(sheet.name)' (\(part)) is missing from the archive")
            }
            let cells = try parse(xml, file: path, part: part, WorksheetParser(shared: shared))
            return assemble(name: sheet.name, cells)
        }
    }

    private static func assemble(name: String, _ cells: [(row: Int, column: Int, text: String)]) -> XLSXSheet {
        let byRow = Dictionary(grouping: cells.filter { !$0.text.isEmpty }, by: \.row)
        let numbers = byRow.keys.sorted()
        let width = (cells.map(\.column).max() ?? -1) + 1
        let rows = numbers.map { r -> [String] in
            var row = Array(repeating: "", count: width)
            for c in byRow[r] ?? [] { row[c.column] = c.text }
            return row
        }
        return XLSXSheet(name: name, rows: rows, rowNumbers: numbers)
    }

    private static func parse<P: PartParser & ResultProducing>(_ data: Data, file: String, part: String, _ delegate: P) throws -> P.Result {
        // Foundation's XMLParser traps on element or attribute text that is not UTF-8 (fuzzing
        // finding, docs/robustness.md): refuse such a part first.
        guard String(validating: data, as: UTF8.self) != nil else {
            throw InstrumentError(.xlsformRead, file: file, message: "malformed XML in \(part): not valid UTF-8",
                                  hint: "re-save the form in Excel or LibreOffice")
        }
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse(), delegate.failure == nil else {
            throw InstrumentError(.xlsformRead, file: file, line: parser.lineNumber,
                                  message: "malformed XML in \(part): \(delegate.failure ?? parser.parserError.map { "\($0)" } ?? "parse error")")
        }
        return delegate.result
    }

    /// 0-based column index of a cell reference such as `AB12`.
    static func columnIndex(_ reference: String) -> Int? {
        var index = 0
        var letters = 0
        for scalar in reference.unicodeScalars {
            guard ("A"..."Z").contains(scalar) else { break }
            index = index * 26 + Int(scalar.value - 64)
            letters += 1
        }
        return letters == 0 ? nil : index - 1
    }
}

/// Base of the SAX delegates: element names without their namespace prefix.
///
/// The delegate methods live here and forward to overridable hooks: on Linux the protocol's
/// optional methods have default implementations, so methods declared only in subclasses would
/// never be called through the conformance.
class PartParser: NSObject, XMLParserDelegate {
    var failure: String?
    func local(_ name: String) -> String { name.split(separator: ":").last.map(String.init) ?? name }

    func start(_ element: String, _ attributes: [String: String]) {}
    func characters(_ string: String) {}
    func end(_ element: String, _ parser: XMLParser) {}

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        start(local(elementName), attributeDict)
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { characters(string) }
    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        end(local(elementName), parser)
    }
}

/// A delegate that collects one part's content.
protocol ResultProducing { associatedtype Result; var result: Result { get } }

private final class WorkbookParser: PartParser, ResultProducing {
    var result: [(name: String, relationship: String)] = []
    override func start(_ element: String, _ attributes: [String: String]) {
        guard element == "sheet", let name = attributes["name"] else { return }
        let rid = attributes.first { local($0.key) == "id" && $0.key != "sheetId" }?.value
        result.append((name, rid ?? ""))
    }
}

private final class RelationshipsParser: PartParser, ResultProducing {
    var result: [String: String] = [:]
    override func start(_ element: String, _ attributes: [String: String]) {
        guard element == "Relationship", let id = attributes["Id"], let target = attributes["Target"] else { return }
        result[id] = target
    }
}

private final class SharedStringsParser: PartParser, ResultProducing {
    var result: [String] = []
    private var current = ""
    private var inText = false
    private var phoneticDepth = 0
    override func start(_ element: String, _ attributes: [String: String]) {
        switch element {
        case "si": current = ""
        case "t": inText = phoneticDepth == 0
        case "rPh": phoneticDepth += 1
        default: break
        }
    }
    override func characters(_ string: String) { if inText { current += string } }
    override func end(_ element: String, _ parser: XMLParser) {
        switch element {
        case "si": result.append(current)
        case "t": inText = false
        case "rPh": phoneticDepth -= 1
        default: break
        }
    }
}

private final class WorksheetParser: PartParser, ResultProducing {
    let shared: [String]
    var result: [(row: Int, column: Int, text: String)] = []
    private var row = 0
    private var column = 0
    private var type = "n"
    private var value = ""
    private var inline = ""
    private var capture: String?
    init(shared: [String]) { self.shared = shared }

    override func start(_ element: String, _ attributes: [String: String]) {
        switch element {
        case "row":
            row = attributes["r"].flatMap { Int($0) } ?? row + 1
            column = 0
        case "c":
            if let r = attributes["r"], let c = XLSXReader.columnIndex(r) { column = c }
            if let r = attributes["r"], let n = Int(r.drop { $0.isLetter }) { row = n }
            type = attributes["t"] ?? "n"
            value = ""; inline = ""
        case "v": capture = "v"
        case "t": capture = "t"
        default: break
        }
    }
    override func characters(_ string: String) {
        if capture == "v" { value += string } else if capture == "t" { inline += string }
    }
    override func end(_ element: String, _ parser: XMLParser) {
        switch element {
        case "v", "t": capture = nil
        case "c":
            let text: String
            switch type {
            case "s":
                guard let i = Int(value), shared.indices.contains(i) else {
                    failure = "cell at row \(row) refers to shared string \(value), which does not exist"
                    parser.abortParsing()
                    return
                }
                text = shared[i]
            case "inlineStr": text = inline
            case "b": text = value == "1" ? "TRUE" : "FALSE"
            case "str", "e": text = value
            default:
                if let d = Double(value), d == d.rounded(), abs(d) < 1e15 { text = String(Int64(d)) } else { text = value }
            }
            result.append((row, column, text))
            column += 1
        default: break
        }
    }
}
