/// One down block: resnets (each followed by a Transformer2D in CrossAttnDownBlock2D), then an
/// optional stride-2 downsampling convolution.
struct DownBlock: Sendable {
    let resnets: [ResnetBlock]
    let attentions: [Transformer2D]
    let downsampler: Conv2d?
}

/// One up block: resnets on [h, skip] concatenations (each followed by a Transformer2D in
/// CrossAttnUpBlock2D), then an optional nearest-upsample + 3×3 convolution.
struct UpBlock: Sendable {
    let resnets: [ResnetBlock]
    let attentions: [Transformer2D]
    let upsampler: Conv2d?
}

struct MidBlock: Sendable {
    let resnet0: ResnetBlock
    let attention: Transformer2D
    let resnet1: ResnetBlock
}

extension UNet {
    /// Builds every layer from a weight source, with the channel bookkeeping of diffusers'
    /// `UNet2DConditionModel.__init__`.
    static func buildBlocks(_ c: UNetConfig, _ w: WeightLoader) throws -> (down: [DownBlock], mid: MidBlock, up: [UpBlock]) {
        let n = c.blockOutChannels.count
        let (g, eps, tdim) = (c.normGroups, c.normEps, c.timeEmbeddingDim)
        func transformer(_ p: String, _ ch: Int, heads: Int) throws -> Transformer2D {
            try Transformer2D(w, p, channels: ch, heads: heads, contextDim: c.crossAttentionDim, groups: g,
                              linearProjection: c.useLinearProjection, layers: c.transformerLayersPerBlock)
        }
        var down: [DownBlock] = []
        var output = c.blockOutChannels[0]
        for i in 0..<n {
            let input = output
            output = c.blockOutChannels[i]
            let p = "down_blocks.\(i)"
            let resnets = try (0..<c.layersPerBlock).map { j in
                try ResnetBlock(w, "\(p).resnets.\(j)", in: j == 0 ? input : output, out: output, groups: g, eps: eps, timeDim: tdim,
                                outputScale: c.resnetOutputScaleFactor)
            }
            let attentions = c.downBlocks[i] == .crossAttn
                ? try (0..<c.layersPerBlock).map { try transformer("\(p).attentions.\($0)", output, heads: c.headsPerBlock[i]) } : []
            let pad = c.downsamplePadding
            let downsampler = i < n - 1
                ? try w.conv("\(p).downsamplers.0.conv", in: output, out: output, kernel: 3, stride: 2, padding: pad) : nil
            down.append(DownBlock(resnets: resnets, attentions: attentions, downsampler: downsampler.map { pad == 0 ? $0.paddedBottomRight() : $0 }))
        }
        let top = c.blockOutChannels[n - 1]
        let mid = MidBlock(
            resnet0: try ResnetBlock(w, "mid_block.resnets.0", in: top, out: top, groups: g, eps: eps, timeDim: tdim, outputScale: c.midBlockScaleFactor),
            attention: try transformer("mid_block.attentions.0", top, heads: c.headsPerBlock[n - 1]),
            resnet1: try ResnetBlock(w, "mid_block.resnets.1", in: top, out: top, groups: g, eps: eps, timeDim: tdim, outputScale: c.midBlockScaleFactor))
        var up: [UpBlock] = []
        let reversed = Array(c.blockOutChannels.reversed())
        let reversedHeads = Array(c.headsPerBlock.reversed())
        output = reversed[0]
        for i in 0..<n {
            let prevOutput = output
            output = reversed[i]
            let input = reversed[min(i + 1, n - 1)]
            let p = "up_blocks.\(i)"
            let layers = c.layersPerBlock + 1
            let resnets = try (0..<layers).map { j in
                let skip = j == layers - 1 ? input : output
                return try ResnetBlock(w, "\(p).resnets.\(j)", in: (j == 0 ? prevOutput : output) + skip, out: output,
                                       groups: g, eps: eps, timeDim: tdim, outputScale: c.resnetOutputScaleFactor)
            }
            let attentions = c.upBlocks[i] == .crossAttn
                ? try (0..<layers).map { try transformer("\(p).attentions.\($0)", output, heads: reversedHeads[i]) } : []
            let upsampler = i < n - 1 ? try w.conv("\(p).upsamplers.0.conv", in: output, out: output, kernel: 3) : nil
            up.append(UpBlock(resnets: resnets, attentions: attentions, upsampler: upsampler))
        }
        return (down, mid, up)
    }
}

extension Conv2d {
    /// diffusers' Downsample2D with padding 0 pads (0, 1, 0, 1) — right and bottom only.
    func paddedBottomRight() -> Conv2d {
        Conv2d(weight: weight, bias: bias, inChannels: inChannels, outChannels: outChannels, kernel: kernel,
               stride: stride, padding: (top: 0, left: 0, bottom: 1, right: 1))
    }
}
