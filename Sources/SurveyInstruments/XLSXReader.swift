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
        func entry(_ name: String) throws -> Data? {
            guard let e = archive[name] else { return nil }
            var data = Data()
            do {
                _ = try archive.extract(e, skipCRC32: false) { data.append($0) }
            } catch {
                throw InstrumentError(.xlsformRead, file: path, message: "cannot extract \(name) from the workbook: \(error)")
            }
            return data
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
