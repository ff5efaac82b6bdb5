import Foundation
import Testing
@testable import Charts

/// The layer-wise rows: a log axis puts equal ratios at equal distances, bands and lines leave gaps where
/// a value cannot be drawn, and the output is deterministic.
@Suite struct LayerChartTests {
    static func chart() -> LayerChart {
        var c = LayerChart(yLabel: "rel. norm", axis: .log(0.5...4), ticks: [0.5, 1, 2, 4], layerCount: 5)
        c.reference = 1
        c.series = [.init(name: "mean", color: "#26a259", points: [(0, 1), (1, 2), (2, .nan), (3, 4), (4, 0.5)], markers: false)]
        c.bands = [.init(name: "mean", color: "#26a259", lower: [0.5, 1, .nan, 2, 0.25], upper: [2, 4, .nan, 4, 1])]
        c.separators = [0.5]
        c.tickLabels = ["conv", "res", "attn", "down", "up"]
        return c
    }

    @Test func logAxisSpacesRatiosEvenly() throws {
        let frame = Rect(x: 0, y: 0, width: 400, height: 200)
        let c = Self.chart(), plot = c.plotArea(frame)
        let ys = [0.5, 1, 2, 4].map { c.y($0, in: plot)! }
        #expect(abs((ys[0] - ys[1]) - (ys[1] - ys[2])) < 1e-9 && abs((ys[1] - ys[2]) - (ys[2] - ys[3])) < 1e-9)
        #expect(abs(ys[0] - plot.maxY) < 1e-9 && abs(ys[3] - plot.y) < 1e-9)
        #expect(c.y(0, in: plot) == nil && c.y(-1, in: plot) == nil && c.y(.nan, in: plot) == nil)
        #expect(LogScale(domain: 1...100, range: (0, 10))(10) == 5)
    }

    @Test func gapsSplitLinesAndBands() throws {
        var figure = Figure(width: 400, height: 200)
        figure.place(Self.chart(), in: Rect(x: 0, y: 0, width: 400, height: 200))
        let svg = figure.svg()
        let tree = try SVGTree(svg)
        let line = try #require(tree.all("path", class: "line").first)
        // NaN at layer 2 starts a second piece.
        #expect(line.attributes["d"]!.components(separatedBy: "M").count - 1 == 2)
        #expect(tree.all("polygon", class: "band").count == 2)
        #expect(tree.all("line", class: "reference").count == 1 && tree.all("line", class: "separator").count == 1)
        #expect(tree.texts().contains("attn"))
        var again = Figure(width: 400, height: 200)
        again.place(Self.chart(), in: Rect(x: 0, y: 0, width: 400, height: 200))
        #expect(again.svg() == svg)
    }
}
