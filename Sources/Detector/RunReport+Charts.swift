import Charts
import Foundation

extension RunReport {
    /// The sweep as the figure's points (token unit).
    public var curvePoints: [DetectionFigure.Point] {
        Detection.figurePoints(evaluation?.curve ?? [])
    }

    public var bestIndex: Int? { DetectionFigure.best(curvePoints) }

    /// report.svg: label statistics, norms, cosines, the similarity histograms, (with a prototype
    /// and labels) the detection figure and the dataset's norm statistics, in one document.
    public func svg() -> String {
        let w = DetectionFigure.size.width, half = w / 2
        let withCurve = evaluation != nil && patchCount + pointCount > 0
        var figure = Figure(width: w, height: 40 + 340 + 300 + (evaluation == nil ? 0 : 320) + (withCurve ? 700 : 0)
                                + NormStatistics.panelHeight,
                            title: "run '\(run.name)': \(imagesWithAnomaly) of \(run.imageCount) images with ≥ 1 anomaly (\(pct(imagesWithAnomaly, run.imageCount)))")
        var y = 40.0
        figure.place(perImageChart, in: Rect(x: 0, y: y, width: half, height: 340))
        figure.place(Heatmap(title: "labelled tokens by position", columns: run.width, rows: run.height,
                             values: positions.map(Double.init), valueLabel: "tokens"), in: Rect(x: half, y: y, width: half, height: 340))
        y += 340
        figure.place(normChart, in: Rect(x: 0, y: y, width: half, height: 300))
        figure.place(cosineChart, in: Rect(x: half, y: y, width: half, height: 300))
        y += 300
        if let e = evaluation {
            figure.place(Histogram(title: "cosine similarity to the prototype", xLabel: "cosine similarity", edges: e.edges,
                                   series: [.init(name: "labelled", color: Palette.green, counts: e.labelled),
                                            .init(name: "other", color: Palette.gray, counts: e.other)], normalized: true),
                         in: Rect(x: 0, y: y, width: w, height: 320))
            y += 320
        }
        if withCurve {
            DetectionFigure.draw(curvePoints, into: &figure, at: Rect(x: 0, y: y, width: w, height: 700))
            y += 700
        }
        normStatistics.draw(into: &figure, at: Rect(x: 0, y: y, width: w, height: NormStatistics.panelHeight))
        return figure.svg()
    }

    var perImageChart: BarChart {
        var chart = BarChart(title: "anomalies per image", xLabel: "labels in the image", yLabel: "images",
                             categories: anomaliesPerImage.indices.map(String.init),
                             series: [.init(name: "images", color: Palette.blue, values: anomaliesPerImage.map(Double.init))], layout: .grouped)
        chart.legend = false
        chart.valueLabels = anomaliesPerImage.count <= 12
        return chart
    }

    var normChart: BarChart {
        let l = labelledNorms, a = allNorms
        var chart = BarChart(title: "token norm", xLabel: "", yLabel: "norm", categories: ["min", "mean", "max"],
                        series: [.init(name: "labelled", color: Palette.green, values: l.count == 0 ? [0, 0, 0] : [l.min, l.mean, l.max]),
                                 .init(name: "all", color: Palette.gray, values: [a.min, a.mean, a.max].map { $0.isFinite ? $0 : 0 })],
                        layout: .grouped)
        chart.valueLabels = true
        return chart
    }

    var cosineChart: BarChart {
        var chart = BarChart(title: "mean pairwise cosine", xLabel: "", yLabel: "cosine",
                             categories: ["labelled", "same place", "all tokens"],
                             series: [.init(name: "mean cosine", color: Palette.purple,
                                            values: [cosines.all, cosines.samePlace, cosines.baseline].map { $0 ?? .nan })], layout: .grouped)
        chart.legend = false
        chart.valueLabels = true
        return chart
    }

    /// One evaluated image's norm map with its TP/FP/FN tokens outlined, as an SVG document.
    public static func imageSVG(run: String, detections d: ImageDetections, norms: [Float], width: Int, height: Int, at: Float) -> String {
        let marks = d.tp.map { NormMapChart.Mark(x: $0.x, y: $0.y, kind: .tp) } + d.fp.map { .init(x: $0.x, y: $0.y, kind: .fp) }
            + d.fn.map { .init(x: $0.x, y: $0.y, kind: .fn) }
        var figure = Figure(width: 560, height: 560)
        figure.place(NormMapChart(title: "run '\(run)', image \(d.image): detections at \(at)", width: width, height: height, norms: norms, marks: marks),
                     in: Rect(x: 0, y: 0, width: 560, height: 560))
        return figure.svg()
    }
}

extension Detection {
    /// A sweep as the detection figure's points.
    public static func figurePoints(_ rows: [Row]) -> [DetectionFigure.Point] {
        rows.map { DetectionFigure.Point(threshold: Double($0.threshold), tp: $0.tp, fp: $0.fp, fn: $0.fn) }
    }
}
