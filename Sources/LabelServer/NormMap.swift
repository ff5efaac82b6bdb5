import APIRequests
import Charts
import ImageIO

/// Norm maps: one pixel per token.
enum NormMap {
    typealias Colormap = NormMapRequest.Colormap

    /// The original labeler's image by default: 8-bit gray `floor(255 · norm / max)`, where max is
    /// the image's (or with `scale=run`, the run's) largest norm.
    static func png(norms: UnsafeBufferPointer<Float>, width: Int, height: Int, maximum: Float, colormap: Colormap) throws -> [UInt8] {
        let levels = norms.map { level($0, maximum) }
        switch colormap {
        case .gray:
            return try PNG.encode(Image8(width: width, height: height, channels: 1, pixels: levels))
        case .viridis:
            return try PNG.encode(Image8(width: width, height: height, channels: 3, pixels: levels.flatMap { viridis[Int($0)] }))
        }
    }

    static func level(_ norm: Float, _ maximum: Float) -> UInt8 {
        guard maximum > 0 else { return 0 }
        // Double: 255·n/max stays exact enough that n == max gives 255, never 254.
        return UInt8(min(255, max(0, (255 * Double(norm) / Double(maximum)).rounded(.down))))
    }

    /// Viridis as 256 RGB triples (the charts' colour map, so the labeler and the reports agree).
    static let viridis: [[UInt8]] = (0..<256).map { Palette.viridisRGB(Double($0) / 255) }
}
