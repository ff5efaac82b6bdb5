import Foundation
import TestSupport
import Testing
@testable import Inference

@Suite struct UNetConfigTests {
    static let sharedConfigs = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../shared/configs").standardized.path

    static func sd15() throws -> [String: JSONValue] {
        try JSONValue.object(contentsOf: try Fixture.unet("sd15_tiny") + "/unet/config.json")
    }

    @Test func readsTheRealSDConfigs() throws {
        // The real configs live beside the repository (../shared/configs); the tiny fixtures always do.
        let sd15Path = Self.sharedConfigs + "/sd15_unet/config.json"
        let sd21Path = Self.sharedConfigs + "/sd21_unet/config.json"
        if FileManager.default.fileExists(atPath: sd15Path) {
            let sd15 = try UNetConfig(contentsOf: sd15Path)
            #expect(sd15.headsPerBlock == [8, 8, 8, 8])
            #expect(!sd15.useLinearProjection && sd15.crossAttentionDim == 768)
            let sd21 = try UNetConfig(contentsOf: sd21Path)
            #expect(sd21.headsPerBlock == [5, 10, 20, 20])
            #expect(sd21.useLinearProjection && sd21.crossAttentionDim == 1024)
        }
        let tiny = try UNetConfig(json: try Self.sd15())
        #expect(tiny.blockOutChannels == [8, 8, 16, 16] && tiny.headsPerBlock == [2, 2, 2, 2])
        #expect(tiny.allPositions.count == 55)
    }

    /// Each unsupported option is refused with a message naming the key.
    @Test(arguments: [
        ("act_fn", JSONValue.string("gelu"), "act_fn"),
        ("num_attention_heads", .number(8), "num_attention_heads"),
        ("class_embed_type", .string("timestep"), "class_embed_type"),
        ("addition_embed_type", .string("text_time"), "addition_embed_type"),
        ("resnet_time_scale_shift", .string("scale_shift"), "resnet_time_scale_shift"),
        ("only_cross_attention", .bool(true), "only_cross_attention"),
        ("layers_per_block", .array([.number(2), .number(2)]), "layers_per_block"),
        ("down_block_types", .array([.string("SimpleCrossAttnDownBlock2D")]), "SimpleCrossAttnDownBlock2D"),
        ("brand_new_option", .number(3), "brand_new_option"),
        ("attention_head_dim", .array([.number(3), .number(2), .number(2), .number(2)]), "attention heads"),
    ])
    func refusesUnsupportedOptions(key: String, value: JSONValue, mentions: String) throws {
        var json = try Self.sd15()
        json[key] = value
        let error = try #require(throws: ConfigError.self) { try UNetConfig(json: json, file: "cfg.json") }
        #expect(error.description.contains(mentions), "\(error)")
        #expect(error.description.hasPrefix("cfg.json"))
    }

    @Test func missingRequiredKey() throws {
        var json = try Self.sd15()
        json["block_out_channels"] = nil
        let error = try #require(throws: ConfigError.self) { try UNetConfig(json: json) }
        #expect(error.description.contains("block_out_channels"))
    }

    @Test func weightShapeThatDisagreesWithTheConfigIsNamed() throws {
        // A config that claims more input channels than the weights have.
        let dir = try TempFolder.create("unet")
        defer { TempFolder.remove(dir) }
        var json = try Self.sd15()
        json["in_channels"] = .number(5)
        let text = "{" + json.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
        try text.write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: try Fixture.unet("sd15_tiny") + "/unet/diffusion_pytorch_model.safetensors",
                                         toPath: dir + "/diffusion_pytorch_model.safetensors")
        let error = try #require(throws: (any Error).self) { try UNet(modelDirectory: dir) }
        #expect("\(error)".contains("conv_in.weight") && "\(error)".contains("disagrees with the config"), "\(error)")
    }

    @Test func positionsAreParsedAndChecked() throws {
        let c = try UNetConfig(json: try Self.sd15())
        #expect(try UNetPosition("up_blocks[1]", config: c).description == "up_blocks[1]")
        #expect(try UNetPosition("down_blocks[0].attentions[1]", config: c).description == "down_blocks[0].attentions[1]")
        for bad in ["up_blocks", "up_blocks[9]", "down_blocks[3].attentions[0]", "up_blocks[3].upsamplers[0]", "mid_block[0]", "foo", "conv_in.resnets[0]"] {
            #expect(throws: PositionError.self, "\(bad)") { try UNetPosition(bad, config: c) }
        }
        let ordered = c.allPositions
        #expect(ordered == ordered.sorted())
    }

    @Test func nearestResizeFollowsTorchIndexRule() {
        // F.interpolate(size=...) uses floor(dst · float(in/out)); 8 → 15 as in a 640×480 image's up_blocks[0].
        #expect(nearestIndices(input: 8, output: 15) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7])
        #expect(nearestIndices(input: 4, output: 8) == [0, 0, 1, 1, 2, 2, 3, 3])
    }
}
