import Foundation

/// One row of a layer-wise figure: values per layer (x = layer index, one slot each) on a linear or
/// logarithmic y axis, with lines, shaded bands (e.g. mean ± std), a dashed reference level, dotted
/// separators between blocks and optional per-layer tick labels. Non-finite values (and, on a log axis,
/// values ≤ 0) leave a gap in their line.
public struct LayerChart: Chart {
    public enum Axis: Sendable {
        case linear(ClosedRange<Double>)
        case log(ClosedRange<Double>)
    }

    public struct Band: Sendable {
        public var name: String, color: String, lower: [Double], upper: [Double]
        public init(name: String, color: String, lower: [Double], upper: [Double]) {
            self.name = name; self.color = color; self.lower = lower; self.upper = upper
        }
    }

    public var yLabel: String
    public var axis: Axis
    public var ticks: [Double]
    public var layerCount: Int
    /// Lines; a point's x is its layer index (`LineChart.Series` without markers by default).
    public var series: [LineChart.Series] = []
    public var bands: [Band] = []
    public var reference: Double?
    /// x positions of block boundaries (between two layer slots, e.g. 4.5).
    public var separators: [Double] = []
    /// A label under each layer slot (rotated), or none.
    public var tickLabels: [String]?

    public init(yLabel: String, axis: Axis, ticks: [Double], layerCount: Int) {
        self.yLabel = yLabel; self.axis = axis; self.ticks = ticks; self.layerCount = layerCount
    }

    public static let margin = (top: 18.0, right: 12.0, left: 64.0)

    /// The plot area inside `frame` (tick labels, when present, go below it).
    public func plotArea(_ frame: Rect) -> Rect {
        frame.inset(top: Self.margin.top, right: Self.margin.right, bottom: tickLabels == nil ? 4 : 40, left: Self.margin.left)
    }

    /// Pixel x of layer slot `i` (slots span −0.5 … layerCount − 0.5).
    public func x(_ i: Double, in plot: Rect) -> Double {
        LinearScale(domain: -0.5...(Double(layerCount) - 0.5), range: (plot.x, plot.maxX))(i)
    }

    /// Pixel y of `v`, nil when the axis cannot show it; values beyond the axis are clamped to its edge.
    public func y(_ v: Double, in plot: Rect) -> Double? {
        switch axis {
        case .linear(let d):
            guard v.isFinite else { return nil }
            return LinearScale(domain: d, range: (plot.maxY, plot.y))(min(max(v, d.lowerBound), d.upperBound))
        case .log(let d):
            guard v > 0, v.isFinite else { return nil }
            return LogScale(domain: d, range: (plot.maxY, plot.y))(min(max(v, d.lowerBound), d.upperBound))
        }
    }

    public func draw(into c: inout Canvas, in frame: Rect) {
        let plot = plotArea(frame)
        let kind: String = if case .log = axis { "log" } else { "linear" }
        c.group(["class", "layer-chart", "data-axis", kind, "data-label", yLabel].pairs) { g in
            drawFrame(&g, plot)
            for b in bands { drawBand(&g, b, plot) }
            if let reference, let ry = y(reference, in: plot) {
                g.line(plot.x, ry, plot.maxX, ry, stroke: Palette.gray, ["stroke-dasharray", "5 4", "class", "reference", "data-y", num(reference)].pairs)
            }
            for s in series { drawLine(&g, s, plot) }
            // Dashed lines are overlays of a solid one of the same colour; the legend names the solid ones.
            Legend(items: series.filter { !$0.dashed }.map { ($0.name, $0.color) }).draw(into: &g, plot: plot.inset(top: 16, right: 0, bottom: 0, left: 0))
        }
    }

    private func drawFrame(_ c: inout Canvas, _ plot: Rect) {
        for s in separators {
            c.line(x(s, in: plot), plot.y, x(s, in: plot), plot.maxY, stroke: "#d3d3d3", ["stroke-dasharray", "3 3", "class", "separator"].pairs)
        }
        for t in ticks {
            guard let ty = y(t, in: plot) else { continue }
            c.line(plot.x - 4, ty, plot.x, ty, stroke: Palette.axis, ["class", "tick y"].pairs)
            c.text(String(format: abs(t) >= 10 ? "%.0f" : "%.1f", t), x: plot.x - 7, y: ty + 4, anchor: .end, size: 10, ["class", "tick-label y", "data-value", num(t)].pairs)
        }
        c.rect(plot, fill: "none", ["stroke", Palette.axis, "class", "plot-frame"].pairs)
        c.text(yLabel, x: plot.x - 44, y: plot.y + plot.height / 2, anchor: .middle, size: 11, rotate: -90, ["class", "axis-title y"].pairs)
        guard let tickLabels else { return }
        for (i, label) in tickLabels.enumerated() {
            let tx = x(Double(i), in: plot)
            c.line(tx, plot.maxY, tx, plot.maxY + 3, stroke: Palette.axis)
            c.text(label, x: tx + 3, y: plot.maxY + 6, anchor: .end, size: 8, rotate: -90, ["class", "tick-label x"].pairs)
        }
    }

    /// The polyline pieces between gaps, as one path.
    private func path(_ points: [(x: Double, y: Double)], _ plot: Rect) -> String {
        var d = "", pen = false
        for p in points {
            guard let py = y(p.y, in: plot) else { pen = false; continue }
            d += (pen ? " L" : (d.isEmpty ? "M" : " M")) + "\(num(x(p.x, in: plot))),\(num(py))"
            pen = true
        }
        return d
    }

    private func drawLine(_ c: inout Canvas, _ s: LineChart.Series, _ plot: Rect) {
        var a = ["class", "line", "data-series", s.name, "d", path(s.points, plot), "fill", "none", "stroke", s.color, "stroke-width", "1.6"].pairs
        if s.dashed { a += ["stroke-dasharray", "6 4", "data-dashed", "true"].pairs }
        c.element("path", a)
    }

    /// The region between `lower` and `upper`, one polygon per run of layers where both are drawable.
    private func drawBand(_ c: inout Canvas, _ b: Band, _ plot: Rect) {
        var run: [(Double, Double, Double)] = []
        func flush() {
            defer { run = [] }
            guard !run.isEmpty else { return }
            let top = run.map { "\(num($0.0)),\(num($0.2))" }, bottom = run.reversed().map { "\(num($0.0)),\(num($0.1))" }
            c.element("polygon", ["class", "band", "data-series", b.name, "points", (top + bottom).joined(separator: " "),
                                  "fill", b.color, "fill-opacity", "0.2", "stroke", "none"].pairs)
        }
        for i in 0..<min(b.lower.count, b.upper.count) {
            // On a log axis a lower edge ≤ 0 is drawn at the bottom of the plot.
            guard let hi = y(b.upper[i], in: plot) else { flush(); continue }
            let lo = y(b.lower[i], in: plot) ?? (b.lower[i].isFinite ? plot.maxY : nil)
            guard let lo else { flush(); continue }
            run.append((x(Double(i), in: plot), lo, hi))
        }
        flush()
    }
}
