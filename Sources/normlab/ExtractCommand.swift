import ArgumentParser
import Extraction
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

            --keep norms stores only the token norms (norms.npy), enough for labeling and norm maps:
              normlab extract --dataset imagenet500 --model ~/sd15 --run sd15 --keep norms

            Resumable: finished batches are made durable as they complete. After a kill or Ctrl-C, run the
            same command again and it continues with the missing images only.

            Anomalies depend on the noise: labels belong to the features of the run they were made on.
            Published labels made with sdhelper on a GPU (fp16, CUDA RNG) pair with features imported from
            that GPU run (`normlab features import`), not with a CPU re-extraction.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The registered dataset (normlab dataset add).")
    var dataset: String?

    @OptionGroup var batched: BatchedPipelineOptions

    @Option(help: "Run name (default: <dataset>-t<timestep>-s<seed>).")
    var run: String?

    @Option(help: "Comma-separated positions.")
    var positions = "up_blocks[1]"

    @Option(help: ArgumentHelp("What each run keeps: features (features.npy, float16 tokens, and norms.npy) or norms (norms.npy only).",
                               discussion: "A norms-only run is enough for norm maps, labeling and norm statistics and is C/2 times smaller (C channels of float16 per token against one float32); prototypes, detect, report, suggest and similarity need the features and refuse it."))
    var keep: RunContents = .features

    @OptionGroup var preparation: PreparationOptions
    @OptionGroup var reference: ReferenceOptions

    @OptionGroup(title: "Sharding (several processes or cluster nodes; see normlab slurm)") var sharding: ShardingOptions

    @Option(help: .hidden)
    var throttleMs = 0

    func run() async throws {
        if sharding.merge { return try await mergeShards() }
        guard let dataset, let model else { throw ValidationError("give --dataset and --model (or --merge --run R)") }
        if sharding.prepare { return try prepareShards(dataset: dataset, model: model) }
        keepFreedMemoryForReuse()
        if let shard = try shardToRun() { return try extractShard(shard, model: model) }
        let store = try database.open()
        let paths = try Extractor.imagePaths(store: store, dataset: dataset)
        let options = try pipelineOptions()
        let (pipeline, wanted, settings) = try loadPipeline(model: model, options: options)
        let extractor = try Extractor(store: store, pipeline: pipeline, dataset: dataset, paths: paths, positions: wanted,
                                      runBase: runBase(dataset: dataset, options: options), settings: settings)
        let embedding = try pipeline.promptEmbedding(reference.prompt)
        Interrupt.install()
        let finished = try await extractor.run(prompt: embedding, progress: ExtractProgressPrinter(throttleMs: throttleMs),
                                               shouldStop: { Interrupt.requested.load(ordering: .relaxed) })
        if !finished {
            note("interrupted: finished batches are saved; run the same command again to continue")
            throw ExitCode(130)
        }
    }
}

extension ExtractCommand {
    var model: String? { batched.model }
    var batchSize: Int { batched.batchSize }

    /// The pipeline options: the shared noise options with the reference-mode ones.
    func pipelineOptions() throws -> StableDiffusionPipeline.Options { try reference.options(noise: batched.noise) }

    /// The pipeline, the wanted positions and the settings recorded with the runs (hashes the weights).
    func loadPipeline(model: String, options: StableDiffusionPipeline.Options) throws
        -> (StableDiffusionPipeline, [UNetPosition], ExtractionSettings) {
        let pipeline = try StableDiffusionPipeline(modelDirectory: model, roundWeightsToFP16: !reference.exactWeights, unetUpTo: positions)
        let wanted = try parsePositions(positions, model: pipeline.unet)
        let hashing = Date()
        let settings = try ExtractionSettings(model: model, pipeline: pipeline, options: options, prompt: reference.prompt,
                                              batchSize: batchSize, exactWeights: reference.exactWeights, preparation: preparation.preparation,
                                              keep: keep)
        let seconds = Date().timeIntervalSince(hashing)
        if seconds > 1 { note(String(format: "hashed the model weights (SHA-256) in %.1f s", seconds)) }
        return (pipeline, wanted, settings)
    }

    /// --run, or `<dataset>-t<timestep>-s<seed>`.
    func runBase(dataset: String, options: StableDiffusionPipeline.Options) -> String {
        run ?? "\(dataset)-t\(options.timestep)-s\(options.seed)"
    }
}

/// Prints an extraction's progress to standard error: a bar on a terminal, log lines otherwise.
final class ExtractProgressPrinter: ExtractionProgress {
    private var bar: ProgressReporter?
    /// Hidden test option: a pause after every batch, so that a test can stop the extraction mid-run.
    private let throttleMs: Int

    init(throttleMs: Int) { self.throttleMs = throttleMs }

    func resuming(run: String, done: Int, total: Int) {
        note("resuming run '\(run)': \(done) of \(total) images already done")
    }

    func started(total: Int, done: Int) { bar = ProgressReporter(total: total, done: done, label: "extract") }

    func finished(batch: Range<Int>) {
        if throttleMs > 0 { usleep(UInt32(throttleMs) * 1000) }
        bar?.advance(by: batch.count)
    }

    func ended() { bar?.finish() }

    func registered(_ run: Run, at position: UNetPosition) {
        note("run '\(run.name)': \(run.imageCount) images, \(run.channels)×\(run.height)×\(run.width) at \(position)")
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
