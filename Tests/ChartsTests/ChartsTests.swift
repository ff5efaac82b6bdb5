import Foundation
import Testing
@testable import Charts

/// The SVG writer's building blocks: number text, escaping, ticks, and each chart's structure read
/// back from the document (bar heights in proportion to the values, bars below zero going down).
@Suite struct ChartsTests {
    @Test func numbersAndEscaping() {
        #expect(num(1) == "1" && num(0.5) == "0.5" && num(2.345678) == "2.35" && num(-0.001) == "0" && num(.nan) == "0")
        #expect(escape("a<b & \"c\" 'd'>") == "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;")
    }

    @Test func niceTicksCoverTheRangeWithRoundSteps() {
        let t = Ticks(0, 87, count: 5)
        #expect(t.step == 20 && t.values == [0, 20, 40, 60, 80, 100])
        let neg = Ticks(-13, 40, count: 5)
        #expect(neg.step == 20 && neg.values == [-20, 0, 20, 40])
        let small = Ticks(0.6, 0.99, count: 5)
        #expect(small.step == 0.1 && small.values.count == 5 && small.label(small.values[1]) == "0.7")
        #expect(Ticks(3, 3).values.count >= 2, "a zero-width range still gets an axis")
    }

    @Test func overlaidBarsAreProportionalAndNegativesGoDown() throws {
        var figure = Figure(width: 600, height: 400, title: "t <&> \"q\"")
        let chart = BarChart(title: "bars", xLabel: "x", yLabel: "count", categories: ["a", "b", "c"],
                             series: [.init(name: "all", color: "#f00", values: [10, 40, 0]),
                                      .init(name: "tp", color: "#0f0", values: [5, 20, 0]),
                                      .init(name: "fn", color: "#00f", values: [-10, 0, -30])], layout: .overlaid)
        figure.place(chart, in: Rect(x: 0, y: 30, width: 600, height: 370))
        let tree = try SVGTree(figure.svg())
        #expect(tree.texts().contains("t <&> \"q\""), "the title survives escaping")
        let bars = tree.all("rect", class: "bar")
        #expect(bars.count == 9)
        func bar(_ s: String, _ i: Int) throws -> SVGTree.Element {
            try #require(bars.first { $0.attributes["data-series"] == s && $0.attributes["data-index"] == "\(i)" })
        }
        let a0 = try bar("all", 0), a1 = try bar("all", 1), t1 = try bar("tp", 1), f2 = try bar("fn", 2), f0 = try bar("fn", 0)
        #expect(abs(a1.number("height") / a0.number("height") - 4) < 0.01)
        #expect(abs(t1.number("height") / a1.number("height") - 0.5) < 0.01)
        #expect(abs(f2.number("height") / f0.number("height") - 3) < 0.01)
        // Up from the zero line vs down from it: positive bars end where negative ones start.
        #expect(abs(a0.number("y") + a0.number("height") - f0.number("y")) < 0.02)
        #expect(f2.number("y") > a1.number("y") + a1.number("height") - 0.02)
        #expect(tree.all("line", class: "zero-line").count == 1)
        #expect(tree.all("g", class: "legend").count == 1)
    }

    @Test func groupedAndStackedLayouts() throws {
        let series: [BarChart.Series] = [.init(name: "p", color: "#f00", values: [1, 2]), .init(name: "q", color: "#00f", values: [3, 4])]
        for layout in [BarChart.Layout.grouped, .stacked] {
            var figure = Figure(width: 400, height: 300)
            figure.place(BarChart(title: "", xLabel: "", yLabel: "", categories: ["a", "b"], series: series, layout: layout),
                         in: Rect(x: 0, y: 0, width: 400, height: 300))
            let bars = try SVGTree(figure.svg()).all("rect", class: "bar")
            let p0 = try #require(bars.first { $0.attributes["data-series"] == "p" && $0.attributes["data-index"] == "0" })
            let q0 = try #require(bars.first { $0.attributes["data-series"] == "q" && $0.attributes["data-index"] == "0" })
            if layout == .grouped {
                #expect(q0.number("x") > p0.number("x") && abs(q0.number("y") + q0.number("height") - p0.number("y") - p0.number("height")) < 0.02)
            } else {
                #expect(q0.number("x") == p0.number("x") && abs(q0.number("y") + q0.number("height") - p0.number("y")) < 0.02, "q sits on p")
            }
        }
    }

    @Test func missingValuesAreNotDrawnButSaid() throws {
        var chart = BarChart(title: "", xLabel: "", yLabel: "", categories: ["a", "b"],
                             series: [.init(name: "s", color: "#000", values: [0.5, .nan])], layout: .grouped)
        chart.valueLabels = true
        var figure = Figure(width: 300, height: 200)
        figure.place(chart, in: Rect(x: 0, y: 0, width: 300, height: 200))
        let tree = try SVGTree(figure.svg())
        #expect(tree.all("rect", class: "bar").map { $0.attributes["data-index"] } == ["0"])
        #expect(tree.all("text", class: "value-label").map(\.text) == ["0.500", "n/a"])
    }

    @Test func lineChartMarkersAndMark() throws {
        var chart = LineChart(title: "pr", xLabel: "recall", yLabel: "precision",
                              series: [.init(name: "s", color: "#000", points: [(0, 1), (0.5, 0.5), (1, 0)])], xDomain: 0...1, yDomain: 0...1)
        chart.marks = [.init(x: 0.5, y: 0.5, label: "best", color: "#f00")]
        var figure = Figure(width: 400, height: 400)
        figure.place(chart, in: Rect(x: 0, y: 0, width: 400, height: 400))
        let tree = try SVGTree(figure.svg())
        let markers = tree.all("circle", class: "marker")
        #expect(markers.count == 3 && tree.all("polyline", class: "line").count == 1)
        let mark = try #require(tree.all("circle", class: "mark").first)
        #expect(mark.number("cx") == markers[1].number("cx") && mark.number("cy") == markers[1].number("cy"))
        // y grows downward: precision 1 is above precision 0.
        #expect(markers[0].number("cy") < markers[2].number("cy"))
    }

    @Test func histogramSharesAndHeatmapCells() throws {
        var figure = Figure(width: 600, height: 700)
        figure.place(Histogram(title: "h", xLabel: "v", edges: [0, 1, 2], series: [.init(name: "a", color: "#0f0", counts: [1, 3]),
                                                                                     .init(name: "b", color: "#999", counts: [100, 100])],
                               normalized: true), in: Rect(x: 0, y: 0, width: 600, height: 300))
        figure.place(Heatmap(title: "m", columns: 3, rows: 2, values: [0, 1, 2, 3, 4, 5], valueLabel: "n"), in: Rect(x: 0, y: 300, width: 600, height: 400))
        let tree = try SVGTree(figure.svg())
        let h = tree.all("rect", class: "hist-bar")
        #expect(h.count == 4 && h.map { $0.attributes["data-count"] } == ["1", "3", "100", "100"])
        // Shares: a = 0.25, 0.75; b = 0.5, 0.5.
        #expect(abs(h[1].number("height") / h[0].number("height") - 3) < 0.01)
        #expect(abs(h[2].number("height") / h[0].number("height") - 2) < 0.01)
        let cells = tree.all("rect", class: "cell")
        #expect(cells.count == 6 && cells[5].attributes["data-x"] == "2" && cells[5].attributes["data-y"] == "1")
        #expect(cells[5].attributes["fill"] == Palette.viridis(1) && cells[0].attributes["fill"] == Palette.viridis(0))
        #expect(cells[3].number("y") > cells[0].number("y"), "row 1 is below row 0, as in the image")
    }

    @Test func normMapMarksTokens() throws {
        var figure = Figure(width: 500, height: 500)
        let norms: [Float] = [1, 2, 3, 4, 5, 6, 7, 8]   // 2 rows × 4 columns
        figure.place(NormMapChart(title: "n", width: 4, height: 2, norms: norms,
                                  marks: [.init(x: 3, y: 1, kind: .tp), .init(x: 0, y: 0, kind: .fp), .init(x: 1, y: 1, kind: .fn)]),
                     in: Rect(x: 0, y: 0, width: 500, height: 500))
        let tree = try SVGTree(figure.svg())
        let tokens = tree.all("rect", class: "token")
        #expect(tokens.count == 8 && tokens[7].attributes["fill"] == "#ffffff" && tokens[0].attributes["fill"] == Palette.gray(1.0 / 8))
        let marks = tree.all("rect", class: "mark")
        #expect(marks.map { $0.attributes["data-kind"]! } == ["tp", "fp", "fn"])
        #expect(marks.map { $0.attributes["stroke"]! } == [Palette.green, Palette.orange, Palette.purple])
        // The TP mark sits inside token (3, 1)'s square.
        let t = tokens[7], m = marks[0]
        #expect(m.number("x") >= t.number("x") && m.number("x") + m.number("width") <= t.number("x") + t.number("width") + 0.01)
    }

    @Test func outputIsDeterministic() {
        let points = [DetectionFigure.Point(threshold: 0.6, tp: 3, fp: 2, fn: 1), .init(threshold: 0.8, tp: 1, fp: 0, fn: 3)]
        #expect(DetectionFigure.svg(points, title: "x") == DetectionFigure.svg(points, title: "x"))
    }
}
