import Charts
import Detector
import Foundation

/// `normlab detect --plot OUT.svg`: the thesis figure for a sweep (bars per threshold, PR curve,
/// precision/recall/F1 with the best F1 marked).
enum DetectPlot {
    static func write(_ rows: [Detection.Row], title: String, to path: String) throws {
        try DetectionFigure.svg(Detection.figurePoints(rows), title: title).write(toFile: path, atomically: true, encoding: .utf8)
    }
}
