import Foundation
import SafeTensors

/// The encoder half of diffusers' `AutoencoderKL` (SD VAE) plus `quant_conv`: image (B, 3, H, W) →
/// moments (B, 2·latent, H/8, W/8) = [mean | logvar]. docs/reference-pipeline.md §3.
public struct VAEEncoder: Sendable {
    public struct Config: Sendable, Equatable {
        public var inChannels = 3
        public var latentChannels = 4
        public var blockOutChannels: [Int]
        public var layersPerBlock = 2
        public var normGroups = 32
        public var scalingFactor: Float = 0.18215
        public var useQuantConv = true
        public var midBlockAttention = true

        public init(contentsOf path: String) throws {
            try self.init(json: try JSONValue.object(contentsOf: path), file: path)
        }

        public init(json: [String: JSONValue], file path: String = "config.json") throws {
            var r = ConfigReader(dict: json, file: path)
            try r.expect("_class_name", oneOf: ["AutoencoderKL"], optional: true)
            blockOutChannels = try r.intList("block_out_channels", in: ConfigRange.channels, count: ConfigRange.blocks)
            inChannels = try r.int("in_channels", default: 3, in: ConfigRange.imageChannels)
            latentChannels = try r.int("latent_channels", default: 4, in: ConfigRange.imageChannels)
            layersPerBlock = try r.int("layers_per_block", default: 1, in: ConfigRange.layers)
            normGroups = try r.int("norm_num_groups", default: 32, in: ConfigRange.channels)
            scalingFactor = try r.float("scaling_factor", default: 0.18215)
            useQuantConv = try r.bool("use_quant_conv", default: true)
            midBlockAttention = try r.bool("mid_block_add_attention", default: true)
            try r.expect("act_fn", oneOf: ["silu"], optional: true)
            let types = try r.stringList("down_block_types")
            guard types.count == blockOutChannels.count, types.allSatisfy({ $0 == "DownEncoderBlock2D" }) else {
                throw r.error("down_block_types must be DownEncoderBlock2D, one per block_out_channels entry")
            }
            if r.isSet("latents_mean") || r.isSet("latents_std") { throw r.error("latents_mean/latents_std are not supported") }
            guard blockOutChannels.allSatisfy({ $0 % normGroups == 0 }) else {
                throw r.error("block_out_channels must be multiples of norm_num_groups = \(normGroups)")
            }
        }
    }

    public let config: Config
    let convIn: Conv2d
    let blocks: [(resnets: [ResnetBlock], downsampler: Conv2d?)]
    let midResnet0: ResnetBlock
    let midAttention: VAEAttention?
    let midResnet1: ResnetBlock
    let normOut: GroupNorm
    let convOut: Conv2d
    let quantConv: Conv2d?

    public init(config c: Config, weights: any WeightSource) throws {
        config = c
        let w = WeightLoader(source: weights)
        let (g, eps) = (c.normGroups, Float(1e-6))
        convIn = try w.conv("encoder.conv_in", in: c.inChannels, out: c.blockOutChannels[0], kernel: 3)
        var output = c.blockOutChannels[0]
        var blocks: [(resnets: [ResnetBlock], downsampler: Conv2d?)] = []
        for (i, channels) in c.blockOutChannels.enumerated() {
            let input = output
            output = channels
            let p = "encoder.down_blocks.\(i)"
            let resnets = try (0..<c.layersPerBlock).map { j in
                try ResnetBlock(w, "\(p).resnets.\(j)", in: j == 0 ? input : output, out: output, groups: g, eps: eps, timeDim: nil)
            }
            // The encoder pads right/bottom by one and convolves with stride 2 and no padding.
            let down = i < c.blockOutChannels.count - 1
                ? try w.conv("\(p).downsamplers.0.conv", in: output, out: output, kernel: 3, stride: 2, padding: 0).paddedBottomRight() : nil
            blocks.append((resnets, down))
        }
        self.blocks = blocks
        midResnet0 = try ResnetBlock(w, "encoder.mid_block.resnets.0", in: output, out: output, groups: g, eps: eps, timeDim: nil)
        midAttention = c.midBlockAttention ? try VAEAttention(w, "encoder.mid_block.attentions.0", channels: output, groups: g) : nil
        midResnet1 = try ResnetBlock(w, "encoder.mid_block.resnets.1", in: output, out: output, groups: g, eps: eps, timeDim: nil)
        normOut = try w.groupNorm("encoder.conv_norm_out", groups: g, channels: output, eps: eps)
        convOut = try w.conv("encoder.conv_out", in: output, out: 2 * c.latentChannels, kernel: 3)
        quantConv = c.useQuantConv ? try w.conv("quant_conv", in: 2 * c.latentChannels, out: 2 * c.latentChannels, kernel: 1, padding: 0) : nil
    }

    /// Loads `DIR/vae/` (or a folder holding config.json and the weights directly).
    public init(modelDirectory dir: String) throws {
        let files = try ModelFiles(directory: dir, subfolder: "vae", weightNames: UNetFiles.weightNames)
        try self.init(config: Config(contentsOf: files.config), weights: SafeTensorsFile(path: files.weights))
    }

    /// `quant_conv(encoder(x))`: the moments of `latent_dist`, (B, 2·latent, h, w).
    public func moments(_ image: Tensor) throws -> Tensor {
        guard image.shape.count == 4, image.channels == config.inChannels else {
            throw ShapeError("image must have shape (B, \(config.inChannels), H, W), got \(image.shape)")
        }
        var h = convIn(image)
        for block in blocks {
            for resnet in block.resnets { h = resnet(h, activatedEmbedding: nil) }
            if let down = block.downsampler { h = down(h) }
        }
        h = midResnet0(h, activatedEmbedding: nil)
        if let midAttention { h = midAttention(h) }
        h = midResnet1(h, activatedEmbedding: nil)
        h = convOut(normOut(h, silu: true))
        return quantConv.map { $0(h) } ?? h
    }
}

/// The VAE mid-block attention: GroupNorm over channels, one head over all pixels, q/k/v/out with
/// bias, plus the residual. Accepts the old `query/key/value/proj_attn` names and 1×1-conv shapes.
struct VAEAttention: Sendable {
    let norm: GroupNorm
    let attention: AttentionLayer

    init(_ w: WeightLoader, _ prefix: String, channels c: Int, groups: Int) throws {
        func layer(_ names: [String]) throws -> Linear {
            let name = names.first { w.source.contains("\(prefix).\($0).weight") } ?? names[0]
            let p = "\(prefix).\(name)"
            do { return try w.linear(p, in: c, out: c) } catch {
                guard let conv = try? w.pointwiseConvAsLinear(p, in: c, out: c) else { throw error }
                return conv
            }
        }
        let groupNorm = w.source.contains("\(prefix).group_norm.weight") ? "group_norm" : "norm"
        norm = try w.groupNorm("\(prefix).\(groupNorm)", groups: groups, channels: c, eps: 1e-6)
        attention = AttentionLayer(heads: 1, dim: c, contextDim: c, toQ: try layer(["to_q", "query"]),
                                   toK: try layer(["to_k", "key"]), toV: try layer(["to_v", "value"]),
                                   toOut: try layer(["to_out.0", "proj_attn"]), selfAttention: true)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let tokens = attention(imageToTokens(norm(x)))
        var out = tokensToImage(tokens, height: x.height, width: x.width)
        addInPlace(&out, x)
        return out
    }
}

extension VAEEncoder {
    /// `latent_dist.sample()` (with `eps` from the generator) or `.mode()` (eps nil), times
    /// `scaling_factor`: mean + exp(0.5·clamp(logvar, −30, 20))·eps, each step rounded to float32
    /// as torch does (docs/reference-pipeline.md §1.4).
    public func latents(fromMoments m: Tensor, eps: [Float]?) -> Tensor {
        let (b, c2, h, w) = (m.batch, m.channels, m.height, m.width)
        let c = c2 / 2, plane = h * w
        precondition(eps == nil || eps!.count == b * c * plane)
        var out = [Float](repeating: 0, count: b * c * plane)
        for n in 0..<b {
            for ch in 0..<c {
                for i in 0..<plane {
                    let mean = m.data[(n * c2 + ch) * plane + i]
                    var z = mean
                    if let eps {
                        let logvar = min(max(m.data[(n * c2 + c + ch) * plane + i], -30), 20)
                        let std = expf(0.5 * logvar)
                        let noise = std * eps[(n * c + ch) * plane + i]
                        z = mean + noise
                    }
                    out[(n * c + ch) * plane + i] = z * config.scalingFactor
                }
            }
        }
        return Tensor(shape: [b, c, h, w], data: out)
    }
}
