import Foundation

/// diffusers' `UNet2DConditionModel` forward pass for the SD-1.5/SD-2.1/SD-Turbo U-Nets, returning the
/// outputs of any set of positions and stopping right after the last one it needs. Its layers are the
/// steps of `layout`, built and run in that order.
public struct UNet: Sendable {
    public let config: UNetConfig
    public let layout: UNetLayout
    let timeLinear1: Linear
    let timeLinear2: Linear
    /// The weights of `layout.steps[k]`, for the first `modules.count` steps (all, unless loaded `upTo`).
    let modules: [UNetModule]

    /// Builds the layers in execution order. With `upTo`, only the layers a pass to those positions runs
    /// are loaded (extraction stops at `up_blocks[1]`, so SD-1.5's last two up blocks and `conv_out`
    /// would be weights that are never read); asking such a U-Net for a later position is an error.
    public init(config c: UNetConfig, weights: any WeightSource, upTo positions: [UNetPosition]? = nil) throws {
        config = c
        let layout = UNetLayout(c)
        self.layout = layout
        let w = WeightLoader(source: weights)
        timeLinear1 = try w.linear("time_embedding.linear_1", in: c.timeEmbeddingInputDim, out: c.timeEmbeddingDim)
        timeLinear2 = try w.linear("time_embedding.linear_2", in: c.timeEmbeddingDim, out: c.timeEmbeddingDim)
        let count = try positions.map { max(1, try layout.stepsNeeded(for: $0)) } ?? layout.steps.count
        modules = try layout.steps.prefix(count).map { try UNetModule($0, config: c, weights: w) }
    }

    /// Runs the U-Net on `latent` [B, in_channels, h, w] at integer `timestep` with text `context`
    /// [B, 77, cross_attention_dim] and returns the requested positions' outputs.
    public func callAsFunction(_ latent: Tensor, timestep: Int, context: Tensor, positions: [UNetPosition]) throws -> [UNetPosition: Tensor] {
        var outputs: [UNetPosition: Tensor] = [:]
        try forEachOutput(latent, timestep: timestep, context: context, positions: positions) { outputs[$0] = $1 }
        return outputs
    }

    /// Like `callAsFunction`, but hands each requested output to `each` as soon as it is computed (in
    /// execution order), so a caller that reduces layer by layer never holds every layer's output.
    public func forEachOutput(_ latent: Tensor, timestep: Int, context: Tensor, positions: [UNetPosition],
                              _ each: (UNetPosition, Tensor) throws -> Void) throws {
        try validate(latent: latent, context: context)
        if try layout.stepsNeeded(for: positions) > modules.count {
            let last = layout.steps[modules.count - 1].hooks.last!
            throw PositionError(message: "this U-Net was loaded only up to \(last) (the positions asked for at load); load it with \(positions.map(\.description).joined(separator: ", ")) to run to them")
        }
        var remaining = Set(positions)
        if remaining.isEmpty { return }
        var failure: (any Error)?
        // SiLU(time embedding), shared by every resnet: [B, 4·C0]
        let temb = silu(timeLinear2(silu(timeLinear1(timestepEmbedding(
            Array(repeating: Float(timestep), count: latent.batch), dim: config.timeEmbeddingInputDim,
            flipSinToCos: config.flipSinToCos, freqShift: config.freqShift)))))
        var x = latent  // [B, in_channels, h, w]
        if config.centerInputSample { x.data = x.data.map { 2 * $0 - 1 } }
        layout.walk(x, { k, h, skip in modules[k](h, skip: skip, embedding: temb, context: context) }, emit: { p, h in
            guard remaining.remove(p) != nil else { return false }
            do { try each(p, h) } catch { failure = error; return true }
            return remaining.isEmpty
        })
        if let failure { throw failure }
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
