import Foundation
import SafeTensors

/// transformers' `CLIPTextModel` as Stable Diffusion uses it: token + position embeddings, pre-LN
/// causal transformer layers, final LayerNorm; the output is `last_hidden_state` (B, 77, D).
/// SD-1.5 uses quick_gelu and 12 layers; SD-2.1/Turbo gelu and 23 layers. docs/reference-pipeline.md §4.1.
public struct CLIPTextModel: Sendable {
    public struct Config: Sendable, Equatable {
        public var hidden: Int
        public var intermediate: Int
        public var heads: Int
        public var layers: Int
        public var maxPositions = 77
        public var vocabSize = 49408
        public var layerNormEps: Float = 1e-5
        public var quickGELU = true

        public init(contentsOf path: String) throws {
            try self.init(json: try JSONValue.object(contentsOf: path), file: path)
        }

        public init(json: [String: JSONValue], file path: String = "config.json") throws {
            var r = ConfigReader(dict: json, file: path)
            hidden = try r.int("hidden_size", in: ConfigRange.channels)
            intermediate = try r.int("intermediate_size", in: 1...(4 * ConfigRange.channels.upperBound))
            heads = try r.int("num_attention_heads", in: ConfigRange.channels)
            layers = try r.int("num_hidden_layers", in: ConfigRange.layers)
            maxPositions = try r.int("max_position_embeddings", default: 77, in: 77...4096)
            vocabSize = try r.int("vocab_size", default: 49408, in: 1...1_000_000)
            layerNormEps = try r.float("layer_norm_eps", default: 1e-5)
            try r.expect("hidden_act", oneOf: ["quick_gelu", "gelu"], optional: false)
            if case .string(let act)? = r.dict["hidden_act"] { quickGELU = act == "quick_gelu" }
            guard hidden % heads == 0 else { throw r.error("hidden_size \(hidden) is not divisible by \(heads) heads") }
        }
    }

    struct Layer: Sendable {
        let norm1: LayerNorm, attention: AttentionLayer
        let norm2: LayerNorm, fc1: Linear, fc2: Linear
    }

    public let config: Config
    let tokenEmbedding: [Float]     // (vocab, D)
    let positionEmbedding: [Float]  // (positions, D)
    let layers: [Layer]
    let finalNorm: LayerNorm

    public init(config c: Config, weights: any WeightSource) throws {
        config = c
        // Hub files prefix every name with "text_model."; transformers 5 writes them without it.
        let prefix = weights.contains("text_model.final_layer_norm.weight") ? "text_model." : ""
        let w = WeightLoader(source: weights)
        let d = c.hidden
        tokenEmbedding = try weights.floats("\(prefix)embeddings.token_embedding.weight", shape: [c.vocabSize, d])
        positionEmbedding = try weights.floats("\(prefix)embeddings.position_embedding.weight", shape: [c.maxPositions, d])
        layers = try (0..<c.layers).map { i in
            let p = "\(prefix)encoder.layers.\(i)"
            return Layer(
                norm1: try w.layerNorm("\(p).layer_norm1", dim: d, eps: c.layerNormEps),
                attention: AttentionLayer(heads: c.heads, dim: d, contextDim: d,
                                          toQ: try w.linear("\(p).self_attn.q_proj", in: d, out: d),
                                          toK: try w.linear("\(p).self_attn.k_proj", in: d, out: d),
                                          toV: try w.linear("\(p).self_attn.v_proj", in: d, out: d),
                                          toOut: try w.linear("\(p).self_attn.out_proj", in: d, out: d), selfAttention: true),
                norm2: try w.layerNorm("\(p).layer_norm2", dim: d, eps: c.layerNormEps),
                fc1: try w.linear("\(p).mlp.fc1", in: d, out: c.intermediate),
                fc2: try w.linear("\(p).mlp.fc2", in: c.intermediate, out: d))
        }
        finalNorm = try w.layerNorm("\(prefix)final_layer_norm", dim: d, eps: c.layerNormEps)
    }

    /// Loads `DIR/text_encoder/` (config.json + model.safetensors) or a folder holding them directly.
    public init(modelDirectory dir: String) throws {
        let files = try ModelFiles(directory: dir, subfolder: "text_encoder",
                                   weightNames: ["model.safetensors", "model.fp16.safetensors"])
        try self.init(config: Config(contentsOf: files.config), weights: SafeTensorsFile(path: files.weights))
    }

    /// `last_hidden_state` for token ids of shape (B, T), T ≤ max positions. No attention mask (as in SD).
    public func callAsFunction(_ ids: [[Int]]) throws -> Tensor {
        let d = config.hidden
        guard let t = ids.first?.count, t <= config.maxPositions, ids.allSatisfy({ $0.count == t }) else {
            throw ShapeError("token id rows must share one length ≤ \(config.maxPositions)")
        }
        var h = [Float](repeating: 0, count: ids.count * t * d)
        for (b, row) in ids.enumerated() {
            for (i, id) in row.enumerated() {
                guard (0..<config.vocabSize).contains(id) else { throw ShapeError("token id \(id) is outside the vocabulary (\(config.vocabSize))") }
                for k in 0..<d {
                    h[(b * t + i) * d + k] = tokenEmbedding[id * d + k] + positionEmbedding[i * d + k]
                }
            }
        }
        var x = Tensor(shape: [ids.count, t, d], data: h)
        for layer in layers {
            addInPlace(&x, layer.attention(layer.norm1(x), causal: true))
            var m = layer.fc1(layer.norm2(x))
            m.data = config.quickGELU ? m.data.map { $0 / (1 + expf(-1.702 * $0)) } : m.data.map { 0.5 * $0 * (1 + erff($0 * 0.70710678118654752)) }
            addInPlace(&x, layer.fc2(m))
        }
        return finalNorm(x)
    }
}
