import Foundation
import TestSupport
import Testing
import LabelStore
import NPYFormat
@testable import Inference

/// `normlab extract` end to end on the tiny pipeline: a real SQLite database, a SIGKILL in the middle,
/// a restart that only computes the missing images, and a result identical to an uninterrupted run.
@Suite(.serialized) struct ExtractCommandTests {
    static func workspace() throws -> (dir: String, images: String, model: String) {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("extract-\(UUID())").path
        let images = dir + "/images"
        try fm.createDirectory(atPath: images, withIntermediateDirectories: true)
        let src = try Fixture.root() + "/pipeline/images"
        for (i, name) in ["img0", "img1", "img2", "img1", "img0"].enumerated() {
            try fm.copyItem(atPath: "\(src)/\(name).png", toPath: "\(images)/photo\(i).png")
        }
        return (dir, images, try PipelineTests.pipelineFolder("sd15_tiny"))
    }

    static func extractArgs(_ db: String, _ model: String) -> [String] {
        ["extract", "--db", db, "--dataset", "photos", "--model", model, "--batch-size", "2",
         "--positions", "up_blocks[1],conv_in", "--run", "r"]
    }

    @Test func resumesAfterSIGKILLWithoutRecomputing() throws {
        let (dir, images, model) = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: model) }
        let db = dir + "/a.sqlite", reference = dir + "/b.sqlite"
        for d in [db, reference] {
            let add = try runNormlab(["dataset", "add", "--db", d, "photos", images])
            try #require(add.status == 0, "\(add.stderr)")
        }
        // Slow it down (hidden test option), then kill -9 once at least one batch is durable.
        let p = try startNormlab(Self.extractArgs(db, model) + ["--throttle-ms", "1500"])
        let progress = dir + "/a.features/.staging-r_up_blocks1/progress.bin"
        let deadline = Date().addingTimeInterval(60)
        var done = 0
        while Date() < deadline {
            done = (FileManager.default.contents(atPath: progress) ?? Data()).filter { $0 == 1 }.count
            if done >= 2 { break }
            usleep(50_000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        try #require(done >= 2 && done < 5, "killed after \(done) of 5 images")

        let resumed = try runNormlab(Self.extractArgs(db, model))
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming run 'r_up_blocks1'"), "\(resumed.stderr)")
        #expect(resumed.stderr.contains("already done"), "\(resumed.stderr)")
        let straight = try runNormlab(Self.extractArgs(reference, model))
        #expect(straight.status == 0, "\(straight.stderr)")
        for run in ["r_up_blocks1", "r_conv_in"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/a.features/\(run)/features.npy"))
            let b = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/b.features/\(run)/features.npy"))
            #expect(a == b, "\(run): resumed run differs from an uninterrupted one")
        }
        let (shape, _) = try NPY.readFloats(path: "\(dir)/a.features/r_up_blocks1/features.npy")
        #expect(shape == [5, 16, 2, 2])
        // The run's identity: SHA-256 of every weight file the pipeline loaded.
        let meta = try #require(try LabelStore(path: db).run(named: "r_up_blocks1").decodedMetadata)
        let unet = try WeightHash.sha256(file: model + "/unet/diffusion_pytorch_model.safetensors")
        let vae = try WeightHash.sha256(file: model + "/vae/diffusion_pytorch_model.safetensors")
        #expect(meta.modelHash?.hasPrefix("unet:\(unet) vae:\(vae) text_encoder:") == true, "\(meta.modelHash ?? "nil")")
        let again = try runNormlab(Self.extractArgs(db, model))
        #expect(again.status != 0 && again.stderr.contains("already exists"))
    }

    @Test func ctrlCStopsCleanlyAndResumes() throws {
        let (dir, images, model) = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: model) }
        let db = dir + "/c.sqlite"
        try #require(try runNormlab(["dataset", "add", "--db", db, "photos", images]).status == 0)
        let err = Pipe()
        let p = try startNormlab(Self.extractArgs(db, model) + ["--throttle-ms", "1500"], stderr: err)
        let progress = dir + "/c.features/.staging-r_up_blocks1/progress.bin"
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, (FileManager.default.contents(atPath: progress) ?? Data()).filter({ $0 == 1 }).count < 2 { usleep(50_000) }
        kill(p.processIdentifier, SIGINT)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("interrupted"), "\(stderr)")
        let resumed = try runNormlab(Self.extractArgs(db, model))
        #expect(resumed.status == 0 && resumed.stderr.contains("already done"), "\(resumed.stderr)")
    }
}
