import Foundation
import TestSupport
import Testing
import ImageIO
import NPYFormat
@testable import Inference

/// Images to representations against sdhelper's steps run with diffusers on CPU, seed 42, t = 50
/// (Tests/FixtureGenerators/make_pipeline_fixtures.py): quick_gelu text encoder + PNDM (SD-1.5 style) and
/// gelu + Euler (SD-Turbo style), fp16-rounded weights, an empty and a non-empty prompt, a grayscale
/// non-square image, and a batch of three.
@Suite struct PipelineTests {
    /// Assembles a pipeline folder from the fixture components and the shared tokenizer fixture.
    static func pipelineFolder(_ name: String) throws -> String {
        let fm = FileManager.default
        let fix = try Fixture.root()
        let dir = fm.temporaryDirectory.appendingPathComponent("pipeline-\(name)-\(UUID())").path
        try fm.createDirectory(atPath: dir + "/tokenizer", withIntermediateDirectories: true)
        for part in ["unet", "vae", "text_encoder", "scheduler"] {
            try fm.createSymbolicLink(atPath: "\(dir)/\(part)", withDestinationPath: "\(fix)/pipeline/\(name)/\(part)")
        }
        let tokenizer = name == "sd15_tiny" ? "sd15" : "sd21"
        for f in ["vocab.json", "merges.txt"] {
            try fm.createSymbolicLink(atPath: "\(dir)/tokenizer/\(f)", withDestinationPath: "\(fix)/tokenizer/sd15/\(f)")
        }
        for f in ["special_tokens_map.json", "tokenizer_config.json"] {
            try fm.createSymbolicLink(atPath: "\(dir)/tokenizer/\(f)", withDestinationPath: "\(fix)/tokenizer/\(tokenizer)/\(f)")
        }
        return dir
    }

    static func image(_ file: String) throws -> Image8 {
        try decodeImage([UInt8](Data(contentsOf: URL(fileURLWithPath: try Fixture.root() + "/pipeline/images/\(file)"))), name: file)
    }

    static let positions = ["conv_in", "down_blocks[1]", "mid_block", "up_blocks[1]"]

    @Test(arguments: ["sd15_tiny", "turbo_tiny"])
    func matchesTheReferenceSteps(_ name: String) throws {
        let dir = try Self.pipelineFolder(name)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pipeline = try StableDiffusionPipeline(modelDirectory: dir)
        #expect(pipeline.eulerInputScaling == (name == "turbo_tiny"))
        let positions = try Self.positions.map { try UNetPosition($0, config: pipeline.unet.config) }
        let empty = try pipeline.promptEmbedding("")
        let cases: [(String, [String], Tensor)] = [
            ("img0_empty", ["img0.png"], empty),
            ("img0_cat", ["img0.png"], try pipeline.promptEmbedding("a photo of a cat!")),
            ("gray_empty", ["gray_24x40.png"], empty),
            ("batch3_empty", ["img0.png", "img1.png", "img2.png"], empty),
        ]
        for (tag, files, embedding) in cases {
            let out = try pipeline.represent(try files.map(Self.image), positions: positions, prompt: embedding, options: .init())
            for p in positions {
                let want = try Fixture.tensor(npy: try Fixture.root() + "/pipeline/\(name)/expected/\(tag)__\(p).npy")
                let got = try #require(out[p])
                #expect(got.shape == want.shape, "\(name) \(tag) \(p)")
                let c = Compare(got.data, want.data)
                #expect(c.maxAbsDiff <= 1e-3 * c.maxAbsRef, "\(name) \(tag) \(p): max|Δ| \(c.maxAbsDiff) vs max|ref| \(c.maxAbsRef)")
                #expect(c.cosine >= 0.9999, "\(name) \(tag) \(p): cosine \(c.cosine)")
            }
        }
    }

    /// A pipeline loaded only up to the positions it is asked for gives the whole pipeline's values.
    @Test func loadedUpToThePositionsGivesTheSameRepresentations() throws {
        let dir = try Self.pipelineFolder("sd15_tiny")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let whole = try StableDiffusionPipeline(modelDirectory: dir)
        let part = try StableDiffusionPipeline(modelDirectory: dir, unetUpTo: Self.positions.joined(separator: ","))
        #expect(part.unet.modules.count < whole.unet.modules.count)
        let positions = try Self.positions.map { try UNetPosition($0, config: whole.unet.config) }
        let images = try ["img0.png", "img1.png"].map(Self.image)
        let embedding = try whole.promptEmbedding("a photo of a cat!")
        let got = try part.represent(images, positions: positions, prompt: embedding, options: .init())
        let want = try whole.represent(images, positions: positions, prompt: embedding, options: .init())
        for p in positions { #expect(got[p]?.data == want[p]?.data, "\(p)") }
    }

    @Test func imageSidesMustBeMultiplesOfEight() throws {
        let dir = try Self.pipelineFolder("sd15_tiny")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pipeline = try StableDiffusionPipeline(modelDirectory: dir)
        let odd = Image8(width: 30, height: 32, channels: 3, pixels: [UInt8](repeating: 0, count: 30 * 32 * 3))
        let error = try #require(throws: ShapeError.self) {
            try pipeline.represent([odd], positions: [], prompt: try pipeline.promptEmbedding(""), options: .init())
        }
        #expect(error.message.contains("30×32"))
    }
}

@Suite struct RepresentCommandTests {
    @Test func writesPositionsForOneImage() throws {
        let dir = try PipelineTests.pipelineFolder("sd15_tiny")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("represent-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: out) }
        let image = try Fixture.root() + "/pipeline/images/img0.png"
        let r = try runNormlab(["represent", "--model", dir, "--image", image, "--positions", "up_blocks[1],conv_in", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let want = try Fixture.tensor(npy: try Fixture.root() + "/pipeline/sd15_tiny/expected/img0_empty__up_blocks[1].npy")
        let (shape, got) = try NPY.readFloats(path: "\(out)/up_blocks[1].npy")
        #expect(shape == want.shape)
        let c = Compare(got, want.data)
        #expect(c.maxAbsDiff <= 1e-3 * c.maxAbsRef && c.cosine >= 0.9999)
        let bad = try runNormlab(["represent", "--model", dir, "--image", image, "--timestep", "1000", "--out", out])
        #expect(bad.status != 0 && bad.stderr.contains("--timestep"))
        let odd = try runNormlab(["represent", "--model", dir, "--image", image, "--resize", "30", "--out", out])
        #expect(odd.status != 0 && odd.stderr.contains("multiple of 8"))
    }

    /// Real photographs through the whole CLI path (file decode, centre crop, bicubic resize, both
    /// text-encoder variants) against diffusers: a JPEG at its native non-square size, a grayscale PNG
    /// with --resize, a non-square PNG with --center-crop --resize (make_photo_fixtures.py).
    @Test(arguments: ["sd15_tiny", "turbo_tiny"])
    func photographsMatchTheReference(_ name: String) throws {
        let dir = try PipelineTests.pipelineFolder(name)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("represent-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: out) }
        let cases: [(tag: String, file: String, options: [String])] = [
            ("rocket_jpeg", "rocket_64x48.jpg", []),
            ("camera_resize32", "camera_120x90.png", ["--resize", "32"]),
            ("chelsea_crop_resize32", "chelsea_75x50.png", ["--center-crop", "--resize", "32"]),
        ]
        for c in cases {
            let image = try Fixture.root() + "/pipeline/images/" + c.file
            let r = try runNormlab(["represent", "--model", dir, "--image", image, "--positions", PipelineTests.positions.joined(separator: ","),
                                    "--out", out] + c.options)
            #expect(r.status == 0, "\(r.stderr)")
            for p in PipelineTests.positions {
                let want = try Fixture.tensor(npy: try Fixture.root() + "/pipeline/\(name)/expected/\(c.tag)_empty__\(p).npy")
                let (shape, got) = try NPY.readFloats(path: "\(out)/\(p).npy")
                #expect(shape == want.shape, "\(name) \(c.tag) \(p)")
                let cmp = Compare(got, want.data)
                #expect(cmp.maxAbsDiff <= 1e-3 * cmp.maxAbsRef, "\(name) \(c.tag) \(p): max|Δ| \(cmp.maxAbsDiff) vs max|ref| \(cmp.maxAbsRef)")
                #expect(cmp.cosine >= 0.9999, "\(name) \(c.tag) \(p): cosine \(cmp.cosine)")
            }
        }
    }
}
