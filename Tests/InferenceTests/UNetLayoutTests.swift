import Foundation
import Testing
@testable import Inference

/// The model description against diffusers itself: for the real SD-1.5 and SD-2.1 configs, the order
/// in which PyTorch forward hooks fire and every output's shape, for a square and a non-square latent,
/// and the paper's 45-layer list (Tests/FixtureGenerators/make_layer_fixtures.py).
@Suite struct UNetLayoutTests {
    struct Recorded: Decodable {
        struct Run: Decodable {
            let latent: [Int]
            let hooks: [Hook]
        }
        struct Hook: Decodable {
            let name: String
            let shape: [Int]
            init(from decoder: any Decoder) throws {
                var c = try decoder.unkeyedContainer()
                name = try c.decode(String.self)
                shape = try c.decode([Int].self)
            }
        }
        let paper_layers: [String]
        let models: [String: [Run]]
    }

    static func recorded() throws -> Recorded {
        try JSONDecoder().decode(Recorded.self, from: Data(contentsOf: URL(fileURLWithPath: try Fixture.root() + "/layers/layers.json")))
    }

    static func config(_ model: String) throws -> UNetConfig {
        try UNetConfig(contentsOf: try Fixture.root() + "/layers/\(model)_unet_config.json")
    }

    @Test(arguments: ["sd15", "sd21"])
    func positionsShapesAndOrderMatchDiffusersHooks(_ model: String) throws {
        let config = try Self.config(model)
        let runs = try #require(try Self.recorded().models[model])
        for run in runs {
            let (h, w) = (run.latent[0], run.latent[1])
            #expect(config.allPositions.map(\.description) == run.hooks.map(\.name), "\(model) \(h)×\(w): hook order")
            let shapes = config.layout.outputShapes(latentHeight: h, latentWidth: w, channels: config.inChannels)
            for hook in run.hooks {
                let p = try UNetPosition(hook.name, config: config)
                #expect(shapes[p] == hook.shape, "\(model) \(h)×\(w) \(hook.name)")
                #expect(config.outputShape(of: p, latentHeight: h, latentWidth: w) == hook.shape)
            }
        }
    }

    @Test(arguments: ["sd15", "sd21"])
    func paperLayerListIsThe45LayersOfTheReference(_ model: String) throws {
        let config = try Self.config(model)
        let paper = try Self.recorded().paper_layers
        #expect(paper.count == 45)
        #expect(config.paperLayerPositions.map(\.description) == paper)
        // Every layer, no block outputs: the paper's list plus the one it leaves out.
        let layers = config.layerPositions.map(\.description)
        #expect(layers.count == 46)
        #expect(layers.filter { !paper.contains($0) } == ["up_blocks[0].resnets[2]"])
        #expect(layers == config.allPositions.filter { $0.part != nil || [.convIn, .convOut].contains($0.block) }.map(\.description))
    }

    @Test func positionsSortInExecutionOrder() throws {
        let config = try Self.config("sd15")
        let all = config.allPositions
        var rng = SystemRandomNumberGenerator()
        #expect(all.shuffled(using: &rng).sorted() == all)
    }

    /// The U-Net's users see it through `RepresentationModel`.
    @Test func unetIsARepresentationModel() throws {
        let unet = try UNet(modelDirectory: try Fixture.unet("sd15_tiny"))
        let model: any RepresentationModel<UNetPosition> = unet
        #expect(model.positions == unet.config.allPositions)
        #expect(try model.positions(list: "up_blocks[1], conv_in").map(\.description) == ["up_blocks[1]", "conv_in"])
        #expect(model.outputShape(of: try model.position(named: "up_blocks[1]"), inputHeight: 8, inputWidth: 8) == [16, 4, 4])
        #expect(throws: PositionError.self) { try model.position(named: "up_blocks[9]") }
    }
}
