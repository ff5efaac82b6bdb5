/// Lines with point markers on linear x and y axes, plus marked points (e.g. the best F1) and
/// vertical reference lines.
public struct LineChart: Chart {
    public struct Series: Sendable {
        public var name: String, color: String, points: [(x: Double, y: Double)]
        public var markers = true, dashed = false
        public init(name: String, color: String, points: [(x: Double, y: Double)], markers: Bool = true, dashed: Bool = false) {
            self.name = name; self.color = color; self.points = points; self.markers = markers; self.dashed = dashed
        }
    }

    /// A highlighted point with a label beside it.
    public struct Mark: Sendable {
        public var x: Double, y: Double, label: String, color: String
        public init(x: Double, y: Double, label: String, color: String) { self.x = x; self.y = y; self.label = label; self.color = color }
    }

    public var title: String, xLabel: String, yLabel: String
    public var series: [Series]
    public var marks: [Mark] = []
    public var verticals: [(x: Double, label: String)] = []
    public var xDomain: ClosedRange<Double>?, yDomain: ClosedRange<Double>?

    public init(title: String, xLabel: String, yLabel: String, series: [Series],
                xDomain: ClosedRange<Double>? = nil, yDomain: ClosedRange<Double>? = nil) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series
        self.xDomain = xDomain; self.yDomain = yDomain
    }

    public func draw(into c: inout Canvas, in frame: Rect) {
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) }
        let axes = Axes(frame: frame, xDomain: xDomain ?? ((xs.min() ?? 0)...(xs.max() ?? 1)),
                        yDomain: yDomain ?? ((ys.min() ?? 0)...(ys.max() ?? 1)))
        axes.draw(into: &c, frame: frame, title: title, xLabel: xLabel, yLabel: yLabel)
        for v in verticals {
            c.line(axes.x(v.x), axes.plot.y, axes.x(v.x), axes.plot.maxY, stroke: Palette.gray,
                   ["stroke-dasharray", "4 3", "class", "vertical", "data-x", num(v.x)].pairs)
            c.text(v.label, x: axes.x(v.x) + 4, y: axes.plot.maxY - 6, size: 10, fill: Palette.gray)
        }
        for s in series {
            let coords = s.points.map { "\(num(axes.x($0.x))),\(num(axes.y($0.y)))" }.joined(separator: " ")
            var a = ["class", "line", "data-series", s.name, "points", coords, "fill", "none", "stroke", s.color, "stroke-width", "2"].pairs
            if s.dashed { a.append(("stroke-dasharray", "6 4")) }
            c.element("polyline", a)
            guard s.markers else { continue }
            for (i, p) in s.points.enumerated() {
                c.element("circle", ["class", "marker", "data-series", s.name, "data-index", "\(i)", "cx", num(axes.x(p.x)),
                                     "cy", num(axes.y(p.y)), "r", "3", "fill", s.color].pairs)
            }
        }
        for m in marks {
            let (px, py) = (axes.x(m.x), axes.y(m.y))
            c.element("circle", ["class", "mark", "cx", num(px), "cy", num(py), "r", "7", "fill", "none", "stroke", m.color,
                                 "stroke-width", "2.5", "data-x", num(m.x), "data-y", num(m.y)].pairs)
            let right = px < axes.plot.x + axes.plot.width * 0.6
            // Below the point when it sits near the top, where the legend is.
            let below = py < axes.plot.y + 24
            c.text(m.label, x: px + (right ? 10 : -10), y: below ? py + 20 : py - 10, anchor: right ? .start : .end, size: 11, weight: "bold",
                   fill: m.color, ["class", "mark-label"].pairs)
        }
        Legend(items: series.map { ($0.name, $0.color) }).draw(into: &c, plot: axes.plot)
    }
}
