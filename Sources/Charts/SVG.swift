import Foundation

/// A tiny SVG writer. Elements are collected as text in drawing order; every number goes through
/// `num` (fixed precision, no locale, no "-0"), so the same input always gives byte-identical output
/// and tests can read the structure back.
public struct Canvas: Sendable {
    public private(set) var parts: [String] = []

    public init() {}

    /// `<name a="v" …/>` or, with `text`, `<name …>text</name>` (the text is escaped).
    public mutating func element(_ name: String, _ attributes: [(String, String)], text: String? = nil) {
        let attrs = attributes.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
        if let text { parts.append("<\(name)\(attrs)>\(escape(text))</\(name)>") } else { parts.append("<\(name)\(attrs)/>") }
    }

    /// Everything `body` draws, inside `<g …>`.
    public mutating func group(_ attributes: [(String, String)], _ body: (inout Canvas) -> Void) {
        var inner = Canvas()
        body(&inner)
        let attrs = attributes.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
        parts.append("<g\(attrs)>")
        parts += inner.parts
        parts.append("</g>")
    }

    /// Raw markup (already valid SVG), e.g. a `<defs>` block.
    public mutating func raw(_ markup: String) { parts.append(markup) }

    public mutating func rect(_ r: Rect, fill: String, _ extra: [(String, String)] = []) {
        element("rect", [("x", num(r.x)), ("y", num(r.y)), ("width", num(r.width)), ("height", num(r.height)), ("fill", fill)] + extra)
    }

    public mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1,
                              _ extra: [(String, String)] = []) {
        element("line", [("x1", num(x1)), ("y1", num(y1)), ("x2", num(x2)), ("y2", num(y2)), ("stroke", stroke),
                         ("stroke-width", num(width))] + extra)
    }

    public enum Anchor: String, Sendable { case start, middle, end }

    public mutating func text(_ s: String, x: Double, y: Double, anchor: Anchor = .start, size: Double = 12,
                              rotate: Double? = nil, weight: String? = nil, fill: String = Palette.ink, _ extra: [(String, String)] = []) {
        var a: [(String, String)] = [("x", num(x)), ("y", num(y)), ("font-size", num(size)), ("text-anchor", anchor.rawValue), ("fill", fill)]
        if let weight { a.append(("font-weight", weight)) }
        if let rotate { a.append(("transform", "rotate(\(num(rotate)) \(num(x)) \(num(y)))")) }
        element("text", a + extra, text: s)
    }
}

/// A rectangle in SVG user units (y grows downward).
public struct Rect: Sendable, Equatable {
    public var x, y, width, height: Double
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
    public var maxX: Double { x + width }
    public var maxY: Double { y + height }
    /// Shrunk by the given margins.
    public func inset(top: Double, right: Double, bottom: Double, left: Double) -> Rect {
        Rect(x: x + left, y: y + top, width: max(0, width - left - right), height: max(0, height - top - bottom))
    }
}

/// Something that draws itself into a rectangle of a canvas.
public protocol Chart: Sendable {
    func draw(into canvas: inout Canvas, in frame: Rect)
}

/// A whole SVG document: white background, an optional title, charts placed in rectangles.
public struct Figure: Sendable {
    public let width: Double, height: Double
    public var title: String?
    private var canvas = Canvas()

    public init(width: Double, height: Double, title: String? = nil) {
        self.width = width; self.height = height; self.title = title
    }

    public mutating func place(_ chart: any Chart, in frame: Rect) { chart.draw(into: &canvas, in: frame) }

    public mutating func draw(_ body: (inout Canvas) -> Void) { body(&canvas) }

    public func svg() -> String {
        var head = Canvas()
        head.rect(Rect(x: 0, y: 0, width: width, height: height), fill: "#ffffff")
        if let title { head.text(title, x: width / 2, y: 22, anchor: .middle, size: 16, weight: "bold", ["class", "figure-title"].pairs) }
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(num(width))" height="\(num(height))" viewBox="0 0 \(num(width)) \(num(height))" \
            font-family="DejaVu Sans, Helvetica, Arial, sans-serif">

            """ + (head.parts + canvas.parts).joined(separator: "\n") + "\n</svg>\n"
    }
}

extension Array where Element == String {
    /// `["class", "x", "id", "y"].pairs` → `[("class", "x"), ("id", "y")]`.
    var pairs: [(String, String)] { stride(from: 0, to: count - 1, by: 2).map { (self[$0], self[$0 + 1]) } }
}

/// Fixed-precision number text: at most 2 decimals, trailing zeros dropped, never "-0".
public func num(_ v: Double) -> String {
    guard v.isFinite else { return "0" }
    var s = String(format: "%.2f", v)
    if s.contains(".") {
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
    }
    return s == "-0" ? "0" : s
}

/// XML text and attribute escaping.
public func escape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for ch in s {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(ch)
        }
    }
    return out
}
