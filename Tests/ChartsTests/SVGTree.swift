import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An SVG document read back with an XML parser (so a test also proves the output is well-formed):
/// every element in document order with its attributes and text.
struct SVGTree {
    struct Element {
        let name: String
        let attributes: [String: String]
        var text = ""
        func number(_ key: String) -> Double { Double(attributes[key] ?? "") ?? .nan }
        func has(class c: String) -> Bool { (attributes["class"] ?? "").split(separator: " ").contains(Substring(c)) }
    }

    let elements: [Element]

    init(_ svg: String) throws {
        let delegate = Collector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = delegate
        guard parser.parse() else { throw ParseFailure(description: "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?")") }
        elements = delegate.elements
    }

    func all(_ name: String, class c: String? = nil) -> [Element] {
        elements.filter { $0.name == name && (c == nil || $0.has(class: c!)) }
    }

    func texts() -> [String] { all("text").map(\.text) }

    struct ParseFailure: Error, CustomStringConvertible { let description: String }

    private final class Collector: NSObject, XMLParserDelegate {
        var elements: [Element] = []
        private var open: [Int] = []

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            open.append(elements.count)
            elements.append(Element(name: name, attributes: attributes))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let i = open.last { elements[i].text += string }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            _ = open.popLast()
        }
    }
}
