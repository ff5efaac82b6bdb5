import Charts
import Foundation

extension NormStatistics {
    /// The report's "dataset statistics" section.
    public var textLines: [String] {
        var out = ["dataset statistics: token norms of all \(imageCount) images (\(grid.width)×\(grid.height) tokens)"]
        if let lo = meanNorms.indices.min(by: { meanNorms[$0] < meanNorms[$1] }), let hi = meanNorms.indices.max(by: { meanNorms[$0] < meanNorms[$1] }) {
            let mean = meanNorms.reduce(0, +) / Double(meanNorms.count)
            out.append(String(format: "mean norm map (per position, over all images): lowest %.4f at (%d, %d), highest %.4f at (%d, %d), average %.4f",
                              meanNorms[lo], lo % grid.width, lo / grid.width, meanNorms[hi], hi % grid.width, hi / grid.width, mean))
        }
        out.append("tokens above k × their image's mean norm:")
        out.append("      k      tokens    share   labelled    share   images with ≥ 1    share")
        for a in above {
            out.append(String(format: "  %4.0f×  %10d  %6.2f %%  %9d  %6.2f %%  %16d  %6.2f %%", a.k, a.tokens, share(a.tokens, tokenCount),
                              a.labelledTokens, share(a.labelledTokens, labelledCount), a.images, share(a.images, imageCount)))
        }
        out.append("norm histogram (\(all.count) bins over [0, \(String(format: "%.4f", edges.last ?? 0))]; "
                   + "patch = the smallest norm of each 2×2 patch at even coordinates):")
        out.append("  bin                      labelled      patch        all")
        for b in all.indices where labelled[b] + patches[b] + all[b] > 0 {
            out.append(String(format: "  [%9.4f, %9.4f) %9d %10d %10d", edges[b], edges[b + 1], labelled[b], patches[b], all[b]))
        }
        return out
    }

    private func share(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : 100 * Double(a) / Double(b) }

    /// Height of `draw`'s panels.
    public static let panelHeight = 340.0 + 300

    /// The mean norm map and the norm histograms side by side, the shares above k × mean below.
    public func draw(into figure: inout Figure, at r: Rect) {
        let half = r.width / 2
        figure.place(Heatmap(title: "mean token norm over \(imageCount) images", columns: grid.width, rows: grid.height, values: meanNorms,
                             valueLabel: "mean norm"), in: Rect(x: r.x, y: r.y, width: half, height: 340))
        figure.place(Histogram(title: "token norm", xLabel: "norm", edges: edges,
                               series: [.init(name: "labelled", color: Palette.green, counts: labelled),
                                        .init(name: "patch (min of 4)", color: Palette.orange, counts: patches),
                                        .init(name: "all", color: Palette.gray, counts: all)], normalized: true),
                     in: Rect(x: r.x + half, y: r.y, width: half, height: 340))
        figure.place(aboveChart, in: Rect(x: r.x, y: r.y + 340, width: r.width, height: 300))
    }

    var aboveChart: BarChart {
        func f(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
        var chart = BarChart(title: "tokens above k × their image's mean norm", xLabel: "k", yLabel: "share",
                             categories: above.map { String(format: "%g×", $0.k) },
                             series: [.init(name: "all tokens", color: Palette.gray, values: above.map { f($0.tokens, tokenCount) }),
                                      .init(name: "labelled tokens", color: Palette.green, values: above.map { f($0.labelledTokens, labelledCount) }),
                                      .init(name: "images with ≥ 1", color: Palette.blue, values: above.map { f($0.images, imageCount) })],
                             layout: .grouped)
        chart.valueLabels = true
        return chart
    }

    /// The panels as one SVG document (the report page's statistics card).
    public func svg(run: String) -> String {
        var figure = Figure(width: DetectionFigure.size.width, height: 40 + Self.panelHeight, title: "run '\(run)': token norms")
        draw(into: &figure, at: Rect(x: 0, y: 40, width: DetectionFigure.size.width, height: Self.panelHeight))
        return figure.svg()
    }
}
