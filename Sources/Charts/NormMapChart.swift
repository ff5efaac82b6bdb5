/// A token norm map (one square per token, gray from 0 to the image's largest norm, as the labeler
/// shows it) with tokens outlined: detections that are true positives, false positives, and missed
/// labelled tokens (false negatives).
public struct NormMapChart: Chart {
    public enum MarkKind: String, Sendable, CaseIterable {
        case tp, fp, fn
        public var color: String {
            switch self {
            case .tp: Palette.green
            case .fp: Palette.orange
            case .fn: Palette.purple
            }
        }
        public var title: String {
            switch self {
            case .tp: "true positive"
            case .fp: "false positive"
            case .fn: "false negative"
            }
        }
    }

    public struct Mark: Sendable, Equatable {
        public var x: Int, y: Int, kind: MarkKind
        public init(x: Int, y: Int, kind: MarkKind) { self.x = x; self.y = y; self.kind = kind }
    }

    public var title: String
    public var width: Int, height: Int
    public var norms: [Float]              // (height, width) row-major
    public var marks: [Mark]

    public init(title: String, width: Int, height: Int, norms: [Float], marks: [Mark]) {
        self.title = title; self.width = width; self.height = height; self.norms = norms; self.marks = marks
    }

    public func draw(into c: inout Canvas, in frame: Rect) {
        c.text(title, x: frame.x + frame.width / 2, y: frame.y + 20, anchor: .middle, size: 14, weight: "bold", ["class", "chart-title"].pairs)
        let grid = GridLayout(frame: frame.inset(top: 46, right: 90, bottom: 48, left: 34), columns: width, rows: height)
        let hi = Double(norms.max() ?? 0)
        c.group(["class", "normmap", "shape-rendering", "crispEdges"].pairs) { g in
            for y in 0..<height {
                for x in 0..<width {
                    let v = Double(norms[y * width + x])
                    g.rect(grid.cell(x, y), fill: Palette.gray(hi > 0 ? v / hi : 0), ["class", "token"].pairs)
                }
            }
        }
        let stroke = max(1.5, grid.size * 0.16)
        c.group(["class", "marks"].pairs) { g in
            for m in marks {
                let r = grid.cell(m.x, m.y).inset(top: stroke / 2, right: stroke / 2, bottom: stroke / 2, left: stroke / 2)
                g.rect(r, fill: "none", ["class", "mark", "data-kind", m.kind.rawValue, "data-x", "\(m.x)", "data-y", "\(m.y)",
                                         "stroke", m.kind.color, "stroke-width", num(stroke)].pairs)
            }
        }
        grid.drawIndexTicks(into: &c)
        ColorBar(maximum: hi, label: "norm", colors: Palette.gray).draw(into: &c, at: Rect(x: grid.area.maxX + 16, y: grid.area.y, width: 14, height: grid.area.height))
        let counts = MarkKind.allCases.map { k in (name: "\(k.rawValue.uppercased()) \(marks.filter { $0.kind == k }.count)", color: k.color) }
        Legend(items: counts).draw(into: &c, plot: Rect(x: grid.area.x, y: grid.area.maxY + 38, width: grid.area.width, height: 20))
    }
}
