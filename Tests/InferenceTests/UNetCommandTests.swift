import Foundation
import TestSupport
import Testing
import NPYFormat
import SafeTensors
@testable import Inference

/// `normlab unet` end to end: the built binary on a fixture folder, outputs read back from .npy.
@Suite struct UNetCommandTests {
    @Test func writesHookShapedNpyPerPosition() throws {
        let dir = try Fixture.unet("sd21_tiny_fp16")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("unet-out-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try runNormlab(["unet", "--model", dir, "--latent", "\(dir)/latent.npy", "--timestep", "999",
                                "--context", "\(dir)/context.npy", "--positions", "up_blocks[1],mid_block.attentions[0]", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let expected = try SafeTensorsFile(path: "\(dir)/expected.safetensors")
        for name in ["up_blocks[1]", "mid_block.attentions[0]"] {
            let (shape, values) = try NPY.readFloats(path: "\(out)/\(name).npy")
            #expect(shape == (try expected.info(name)).shape)
            let c = Compare(values, try expected.floats(name))
            #expect(c.maxAbsDiff <= 1e-4 * c.maxAbsRef)
        }
    }

    @Test func badInputsGiveClearErrors() throws {
        let dir = try Fixture.unet("sd15_tiny")
        let base = ["unet", "--model", dir, "--timestep", "50", "--out", FileManager.default.temporaryDirectory.path]
        let badPosition = try runNormlab(base + ["--latent", "\(dir)/latent.npy", "--context", "\(dir)/context.npy", "--positions", "up_blocks[7]"])
        #expect(badPosition.status != 0 && badPosition.stderr.contains("up_blocks[7]"))
        let wrongRank = try runNormlab(base + ["--latent", "\(dir)/context.npy", "--context", "\(dir)/context.npy", "--positions", "conv_in"])
        #expect(wrongRank.status != 0 && wrongRank.stderr.contains("latent must have 4 dimensions"))
        let wrongContext = try runNormlab(base + ["--latent", "\(dir)/latent.npy", "--context", "\(try Fixture.unet("sd21_tiny_fp16"))/context.npy", "--positions", "conv_in"])
        #expect(wrongContext.status != 0 && wrongContext.stderr.contains("context must have shape"))
        let noModel = try runNormlab(["unet", "--model", "/nonexistent", "--latent", "x", "--timestep", "1", "--context", "y", "--positions", "conv_in", "--out", "z"])
        #expect(noModel.status != 0 && noModel.stderr.contains("/nonexistent"))
    }
}
