import Foundation

/// A hookable U-Net position, written as in PyTorch module paths with indices in brackets:
/// `conv_in`, `down_blocks[2]`, `down_blocks[0].attentions[1]`, `mid_block.resnets[0]`, `up_blocks[1]`, `conv_out`.
/// Its output has the semantics of a PyTorch forward hook on that submodule (tuple → element 0).
public struct UNetPosition: Hashable, Sendable, CustomStringConvertible, Comparable {
    public enum Block: String, Sendable { case convIn = "conv_in", down = "down_blocks", mid = "mid_block", up = "up_blocks", convOut = "conv_out" }
    public enum Part: String, Sendable { case resnets, attentions, downsamplers, upsamplers }

    public let block: Block
    public let blockIndex: Int?
    public let part: Part?
    public let partIndex: Int?
    /// Index of the layer whose output this is in its model's `UNetLayout` (execution order); -1 for
    /// a position parsed but not yet looked up in a model. Not part of the position's identity.
    let rank: Int

    public var description: String {
        var s = block.rawValue
        if let blockIndex { s += "[\(blockIndex)]" }
        if let part, let partIndex { s += ".\(part.rawValue)[\(partIndex)]" }
        return s
    }

    /// The module's prefix in diffusers' state dict, e.g. `down_blocks.0.attentions.1`.
    var moduleName: String {
        description.replacingOccurrences(of: "[", with: ".").replacingOccurrences(of: "]", with: "")
    }

    /// Execution order within one model: a position earlier in the forward pass sorts first, a block
    /// after its last layer.
    public static func < (a: UNetPosition, b: UNetPosition) -> Bool {
        (a.rank, a.part == nil ? 1 : 0) < (b.rank, b.part == nil ? 1 : 0)
    }

    public static func == (a: UNetPosition, b: UNetPosition) -> Bool {
        (a.block, a.blockIndex, a.part, a.partIndex) == (b.block, b.blockIndex, b.part, b.partIndex)
    }

    public func hash(into h: inout Hasher) {
        h.combine(block)
        h.combine(blockIndex)
        h.combine(part)
        h.combine(partIndex)
    }

    init(block: Block, blockIndex: Int? = nil, part: Part? = nil, partIndex: Int? = nil, rank: Int = -1) {
        self.block = block
        self.blockIndex = blockIndex
        self.part = part
        self.partIndex = partIndex
        self.rank = rank
    }

    func ranked(_ rank: Int) -> UNetPosition {
        UNetPosition(block: block, blockIndex: blockIndex, part: part, partIndex: partIndex, rank: rank)
    }

    /// Parses a position name and checks that it exists in a U-Net of this config.
    public init(_ text: String, config: UNetConfig) throws {
        let parsed = try Self.parse(text)
        let all = config.allPositions
        guard let known = all.first(where: { $0 == parsed }) else {
            throw PositionError(message: "position '\(text)' does not exist in this U-Net; valid positions: \(all.map(\.description).joined(separator: ", "))")
        }
        self = known
    }

    static func parse(_ text: String) throws -> UNetPosition {
        let bad = PositionError(message: "cannot parse position '\(text)'; expected e.g. up_blocks[1], down_blocks[0].resnets[1], mid_block.attentions[0], conv_in")
        let pieces = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(pieces.count) else { throw bad }
        func indexed(_ s: String) -> (String, Int?)? {
            guard let open = s.firstIndex(of: "[") else { return (s, nil) }
            guard s.hasSuffix("]"), let n = Int(s[s.index(after: open)..<s.index(before: s.endIndex)]), n >= 0 else { return nil }
            return (String(s[..<open]), n)
        }
        guard let (blockName, blockIndex) = indexed(pieces[0]), let block = Block(rawValue: blockName) else { throw bad }
        let needsIndex = block == .down || block == .up
        guard needsIndex == (blockIndex != nil) else { throw bad }
        if pieces.count == 1 { return UNetPosition(block: block, blockIndex: blockIndex) }
        guard let (partName, partIndex) = indexed(pieces[1]), let part = Part(rawValue: partName), let partIndex else { throw bad }
        return UNetPosition(block: block, blockIndex: blockIndex, part: part, partIndex: partIndex)
    }
}

public struct PositionError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

extension UNetConfig {
    /// The U-Net's layers in execution order (the one description of its topology).
    public var layout: UNetLayout { UNetLayout(self) }

    /// Every position a U-Net of this config has, layers and blocks, in execution order.
    public var allPositions: [UNetPosition] { layout.allPositions }

    /// A comma-separated list of position names of this config, in the given order.
    public func positions(list: String) throws -> [UNetPosition] {
        try positionNames(list).map { try UNetPosition($0, config: self) }
    }

    /// Every layer output in execution order (no block-level positions).
    public var layerPositions: [UNetPosition] { layout.layerPositions }

    /// The layer list of the paper's experiments and figure (45 layers for SD-1.5/SD-2.1/SD-Turbo; its
    /// copy is `paper_layers` in Tests/InferenceTests/Fixtures/layers/layers.json): `layerPositions`
    /// without the last resnet of an up block that has no attentions, which that list leaves out
    /// (`up_blocks[0].resnets[2]`).
    public var paperLayerPositions: [UNetPosition] {
        let plainUp = Set(upBlocks.indices.filter { upBlocks[$0] == .plain })
        return layerPositions.filter { p in
            !(p.block == .up && p.part == .resnets && p.partIndex == layersPerBlock && plainUp.contains(p.blockIndex!))
        }
    }

    /// (C, H, W) of a position's output for a latent of h×w, without running the network.
    public func outputShape(of p: UNetPosition, latentHeight h: Int, latentWidth w: Int) -> [Int] {
        layout.outputShapes(latentHeight: h, latentWidth: w, channels: inChannels)[p]!
    }
}
