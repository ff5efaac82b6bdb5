import Extraction
import Foundation
import TestSupport
import Testing
import LabelStore
@testable import Inference

/// The extraction library without the CLI: a caller-supplied stop request, progress events, resume, and
/// a run identical to `normlab extract`'s with the same settings.
@Suite(.serialized) struct ExtractorTests {
    final class Recorder: ExtractionProgress {
        var events: [String] = []
        var stopAfterBatches = Int.max
        var batches = 0
        func resuming(run: String, done: Int, total: Int) { events.append("resuming \(run) \(done)/\(total)") }
        func started(total: Int, done: Int) { events.append("started \(done)/\(total)") }
        func finished(batch: Range<Int>) {
            batches += 1
            events.append("batch \(batch.lowerBound)..<\(batch.upperBound)")
        }
        func ended() { events.append("ended") }
        func registered(_ run: Run, at position: UNetPosition) { events.append("registered \(run.name) \(position)") }
    }

    @Test func stopsResumesAndMatchesTheCLI() async throws {
        let (dir, images, model) = try ExtractCommandTests.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: model) }
        let db = dir + "/lib.sqlite"
        try #require(try runNormlab(["dataset", "add", "--db", db, "photos", images]).status == 0)
        let store = try LabelStore(path: db)
        let pipeline = try StableDiffusionPipeline(modelDirectory: model)
        let settings = try ExtractionSettings(model: model, pipeline: pipeline, options: .init(), prompt: "", batchSize: 2,
                                              exactWeights: false, preparation: ImagePreparation())
        let extractor = try Extractor(store: store, pipeline: pipeline, dataset: "photos",
                                      paths: try Extractor.imagePaths(store: store, dataset: "photos"),
                                      positions: [try pipeline.unet.position(named: "up_blocks[1]")], runBase: "lib", settings: settings)
        let embedding = try pipeline.promptEmbedding("")

        let first = Recorder()
        let done = try await extractor.run(prompt: embedding, progress: first, shouldStop: { first.batches >= 1 })
        #expect(!done)
        #expect(first.events == ["started 0/5", "batch 0..<2", "ended"])
        #expect(throws: LabelStoreError.self) { try store.run(named: "lib") }

        let second = Recorder()
        #expect(try await extractor.run(prompt: embedding, progress: second, shouldStop: { false }))
        #expect(second.events == ["resuming lib 2/5", "started 2/5", "batch 2..<4", "batch 4..<5", "ended", "registered lib up_blocks[1]"])
        var stored = try #require(try store.run(named: "lib").decodedMetadata)
        #expect(stored.normlabVersion == normlabVersion)
        stored.normlabVersion = nil
        #expect(stored == settings.runMetadata)

        let cli = try runNormlab(["extract", "--db", db, "--dataset", "photos", "--model", model, "--batch-size", "2",
                                  "--positions", "up_blocks[1]", "--run", "cli"])
        try #require(cli.status == 0, "\(cli.stderr)")
        for file in ["features.npy", "norms.npy"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/lib.features/lib/\(file)"))
            let b = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/lib.features/cli/\(file)"))
            #expect(a == b, "\(file): library and CLI runs differ")
        }
        let cliMeta = try #require(try store.run(named: "cli").decodedMetadata)
        #expect(cliMeta.modelHash == stored.modelHash && cliMeta.extra == stored.extra && cliMeta.model == stored.model)
    }
}
