/// Two (or more) overlaid histograms over the same bins, drawn as translucent bars. With
/// `normalized`, each series shows the share of its own total per bin, so a few hundred labelled
/// tokens compare with millions of others.
public struct Histogram: Chart {
    public struct Series: Sendable {
        public var name: String, color: String, counts: [Int]
        public init(name: String, color: String, counts: [Int]) { self.name = name; self.color = color; self.counts = counts }
        public var total: Int { counts.reduce(0, +) }
    }

    public var title: String, xLabel: String
    public var edges: [Double]           // bins + 1 edges, increasing
    public var series: [Series]
    public var normalized: Bool

    public init(title: String, xLabel: String, edges: [Double], series: [Series], normalized: Bool) {
        self.title = title; self.xLabel = xLabel; self.edges = edges; self.series = series; self.normalized = normalized
    }

    func height(_ s: Series, _ bin: Int) -> Double {
        let count = Double(bin < s.counts.count ? s.counts[bin] : 0)
        return normalized ? (s.total == 0 ? 0 : count / Double(s.total)) : count
    }

    public func draw(into c: inout Canvas, in frame: Rect) {
        let bins = max(0, edges.count - 1)
        let top = series.flatMap { s in (0..<bins).map { height(s, $0) } }.max() ?? 1
        let axes = Axes(frame: frame, xDomain: (edges.first ?? 0)...(edges.last ?? 1), yDomain: 0...max(top, normalized ? 0.01 : 1))
        axes.draw(into: &c, frame: frame, title: title, xLabel: xLabel, yLabel: normalized ? "share of tokens" : "count")
        c.group(["class", "histogram"].pairs) { g in
            for s in series {
                for b in 0..<bins {
                    let x0 = axes.x(edges[b]), x1 = axes.x(edges[b + 1]), y = axes.y(height(s, b))
                    g.rect(Rect(x: x0, y: y, width: x1 - x0, height: axes.y(0) - y), fill: s.color,
                           ["class", "hist-bar", "fill-opacity", "0.55", "data-series", s.name, "data-bin", "\(b)",
                            "data-count", "\(b < s.counts.count ? s.counts[b] : 0)"].pairs)
                }
            }
        }
        Legend(items: series.map { ("\($0.name) (n=\($0.total))", $0.color) }).draw(into: &c, plot: axes.plot)
    }
}
