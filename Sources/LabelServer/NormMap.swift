import ImageIO

/// Norm maps: one pixel per token.
enum NormMap {
    enum Colormap: String { case gray, viridis }

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

    /// Viridis as 256 RGB triples, from a degree-6 polynomial fit of matplotlib's table (max
    /// error about 1/255) — close enough for a display colormap, without shipping the table.
    static let viridis: [[UInt8]] = (0..<256).map { i in
        let t = Double(i) / 255
        let c: [[Double]] = [
            [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
            [0.1050930431085774, 1.404613529898575, 1.384590162594685],
            [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
            [-4.634230498983486, -5.799100973351585, -19.33244095627987],
            [6.228269936347081, 14.17993336680509, 56.69055260068105],
            [4.776384997670288, -13.74514537774601, -65.35303263337234],
            [-5.435455855934631, 4.645852612178535, 26.3124352495832],
        ]
        return (0..<3).map { ch in
            let v = c.reversed().reduce(0.0) { $0 * t + $1[ch] }
            return UInt8(max(0, min(255, (v * 255).rounded())))
        }
    }
}
