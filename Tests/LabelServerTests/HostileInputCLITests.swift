import Foundation
import TestSupport
import NPYFormat
import Testing

/// The two inputs that crashed the command-line tool (a trap and an abort) now fail with a message.
@Suite struct HostileInputCLITests {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    @Test func labelsImportOfAnOverflowingShapeIsRefused() throws {
        try #require(FileManager.default.isExecutableFile(atPath: normlabExecutable), "build normlab first")
        let dir = try TempFolder.create("normlab-hostile")
        defer { TempFolder.remove(dir) }
        let db = dir + "/db.sqlite"
        try PlantedRun(count: 2, channels: 2, height: 4, width: 4, background: 0.25).write(to: dir + "/f.npy")
        #expect(try normlab("features", "import", "--db", db, "--dataset", "d", "--run", "r", dir + "/f.npy").status == 0)
        let file = Self.tests.appendingPathComponent("NPYFormatTests/Fixtures/regressions/labels-v3-shape-overflow.npy").path
        let result = try normlab("labels", "import", "--db", db, "--run", "r", file)
        #expect(result.status != 0 && result.output.contains("declares more than"), "\(result)")
    }

    @Test func unetWithATrillionLayersPerBlockIsRefused() throws {
        try #require(FileManager.default.isExecutableFile(atPath: normlabExecutable), "build normlab first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("normlab-hostile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/unet", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fixtures = Self.tests.appendingPathComponent("InferenceTests/Fixtures")
        try FileManager.default.copyItem(atPath: fixtures.appendingPathComponent("regressions/unet-layers-per-block-1e12.json").path,
                                         toPath: dir + "/unet/config.json")
        try FileManager.default.copyItem(atPath: fixtures.appendingPathComponent("unet/sd15_tiny/unet/diffusion_pytorch_model.safetensors").path,
                                         toPath: dir + "/unet/diffusion_pytorch_model.safetensors")
        let result = try normlab("unet", "--model", dir, "--latent", dir + "/l.npy", "--timestep", "1",
                                 "--context", dir + "/c.npy", "--positions", "mid_block", "--out", dir + "/out")
        #expect(result.status != 0 && result.output.contains("layers_per_block = 1000000000000 is outside the supported range"), "\(result)")
    }
}
