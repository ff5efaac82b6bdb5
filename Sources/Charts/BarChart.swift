/// Bars per category for one or more series: overlaid (each from zero, drawn in series order, so a
/// smaller series shows on top of a larger one), grouped (side by side) or stacked. Negative values
/// go downward from the zero line (the thesis figure draws false negatives that way).
public struct BarChart: Chart {
    public enum Layout: String, Sendable { case overlaid, grouped, stacked }

    public struct Series: Sendable {
        public var name: String, color: String, values: [Double]
        public init(name: String, color: String, values: [Double]) { self.name = name; self.color = color; self.values = values }
    }

    public var title: String, xLabel: String, yLabel: String
    public var categories: [String]
    public var series: [Series]
    public var layout: Layout
    public var legend = true
    /// Print each bar's value above it (below it for negative values); for charts with few bars.
    public var valueLabels = false

    public init(title: String, xLabel: String, yLabel: String, categories: [String], series: [Series], layout: Layout) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
        self.categories = categories; self.series = series; self.layout = layout
    }

    /// Bottom and top of every bar in data units, per series and category.
    func extents() -> [[(lo: Double, hi: Double)]] {
        var up = [Double](repeating: 0, count: categories.count), down = up
        return series.map { s in
            categories.indices.map { i in
                let v = i < s.values.count && !s.values[i].isNaN ? s.values[i] : 0
                guard layout == .stacked else { return (min(0, v), max(0, v)) }
                if v >= 0 { defer { up[i] += v }; return (up[i], up[i] + v) }
                defer { down[i] += v }
                return (down[i] + v, down[i])
            }
        }
    }

    public func draw(into c: inout Canvas, in frame: Rect) {
        let ext = extents()
        let lo = ext.flatMap { $0.map(\.lo) }.min() ?? 0, hi = ext.flatMap { $0.map(\.hi) }.max() ?? 1
        let axes = Axes(frame: frame, xDomain: nil, yDomain: min(0, lo)...max(hi, lo == 0 && hi == 0 ? 1 : hi))
        axes.draw(into: &c, frame: frame, title: title, xLabel: xLabel, yLabel: yLabel)
        let n = Double(max(1, categories.count)), slot = axes.plot.width / n
        let groupWidth = slot * 0.8, k = Double(max(1, series.count))
        c.group(["class", "bars"].pairs) { g in
            for (si, s) in series.enumerated() {
                for i in categories.indices {
                    let (a, b) = ext[si][i]
                    let value = i < s.values.count ? s.values[i] : 0
                    let width = layout == .grouped ? groupWidth / k : groupWidth
                    let x = axes.plot.x + slot * Double(i) + slot * 0.1 + (layout == .grouped ? width * Double(si) : 0)
                    let top = axes.y(b), bottom = axes.y(a)
                    // NaN = no value (e.g. a mean over no pairs): no bar, "n/a" where it would be.
                    if value.isNaN {
                        g.text("n/a", x: x + width / 2, y: axes.y(0) - 4, anchor: .middle, size: 10, fill: Palette.gray, ["class", "value-label"].pairs)
                        continue
                    }
                    g.rect(Rect(x: x, y: top, width: width, height: bottom - top), fill: s.color,
                           ["class", "bar", "data-series", s.name, "data-index", "\(i)", "data-value", num(value)].pairs)
                    if valueLabels {
                        g.text(Self.valueText(value), x: x + width / 2, y: value < 0 ? bottom + 13 : top - 4, anchor: .middle, size: 10,
                               ["class", "value-label"].pairs)
                    }
                }
            }
        }
        drawCategoryLabels(into: &c, axes: axes, slot: slot)
        if legend { Legend(items: series.map { ($0.name, $0.color) }).draw(into: &c, plot: axes.plot) }
    }

    /// Up to 4 significant digits, fixed-point.
    static func valueText(_ v: Double) -> String {
        let a = abs(v)
        return String(format: a >= 1000 || a == a.rounded() ? "%.0f" : a >= 10 ? "%.2f" : "%.3f", v)
    }

    /// Every category's label when they fit, otherwise every k-th (always the first and last).
    private func drawCategoryLabels(into c: inout Canvas, axes: Axes, slot: Double) {
        let longest = Double(categories.map(\.count).max() ?? 1) * 6.5 + 6
        let every = max(1, Int((longest / slot).rounded(.up)))
        for (i, label) in categories.enumerated() where i % every == 0 {
            c.text(label, x: axes.plot.x + slot * (Double(i) + 0.5), y: axes.plot.maxY + 16, anchor: .middle, size: 11,
                   ["class", "tick-label x"].pairs)
        }
    }
}
