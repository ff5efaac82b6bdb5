import ArgumentParser
import LabelStore

struct DatasetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset", abstract: "Manage datasets (images in a stable order).", subcommands: [DatasetAdd.self])
}

/// `normlab dataset add NAME DIR`.
struct DatasetAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Register the images of a folder as a dataset (index 0…N−1 = sorted file names or --list order).",
        discussion: """
            With --center-crop-resize S (and --min-side M) the images are prepared like the paper's dataset
            script: images whose short side is under M are skipped, the rest center-cropped and resized to
            S×S (Pillow-compatible bicubic) and saved as PNG in <db name>.images/NAME beside the database.
            """)

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "Dataset name (letters, digits, '.', '_', '-').") var name: String
    @Argument(help: "Folder with .png/.jpg images.") var dir: String
    @Option(help: "A file listing image file names, one per line, in index order.") var list: String?
    @Option(help: "Center-crop to a square and resize to this side.") var centerCropResize: Int?
    @Option(help: "Skip images whose short side is under this.") var minSide: Int?

    func run() async throws {
        if let s = centerCropResize, s <= 0 { throw ValidationError("--center-crop-resize must be positive") }
        let store = try database.open()
        let prep = centerCropResize == nil && minSide == nil ? nil : DatasetPreparation(size: centerCropResize, minSide: minSide)
        let result = try await store.addDataset(name: name, folder: dir, listFile: list, preparation: prep)
        for s in result.skipped { note("skipped \(s): short side under \(minSide ?? 0)") }
        note("dataset '\(name)': \(result.dataset.imageCount) images (\(result.skipped.count) skipped) in \(database.db)")
    }
}
