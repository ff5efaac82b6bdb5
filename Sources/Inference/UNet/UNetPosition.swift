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

    public var description: String {
        var s = block.rawValue
        if let blockIndex { s += "[\(blockIndex)]" }
        if let part, let partIndex { s += ".\(part.rawValue)[\(partIndex)]" }
        return s
    }

    /// Execution order: a position earlier in the forward pass sorts first.
    public static func < (a: UNetPosition, b: UNetPosition) -> Bool { a.order.lexicographicallyPrecedes(b.order) }

    var order: [Int] {
        let blockRank: [Block: Int] = [.convIn: 0, .down: 1, .mid: 2, .up: 3, .convOut: 4]
        // A block's own output comes after its parts; resnet j and attention j interleave.
        let partRank: Int
        switch part {
        case .resnets?: partRank = 2 * partIndex!
        case .attentions?: partRank = 2 * partIndex! + 1
        case .downsamplers?, .upsamplers?: partRank = 1000
        case nil: partRank = 1001
        }
        return [blockRank[block]!, blockIndex ?? 0, partRank]
    }

    public init(block: Block, blockIndex: Int? = nil, part: Part? = nil, partIndex: Int? = nil) {
        self.block = block
        self.blockIndex = blockIndex
        self.part = part
        self.partIndex = partIndex
    }

    /// Parses a position name and checks that it exists in a U-Net of this config.
    public init(_ text: String, config: UNetConfig) throws {
        let parsed = try Self.parse(text)
        guard config.allPositions.contains(parsed) else {
            throw PositionError(message: "position '\(text)' does not exist in this U-Net; valid positions: \(config.allPositions.map(\.description).joined(separator: ", "))")
        }
        self = parsed
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
    /// Every position a U-Net of this config has, in execution order.
    public var allPositions: [UNetPosition] {
        var out = [UNetPosition(block: .convIn)]
        let n = blockOutChannels.count
        for i in 0..<n {
            for j in 0..<layersPerBlock {
                out.append(.init(block: .down, blockIndex: i, part: .resnets, partIndex: j))
                if downBlocks[i] == .crossAttn { out.append(.init(block: .down, blockIndex: i, part: .attentions, partIndex: j)) }
            }
            if i < n - 1 { out.append(.init(block: .down, blockIndex: i, part: .downsamplers, partIndex: 0)) }
            out.append(.init(block: .down, blockIndex: i))
        }
        out += [.init(block: .mid, part: .resnets, partIndex: 0), .init(block: .mid, part: .attentions, partIndex: 0),
                .init(block: .mid, part: .resnets, partIndex: 1), .init(block: .mid)]
        for i in 0..<n {
            for j in 0...layersPerBlock {
                out.append(.init(block: .up, blockIndex: i, part: .resnets, partIndex: j))
                if upBlocks[i] == .crossAttn { out.append(.init(block: .up, blockIndex: i, part: .attentions, partIndex: j)) }
            }
            if i < n - 1 { out.append(.init(block: .up, blockIndex: i, part: .upsamplers, partIndex: 0)) }
            out.append(.init(block: .up, blockIndex: i))
        }
        out.append(.init(block: .convOut))
        return out
    }
}
