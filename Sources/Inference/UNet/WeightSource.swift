import SafeTensors

/// Where layer weights come from: a safetensors file, or seeded random values for benchmarks.
/// Tensors are fetched by their diffusers name with the shape the config implies.
public protocol WeightSource: Sendable {
    func floats(_ name: String, shape: [Int]) throws -> [Float]
    func contains(_ name: String) -> Bool
}

extension SafeTensorsFile: WeightSource {
    public func floats(_ name: String, shape: [Int]) throws -> [Float] { try floats(name, shape: Optional(shape)) }
    public func contains(_ name: String) -> Bool { tensors[name] != nil }
}

/// Deterministic pseudo-random weights (uniform ±1/√fan-in, like PyTorch's default init scale),
/// so that a full-size model can be built in memory without any download.
public struct RandomWeights: WeightSource {
    public let seed: UInt64
    public init(seed: UInt64) { self.seed = seed }

    public func contains(_ name: String) -> Bool { true }

    public func floats(_ name: String, shape: [Int]) throws -> [Float] {
        var state = seed ^ fnv1a(name)
        let fanIn = shape.count > 1 ? shape.dropFirst().reduce(1, *) : 1
        let isNormGain = shape.count == 1 && name.hasSuffix("weight")
        let bound = shape.count > 1 ? 1 / Float(fanIn).squareRoot() : 0.1
        let n = shape.reduce(1, *)
        return [Float](unsafeUninitializedCapacity: n) { buf, count in
            for i in 0..<n {
                state = state &* 6364136223846793005 &+ 1442695040888963407  // PCG-style LCG step
                let u = Float(state >> 40) * 0x1p-24 * 2 - 1
                buf[i] = (isNormGain ? 1 : 0) + bound * u
            }
            count = n
        }
    }

    private func fnv1a(_ s: String) -> UInt64 {
        s.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}

/// Typed layer constructors over a weight source, keyed by diffusers tensor names.
struct WeightLoader {
    let source: any WeightSource

    func conv(_ prefix: String, in cin: Int, out cout: Int, kernel: Int, stride: Int = 1, padding: Int? = nil) throws -> Conv2d {
        Conv2d(weight: try source.floats("\(prefix).weight", shape: [cout, cin, kernel, kernel]),
               bias: try source.floats("\(prefix).bias", shape: [cout]),
               inChannels: cin, outChannels: cout, kernel: kernel, stride: stride, padding: padding)
    }

    func linear(_ prefix: String, in fin: Int, out fout: Int, bias: Bool = true) throws -> Linear {
        Linear(weight: try source.floats("\(prefix).weight", shape: [fout, fin]),
               bias: bias ? try source.floats("\(prefix).bias", shape: [fout]) : nil,
               inFeatures: fin, outFeatures: fout)
    }

    /// A Linear stored as a 1×1 convolution (SD-1.5's proj_in/proj_out).
    func pointwiseConvAsLinear(_ prefix: String, in fin: Int, out fout: Int) throws -> Linear {
        Linear(weight: try source.floats("\(prefix).weight", shape: [fout, fin, 1, 1]),
               bias: try source.floats("\(prefix).bias", shape: [fout]), inFeatures: fin, outFeatures: fout)
    }

    func groupNorm(_ prefix: String, groups: Int, channels: Int, eps: Float) throws -> GroupNorm {
        GroupNorm(groups: groups, channels: channels, eps: eps,
                  gamma: try source.floats("\(prefix).weight", shape: [channels]),
                  beta: try source.floats("\(prefix).bias", shape: [channels]))
    }

    func layerNorm(_ prefix: String, dim: Int, eps: Float = 1e-5) throws -> LayerNorm {
        LayerNorm(dim: dim, eps: eps, gamma: try source.floats("\(prefix).weight", shape: [dim]),
                  beta: try source.floats("\(prefix).bias", shape: [dim]))
    }
}
