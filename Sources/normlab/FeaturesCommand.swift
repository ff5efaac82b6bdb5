import ArgumentParser
import LabelStore

struct FeaturesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features", abstract: "Manage extraction runs (feature files).", subcommands: [FeaturesImport.self])
}

/// `normlab features import --dataset D --run R FILE.npy`.
struct FeaturesImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a float16/float32 .npy of shape (N, C, H, W) (e.g. from sdhelper) as an extraction run.",
        discussion: "A missing dataset is created with N imageless entries; norm maps work without images.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "The dataset the rows belong to, in its image order.") var dataset: String
    @Option(help: "Name of the new run.") var run: String
    @Option(help: "Where the features come from (recorded as the run's position, e.g. up_blocks[1]).") var position: String?
    @Option(help: "features (features.npy and norms.npy) or norms (norms.npy only: labeling and norm maps, no detection).")
    var keep: RunContents = .features
    @Argument(help: "The .npy file.") var file: String

    func run() async throws {
        let store = try database.open()
        let r = try await store.importFeatures(file: file, dataset: dataset, run: run, position: position ?? "", keep: keep)
        note("run '\(r.name)': \(r.imageCount) images, \(r.channels) channels, \(r.height)×\(r.width) tokens (dataset '\(r.dataset)')")
    }
}
