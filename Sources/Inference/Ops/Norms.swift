import CKernels

/// GroupNorm (PyTorch `nn.GroupNorm`, affine): per image and group of C/G consecutive channels,
/// normalise with the biased variance. `silu: true` fuses the SiLU that follows it in every resnet.
public struct GroupNorm: Sendable {
    public let groups: Int
    public let channels: Int
    public let eps: Float
    public let gamma: [Float]
    public let beta: [Float]

    public init(groups: Int, channels: Int, eps: Float, gamma: [Float], beta: [Float]) {
        precondition(channels % groups == 0 && gamma.count == channels && beta.count == channels)
        self.groups = groups
        self.channels = channels
        self.eps = eps
        self.gamma = gamma
        self.beta = beta
    }

    public func callAsFunction(_ x: Tensor, silu: Bool = false) -> Tensor {
        let folded = channelAffine(x)
        let pixels = x.count / (x.batch * channels)
        return Profile.time(.norm) { Tensor(uninitialized: x.shape) { y in
            x.data.withUnsafeBufferPointer { xb in
                for (i, f) in folded.enumerated() {
                    affine(xb.baseAddress! + i * pixels, y + i * pixels, count: pixels, scale: f.scale, shift: f.shift, silu: silu)
                }
            }
        } }
    }

    /// The normalisation as one scale and shift per (image, channel), in batch-major order:
    /// y = (x − μ)·invStd·γ + β = x·scale + shift. Lets a convolution apply it while copying its input.
    public func channelAffine(_ x: Tensor) -> [(scale: Float, shift: Float)] {
        precondition(x.channels == channels, "GroupNorm expects \(channels) channels, got \(x.shape)")
        let pixels = x.count / (x.batch * channels)
        let perGroup = channels / groups
        return Profile.time(.norm) {
            x.data.withUnsafeBufferPointer { xb in
                var folded: [(scale: Float, shift: Float)] = []
                folded.reserveCapacity(x.batch * channels)
                for b in 0..<x.batch {
                    for g in 0..<groups {
                        let offset = (b * channels + g * perGroup) * pixels
                        let (mean, invStd) = meanAndInverseStd(xb.baseAddress! + offset, count: perGroup * pixels, eps: eps)
                        for c in 0..<perGroup {
                            let scale = invStd * gamma[g * perGroup + c]
                            folded.append((scale, beta[g * perGroup + c] - mean * scale))
                        }
                    }
                }
                return folded
            }
        }
    }
}

/// LayerNorm over the last axis (PyTorch `nn.LayerNorm`, affine, biased variance).
public struct LayerNorm: Sendable {
    public let dim: Int
    public let eps: Float
    public let gamma: [Float]
    public let beta: [Float]

    public init(dim: Int, eps: Float, gamma: [Float], beta: [Float]) {
        precondition(gamma.count == dim && beta.count == dim)
        self.dim = dim
        self.eps = eps
        self.gamma = gamma
        self.beta = beta
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.shape.last == dim, "LayerNorm expects last dim \(dim), got \(x.shape)")
        return Profile.time(.norm) { Tensor(uninitialized: x.shape) { y in
            x.data.withUnsafeBufferPointer { xb in
                gamma.withUnsafeBufferPointer { g in
                    beta.withUnsafeBufferPointer { bt in
                        for r in 0..<(x.count / dim) {
                            let src = xb.baseAddress! + r * dim
                            let dst = y + r * dim
                            let (mean, invStd) = meanAndInverseStd(src, count: dim, eps: eps)
                            for i in 0..<dim { dst[i] = (src[i] - mean) * invStd * g[i] + bt[i] }
                        }
                    }
                }
            }
        } }
    }
}

/// Mean and 1/sqrt(var + eps) of `count` values, accumulated in Double (two passes, vectorised C)
/// so the statistics are exact to Float precision whatever the group size.
@inline(__always)
func meanAndInverseStd(_ x: UnsafePointer<Float>, count n: Int, eps: Float) -> (Float, Float) {
    var mean = 0.0, variance = 0.0
    nl_mean_var(x, n, &mean, &variance)
    return (Float(mean), Float(1 / (variance + Double(eps)).squareRoot()))
}
