import APIRequests
import Charts
import ImageIO

/// Norm maps: one pixel per token (the labeler's `norm.png` and `normlab norm-images`).
public enum NormMap {
    public typealias Colormap = NormMapRequest.Colormap

    /// The original labeler's image by default: 8-bit gray `floor(255 · norm / max)`, where max is
    /// the image's (or with `scale=run`, the run's) largest norm.
    public static func png(norms: UnsafeBufferPointer<Float>, width: Int, height: Int, maximum: Float, colormap: Colormap) throws -> [UInt8] {
        let levels = norms.map { level($0, maximum) }
        switch colormap {
        case .gray:
            return try PNG.encode(Image8(width: width, height: height, channels: 1, pixels: levels))
        case .viridis:
            return try PNG.encode(Image8(width: width, height: height, channels: 3, pixels: levels.flatMap { viridis[Int($0)] }))
        }
    }

    /// The original notebook's `norm /= norm.max(); norm *= 255; norm.astype(np.uint8)` in float32:
    /// divide, then multiply, then truncate (this order decides the edge cases, e.g. n/max just
    /// below k/255). A zero maximum (an all-zero image) gives 0 everywhere.
    public static func level(_ norm: Float, _ maximum: Float) -> UInt8 {
        guard maximum > 0 else { return 0 }
        let scaled = norm / maximum * 255
        return UInt8(min(255, max(0, scaled.rounded(.towardZero))))
    }

    /// Viridis as 256 RGB triples (the charts' colour map, so the labeler and the reports agree).
    static let viridis: [[UInt8]] = (0..<256).map { Palette.viridisRGB(Double($0) / 255) }
}
