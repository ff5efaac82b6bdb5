import Foundation

/// diffusers' `UNet2DConditionModel` forward pass for the SD-1.5/SD-2.1/SD-Turbo U-Nets, returning the
/// outputs of any set of positions and stopping right after the last one it needs.
public struct UNet: Sendable {
    public let config: UNetConfig
    let timeLinear1: Linear
    let timeLinear2: Linear
    let convIn: Conv2d
    let down: [DownBlock]
    let mid: MidBlock
    let up: [UpBlock]
    let normOut: GroupNorm
    let convOut: Conv2d

    public init(config c: UNetConfig, weights: any WeightSource) throws {
        config = c
        let w = WeightLoader(source: weights)
        let c0 = c.blockOutChannels[0]
        timeLinear1 = try w.linear("time_embedding.linear_1", in: c.timeEmbeddingInputDim, out: c.timeEmbeddingDim)
        timeLinear2 = try w.linear("time_embedding.linear_2", in: c.timeEmbeddingDim, out: c.timeEmbeddingDim)
        convIn = try w.conv("conv_in", in: c.inChannels, out: c0, kernel: c.convInKernel)
        (down, mid, up) = try Self.buildBlocks(c, w)
        normOut = try w.groupNorm("conv_norm_out", groups: c.normGroups, channels: c0, eps: c.normEps)
        convOut = try w.conv("conv_out", in: c0, out: c.outChannels, kernel: c.convOutKernel)
    }

    /// Runs the U-Net on `latent` (B, in_channels, h, w) at integer `timestep` with text `context`
    /// (B, 77, cross_attention_dim) and returns the requested positions' outputs.
    public func callAsFunction(_ latent: Tensor, timestep: Int, context: Tensor, positions: [UNetPosition]) throws -> [UNetPosition: Tensor] {
        try validate(latent: latent, context: context)
        var run = ForwardRun(wanted: Set(positions))
        if run.finished { return [:] }
        let temb = silu(timeLinear2(silu(timeLinear1(timestepEmbedding(
            Array(repeating: Float(timestep), count: latent.batch), dim: config.timeEmbeddingInputDim,
            flipSinToCos: config.flipSinToCos, freqShift: config.freqShift)))))
        var h = latent
        if config.centerInputSample { h.data = h.data.map { 2 * $0 - 1 } }
        h = convIn(h)
        if run.emit(.init(block: .convIn), h) { return run.outputs }
        var skips = [h]
        for (i, block) in down.enumerated() {
            for j in block.resnets.indices {
                h = block.resnets[j](h, activatedEmbedding: temb)
                if run.emit(.init(block: .down, blockIndex: i, part: .resnets, partIndex: j), h) { return run.outputs }
                if !block.attentions.isEmpty {
                    h = block.attentions[j](h, context: context)
                    if run.emit(.init(block: .down, blockIndex: i, part: .attentions, partIndex: j), h) { return run.outputs }
                }
                skips.append(h)
            }
            if let ds = block.downsampler {
                h = ds(h)
                if run.emit(.init(block: .down, blockIndex: i, part: .downsamplers, partIndex: 0), h) { return run.outputs }
                skips.append(h)
            }
            if run.emit(.init(block: .down, blockIndex: i), h) { return run.outputs }
        }
        h = mid.resnet0(h, activatedEmbedding: temb)
        if run.emit(.init(block: .mid, part: .resnets, partIndex: 0), h) { return run.outputs }
        h = mid.attention(h, context: context)
        if run.emit(.init(block: .mid, part: .attentions, partIndex: 0), h) { return run.outputs }
        h = mid.resnet1(h, activatedEmbedding: temb)
        if run.emit(.init(block: .mid, part: .resnets, partIndex: 1), h) { return run.outputs }
        if run.emit(.init(block: .mid), h) { return run.outputs }
        // diffusers passes the skip's size to the upsampler when a latent side is not a multiple
        // of 2^(number of upsamplers); otherwise it doubles.
        let factor = 1 << (up.count - 1)
        let explicitSize = latent.height % factor != 0 || latent.width % factor != 0
        for (i, block) in up.enumerated() {
            for j in block.resnets.indices {
                h = block.resnets[j](concatChannels(h, skips.removeLast()), activatedEmbedding: temb)
                if run.emit(.init(block: .up, blockIndex: i, part: .resnets, partIndex: j), h) { return run.outputs }
                if !block.attentions.isEmpty {
                    h = block.attentions[j](h, context: context)
                    if run.emit(.init(block: .up, blockIndex: i, part: .attentions, partIndex: j), h) { return run.outputs }
                }
            }
            if let us = block.upsampler {
                let (th, tw) = explicitSize ? (skips.last!.height, skips.last!.width) : (2 * h.height, 2 * h.width)
                h = us(upsampleNearest(h, height: th, width: tw))
                if run.emit(.init(block: .up, blockIndex: i, part: .upsamplers, partIndex: 0), h) { return run.outputs }
            }
            if run.emit(.init(block: .up, blockIndex: i), h) { return run.outputs }
        }
        h = convOut(normOut(h, silu: true))
        _ = run.emit(.init(block: .convOut), h)
        return run.outputs
    }

    private func validate(latent: Tensor, context: Tensor) throws {
        guard latent.shape.count == 4, latent.channels == config.inChannels else {
            throw ShapeError("latent must have shape (B, \(config.inChannels), h, w), got \(latent.shape)")
        }
        guard latent.height >= 1, latent.width >= 1 else { throw ShapeError("latent has an empty side: \(latent.shape)") }
        guard context.shape.count == 3, context.shape[0] == latent.batch, context.shape[2] == config.crossAttentionDim else {
            throw ShapeError("context must have shape (\(latent.batch), tokens, \(config.crossAttentionDim)), got \(context.shape)")
        }
    }
}

public struct ShapeError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Collects the requested outputs during one forward pass.
struct ForwardRun {
    var remaining: Set<UNetPosition>
    var outputs: [UNetPosition: Tensor] = [:]

    init(wanted: Set<UNetPosition>) { remaining = wanted }

    var finished: Bool { remaining.isEmpty }

    /// Records `t` if `p` was requested; true when nothing else is needed (the caller returns).
    mutating func emit(_ p: UNetPosition, _ t: Tensor) -> Bool {
        if remaining.remove(p) != nil { outputs[p] = t }
        return remaining.isEmpty
    }
}
