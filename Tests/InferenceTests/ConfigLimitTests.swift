import Foundation
import TestSupport
import InputLimits
import Testing
@testable import Inference

/// Config values outside their ranges, configs that claim more than their weights hold, deep JSON
/// and huge prompts are refused by name before anything is allocated.
@Suite struct ConfigLimitTests {
    static func modelFolder(config: Data) throws -> String {
        let dir = try TempFolder.create("unet")
        try config.write(to: URL(fileURLWithPath: dir + "/config.json"))
        try FileManager.default.copyItem(atPath: try Fixture.unet("sd15_tiny") + "/unet/diffusion_pytorch_model.safetensors",
                                         toPath: dir + "/diffusion_pytorch_model.safetensors")
        return dir
    }

    static func sd15(_ key: String, _ value: JSONValue) throws -> Data {
        var json = try JSONValue.object(contentsOf: try Fixture.unet("sd15_tiny") + "/unet/config.json")
        json[key] = value
        return Data(JSONValue.object(json).description.utf8)
    }

    /// The config that made `normlab unet` abort allocating 360 TB.
    @Test func layersPerBlockOfATrillionIsRefused() throws {
        let config = try Data(contentsOf: URL(fileURLWithPath: try Fixture.root() + "/regressions/unet-layers-per-block-1e12.json"))
        let dir = try Self.modelFolder(config: config)
        defer { TempFolder.remove(dir) }
        let error = try #require(throws: ConfigError.self) { try UNet(modelDirectory: dir) }
        #expect("\(error)".contains("layers_per_block = 1000000000000 is outside the supported range 1…64"), "\(error)")
    }

    @Test(arguments: [
        ("block_out_channels", JSONValue.array([.number(8), .number(8), .number(16), .number(100_000)]), "block_out_channels[3] = 100000 is outside"),
        ("norm_num_groups", .number(0), "norm_num_groups = 0"),
        ("attention_head_dim", .number(-2), "attention_head_dim = -2"),
        ("cross_attention_dim", .number(2.5), "cross_attention_dim must be an integer"),
        ("transformer_layers_per_block", .number(65), "transformer_layers_per_block = 65"),
        ("norm_eps", .number(1e300), "norm_eps must be a finite number"),
    ])
    func valuesOutsideTheirRangesAreRefused(key: String, value: JSONValue, mentions: String) throws {
        let data = try Self.sd15(key, value)
        let error = try #require(throws: ConfigError.self) { try UNetConfig(json: try JSONValue.object(data, file: "cfg.json"), file: "cfg.json") }
        #expect("\(error)".contains(mentions), "\(error)")
    }

    /// In range, but more layers than the weights hold: refused from the tensor names before any layer is built.
    @Test func countsThatDisagreeWithTheWeightsAreRefusedFirst() throws {
        let dir = try Self.modelFolder(config: try Self.sd15("layers_per_block", .number(3)))
        defer { TempFolder.remove(dir) }
        let error = try #require(throws: ConfigError.self) { try UNet(modelDirectory: dir) }
        #expect("\(error)".contains("3 resnets in down block 0 (layers_per_block)") && "\(error)".contains("hold 2"), "\(error)")
    }

    @Test func deeplyNestedConfigIsRefused() throws {
        let deep = Data(("{\"a\": " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}").utf8)
        let error = try #require(throws: ConfigError.self) { try JSONValue.object(deep, file: "config.json") }
        #expect("\(error)".contains("limit of \(InputLimits.maxJSONDepth) levels"), "\(error)")
    }

    @Test func promptOverTheLimitIsRefused() throws {
        let root = try Fixture.root() + "/tokenizer"
        let tok = try CLIPTokenizer(directory: "\(root)/sd15")
        let error = try #require(throws: LimitError.self) { try tok.encode(String(repeating: "a photo of a cat ", count: 600_000)) }
        #expect("\(error)".contains("limit of \(InputLimits.maxPromptBytes)"), "\(error)")
        // At the limit the prompt is encoded (and truncated to 77 ids as usual).
        #expect(try tok.encode(String(repeating: "cat ", count: InputLimits.maxPromptBytes / 4)).count == 77)
    }
}
