import Foundation
import ImageIO

/// How an image is prepared before the VAE: optionally the paper's centred square crop, then
/// optionally Pillow's bicubic resize to N×N (sdhelper's `resize`); otherwise the native size.
public struct ImagePreparation: Sendable, Equatable {
    public var centerCrop: Bool
    public var resize: Int?

    public init(centerCrop: Bool = false, resize: Int? = nil) {
        self.centerCrop = centerCrop
        self.resize = resize
    }

    public func callAsFunction(_ image: Image8) -> Image8 {
        var img = centerCrop ? image.centerSquare() : image
        if let resize { img = PillowResize.bicubic(img, width: resize, height: resize) }
        return img
    }

    /// As recorded with a run, e.g. "center-crop, resize 512 bicubic" or "native size".
    public var recorded: String {
        (centerCrop ? "center-crop, " : "") + (resize.map { "resize \($0) bicubic" } ?? "native size")
    }

    /// Decodes the PNG or JPEG at `path` and prepares it.
    public func load(_ path: String) throws -> Image8 {
        self(try decodeImage([UInt8](Data(contentsOf: URL(fileURLWithPath: path))), name: path))
    }
}
