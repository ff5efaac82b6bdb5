/// A plot frame: title above, value axes with nice ticks and grid lines, axis titles.
/// Charts compute their domains, then ask `Axes` for the scales and let it draw the frame.
struct Axes {
    static let margin = (top: 50.0, right: 28.0, bottom: 52.0, left: 64.0)

    let plot: Rect
    let x: LinearScale, y: LinearScale
    let xTicks: Ticks?, yTicks: Ticks

    /// `xDomain == nil` means a categorical x axis (the chart labels its slots itself).
    init(frame: Rect, xDomain: ClosedRange<Double>?, yDomain: ClosedRange<Double>, xTickCount: Int = 6, yTickCount: Int = 5) {
        plot = frame.inset(top: Self.margin.top, right: Self.margin.right, bottom: Self.margin.bottom, left: Self.margin.left)
        let yt = Ticks(yDomain.lowerBound, yDomain.upperBound, count: yTickCount)
        yTicks = yt
        y = LinearScale(domain: yt.lower...yt.upper, range: (plot.maxY, plot.y))
        if let xDomain {
            let xt = Ticks(xDomain.lowerBound, xDomain.upperBound, count: xTickCount)
            xTicks = xt
            x = LinearScale(domain: xt.lower...xt.upper, range: (plot.x, plot.maxX))
        } else {
            xTicks = nil
            x = LinearScale(domain: 0...1, range: (plot.x, plot.maxX))
        }
    }

    /// Grid, tick labels, the zero line, axis lines and titles.
    func draw(into c: inout Canvas, frame: Rect, title: String, xLabel: String, yLabel: String) {
        c.text(title, x: frame.x + frame.width / 2, y: frame.y + 20, anchor: .middle, size: 14, weight: "bold", ["class", "chart-title"].pairs)
        for v in yTicks.values {
            c.line(plot.x, y(v), plot.maxX, y(v), stroke: Palette.grid, ["class", "grid"].pairs)
            c.text(yTicks.label(v), x: plot.x - 6, y: y(v) + 4, anchor: .end, size: 11, ["class", "tick-label y"].pairs)
        }
        if let xTicks {
            for v in xTicks.values {
                c.line(x(v), plot.y, x(v), plot.maxY, stroke: Palette.grid, ["class", "grid"].pairs)
                c.text(xTicks.label(v), x: x(v), y: plot.maxY + 16, anchor: .middle, size: 11, ["class", "tick-label x"].pairs)
            }
        }
        if yTicks.lower < 0 && yTicks.upper > 0 { c.line(plot.x, y(0), plot.maxX, y(0), stroke: Palette.axis, ["class", "zero-line"].pairs) }
        c.line(plot.x, plot.maxY, plot.maxX, plot.maxY, stroke: Palette.axis, ["class", "axis x"].pairs)
        c.line(plot.x, plot.y, plot.x, plot.maxY, stroke: Palette.axis, ["class", "axis y"].pairs)
        c.text(xLabel, x: plot.x + plot.width / 2, y: frame.maxY - 10, anchor: .middle, size: 12, ["class", "axis-title x"].pairs)
        let ym = plot.y + plot.height / 2
        c.text(yLabel, x: frame.x + 16, y: ym, anchor: .middle, size: 12, rotate: -90, ["class", "axis-title y"].pairs)
    }
}

/// A row of colour swatches with names, right-aligned just above a plot area (between the chart's
/// title and its data, so it never hides a bar or a line).
struct Legend {
    let items: [(name: String, color: String)]

    func draw(into c: inout Canvas, plot: Rect) {
        let widths = items.map { 22 + 7 * Double($0.name.count) + 12 }
        var x = plot.maxX - widths.reduce(0, +)
        c.group(["class", "legend"].pairs) { g in
            for (item, w) in zip(items, widths) {
                g.rect(Rect(x: x, y: plot.y - 17, width: 14, height: 10), fill: item.color, ["data-series", item.name].pairs)
                g.text(item.name, x: x + 18, y: plot.y - 8, size: 11)
                x += w
            }
        }
    }
}
