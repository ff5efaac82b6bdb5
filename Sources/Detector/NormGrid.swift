import Charts
import Domain
import FeatureStore

/// The grid figure of norm maps (`normlab norm-grid`): rows of runs, columns of images, or of the
/// row's runs (e.g. one model at several timesteps) at each image. Token norms are the stored ones.
public enum NormGrid {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `rows[r]` lists the runs of row r (all rows the same length); every run shows each of `images`,
    /// so a row has runs × images panels, run by run. A row is named by its run, or its runs joined.
    public static func chart(rows: [[Run]], images: [Int], norms: (Run) throws -> NormReader) throws -> NormGridChart {
        guard !rows.isEmpty, !images.isEmpty else { throw Failure(description: "norm-grid needs at least one run and one image") }
        guard Set(rows.map(\.count)).count == 1 else {
            throw Failure(description: "every row needs the same number of runs; got \(rows.map { String($0.count) }.joined(separator: ", "))")
        }
        let several = rows[0].count > 1
        let chartRows = try rows.map { runs in
            NormGridChart.Row(name: runs.map(\.name).joined(separator: " / "), panels: try runs.flatMap { run in
                let reader = try norms(run)
                return try images.map { image in
                    guard (0..<run.imageCount).contains(image) else {
                        throw Failure(description: "image \(image) is not in run '\(run.name)' (images 0…\(run.imageCount - 1))")
                    }
                    return NormGridChart.Panel(title: several ? "\(run.name), image \(image)" : "image \(image)", width: run.width,
                                               height: run.height, norms: Array(reader.norms(image: image)))
                }
            })
        }
        return NormGridChart(title: "token norms (one gray scale per row, 0 to the row's largest norm)", rows: chartRows)
    }

    /// The chart as an SVG document sized to its panels.
    public static func svg(_ chart: NormGridChart) -> String {
        let (w, h) = chart.size()
        var figure = Figure(width: w, height: h)
        figure.place(chart, in: Rect(x: 0, y: 0, width: w, height: h))
        return figure.svg()
    }
}
