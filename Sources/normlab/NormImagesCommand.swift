import ArgumentParser
import Foundation
import LabelServer
import LabelStore

/// `normlab norm-images --run R -o DIR`: the original labeler's input images.
struct NormImagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "norm-images",
        abstract: "Write a run's norm maps as the original notebook does: DIR/norm_0000.png, one 8-bit gray pixel per token.",
        discussion: """
            Image i becomes norm_<i, 4 digits>.png (norm_12345.png past 9999), pixel (x, y) = the token's L2 norm
            divided by the largest norm of that image, times 255, truncated — the notebook's
            `norm /= norm.max(); norm *= 255; Image.fromarray(norm.astype(np.uint8))` in float32, on the run's
            stored float32 norms. Point the original Flask labeler's `images/` folder at DIR; its norm_XXXX.json
            files come back with `normlab labels import --run R DIR`.

            Example:
              normlab norm-images --db normlab-demo/demo.sqlite --run demo-sd15-up1 -o images/
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "The run.") var run: String
    @Option(name: .shortAndLong, help: "Output folder (created if missing; existing norm_XXXX.png files are replaced).") var output: String

    func run() async throws {
        let store = try database.open()
        let run = try store.run(named: self.run)
        let reader = try store.norms(of: run)
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        var progress = ProgressReporter(total: run.imageCount, done: 0, label: "norm-images")
        for image in 0..<run.imageCount {
            let norms = reader.norms(image: image)
            let png = try NormMap.png(norms: norms, width: run.width, height: run.height, maximum: norms.max() ?? 0, colormap: .gray)
            try Data(png).write(to: URL(fileURLWithPath: output + "/" + LabelFiles.fileName(image: image, extension: "png")), options: .atomic)
            progress.advance(by: 1)
        }
        progress.finish()
        note("wrote \(run.imageCount) norm image(s) of run '\(run.name)' (\(run.width)×\(run.height) pixels) to \(output)/")
    }
}
