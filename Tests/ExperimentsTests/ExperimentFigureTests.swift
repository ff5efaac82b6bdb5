import Testing
@testable import Experiments

/// The figure's structure read back from the SVG: plot.py's three rows, a tick per layer and the block
/// names, `conv_out` left out of the similarity row, a dashed overlay for `--compare`, and the same bytes
/// for the same input.
@Suite struct ExperimentFigureTests {
    static let layers = ["conv_in", "down_blocks[0].resnets[0]", "down_blocks[0].attentions[0]", "mid_block.attentions[0]",
                         "up_blocks[1].upsamplers[0]", "conv_out"]

    static func results(scale: Float) -> ExperimentResults {
        let n = layers.count
        // Per layer: [cropped image | cropped map] × 3×3; corner/border diagonals scale and 1.
        var means = [Float](repeating: 0.5, count: n * 18)
        for l in 0..<n { means[l * 18] = scale; means[l * 18 + 4] = scale / 2; means[l * 18 + 9] = 1; means[l * 18 + 13] = 1 }
        let norms = (0..<n).map { l in [1.0, 2.0, Double(l + 1)] }
        return ExperimentResults(layers: layers, anomalyNorms: norms, pointNorms: nil, groupSimilarities: means, groupMeans: means,
                                 accuracies: [Float](repeating: Float(scale) / 2, count: n * 2 * 4), epochs: 2)
    }

    static func count(_ s: String, _ needle: String) -> Int { s.components(separatedBy: needle).count - 1 }

    @Test func threeRowsWithLayerAndBlockLabels() {
        let svg = ExperimentFigure.svg(Self.results(scale: 1.5))
        #expect(Self.count(svg, "class=\"layer-chart\"") == 3 && Self.count(svg, "data-axis=\"log\"") == 2)
        for kind in ["conv", "res", "attn", "up"] { #expect(svg.contains(">\(kind)</text>"), "tick \(kind)") }
        for block in ["conv_in", "dn0", "mid", "up1", "conv_out"] { #expect(svg.contains("class=\"block-label\">\(block)<"), "block \(block)") }
        // Accuracy: four grids; similarity: corner and border without conv_out (5 of 6 points); a ±std band.
        #expect(Self.count(svg, "class=\"line\" data-series=\"8×8\"") == 1 && Self.count(svg, "class=\"line\" data-series=\"64×64\"") == 1)
        let corner = svg.components(separatedBy: "data-series=\"corner\" d=\"")[1].prefix { $0 != "\"" }
        #expect(Self.count(String(corner), "L") == 4)
        #expect(Self.count(svg, "class=\"band\"") == 1 && Self.count(svg, "class=\"reference\"") == 2)
        #expect(ExperimentFigure.svg(Self.results(scale: 1.5)) == svg)
    }

    @Test func compareOverlaysDashedLines() {
        let svg = ExperimentFigure.svg(Self.results(scale: 1.5), compare: Self.results(scale: 2), compareName: "other")
        // 4 accuracy grids + corner + border + anomaly mean, each once more, dashed.
        #expect(Self.count(svg, "data-dashed=\"true\"") == 7)
        #expect(svg.contains("dashed: other"))
    }

    @Test func blockSpansFollowTheLayerNames() {
        let spans = ExperimentFigure.blockSpans(Self.layers)
        #expect(spans.map(\.name) == ["conv_in", "dn0", "mid", "up1", "conv_out"])
        #expect(spans.map(\.start) == [0, 1, 3, 4, 5] && spans.map(\.end) == [1, 3, 4, 5, 6])
    }
}
