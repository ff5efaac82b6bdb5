/// One token map (one square per token) in a fixed colour scale, with the picked token circled:
/// a norm map (gray, 0 to the image's largest norm) or a similarity map (`Palette.diverging`, -1 to 1).
public struct TokenMapChart: Chart {
    public enum Scale: Sendable { case norm, cosine }

    public var title: String
    public var width: Int, height: Int
    public var values: [Float]             // (height, width) row-major
    public var scale: Scale
    /// The picked token, when it lies in this image.
    public var marked: (x: Int, y: Int)?

    public init(title: String, width: Int, height: Int, values: [Float], scale: Scale, marked: (x: Int, y: Int)?) {
        self.title = title; self.width = width; self.height = height; self.values = values; self.scale = scale; self.marked = marked
    }

    public func draw(into c: inout Canvas, in frame: Rect) {
        c.text(title, x: frame.x + frame.width / 2, y: frame.y + 20, anchor: .middle, size: 13, weight: "bold", ["class", "chart-title"].pairs)
        let grid = GridLayout(frame: frame.inset(top: 40, right: 70, bottom: 24, left: 28), columns: width, rows: height)
        let hi: Double = scale == .norm ? Double(values.max() ?? 0) : 1
        let lo: Double = scale == .norm ? 0 : -1
        func color(_ v: Double) -> String { scale == .norm ? Palette.gray(hi > 0 ? v / hi : 0) : Palette.diverging(v) }
        c.group(["class", scale == .norm ? "normmap" : "similaritymap", "shape-rendering", "crispEdges"].pairs) { g in
            for y in 0..<height {
                for x in 0..<width {
                    let v = Double(values[y * width + x])
                    g.rect(grid.cell(x, y), fill: color(v), ["class", "token", "data-x", "\(x)", "data-y", "\(y)", "data-value", num4(v)].pairs)
                }
            }
        }
        if let m = marked {
            let r = grid.cell(m.x, m.y), radius = max(3, grid.size * 0.7)
            // A dark ring with a white core: visible on black, white and red tokens alike.
            for (stroke, width, tag) in [(Palette.ink, max(2.5, grid.size * 0.2), true), ("#ffffff", max(1, grid.size * 0.08), false)] {
                c.element("circle", [("cx", num(r.x + r.width / 2)), ("cy", num(r.y + r.height / 2)), ("r", num(radius)), ("fill", "none"),
                                     ("stroke", stroke), ("stroke-width", num(width))] + (tag ? [("class", "picked"), ("data-x", "\(m.x)"), ("data-y", "\(m.y)")] : []))
            }
        }
        grid.drawIndexTicks(into: &c)
        let bar = ColorBar(minimum: lo, maximum: hi, label: scale == .norm ? "norm" : "cosine") { t in
            scale == .norm ? Palette.gray(t) : Palette.diverging(2 * t - 1)
        }
        bar.draw(into: &c, at: Rect(x: grid.area.maxX + 12, y: grid.area.y, width: 12, height: grid.area.height))
    }

    /// Four decimals: enough to read a cosine back from the SVG.
    private func num4(_ v: Double) -> String { v.isFinite ? String(format: "%.4f", v) : "0" }
}

/// The paper's Fig. 1 panel: the norm map of the picked token's image, its similarity map within the
/// image, then its similarity maps in other images, side by side.
public enum SimilarityFigure {
    public struct Map: Sendable {
        public var image: Int
        public var values: [Float]
        public init(image: Int, values: [Float]) { self.image = image; self.values = values }
    }

    /// `norms` of the query image; `maps` the similarity maps, the query image's first.
    public static func svg(title: String, width: Int, height: Int, query: (image: Int, x: Int, y: Int), norms: [Float], maps: [Map]) -> String {
        // 300 wide panels; as tall as the grid's cells (TokenMapChart's margins: 98 across, 64 down) need.
        let cell = max(1, min(202 / Double(max(1, width)), 266 / Double(max(1, height))).rounded(.down))
        let panel = (width: 300.0, height: 64 + cell * Double(height) + 8)
        var figure = Figure(width: panel.width * Double(1 + maps.count), height: panel.height + 34, title: title)
        let normChart = TokenMapChart(title: "norms, image \(query.image)", width: width, height: height, values: norms, scale: .norm,
                                      marked: (query.x, query.y))
        figure.place(normChart, in: Rect(x: 0, y: 34, width: panel.width, height: panel.height))
        for (k, m) in maps.enumerated() {
            let chart = TokenMapChart(title: "cosine, image \(m.image)", width: width, height: height, values: m.values, scale: .cosine,
                                      marked: m.image == query.image ? (query.x, query.y) : nil)
            figure.place(chart, in: Rect(x: panel.width * Double(k + 1), y: 34, width: panel.width, height: panel.height))
        }
        return figure.svg()
    }
}
