/// One layer of the U-Net with its weights, built from its `UNetLayer` description.
enum UNetModule: Sendable {
    case conv(Conv2d)
    case resnet(ResnetBlock)
    case attention(Transformer2D)
    case upsample(Conv2d)
    case convOut(GroupNorm, Conv2d)

    /// Loads the layer's weights under its diffusers name; every shape is checked against the config.
    init(_ step: UNetLayout.Step, config c: UNetConfig, weights w: WeightLoader) throws {
        let name = step.position.moduleName
        switch step.layer {
        case let .convIn(cin, cout):
            self = .conv(try w.conv(name, in: cin, out: cout, kernel: c.convInKernel))
        case let .resnet(cin, skip, cout, scale):
            self = .resnet(try ResnetBlock(w, name, in: cin + skip, out: cout, groups: c.normGroups, eps: c.normEps,
                                           timeDim: c.timeEmbeddingDim, outputScale: scale))
        case let .attention(channels, heads):
            self = .attention(try Transformer2D(w, name, channels: channels, heads: heads, contextDim: c.crossAttentionDim,
                                                groups: c.normGroups, linearProjection: c.useLinearProjection,
                                                layers: c.transformerLayersPerBlock))
        case let .downsample(channels, padding):
            self = .conv(try w.conv("\(name).conv", in: channels, out: channels, kernel: 3, stride: 2, padding: 0).padded(padding))
        case let .upsample(channels):
            self = .upsample(try w.conv("\(name).conv", in: channels, out: channels, kernel: 3))
        case let .convOut(cin, cout):
            self = .convOut(try w.groupNorm("conv_norm_out", groups: c.normGroups, channels: cin, eps: c.normEps),
                            try w.conv(name, in: cin, out: cout, kernel: c.convOutKernel))
        }
    }

    /// `x` [N, C, H, W] → [N, C', H', W']. `skip` is the popped skip (up-path resnet) or the one the next
    /// resnet pops (upsampler); `embedding` is SiLU(time embedding) [N, T]; `context` [N, 77, D].
    func callAsFunction(_ x: Tensor, skip: Tensor?, embedding: Tensor, context: Tensor) -> Tensor {
        switch self {
        case .conv(let conv):
            conv(x)  // [N, C', H, W], or [N, C, ⌈H/2⌉, ⌈W/2⌉] for a downsampler
        case .resnet(let resnet):
            resnet(skip.map { concatChannels(x, $0) } ?? x, activatedEmbedding: embedding)  // [N, C_out, H, W]
        case .attention(let transformer):
            transformer(x, context: context)  // [N, C, H, W]
        case .upsample(let conv):
            conv(upsampleNearest(x, height: skip!.height, width: skip!.width))  // [N, C, H_skip, W_skip]
        case .convOut(let norm, let conv):
            conv(norm(x, silu: true))  // [N, out_channels, H, W]
        }
    }
}

extension Conv2d {
    /// The same convolution with explicit per-side padding (diffusers' Downsample2D with padding 0
    /// pads only bottom and right).
    func padded(_ padding: (top: Int, left: Int, bottom: Int, right: Int)) -> Conv2d {
        Conv2d(weight: weight, bias: bias, inChannels: inChannels, outChannels: outChannels, kernel: kernel,
               stride: stride, padding: padding)
    }
}

extension Conv2d {
    /// diffusers' Downsample2D with padding 0 pads (0, 1, 0, 1) — right and bottom only.
    func paddedBottomRight() -> Conv2d { padded((top: 0, left: 0, bottom: 1, right: 1)) }
}
