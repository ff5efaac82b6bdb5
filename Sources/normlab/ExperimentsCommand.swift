import ArgumentParser
import Domain
import Experiments
import Extraction
import Foundation
import Inference
import LabelStore

/// `normlab experiments run|plot|list`: the paper's layer-wise experiments and their figure.
struct ExperimentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiments",
        abstract: "The paper's layer-wise experiments (anomaly norms, corner/border similarity, positional probe) and their figure.",
        subcommands: [ExperimentsRun.self, ExperimentsPlot.self, ExperimentsList.self])
}

struct ExperimentsRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the experiments over every layer for a dataset's images and write arrays, a table and the figure.",
        discussion: """
            Example (the paper's Fig. 2 for SD-1.5 on 500 images prepared like the paper):
              normlab dataset add --db lab.sqlite --center-crop-resize 512 imagenet500 ~/imagenet_subset
              normlab experiments run --db lab.sqlite --dataset imagenet500 --model ~/sd15 \\
                  --labels high_norm_anomalies_sd15.npy -o results/sd15 --max-temp-gb 20

            The images run at their registered size through the same pipeline as `extract` (same noise, \
            batches and reseeding); one U-Net pass per batch serves every layer, and each layer's output is \
            reduced as it is produced. Token groups need one more pass per token size, on the images cropped \
            by one token on every side.

            The positional probe needs all images of a layer at once: layer outputs wait as temporary float32 \
            files in OUTDIR/.progress/features (about 120 MB per SD-1.5 image at 512² over 45 layers), each \
            deleted as soon as its layer is trained. --max-temp-gb bounds them: consecutive layers are grouped \
            to fit, and every group after the first costs one more (partial) pass over the images, CPU traded \
            for disk. The run prints its plan. --keep-features also keeps every layer as a float16 feature \
            store (OUTDIR/features/<layer>/, the layout of `normlab extract`).

            Writes to OUTDIR: positions.txt, anomaly_norms.npy (+ _mean, _std; anomaly_norms_points*.npy for \
            --point-labels), group_similarities.npy (the reference's counting), group_means.npy (plain means), \
            accuracies_cls.npy, figure.svg, summary.txt and experiment.json.

            Resumable: the state is saved after every batch and every trained probe layer; run the same \
            command again after a kill or Ctrl-C and it continues where it stopped.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The registered dataset (normlab dataset add); all its images must have one size.")
    var dataset: String

    @OptionGroup var batched: BatchedPipelineOptions

    @Option(help: "int64 (N, 3) .npy of patch labels (image, x, y) on the up_blocks[1].upsamplers[0] grid (experiment 'anomalies').")
    var labels: String?

    @Option(help: "int64 (N, 3) .npy of point labels (image, x, y) on the conv_in grid.")
    var pointLabels: String?

    @Option(help: "Comma-separated: anomalies, token-groups, position.")
    var experiments = "anomalies,token-groups,position"

    @Option(help: "`all` (the paper's layer list for this U-Net) or comma-separated positions.")
    var positions = "all"

    @Option(help: "Training epochs of the positional probe.")
    var epochs = 5

    @Option(help: "Use only the first N images of the dataset.")
    var limitImages: Int?

    @Option(name: .shortAndLong, help: "Output folder.")
    var output: String

    @Flag(help: "Keep every layer's output of the full images as a float16 feature store in OUTDIR/features/<layer>/ (features.npy, norms.npy: the layout of `normlab extract`; ~60 MB per SD-1.5 image at 512²).")
    var keepFeatures = false

    @Option(help: "At most this many GB of the probe's temporary float32 layer files at a time (default: half the free space of OUTDIR's file system); a smaller bound costs extra passes.")
    var maxTempGb: Double?

    @Option(help: .hidden)
    var throttleMs = 0

    func run() async throws {
        guard let model = batched.model else { throw ValidationError("give --model DIR (a diffusers pipeline folder)") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        let noise = try batched.noise.options()
        let (timestep, seed, batchSize) = (noise.timestep, noise.seed, batched.batchSize)
        if let limitImages, limitImages < 1 { throw ValidationError("--limit-images must be at least 1") }
        let chosen = try Experiment.list(experiments)
        keepFreedMemoryForReuse()
        let store = try database.open()
        var paths = try Extractor.imagePaths(store: store, dataset: dataset)
        if let limitImages { paths = Array(paths.prefix(limitImages)) }
        let patchRows = try labels.map { try LabelFiles.readNPY(path: $0).map(\.row) } ?? []
        let pointRows = try pointLabels.map { try LabelFiles.readNPY(path: $0).map(\.row) } ?? []
        let pipeline = try StableDiffusionPipeline(modelDirectory: model)
        let layers = try ExperimentLayers.resolve(positions, unet: pipeline.unet)
        let extraction = try ExtractionSettings(model: model, pipeline: pipeline, options: noise, prompt: "", batchSize: batchSize,
                                                exactWeights: false, preparation: ImagePreparation())
        let settings = ExperimentSettings(
            experiments: chosen, positions: layers.map(\.description), timestep: timestep, seed: seed, batchSize: batchSize,
            epochs: epochs, images: paths.count, model: extraction.model, weightsSHA256: extraction.weightsSHA256, dataset: dataset,
            labelsSHA256: try labels.map { try WeightHash.sha256(file: $0) }, pointLabelsSHA256: try pointLabels.map { try WeightHash.sha256(file: $0) },
            roundedWeights: true)
        let storage = ExperimentStorage(keptFeatures: keepFeatures ? extraction : nil, maxTemporaryBytes: try temporaryLimit())
        let runner = try ExperimentRunner(pipeline: pipeline, settings: settings, layers: layers, images: paths,
                                          labels: patchRows, pointLabels: pointRows, folder: output, storage: storage)
        Interrupt.install()
        guard let results = try runner.run(progress: ExperimentProgressPrinter(throttleMs: throttleMs), shouldStop: { Interrupt.requested.load(ordering: .relaxed) }) else {
            note("interrupted: finished batches are saved; run the same command again to continue")
            throw ExitCode(130)
        }
        try ExperimentReport.write(results, settings: settings, version: normlabVersion, to: output)
        let folder = URL(fileURLWithPath: output).standardizedFileURL.path
        try await store.recordExperiment(ExperimentRecord(
            dataset: dataset, folder: folder, experiments: chosen.map(\.rawValue).joined(separator: ","), layers: layers.count,
            images: paths.count, model: settings.model, modelHash: settings.weightsSHA256, timestep: timestep, seed: seed,
            batchSize: batchSize, labelsSHA256: settings.labelsSHA256,
            settingsJSON: String(decoding: try Data(contentsOf: URL(fileURLWithPath: folder + "/experiment.json")), as: UTF8.self)))
        note("wrote \(output): \(layers.count) layers, \(paths.count) images (\(chosen.map(\.rawValue).joined(separator: ", ")))")
    }
}

extension ExperimentsRun {
    /// --max-temp-gb in bytes, or half the free space of the file system OUTDIR is (or will be) on.
    func temporaryLimit() throws -> Int {
        if let maxTempGb {
            guard maxTempGb > 0, maxTempGb.isFinite else { throw ValidationError("--max-temp-gb must be positive, got \(maxTempGb)") }
            return Int(min(maxTempGb * 1e9, Double(Int.max / 2)))
        }
        var folder = URL(fileURLWithPath: output).standardizedFileURL
        while !FileManager.default.fileExists(atPath: folder.path) && folder.path != "/" { folder.deleteLastPathComponent() }
        let free = (try? FileManager.default.attributesOfFileSystem(forPath: folder.path)[.systemFreeSize] as? NSNumber)?.int64Value
        return free.map { Int($0 / 2) } ?? Int.max
    }
}

struct ExperimentsPlot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Redraw OUTDIR/figure.svg from an experiment folder's arrays.",
        discussion: """
            Example: normlab experiments plot results/sd15 --compare results/sd21
            --compare overlays a second folder (another model, timestep or seed) as dashed lines.
            """)

    @Argument(help: "An experiment folder written by `normlab experiments run`.")
    var folder: String

    @Option(help: "A second experiment folder to overlay (dashed).")
    var compare: String?

    func run() throws {
        let results = try ExperimentFiles.read(folder)
        let other = try compare.map { try ExperimentFiles.read($0) }
        try Data(ExperimentFigure.svg(results, compare: other, compareName: compare).utf8)
            .write(to: URL(fileURLWithPath: folder + "/figure.svg"), options: .atomic)
        note("wrote \(folder)/figure.svg")
    }
}

struct ExperimentsList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the experiment runs recorded in the database.")

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let rows = try database.open().experiments()
        if rows.isEmpty { note("no experiments recorded in \(database.db) yet (normlab experiments run)") }
        print("id\tfinished\tdataset\timages\texperiments\tlayers\tseed\ttimestep\tfolder")
        for r in rows {
            print("\(r.id)\t\(r.finishedAt)\t\(r.dataset)\t\(r.images)\t\(r.experiments)\t\(r.layers)\t\(r.seed)\t\(r.timestep)\t\(r.folder)")
        }
    }
}

/// Prints an experiment run's progress to standard error.
final class ExperimentProgressPrinter: ExperimentProgress {
    private var bar: ProgressReporter?
    /// Hidden test option: a pause after every saved batch, so that a test can kill the run mid-way.
    private let throttleMs: Int
    init(throttleMs: Int) { self.throttleMs = throttleMs }
    func started(total: Int, done: Int) { bar = ProgressReporter(total: total, done: done, label: "experiments") }
    func advanced(by units: Int) {
        if throttleMs > 0 { usleep(UInt32(throttleMs) * 1000) }
        bar?.advance(by: units)
    }
    func ended() { bar?.finish() }
    func note(_ message: String) { normlab.note(message) }
}
