import Foundation

/// The subset of diffusers' `UNet2DConditionModel` config that SD-1.5, SD-2.1 and SD-Turbo use.
/// Options normlab does not implement are refused with an error naming the key, never ignored.
public struct UNetConfig: Sendable, Equatable {
    public enum DownBlock: String, Sendable { case crossAttn = "CrossAttnDownBlock2D", plain = "DownBlock2D" }
    public enum UpBlock: String, Sendable { case crossAttn = "CrossAttnUpBlock2D", plain = "UpBlock2D" }

    public var inChannels = 4
    public var outChannels = 4
    public var blockOutChannels: [Int]
    public var downBlocks: [DownBlock]
    public var upBlocks: [UpBlock]
    public var layersPerBlock = 2
    /// Heads per down block (diffusers' `attention_head_dim` is the *number of heads*).
    public var headsPerBlock: [Int]
    public var crossAttentionDim: Int
    public var useLinearProjection = false
    public var transformerLayersPerBlock = 1
    public var normGroups = 32
    public var normEps: Float = 1e-5
    public var flipSinToCos = true
    public var freqShift: Float = 0
    public var downsamplePadding = 1
    public var midBlockScaleFactor: Float = 1
    public var resnetOutputScaleFactor: Float = 1
    public var convInKernel = 3
    public var convOutKernel = 3
    public var centerInputSample = false

    public var timeEmbeddingInputDim: Int { blockOutChannels[0] }
    public var timeEmbeddingDim: Int { blockOutChannels[0] * 4 }
}

public struct ConfigError: Error, CustomStringConvertible {
    public let file: String
    public let message: String
    public var description: String { "\(file): \(message)" }
}

extension UNetConfig {
    public init(contentsOf path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigError(file: path, message: "U-Net config not found")
        }
        try self.init(json: try JSONValue.object(contentsOf: path), file: path)
    }

    public init(json: [String: JSONValue], file: String = "config.json") throws {
        var r = ConfigReader(dict: json, file: file)
        try r.expect("_class_name", oneOf: ["UNet2DConditionModel"], optional: true)
        blockOutChannels = try r.intList("block_out_channels", in: ConfigRange.channels, count: ConfigRange.blocks)
        downBlocks = try r.stringList("down_block_types").map { s in
            guard let b = DownBlock(rawValue: s) else { throw r.error("down_block_types: unsupported block type '\(s)'") }
            return b
        }
        upBlocks = try r.stringList("up_block_types").map { s in
            guard let b = UpBlock(rawValue: s) else { throw r.error("up_block_types: unsupported block type '\(s)'") }
            return b
        }
        guard downBlocks.count == blockOutChannels.count, upBlocks.count == blockOutChannels.count else {
            throw r.error("block_out_channels, down_block_types and up_block_types must have the same length")
        }
        inChannels = try r.int("in_channels", default: 4, in: ConfigRange.imageChannels)
        outChannels = try r.int("out_channels", default: 4, in: ConfigRange.imageChannels)
        layersPerBlock = try r.int("layers_per_block", default: 2, in: ConfigRange.layers)
        crossAttentionDim = try r.int("cross_attention_dim", default: 1280, in: ConfigRange.channels)
        useLinearProjection = try r.bool("use_linear_projection", default: false)
        transformerLayersPerBlock = try r.int("transformer_layers_per_block", default: 1, in: ConfigRange.layers)
        normGroups = try r.int("norm_num_groups", default: 32, in: ConfigRange.channels)
        normEps = try r.float("norm_eps", default: 1e-5)
        flipSinToCos = try r.bool("flip_sin_to_cos", default: true)
        freqShift = try r.float("freq_shift", default: 0)
        downsamplePadding = try r.int("downsample_padding", default: 1, in: 0...ConfigRange.kernel.upperBound)
        midBlockScaleFactor = try r.float("mid_block_scale_factor", default: 1)
        resnetOutputScaleFactor = try r.float("resnet_out_scale_factor", default: 1)
        convInKernel = try r.int("conv_in_kernel", default: 3, in: ConfigRange.kernel)
        convOutKernel = try r.int("conv_out_kernel", default: 3, in: ConfigRange.kernel)
        centerInputSample = try r.bool("center_input_sample", default: false)
        headsPerBlock = try Self.heads(&r, blocks: blockOutChannels.count)
        try Self.refuseUnsupported(&r)
        try validate(r)
    }

    /// diffusers quirk: `attention_head_dim` (int or per-block list) is the number of heads;
    /// `num_attention_heads` must not be set for this model class.
    private static func heads(_ r: inout ConfigReader, blocks: Int) throws -> [Int] {
        if r.isSet("num_attention_heads") {
            throw r.error("num_attention_heads is set; diffusers refuses it for UNet2DConditionModel (use attention_head_dim)")
        }
        if let list = try r.optionalIntList("attention_head_dim", in: ConfigRange.channels, count: ConfigRange.blocks) {
            guard list.count == blocks else { throw r.error("attention_head_dim has \(list.count) entries for \(blocks) blocks") }
            return list
        }
        return Array(repeating: try r.int("attention_head_dim", default: 8, in: ConfigRange.channels), count: blocks)
    }

    private static func refuseUnsupported(_ r: inout ConfigReader) throws {
        try r.expect("act_fn", oneOf: ["silu"], optional: true)
        try r.expect("mid_block_type", oneOf: ["UNetMidBlock2DCrossAttn"], optional: true)
        try r.expect("resnet_time_scale_shift", oneOf: ["default"], optional: true)
        try r.expect("time_embedding_type", oneOf: ["positional"], optional: true)
        try r.expect("attention_type", oneOf: ["default"], optional: true)
        for key in ["dual_cross_attention", "only_cross_attention", "resnet_skip_time_act", "class_embeddings_concat"] {
            if try r.bool(key, default: false) { throw r.error("\(key) = true is not supported") }
        }
        for key in ["class_embed_type", "num_class_embeds", "addition_embed_type", "time_cond_proj_dim",
                    "time_embedding_act_fn", "time_embedding_dim", "timestep_post_act", "encoder_hid_dim",
                    "encoder_hid_dim_type", "projection_class_embeddings_input_dim", "cross_attention_norm",
                    "reverse_transformer_layers_per_block", "mid_block_only_cross_attention"] where r.isSet(key) {
            throw r.error("\(key) = \(r.dict[key]!) is not supported (normlab implements the SD-1.5/SD-2.1 U-Net)")
        }
        // Keys that do not change inference.
        r.ignore(["_diffusers_version", "_name_or_path", "sample_size", "dropout", "upcast_attention",
                  "addition_embed_type_num_heads", "addition_time_embed_dim"])
        if let unknown = r.unconsumed().first {
            throw r.error("unknown config key '\(unknown)' = \(r.dict[unknown]!) (not supported by normlab)")
        }
    }

    private func validate(_ r: ConfigReader) throws {
        for (i, c) in blockOutChannels.enumerated() {
            guard c > 0, c % normGroups == 0 else {
                throw r.error("block_out_channels[\(i)] = \(c) is not a positive multiple of norm_num_groups = \(normGroups)")
            }
            guard headsPerBlock[i] > 0, c % headsPerBlock[i] == 0 else {
                throw r.error("block \(i): \(c) channels cannot be split into \(headsPerBlock[i]) attention heads")
            }
        }
        guard convInKernel % 2 == 1, convOutKernel % 2 == 1 else { throw r.error("conv_in_kernel/conv_out_kernel must be odd") }
        guard layersPerBlock > 0, transformerLayersPerBlock > 0 else { throw r.error("layers_per_block must be positive") }
    }
}

/// Ranges of config values, wide enough for every Stable Diffusion model (SD-1.5 to SD-XL use at most
/// 4 blocks, 1280 channels, 10 transformer layers, 2048 cross-attention channels, 23 CLIP layers).
enum ConfigRange {
    static let blocks = 1...8
    static let channels = 1...8192
    static let imageChannels = 1...64
    static let layers = 1...64
    static let kernel = 1...7
}

/// Reads typed values from a config dict and remembers which keys were used.
struct ConfigReader {
    let dict: [String: JSONValue]
    let file: String
    private var used: Set<String> = []

    init(dict: [String: JSONValue], file: String) {
        self.dict = dict
        self.file = file
    }

    func error(_ message: String) -> ConfigError { ConfigError(file: file, message: message) }

    func isSet(_ key: String) -> Bool { dict[key].map { $0 != .null } ?? false }

    mutating func ignore(_ keys: [String]) { used.formUnion(keys) }

    func unconsumed() -> [String] { dict.keys.filter { !used.contains($0) && isSet($0) }.sorted() }

    mutating func value(_ key: String) -> JSONValue? {
        used.insert(key)
        return isSet(key) ? dict[key] : nil
    }

    /// An integer in `range`. Config values size buffers and loops, so each has a range: a value
    /// outside it is refused by name before anything is allocated.
    mutating func int(_ key: String, default d: Int? = nil, in range: ClosedRange<Int>) throws -> Int {
        let n: Int
        switch value(key) {
        case nil:
            guard let d else { throw error("missing required key '\(key)'") }
            n = d
        case .array?: throw error("\(key) as a per-block list is not supported; expected an integer")
        case let v?:
            guard let i = v.exactInt else { throw error("\(key) must be an integer, found \(v)") }
            n = i
        }
        return try checked(key, n, in: range)
    }

    /// A finite number (NaN and infinities, also from overflowing Float, are refused).
    mutating func float(_ key: String, default d: Float) throws -> Float {
        switch value(key) {
        case nil: return d
        case .number(let n)? where Float(n).isFinite: return Float(n)
        case let v?: throw error("\(key) must be a finite number, found \(v)")
        }
    }

    mutating func bool(_ key: String, default d: Bool) throws -> Bool {
        switch value(key) {
        case nil: return d
        case .bool(let b)?: return b
        case .array?: throw error("\(key) as a per-block list is not supported")
        case let v?: throw error("\(key) must be true or false, found \(v)")
        }
    }

    mutating func intList(_ key: String, in range: ClosedRange<Int>, count: ClosedRange<Int>) throws -> [Int] {
        guard let list = try optionalIntList(key, in: range, count: count) else { throw error("missing required key '\(key)' (a list of integers)") }
        return list
    }

    mutating func optionalIntList(_ key: String, in range: ClosedRange<Int>, count: ClosedRange<Int>) throws -> [Int]? {
        guard case .array(let list)? = value(key) else { return nil }
        guard count.contains(list.count) else {
            throw error("\(key) has \(list.count) entries, outside the supported range \(count.lowerBound)…\(count.upperBound)")
        }
        return try list.enumerated().map { i, e in
            guard let n = e.exactInt else { throw error("\(key) must hold integers, found \(e)") }
            return try checked("\(key)[\(i)]", n, in: range)
        }
    }

    private func checked(_ key: String, _ n: Int, in range: ClosedRange<Int>) throws -> Int {
        guard range.contains(n) else {
            throw error("\(key) = \(n) is outside the supported range \(range.lowerBound)…\(range.upperBound)")
        }
        return n
    }

    mutating func stringList(_ key: String) throws -> [String] {
        guard case .array(let list)? = value(key) else { throw error("missing required key '\(key)' (a list of strings)") }
        return try list.map { e in
            guard case .string(let s) = e else { throw error("\(key) must hold strings, found \(e)") }
            return s
        }
    }

    mutating func expect(_ key: String, oneOf allowed: [String], optional: Bool) throws {
        guard let v = value(key) else {
            if optional { return }
            throw error("missing required key '\(key)'")
        }
        guard case .string(let s) = v, allowed.contains(s) else {
            throw error("\(key) = \(v) is not supported (normlab supports: \(allowed.joined(separator: ", ")))")
        }
    }
}
