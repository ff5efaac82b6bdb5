/// The U-Net's topology, written once: every layer in execution order with its channels, derived from
/// the config with the bookkeeping of diffusers' `UNet2DConditionModel.__init__`. Building the weights
/// (`UNetModule`), the forward pass (`UNet.callAsFunction`), the list of positions and their execution
/// order (`UNetConfig.allPositions`) and the output shapes (`UNetConfig.outputShape`) all walk this list,
/// so a new block type or model family is described here and nowhere else.
public struct UNetLayout: Sendable {
    public let steps: [Step]

    /// One layer: its hook position, what it computes, which enclosing block ends with it, and whether
    /// its output is kept for the up path.
    public struct Step: Sendable {
        public let position: UNetPosition
        public let layer: UNetLayer
        /// The block (`down_blocks[i]`, `mid_block`, `up_blocks[i]`) whose output this layer's output is.
        public let closesBlock: UNetPosition?
        /// Pushed on the skip stack (down path): conv_in, each resnet/attention pair, each downsampler.
        let savesSkip: Bool

        /// The positions whose hooks fire on this output, in firing order (the layer's, then its block's).
        public var hooks: [UNetPosition] { [position] + (closesBlock.map { [$0] } ?? []) }
    }

    /// Every position, layers and blocks, in execution order (the order PyTorch hooks fire).
    public var allPositions: [UNetPosition] { steps.flatMap(\.hooks) }

    /// How many steps, from the first, a pass that stops after the last of `positions` runs.
    public func stepsNeeded(for positions: [UNetPosition]) throws -> Int {
        try positions.map { p in
            guard let k = steps.firstIndex(where: { $0.hooks.contains(p) }) else {
                throw PositionError(message: "position '\(p)' does not exist in this U-Net")
            }
            return k + 1
        }.max() ?? 0
    }

    /// Every layer output in execution order: conv_in, per down block its resnets and attentions
    /// interleaved then its downsampler, the mid block's resnet/attention/resnet, per up block the same
    /// then its upsampler, conv_out.
    public var layerPositions: [UNetPosition] { steps.map(\.position) }
}

/// What one layer computes, with the channel counts its weights have.
public enum UNetLayer: Sendable {
    /// `conv_in`: the latent to the first block's channels.
    case convIn(in: Int, out: Int)
    /// `ResnetBlock2D` on `in` channels plus `skip` channels popped from the skip stack (up path).
    case resnet(in: Int, skip: Int, out: Int, outputScale: Float)
    /// `Transformer2DModel` (self-attention, cross-attention to the text, feed-forward).
    case attention(channels: Int, heads: Int)
    /// `Downsample2D`: stride-2 3×3 convolution; diffusers' padding 0 pads only bottom and right.
    case downsample(channels: Int, padding: (top: Int, left: Int, bottom: Int, right: Int))
    /// `Upsample2D`: nearest resize to the size of the skip the next resnet pops, then a 3×3 convolution.
    /// (diffusers doubles when every latent side divides by 2^upsamplers; the skip's size is then 2×.)
    case upsample(channels: Int)
    /// `conv_norm_out` → SiLU → `conv_out`.
    case convOut(in: Int, out: Int)

    var popsSkip: Bool { if case .resnet(_, let skip, _, _) = self { skip > 0 } else { false } }
    var resizesToSkip: Bool { if case .upsample = self { true } else { false } }

    /// (C, H, W) after this layer for input `x`; `skip` is the popped skip (resnet) or the next one (upsample).
    func outputShape(_ x: [Int], skip: [Int]?) -> [Int] {
        switch self {
        case .convIn(_, let out), .resnet(_, _, let out, _), .convOut(_, let out): [out, x[1], x[2]]
        case .attention: x
        case .downsample(let c, let p): [c, (x[1] + p.top + p.bottom - 3) / 2 + 1, (x[2] + p.left + p.right - 3) / 2 + 1]
        case .upsample(let c): [c, skip![1], skip![2]]
        }
    }
}

extension UNetLayout {
    /// The layers of a U-Net with config `c`.
    public init(_ c: UNetConfig) {
        var steps: [Step] = []
        func add(_ p: UNetPosition, _ layer: UNetLayer, savesSkip: Bool = false) {
            steps.append(Step(position: p, layer: layer, closesBlock: nil, savesSkip: savesSkip))
        }
        func closeBlock(_ block: UNetPosition) {
            let last = steps.removeLast()
            steps.append(Step(position: last.position, layer: last.layer, closesBlock: block, savesSkip: last.savesSkip))
        }
        let n = c.blockOutChannels.count
        let top = c.blockOutChannels[n - 1]
        add(.init(block: .convIn), .convIn(in: c.inChannels, out: c.blockOutChannels[0]), savesSkip: true)
        var output = c.blockOutChannels[0]
        for i in 0..<n {
            let input = output
            output = c.blockOutChannels[i]
            let attends = c.downBlocks[i] == .crossAttn
            for j in 0..<c.layersPerBlock {
                add(.init(block: .down, blockIndex: i, part: .resnets, partIndex: j),
                    .resnet(in: j == 0 ? input : output, skip: 0, out: output, outputScale: c.resnetOutputScaleFactor), savesSkip: !attends)
                if attends {
                    add(.init(block: .down, blockIndex: i, part: .attentions, partIndex: j),
                        .attention(channels: output, heads: c.headsPerBlock[i]), savesSkip: true)
                }
            }
            if i < n - 1 {
                let p = c.downsamplePadding
                add(.init(block: .down, blockIndex: i, part: .downsamplers, partIndex: 0),
                    .downsample(channels: output, padding: p == 0 ? (0, 0, 1, 1) : (p, p, p, p)), savesSkip: true)
            }
            closeBlock(.init(block: .down, blockIndex: i))
        }
        add(.init(block: .mid, part: .resnets, partIndex: 0), .resnet(in: top, skip: 0, out: top, outputScale: c.midBlockScaleFactor))
        add(.init(block: .mid, part: .attentions, partIndex: 0), .attention(channels: top, heads: c.headsPerBlock[n - 1]))
        add(.init(block: .mid, part: .resnets, partIndex: 1), .resnet(in: top, skip: 0, out: top, outputScale: c.midBlockScaleFactor))
        closeBlock(.init(block: .mid))
        let reversed = Array(c.blockOutChannels.reversed())
        let reversedHeads = Array(c.headsPerBlock.reversed())
        output = reversed[0]
        for i in 0..<n {
            let previous = output
            output = reversed[i]
            let input = reversed[min(i + 1, n - 1)]
            let layers = c.layersPerBlock + 1
            for j in 0..<layers {
                add(.init(block: .up, blockIndex: i, part: .resnets, partIndex: j),
                    .resnet(in: j == 0 ? previous : output, skip: j == layers - 1 ? input : output, out: output,
                            outputScale: c.resnetOutputScaleFactor))
                if c.upBlocks[i] == .crossAttn {
                    add(.init(block: .up, blockIndex: i, part: .attentions, partIndex: j), .attention(channels: output, heads: reversedHeads[i]))
                }
            }
            if i < n - 1 { add(.init(block: .up, blockIndex: i, part: .upsamplers, partIndex: 0), .upsample(channels: output)) }
            closeBlock(.init(block: .up, blockIndex: i))
        }
        add(.init(block: .convOut), .convOut(in: c.blockOutChannels[0], out: c.outChannels))
        self.steps = steps.enumerated().map { k, s in
            Step(position: s.position.ranked(k), layer: s.layer, closesBlock: s.closesBlock?.ranked(k), savesSkip: s.savesSkip)
        }
    }

    /// Carries `input` (a tensor, or only its shape) through every layer in execution order with the
    /// U-Net's skip connections: outputs marked `savesSkip` are pushed on a stack, up-path resnets pop
    /// one (concatenated to their input), an upsampler reads the size of the one the next resnet pops.
    /// `emit` sees every hook's output in firing order and returns true to stop the walk there.
    func walk<Value>(_ input: Value, _ apply: (_ step: Int, _ x: Value, _ skip: Value?) throws -> Value,
                     emit: (UNetPosition, Value) -> Bool) rethrows {
        var x = input
        var skips: [Value] = []
        for (k, step) in steps.enumerated() {
            let skip = step.layer.popsSkip ? skips.removeLast() : step.layer.resizesToSkip ? skips.last : nil
            x = try apply(k, x, skip)
            for p in step.hooks where emit(p, x) { return }
            if step.savesSkip { skips.append(x) }
        }
    }

    /// (C, H, W) of every position's output for a latent of h×w, without running the network.
    public func outputShapes(latentHeight h: Int, latentWidth w: Int, channels: Int) -> [UNetPosition: [Int]] {
        var shapes: [UNetPosition: [Int]] = [:]
        walk([channels, h, w], { k, x, skip in steps[k].layer.outputShape(x, skip: skip) }, emit: { p, s in
            shapes[p] = s
            return false
        })
        return shapes
    }
}
