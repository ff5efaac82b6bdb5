import ArgumentParser
import FeatureStore
import Foundation
import ImageIO
import Inference
import LabelStore
import Synchronization

/// `normlab extract`: every image of a registered dataset through the pipeline, one extraction run per
/// position, resumable after a crash or Ctrl-C.
struct ExtractCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Extract U-Net representations of every image of a dataset into the feature store (resumable).",
        discussion: """
            Runs the images in batches of --batch-size exactly as sdhelper's img2repr does on CPU (the seed
            is reset for every batch, so a representation depends on the batch size and the image's place
            in its batch; the batch size is recorded with the run). One U-Net pass per batch serves every
            position; each position becomes its own extraction run (named RUN, or RUN_<position> when
            there are several). Weights and the prompt embedding are loaded once.

            Resumable: finished batches are made durable as they complete. After a kill or Ctrl-C, run the
            same command again and it continues with the missing images only.

            Anomalies depend on the noise: labels belong to the features of the run they were made on.
            Published labels made with sdhelper on a GPU (fp16, CUDA RNG) pair with features imported from
            that GPU run (`normlab features import`), not with a CPU re-extraction.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The registered dataset (normlab dataset add).")
    var dataset: String

    @Option(help: "A diffusers pipeline folder (unet/, vae/, text_encoder/, tokenizer/, scheduler/).")
    var model: String

    @Option(help: "Run name (default: <dataset>-t<timestep>-s<seed>).")
    var run: String?

    @Option(help: "Comma-separated positions.")
    var positions = "up_blocks[1]"

    @Option(help: "Images per batch (sdhelper's default is 20).")
    var batchSize = 20

    @OptionGroup var preparation: ImagePreparation
    @OptionGroup var reference: ReferenceOptions

    @Option(help: .hidden)
    var throttleMs = 0

    func run() async throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        keepFreedMemoryForReuse()
        let store = try database.open()
        let ds = try store.dataset(named: dataset)
        let files = try store.imageFiles(dataset: ds.id)
        guard let root = ds.root, !files.contains(where: { $0 == nil }) else {
            throw ValidationError("dataset '\(dataset)' has no image files (it was created by a feature import); register images with `normlab dataset add`")
        }
        let paths = files.map { store.resolve(root) + "/" + $0! }
        let options = try reference.options()
        let pipeline = try StableDiffusionPipeline(modelDirectory: model, roundWeightsToFP16: !reference.exactWeights)
        let wanted = try parsePositions(positions, config: pipeline.unet.config)
        let baseName = run ?? "\(dataset)-t\(options.timestep)-s\(options.seed)"
        let first = try loadImage(paths[0], preparation.prepare)
        guard first.width % 8 == 0, first.height % 8 == 0 else {
            throw ValidationError("\(paths[0]) is \(first.width)×\(first.height) after preparation; sides must be multiples of 8 (use --resize N)")
        }
        let plan = ExtractionPlan(store: store, pipeline: pipeline, paths: paths, positions: wanted, runBase: baseName,
                                  dataset: dataset, metadata: try metadata(model: model, pipeline: pipeline, options: options),
                                  imageSize: (first.width, first.height))
        let embedding = try pipeline.promptEmbedding(reference.prompt)
        Interrupt.install()
        let finished = try await plan.execute(batchSize: batchSize, embedding: embedding, options: options,
                                              prepare: preparation.prepare, throttleMs: throttleMs)
        if !finished {
            note("interrupted: finished batches are saved; run the same command again to continue")
            throw ExitCode(130)
        }
    }

    private func metadata(model: String, pipeline: StableDiffusionPipeline, options: StableDiffusionPipeline.Options) throws -> [String: String] {
        return [
            "model": URL(fileURLWithPath: model).standardizedFileURL.path,
            "unet_weights": pipeline.weightFiles["unet"] ?? "",
            "weights_sha256": try weightsSHA256(pipeline.weightFiles),
            "timestep": "\(options.timestep)", "seed": "\(options.seed)", "prompt": reference.prompt,
            "batch_size": "\(batchSize)", "pixel_range": options.pixelRange.rawValue, "latent": options.latent.rawValue,
            "weights": reference.exactWeights ? "as stored" : "rounded to float16 (sdhelper)",
            "preprocessing": (preparation.centerCrop ? "center-crop, " : "") + (preparation.resize.map { "resize \($0) bicubic" } ?? "native size"),
            "normlab_version": normlabVersion,
        ]
    }
}

/// Ctrl-C sets a flag; the extraction stops after the batch in flight, with everything before it saved.
enum Interrupt {
    static let requested = Atomic<Bool>(false)
    static func install() {
        // A parent (e.g. Foundation's Process) may have left these blocked; a stop request must arrive.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &set, nil)
        signal(SIGINT) { _ in Interrupt.requested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in Interrupt.requested.store(true, ordering: .relaxed) }
    }
}

/// SHA-256 of every weight file the pipeline loaded, as "unet:<hex> vae:<hex> text_encoder:<hex>"
/// (the run's model identity: the same folder name can hold other weights).
func weightsSHA256(_ files: [String: String]) throws -> String {
    let started = Date()
    let parts = try ["unet", "vae", "text_encoder"].compactMap { part in
        try files[part].map { "\(part):\(try WeightHash.sha256(file: $0))" }
    }
    let seconds = Date().timeIntervalSince(started)
    if seconds > 1 { note(String(format: "hashed the model weights (SHA-256) in %.1f s", seconds)) }
    return parts.joined(separator: " ")
}
