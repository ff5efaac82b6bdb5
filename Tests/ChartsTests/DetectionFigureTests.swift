import Foundation
import Testing
@testable import Charts

/// The thesis figure: per threshold one orange TP+FP bar, one green TP bar over it and one purple
/// FN bar downward, heights in proportion to the counts; the best F1 is marked on both curves.
@Suite struct DetectionFigureTests {
    // F1 worked out by hand: 0.6 → P 10/16, R 10/12, F1 = 20/28 = 0.714; 0.7 → P 8/9, R 8/12, F1 = 16/21 = 0.762;
    // 0.8 → P 1, R 4/12, F1 = 8/16 = 0.5; 0.9 → nothing detected, F1 0.
    static let points = [DetectionFigure.Point(threshold: 0.6, tp: 10, fp: 6, fn: 2), .init(threshold: 0.7, tp: 8, fp: 1, fn: 4),
                         .init(threshold: 0.8, tp: 4, fp: 0, fn: 8), .init(threshold: 0.9, tp: 0, fp: 0, fn: 12)]

    @Test func barsPerThreshold() throws {
        let tree = try SVGTree(DetectionFigure.svg(Self.points, title: "run"))
        let bars = tree.all("rect", class: "bar")
        #expect(bars.count == 3 * Self.points.count)
        let all = bars.filter { $0.attributes["data-series"] == "TP + FP" }, tp = bars.filter { $0.attributes["data-series"] == "TP" }
        let fn = bars.filter { $0.attributes["data-series"] == "FN" }
        #expect(all.allSatisfy { $0.attributes["fill"] == Palette.orange } && tp.allSatisfy { $0.attributes["fill"] == Palette.green }
                && fn.allSatisfy { $0.attributes["fill"] == Palette.purple })
        // Heights per count unit agree across all bars (16, 9, 4 detections; 10, 8, 4 TP; 2, 4, 8, 12 FN).
        let unit = all[0].number("height") / 16
        for (bar, count) in zip(all + tp + fn, [16, 9, 4, 0, 10, 8, 4, 0, 2, 4, 8, 12]) {
            #expect(abs(bar.number("height") - unit * Double(count)) < 0.02, "\(bar.attributes)")
        }
        // TP drawn after (over) the orange bar; FN below the zero line.
        #expect(tree.elements.firstIndex { $0.attributes["data-series"] == "TP" && $0.has(class: "bar") }!
                > tree.elements.lastIndex { $0.attributes["data-series"] == "TP + FP" && $0.has(class: "bar") }!)
        let zeroY = all[0].number("y") + all[0].number("height")
        #expect(fn.allSatisfy { abs($0.number("y") - zeroY) < 0.02 })
        let texts = tree.texts()
        #expect(texts.contains("min. cosine similarity") && texts.contains("count") && texts.contains("0.60") && texts.contains("0.90"))
        #expect(texts.contains("TP + FP") && texts.contains("TP") && texts.contains("FN"))
    }

    @Test func bestF1IsMarked() throws {
        #expect(DetectionFigure.best(Self.points) == 1)
        let tree = try SVGTree(DetectionFigure.svg(Self.points, title: "run"))
        let marks = tree.all("circle", class: "mark")
        #expect(marks.count == 2)
        // PR curve: at (recall 8/12, precision 8/9); the F1 panel: at (0.7, 16/21).
        #expect(marks[0].attributes["data-x"] == num(8.0 / 12) && marks[0].attributes["data-y"] == num(8.0 / 9))
        #expect(marks[1].attributes["data-x"] == "0.7" && marks[1].attributes["data-y"] == num(16.0 / 21))
        #expect(tree.texts().contains { $0.contains("best F1 0.762 at 0.700") })
        #expect(tree.all("line", class: "vertical").first?.attributes["data-x"] == "0.7")
        #expect(tree.all("polyline", class: "line").count == 4, "PR + precision, recall, F1")
    }

    @Test func thresholdLabelsAreNeverRoundedUpToLookDifferent() {
        #expect(DetectionFigure.thresholdLabels([0.7, 0.72, 0.98]) == ["0.70", "0.72", "0.98"])
        #expect(DetectionFigure.thresholdLabels([0.9, 0.995]) == ["0.900", "0.995"])
        #expect(DetectionFigure.thresholdLabels([0.997, 0.99722725, 0.9974545]) == ["0.9970", "0.9972", "0.9975"])
    }

    @Test func emptyCurveStillDraws() throws {
        let tree = try SVGTree(DetectionFigure.svg([], title: "empty"))
        #expect(tree.all("rect", class: "bar").isEmpty && tree.all("circle", class: "mark").isEmpty)
    }
}
