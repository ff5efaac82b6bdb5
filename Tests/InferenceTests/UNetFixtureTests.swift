import Foundation
import Testing
import NPYFormat
import SafeTensors
@testable import Inference

/// The Swift U-Net against PyTorch/diffusers hook outputs at every position
/// (fixtures from Tests/FixtureGenerators/make_unet_fixtures.py).
@Suite struct UNetFixtureTests {
    static let fixtures = ["sd15_tiny", "sd21_tiny_fp16", "nonsquare_bf16"]

    @Test(arguments: fixtures)
    func everyPositionMatchesDiffusers(_ name: String) throws {
        let dir = try Fixture.unet(name)
        let meta = try JSONValue.object(contentsOf: "\(dir)/fixture.json")
        guard case .number(let t)? = meta["timestep"] else { Issue.record("fixture.json has no timestep"); return }
        let unet = try UNet(modelDirectory: dir)
        let latent = try Fixture.tensor(npy: "\(dir)/latent.npy")
        let context = try Fixture.tensor(npy: "\(dir)/context.npy")
        let expected = try SafeTensorsFile(path: "\(dir)/expected.safetensors")
        let positions = try expected.tensors.keys.sorted().map { try UNetPosition($0, config: unet.config) }
        #expect(positions.count == unet.config.allPositions.count)
        let outputs = try unet(latent, timestep: Int(t), context: context, positions: positions)
        for p in positions {
            let info = try expected.info(p.description)
            let want = try expected.floats(p.description)
            let got = try #require(outputs[p], "no output for \(p)")
            #expect(got.shape == info.shape, "\(name) \(p): shape")
            #expect([1] + unet.config.outputShape(of: p, latentHeight: latent.height, latentWidth: latent.width) == info.shape,
                    "\(name) \(p): predicted shape")
            let c = Compare(got.data, want)
            #expect(c.maxAbsDiff <= 1e-4 * c.maxAbsRef, "\(name) \(p): max|Δ| \(c.maxAbsDiff) vs max|ref| \(c.maxAbsRef)")
            #expect(c.cosine >= 0.99999, "\(name) \(p): cosine \(c.cosine)")
        }
    }

    @Test func stopsAfterTheLastRequestedPosition() throws {
        let dir = try Fixture.unet("sd15_tiny")
        let unet = try UNet(modelDirectory: dir)
        let latent = try Fixture.tensor(npy: "\(dir)/latent.npy")
        let context = try Fixture.tensor(npy: "\(dir)/context.npy")
        let p = try UNetPosition("down_blocks[1]", config: unet.config)
        let out = try unet(latent, timestep: 50, context: context, positions: [p])
        #expect(Array(out.keys) == [p])
    }

    /// Loaded up to a position, the U-Net holds only the layers before it, gives the same output there as
    /// the whole U-Net, and refuses a later position with an error naming where it stops.
    @Test func loadsOnlyTheLayersItRuns() throws {
        let dir = try Fixture.unet("sd15_tiny")
        let whole = try UNet(modelDirectory: dir)
        let part = try UNet(modelDirectory: dir, upTo: "down_blocks[1], mid_block.resnets[0]")
        let latent = try Fixture.tensor(npy: "\(dir)/latent.npy")
        let context = try Fixture.tensor(npy: "\(dir)/context.npy")
        let mid = try UNetPosition("mid_block.resnets[0]", config: whole.config)
        let up = try UNetPosition("up_blocks[0]", config: whole.config)
        #expect(part.modules.count == whole.layout.steps.firstIndex { $0.position == mid }! + 1)
        #expect(part.modules.count < whole.modules.count)
        let want = try #require(try whole(latent, timestep: 50, context: context, positions: [mid])[mid])
        let got = try #require(try part(latent, timestep: 50, context: context, positions: [mid])[mid])
        #expect(got.data == want.data)
        #expect {
            try part(latent, timestep: 50, context: context, positions: [mid, up])
        } throws: { "\($0)".contains("loaded only up to mid_block.resnets[0]") && "\($0)".contains("up_blocks[0]") }
        #expect(throws: PositionError.self) { try UNet(modelDirectory: dir, upTo: "up_blocks[9]") }
    }
}

struct Compare {
    let maxAbsDiff: Float
    let maxAbsRef: Float
    let cosine: Double

    init(_ a: [Float], _ b: [Float]) {
        precondition(a.count == b.count)
        var md: Float = 0, mr: Float = 0
        var dot = 0.0, na = 0.0, nb = 0.0
        for i in a.indices {
            md = max(md, abs(a[i] - b[i]))
            mr = max(mr, abs(b[i]))
            dot += Double(a[i]) * Double(b[i])
            na += Double(a[i]) * Double(a[i])
            nb += Double(b[i]) * Double(b[i])
        }
        maxAbsDiff = md
        maxAbsRef = mr
        cosine = dot / max((na * nb).squareRoot(), 1e-30)
    }
}

enum Fixture {
    static func root() throws -> String {
        try #require(Bundle.module.resourcePath, "no resource bundle") + "/Fixtures"
    }

    static func unet(_ name: String) throws -> String { try root() + "/unet/" + name }

    static func tensor(npy path: String) throws -> Tensor {
        let (shape, values) = try NPY.readFloats(path: path)
        return Tensor(shape: shape, data: values)
    }
}

@Suite struct UNetBatchTests {
    /// A batch of two gives each item exactly what a batch of one gives.
    @Test func batchItemsMatchSingleRuns() throws {
        let dir = try Fixture.unet("nonsquare_bf16")
        let unet = try UNet(modelDirectory: dir)
        let latent = try Fixture.tensor(npy: "\(dir)/latent.npy")
        let context = try Fixture.tensor(npy: "\(dir)/context.npy")
        let other = Tensor(shape: latent.shape, data: latent.data.reversed())
        let batch = Tensor(shape: [2] + latent.shape.dropFirst(), data: latent.data + other.data)
        let contexts = Tensor(shape: [2] + context.shape.dropFirst(), data: context.data + context.data)
        let p = [try UNetPosition("up_blocks[1]", config: unet.config)]
        let both = try #require(try unet(batch, timestep: 0, context: contexts, positions: p)[p[0]])
        let first = try #require(try unet(latent, timestep: 0, context: context, positions: p)[p[0]])
        let second = try #require(try unet(other, timestep: 0, context: context, positions: p)[p[0]])
        #expect(both.shape == [2] + first.shape.dropFirst())
        let half = first.count
        let c0 = Compare(Array(both.data[..<half]), first.data), c1 = Compare(Array(both.data[half...]), second.data)
        #expect(c0.maxAbsDiff <= 1e-5 * c0.maxAbsRef && c1.maxAbsDiff <= 1e-5 * c1.maxAbsRef)
    }
}
