import ArgumentParser
import Detector
import Foundation
import LabelStore

/// `normlab norm-grid`: the grid figure of norm maps.
struct NormGridCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "norm-grid",
        abstract: "Draw norm maps in a grid: rows of runs, columns of images or of runs at other timesteps.",
        discussion: """
            Each row has its own gray scale (black 0, white the row's largest norm), so rows of runs with very \
            different norms (models, blocks) keep their contrast. Rows are separated by ';', runs within a row \
            by ','; a row of several runs shows each of them at every image, run by run (e.g. one model at \
            several timesteps), and every row must list as many runs.
            Examples:
              normlab norm-grid --runs sd15,sd21,sdturbo --images 0,7,42 -o grid.svg
              normlab norm-grid --runs "sd15_t50,sd15_t200;sd21_t50,sd21_t200" --images 7 -o timesteps.svg
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Runs: rows separated by ';', runs of a row by ','.") var runs: String
    @Option(help: "Image indices, comma separated.") var images: String
    @Option(name: .shortAndLong, help: "Output SVG file.") var output: String

    func run() throws {
        let store = try database.open()
        let rows = try runs.split(separator: ";").map { row in
            try row.split(separator: ",").map { try store.run(named: $0.trimmingCharacters(in: .whitespaces)) }
        }
        let indices = try images.split(separator: ",").map { text in
            guard let i = Int(text.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--images: '\(text)' is not an image index") }
            return i
        }
        let chart = try NormGrid.chart(rows: rows, images: indices, norms: { try store.norms(of: $0) })
        try NormGrid.svg(chart).write(toFile: output, atomically: true, encoding: .utf8)
        note("norm grid of \(rows.count) row\(rows.count == 1 ? "" : "s") × \(chart.rows[0].panels.count) maps → \(output)")
    }
}
