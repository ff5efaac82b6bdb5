import Foundation

/// A network whose forward pass yields representations at named positions, each with the semantics
/// of a PyTorch forward hook on that submodule. The pipeline, extraction and the CLI reach the U-Net
/// only through this: a new model family conforms here and they work unchanged.
public protocol RepresentationModel<Position>: Sendable {
    associatedtype Position: Hashable, Sendable, CustomStringConvertible

    /// Every position, layers and the blocks around them, in execution order.
    var positions: [Position] { get }
    /// Every layer output in execution order (no block-level positions).
    var layerPositions: [Position] { get }
    /// The position called `name`; an error naming the valid ones if there is none.
    func position(named name: String) throws -> Position
    /// (C, H, W) of a position's output for an input of h×w, without running the model.
    func outputShape(of position: Position, inputHeight h: Int, inputWidth w: Int) -> [Int]
    /// The outputs at `positions` for `input` [B, C, h, w] at `timestep` with text `context` [B, T, D];
    /// the pass stops after the last position it needs.
    func callAsFunction(_ input: Tensor, timestep: Int, context: Tensor, positions: [Position]) throws -> [Position: Tensor]
}

extension RepresentationModel {
    /// A comma-separated list of position names, in the given order.
    public func positions(list: String) throws -> [Position] {
        try positionNames(list).map { try position(named: $0) }
    }
}

/// The names in a comma-separated list of positions, trimmed, in the given order.
func positionNames(_ list: String) -> [String] {
    list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
}

extension UNet: RepresentationModel {
    public var positions: [UNetPosition] { layout.allPositions }
    public var layerPositions: [UNetPosition] { layout.layerPositions }
    public func position(named name: String) throws -> UNetPosition { try UNetPosition(name, config: config) }
    public func outputShape(of position: UNetPosition, inputHeight h: Int, inputWidth w: Int) -> [Int] {
        config.outputShape(of: position, latentHeight: h, latentWidth: w)
    }
}
