import Foundation

/// The thesis figure "true positives, false positives and false negatives over thresholds": per
/// threshold an orange bar of all detections (TP + FP) with the green TP bar over it and the FN as a
/// purple bar downward; below it the precision/recall curve and precision, recall and F1 against the
/// threshold, both with the best-F1 threshold marked.
public enum DetectionFigure {
    public struct Point: Sendable, Equatable {
        public var threshold: Double, tp: Int, fp: Int, fn: Int
        public init(threshold: Double, tp: Int, fp: Int, fn: Int) { self.threshold = threshold; self.tp = tp; self.fp = fp; self.fn = fn }
        // 0 when the denominator is 0, as `normlab detect` writes them.
        public var precision: Double { tp + fp == 0 ? 0 : Double(tp) / Double(tp + fp) }
        public var recall: Double { tp + fn == 0 ? 0 : Double(tp) / Double(tp + fn) }
        public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }
    }

    public static let size = (width: 960.0, height: 720.0)

    /// The first point with the largest F1 (nil for an empty curve).
    public static func best(_ points: [Point]) -> Int? {
        points.indices.max { points[$0].f1 < points[$1].f1 || (points[$0].f1 == points[$1].f1 && $0 > $1) }
    }

    /// The whole figure as one SVG document.
    public static func svg(_ points: [Point], title: String) -> String {
        var figure = Figure(width: size.width, height: size.height, title: title)
        draw(points, into: &figure, at: Rect(x: 0, y: 30, width: size.width, height: size.height - 30))
        return figure.svg()
    }

    /// Bars on top (60 % of the height), the two curves side by side below.
    public static func draw(_ points: [Point], into figure: inout Figure, at r: Rect) {
        let top = r.height * 0.55
        figure.place(bars(points), in: Rect(x: r.x, y: r.y, width: r.width, height: top))
        let half = r.width / 2
        figure.place(prCurve(points), in: Rect(x: r.x, y: r.y + top, width: half, height: r.height - top))
        figure.place(scores(points), in: Rect(x: r.x + half, y: r.y + top, width: half, height: r.height - top))
    }

    public static func bars(_ points: [Point]) -> BarChart {
        BarChart(title: "detections per threshold", xLabel: "min. cosine similarity", yLabel: "count",
                 categories: thresholdLabels(points.map(\.threshold)),
                 series: [.init(name: "TP + FP", color: Palette.orange, values: points.map { Double($0.tp + $0.fp) }),
                          .init(name: "TP", color: Palette.green, values: points.map { Double($0.tp) }),
                          .init(name: "FN", color: Palette.purple, values: points.map { -Double($0.fn) })],
                 layout: .overlaid)
    }

    public static func prCurve(_ points: [Point]) -> LineChart {
        var chart = LineChart(title: "precision / recall", xLabel: "recall", yLabel: "precision",
                              series: [.init(name: "PR", color: Palette.blue, points: points.map { ($0.recall, $0.precision) })],
                              xDomain: 0...1, yDomain: 0...1)
        if let b = best(points) {
            let p = points[b]
            chart.marks = [.init(x: p.recall, y: p.precision, label: "best F1 \(String(format: "%.3f", p.f1)) at \(label(p.threshold))", color: Palette.red)]
        }
        return chart
    }

    public static func scores(_ points: [Point]) -> LineChart {
        let t = points.map(\.threshold)
        var chart = LineChart(title: "precision, recall, F1", xLabel: "min. cosine similarity", yLabel: "score",
                              series: [.init(name: "precision", color: Palette.blue, points: points.map { ($0.threshold, $0.precision) }),
                                       .init(name: "recall", color: Palette.purple, points: points.map { ($0.threshold, $0.recall) }),
                                       .init(name: "F1", color: Palette.red, points: points.map { ($0.threshold, $0.f1) })],
                              xDomain: (t.min() ?? 0)...(t.max() ?? 1), yDomain: 0...1)
        if let b = best(points) {
            let p = points[b]
            chart.marks = [.init(x: p.threshold, y: p.f1, label: "best F1", color: Palette.red)]
            chart.verticals = [(p.threshold, label(p.threshold))]
        }
        return chart
    }

    /// Threshold labels with two decimals when that is exact (0.70, 0.72, …), otherwise with the
    /// fewest decimals (3 to 6) that tell neighbours apart: a rounded "1.00" for 0.995 would claim a
    /// threshold nothing can exceed.
    static func thresholdLabels(_ t: [Double]) -> [String] {
        if t.allSatisfy({ abs($0 * 100 - ($0 * 100).rounded()) < 1e-4 }) { return t.map { String(format: "%.2f", $0) } }
        for decimals in 3...6 {
            let labels = t.map { String(format: "%.\(decimals)f", $0) }
            if Set(labels).count == Set(t).count { return labels }
        }
        return t.map { String(format: "%.6f", $0) }
    }

    static func label(_ t: Double) -> String { String(format: "%.3f", t) }
}
