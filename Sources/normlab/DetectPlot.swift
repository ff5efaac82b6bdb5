import Charts
import Detector
import Foundation

/// `normlab detect --plot OUT.svg`: the thesis figure for a sweep (bars per threshold, PR curve,
/// precision/recall/F1 with the best F1 marked).
enum DetectPlot {
    static func write(_ rows: [Detection.Row], title: String, to path: String) throws {
        let points = rows.map { DetectionFigure.Point(threshold: Double($0.threshold), tp: $0.tp, fp: $0.fp, fn: $0.fn) }
        try DetectionFigure.svg(points, title: title).write(toFile: path, atomically: true, encoding: .utf8)
    }
}
