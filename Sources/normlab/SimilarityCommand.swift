import ArgumentParser
import Charts
import Detector
import Foundation
import NPYFormat

/// `normlab similarity`: the cosine of one token to every token of its image and of other images.
struct SimilarityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "similarity",
        abstract: "Similarity maps of one token: its cosine to every token of its image and of other images (the paper's Fig. 1).",
        discussion: """
            Picks token (--x, --y) of image --image of run --run and computes torch's cosine similarity of it to every \
            token of that image and of each image of --to (default: the next three images of the run). The colour \
            scale is fixed at -1 (blue) … 0 (white) … 1 (red), so maps compare across images.

            -o OUT.svg draws the panel: the image's norm map with the token circled, its similarity map within the \
            image, then one map per --to image. -o OUT.npy writes float32 (1 + len(to), H, W): the image's own map \
            first, then the --to images in order.

            Example: normlab similarity --run sd15-up1 --image 12 --x 8 --y 30 --to 13,14,40 -o fig1.svg
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("run"), help: "The run.") var runName: String
    @Option(help: "Image index of the picked token.") var image: Int
    @Option(help: "Column of the picked token (0 … width-1).") var x: Int
    @Option(help: "Row of the picked token (0 … height-1).") var y: Int
    @Option(help: "Other images to compare with, comma-separated (default: the next three).") var to: String?
    @Option(name: .shortAndLong, help: "Output: .svg (panel) or .npy (float32 maps).") var output: String

    func run() throws {
        let ext = (output as NSString).pathExtension.lowercased()
        guard ext == "svg" || ext == "npy" else { throw ValidationError("-o \(output): expected a .svg or .npy file") }
        let store = try database.open()
        let run = try store.run(named: runName)
        let features = try store.features(of: run)
        let targets = [image] + (try others(count: run.imageCount))
        let query = Detection.TokenQuery(image: image, x: x, y: y)
        let maps: [SimilarityMap]
        do {
            maps = try Detection.similarity(features: features, query: query, targets: targets)
        } catch let e as Detection.Failure {
            throw ValidationError(e.description)
        }
        if ext == "npy" {
            try NPY.write(maps.flatMap(\.values), shape: [maps.count, run.height, run.width], to: output)
        } else {
            let svg = SimilarityFigure.svg(
                title: "run '\(run.name)': token (\(x), \(y)) of image \(image)", width: run.width, height: run.height,
                query: (image, x, y), norms: Array(features.norms(image: image)),
                maps: zip(targets, maps).map { SimilarityFigure.Map(image: $0, values: $1.values) })
            try svg.write(toFile: output, atomically: true, encoding: .utf8)
        }
        note("similarity of token (\(x), \(y)) of image \(image) to images \(targets.map(String.init).joined(separator: ", ")) → \(output)")
    }

    /// `--to` as indices, or the next three images after `--image` (fewer at the end of the run).
    private func others(count: Int) throws -> [Int] {
        guard let to else { return Array(stride(from: image + 1, to: min(count, image + 4), by: 1)) }
        return try to.split(separator: ",").map {
            guard let j = Int($0.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--to: '\($0)' is not an image index") }
            return j
        }
    }
}
