/// A grid of values (row-major, `values[y * columns + x]`, row 0 at the top as in the image) in
/// viridis, with a colour bar. Used for where labelled tokens sit in the image, the mean norm map of
/// a run and, with names and cell labels, a matrix over pairs of runs.
public struct Heatmap: Chart {
    public var title: String
    public var columns: Int, rows: Int
    public var values: [Double]
    public var valueLabel: String
    /// Top of the colour scale (default: the largest value), e.g. 1 for a Jaccard matrix.
    public var maximum: Double?
    /// Names of the columns and rows instead of index ticks (a matrix of runs).
    public var columnNames: [String]?, rowNames: [String]?
    /// Text written in each cell (row-major like `values`).
    public var cellLabels: [String]?

    public init(title: String, columns: Int, rows: Int, values: [Double], valueLabel: String) {
        self.title = title; self.columns = columns; self.rows = rows; self.values = values; self.valueLabel = valueLabel
    }

    public func draw(into c: inout Canvas, in frame: Rect) {
        c.text(title, x: frame.x + frame.width / 2, y: frame.y + 20, anchor: .middle, size: 14, weight: "bold", ["class", "chart-title"].pairs)
        let left = rowNames.map { 12 + 7 * Double($0.map(\.count).max() ?? 0) } ?? 34
        let grid = GridLayout(frame: frame.inset(top: 46, right: 90, bottom: columnNames == nil ? 30 : 40, left: left), columns: columns, rows: rows)
        let hi = maximum ?? values.max() ?? 0
        c.group(["class", "heatmap", "shape-rendering", "crispEdges"].pairs) { g in
            for y in 0..<rows {
                for x in 0..<columns {
                    let v = values[y * columns + x]
                    g.rect(grid.cell(x, y), fill: Palette.viridis(hi > 0 ? v / hi : 0),
                           ["class", "cell", "data-x", "\(x)", "data-y", "\(y)", "data-value", num(v)].pairs)
                }
            }
        }
        if let cellLabels { drawCellLabels(cellLabels, grid, into: &c, hi: hi) }
        if columnNames != nil || rowNames != nil { grid.drawNames(columns: columnNames ?? [], rows: rowNames ?? [], into: &c) } else { grid.drawIndexTicks(into: &c) }
        ColorBar(maximum: hi, label: valueLabel).draw(into: &c, at: Rect(x: grid.area.maxX + 16, y: grid.area.y, width: 14, height: grid.area.height))
    }
}

extension Heatmap {
    /// Each cell's text, dark on the light end of viridis and white on the dark end.
    func drawCellLabels(_ labels: [String], _ grid: GridLayout, into c: inout Canvas, hi: Double) {
        c.group(["class", "cell-labels"].pairs) { g in
            for (i, text) in labels.enumerated() where i < values.count {
                let r = grid.cell(i % columns, i / columns), light = hi > 0 && values[i] / hi > 0.6
                g.text(text, x: r.x + r.width / 2, y: r.y + r.height / 2 + 4, anchor: .middle, size: min(12, r.height / 3),
                       fill: light ? Palette.ink : "#ffffff", ["class", "cell-label", "data-x", "\(i % columns)", "data-y", "\(i / columns)"].pairs)
            }
        }
    }
}

/// Square cells for a columns × rows grid, centred in `frame`.
struct GridLayout {
    let area: Rect
    let size: Double
    let columns: Int, rows: Int

    init(frame: Rect, columns: Int, rows: Int) {
        self.columns = max(1, columns); self.rows = max(1, rows)
        // Whole units per cell: with crispEdges, fractional cells round unevenly and leave seams.
        size = max(1, min(frame.width / Double(self.columns), frame.height / Double(self.rows)).rounded(.down))
        let w = size * Double(self.columns), h = size * Double(self.rows)
        area = Rect(x: (frame.x + (frame.width - w) / 2).rounded(.down), y: frame.y.rounded(.down), width: w, height: h)
    }

    func cell(_ x: Int, _ y: Int) -> Rect { Rect(x: area.x + Double(x) * size, y: area.y + Double(y) * size, width: size, height: size) }

    /// x (column) and y (row) indices at a readable spacing: every 8 for 32 or 64 wide grids.
    func drawIndexTicks(into c: inout Canvas) {
        func every(_ n: Int) -> Int { [1, 2, 4, 8, 16, 32, 64].first { n / $0 <= 8 } ?? 128 }
        for x in stride(from: 0, to: columns, by: every(columns)) {
            c.text("\(x)", x: area.x + (Double(x) + 0.5) * size, y: area.maxY + 13, anchor: .middle, size: 10, ["class", "tick-label x"].pairs)
        }
        for y in stride(from: 0, to: rows, by: every(rows)) {
            c.text("\(y)", x: area.x - 4, y: area.y + (Double(y) + 0.5) * size + 3, anchor: .end, size: 10, ["class", "tick-label y"].pairs)
        }
    }
}

extension GridLayout {
    /// Column names under the grid and row names left of it.
    func drawNames(columns: [String], rows: [String], into c: inout Canvas) {
        for (x, name) in columns.enumerated() {
            c.text(name, x: area.x + (Double(x) + 0.5) * size, y: area.maxY + 15, anchor: .middle, size: 11, ["class", "tick-label x name"].pairs)
        }
        for (y, name) in rows.enumerated() {
            c.text(name, x: area.x - 6, y: area.y + (Double(y) + 0.5) * size + 4, anchor: .end, size: 11, ["class", "tick-label y name"].pairs)
        }
    }
}

/// A vertical gradient from `minimum` (bottom) to `maximum` (top) with nice ticks; `colors` takes
/// t ∈ [0, 1] along the bar (viridis unless given).
struct ColorBar {
    var minimum: Double = 0
    let maximum: Double
    let label: String
    var colors: (Double) -> String = Palette.viridis

    init(minimum: Double = 0, maximum: Double, label: String, colors: @escaping (Double) -> String = Palette.viridis) {
        self.minimum = minimum; self.maximum = maximum; self.label = label; self.colors = colors
    }

    func draw(into c: inout Canvas, at r: Rect) {
        // One rect per step instead of a <linearGradient>: no ids to collide when several charts share a document.
        let steps = 32
        for i in 0..<steps {
            let h = r.height / Double(steps)
            c.rect(Rect(x: r.x, y: r.maxY - Double(i + 1) * h, width: r.width, height: h + 0.5), fill: colors((Double(i) + 0.5) / Double(steps)),
                   ["class", "colorbar"].pairs)
        }
        let span = maximum - minimum
        let ticks = Ticks(minimum, max(maximum, minimum + 1e-9), count: 4)
        for v in ticks.values where v <= maximum * 1.0000001 && v >= minimum - 1e-9 * abs(minimum) {
            let y = r.maxY - (span > 0 ? (v - minimum) / span : 0) * r.height
            c.line(r.maxX, y, r.maxX + 4, y, stroke: Palette.axis)
            c.text(ticks.label(v), x: r.maxX + 6, y: y + 4, size: 10, ["class", "tick-label colorbar"].pairs)
        }
        c.text(label, x: r.x + r.width / 2, y: r.y - 6, anchor: .middle, size: 10)
    }
}
