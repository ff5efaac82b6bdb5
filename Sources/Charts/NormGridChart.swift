/// Norm maps in a grid: one row per run (a model, a block), one column per image or per run at
/// another timestep, with one gray scale per row (black 0 to white at the row's largest norm) so maps
/// of one row compare by eye while rows of very different norms each keep their contrast.
public struct NormGridChart: Chart {
    public struct Panel: Sendable {
        public var title: String
        public var width: Int, height: Int
        public var norms: [Float]          // (height, width) row-major
        public init(title: String, width: Int, height: Int, norms: [Float]) {
            self.title = title; self.width = width; self.height = height; self.norms = norms
        }
    }

    public struct Row: Sendable {
        public var name: String
        public var panels: [Panel]
        public init(name: String, panels: [Panel]) { self.name = name; self.panels = panels }
        /// The top of this row's scale.
        public var maximum: Double { Double(panels.flatMap(\.norms).max() ?? 0) }
    }

    public var title: String
    public var rows: [Row]

    public init(title: String, rows: [Row]) { self.title = title; self.rows = rows }

    /// Size of a figure that shows every panel at `panel` units.
    public func size(panel: Double = 180) -> (width: Double, height: Double) {
        let columns = Double(rows.map(\.panels.count).max() ?? 1)
        return (labelWidth + columns * (panel + 10) + 80, 50 + Double(rows.count) * (panel + 26))
    }

    var labelWidth: Double { 20 + 7 * Double(rows.map(\.name.count).max() ?? 0) }

    public func draw(into c: inout Canvas, in frame: Rect) {
        c.text(title, x: frame.x + frame.width / 2, y: frame.y + 20, anchor: .middle, size: 14, weight: "bold", ["class", "chart-title"].pairs)
        let columns = max(1, rows.map(\.panels.count).max() ?? 1)
        let rowHeight = (frame.height - 50) / Double(max(1, rows.count))
        let panel = min(rowHeight - 26, (frame.width - labelWidth - 80) / Double(columns) - 10)
        for (r, row) in rows.enumerated() {
            let y = frame.y + 50 + Double(r) * rowHeight, hi = row.maximum
            c.text(row.name, x: frame.x + labelWidth - 10, y: y + 16 + panel / 2, anchor: .end, size: 12, weight: "bold", ["class", "row-label"].pairs)
            c.group(["class", "normgrid-row", "data-row", "\(r)", "data-name", row.name, "data-max", num(hi)].pairs) { g in
                for (i, p) in row.panels.enumerated() {
                    let x = frame.x + labelWidth + Double(i) * (panel + 10)
                    g.text(p.title, x: x + panel / 2, y: y + 12, anchor: .middle, size: 11, ["class", "panel-title"].pairs)
                    Self.drawPanel(p, column: i, in: Rect(x: x, y: y + 18, width: panel, height: panel), maximum: hi, into: &g)
                }
            }
            let bar = Rect(x: frame.x + labelWidth + Double(columns) * (panel + 10), y: y + 18, width: 12, height: panel)
            ColorBar(maximum: hi, label: "norm", colors: Palette.gray).draw(into: &c, at: bar)
        }
    }

    static func drawPanel(_ p: Panel, column: Int, in r: Rect, maximum hi: Double, into c: inout Canvas) {
        let grid = GridLayout(frame: r, columns: p.width, rows: p.height)
        c.group(["class", "normgrid-panel", "data-column", "\(column)", "data-title", p.title, "shape-rendering", "crispEdges"].pairs) { g in
            for y in 0..<p.height {
                for x in 0..<p.width {
                    let v = Double(p.norms[y * p.width + x])
                    g.rect(grid.cell(x, y), fill: Palette.gray(hi > 0 ? v / hi : 0), ["class", "token", "data-norm", num(v)].pairs)
                }
            }
        }
    }
}
