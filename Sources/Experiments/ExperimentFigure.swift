import Charts
import Foundation

/// The paper's quantitative figure (`plot.py`): three rows over the layers — the probe's last-epoch test
/// accuracy for the grids 8…64 (reds), the relative corner and border similarity (cropped image ÷
/// cropped representation, plain means, log axis, `conv_out` left out, dashed 1.0) and the relative
/// anomaly norm mean with a ±std band (log axis, dashed 1.0) — with a tick per layer (res/attn/down/up/conv)
/// and the block names below. A second result folder overlays as dashed lines. Deterministic SVG.
public enum ExperimentFigure {
    /// matplotlib's `Reds` at 0.25, 0.47, 0.68, 0.9 (plot.py's `np.linspace(0.25, 0.9, 4)`), rounded.
    static let reds = ["#fcab8f", "#f96a4d", "#d92723", "#9c0d14"]
    static let cornerColor = "#1f77b4", borderColor = "#50b0bf", anomalyColor = "#26a259"

    public static func svg(_ r: ExperimentResults, compare other: ExperimentResults? = nil, compareName: String? = nil) -> String {
        let n = r.layers.count
        var fig = Figure(width: 820, height: 510, title: nil)
        let blocks = blockSpans(r.layers)
        let separators = blocks.dropFirst().map { Double($0.start) - 0.5 }
        var rows = [accuracyRow(r, other, n), similarityRow(r, other, n), anomalyRow(r, other, n)]
        rows[2].tickLabels = r.layers.map(layerKind)
        let frames = [Rect(x: 40, y: 10, width: 770, height: 140), Rect(x: 40, y: 150, width: 770, height: 140),
                      Rect(x: 40, y: 290, width: 770, height: 180)]
        for k in rows.indices {
            rows[k].separators = separators
            fig.place(rows[k], in: frames[k])
        }
        let plot = rows[2].plotArea(frames[2])
        fig.draw { c in
            // Left of the first block's name, which is centred on layer 0.
            c.text("layers:", x: plot.x - 30, y: plot.maxY + 22, anchor: .end, size: 10)
            c.text("blocks:", x: plot.x - 30, y: plot.maxY + 58, anchor: .end, size: 10)
            for b in blocks {
                let center = (Double(b.start) + Double(b.end - 1)) / 2
                c.text(b.name, x: rows[2].x(center, in: plot), y: plot.maxY + 58, anchor: .middle, size: 11, [("class", "block-label")])
            }
            for s in separators { c.line(rows[2].x(s, in: plot), plot.maxY, rows[2].x(s, in: plot), plot.maxY + 62, stroke: "#d3d3d3", width: 1.5) }
            if let compareName {
                c.text("dashed: \(compareName)", x: plot.maxX, y: 502, anchor: .end, size: 10, fill: Palette.gray, [("class", "compare-note")])
            }
        }
        return fig.svg()
    }

    static func points(_ v: [Double]) -> [(x: Double, y: Double)] { v.enumerated().map { (Double($0), $1) } }

    static func accuracyRow(_ r: ExperimentResults, _ o: ExperimentResults?, _ n: Int) -> LayerChart {
        var row = LayerChart(yLabel: "test accuracy", axis: .linear(-5...105), ticks: [0, 50, 100], layerCount: n)
        for (k, grid) in [8, 16, 32, 64].enumerated() {
            if let a = r.finalAccuracy(grid: k) {
                row.series.append(.init(name: "\(grid)×\(grid)", color: reds[k], points: points(a.map { $0 * 100 }), markers: false))
            }
            if let a = o?.finalAccuracy(grid: k) {
                row.series.append(.init(name: "\(grid)×\(grid)", color: reds[k], points: points(a.map { $0 * 100 }), markers: false, dashed: true))
            }
        }
        return row
    }

    static func similarityRow(_ r: ExperimentResults, _ o: ExperimentResults?, _ n: Int) -> LayerChart {
        var row = LayerChart(yLabel: "rel. similarity", axis: .log(0.46...2.8), ticks: [0.5, 1, 2], layerCount: n)
        row.reference = 1
        for (group, color) in [(TokenGroup.corner, cornerColor), (.border, borderColor)] {
            for (result, dashed) in [(r, false), (o, true)] {
                guard let result, let means = result.groupMeans else { continue }
                var values = result.relativeSimilarity(group, of: means)
                if result.layers.last == "conv_out" { values.removeLast() }
                row.series.append(.init(name: "\(group)", color: color, points: points(values), markers: false, dashed: dashed))
            }
        }
        return row
    }

    static func anomalyRow(_ r: ExperimentResults, _ o: ExperimentResults?, _ n: Int) -> LayerChart {
        var row = LayerChart(yLabel: "rel. norm", axis: .log(0.45...5.8), ticks: [0.5, 1, 2, 4], layerCount: n)
        row.reference = 1
        if let summary = r.anomalySummary {
            let (mean, std) = summary
            row.bands.append(.init(name: "anomalies", color: anomalyColor, lower: zip(mean, std).map { $0 - $1 }, upper: zip(mean, std).map { $0 + $1 }))
            row.series.append(.init(name: "anomalies", color: anomalyColor, points: points(mean), markers: false))
        }
        if let summary = o?.anomalySummary {
            row.series.append(.init(name: "anomalies", color: anomalyColor, points: points(summary.mean), markers: false, dashed: true))
        }
        return row
    }

    /// The layer's kind as plot.py labels it.
    static func layerKind(_ name: String) -> String {
        name.contains("attentions") ? "attn" : name.contains("resnets") ? "res" : name.contains("downsamplers") ? "down"
            : name.contains("upsamplers") ? "up" : name.contains("conv") ? "conv" : "?"
    }

    /// Consecutive layers of one block, named conv_in, dn0…, mid, up0…, conv_out.
    static func blockSpans(_ layers: [String]) -> [(name: String, start: Int, end: Int)] {
        var spans: [(name: String, start: Int, end: Int)] = []
        for (i, layer) in layers.enumerated() {
            let block = String(layer.split(separator: ".").first ?? "")
            let name = block.hasPrefix("conv") ? block : block == "mid_block" ? "mid"
                : block.replacingOccurrences(of: "_blocks", with: "").replacingOccurrences(of: "[", with: "")
                    .replacingOccurrences(of: "]", with: "").replacingOccurrences(of: "down", with: "dn")
            if spans.last?.name == name { spans[spans.count - 1].end = i + 1 } else { spans.append((name, i, i + 1)) }
        }
        return spans
    }
}
