import InputLimits

/// An 8-bit image in memory: `channels` interleaved bytes per pixel (1 = gray, 3 = RGB), row-major.
public struct Image8: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * channels, "pixel buffer does not match \(width)×\(height)×\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// The `width` × `height` region whose upper-left corner is (`left`, `top`).
    public func cropped(left: Int, top: Int, width w: Int, height h: Int) -> Image8 {
        precondition(left >= 0 && top >= 0 && left + w <= width && top + h <= height, "crop outside the image")
        var out = [UInt8](repeating: 0, count: w * h * channels)
        for y in 0..<h {
            let src = ((top + y) * width + left) * channels
            out[(y * w * channels)..<((y + 1) * w * channels)] = pixels[src..<(src + w * channels)]
        }
        return Image8(width: w, height: h, channels: channels, pixels: out)
    }

    /// The centred square of the paper's dataset script: box `(w//2 − s//2, h//2 − s//2, w//2 + s//2,
    /// h//2 + s//2)` with `s = min(w, h)`, so an odd `s` loses one row or column (side 2·(s//2)).
    public func centerSquare() -> Image8 {
        let half = min(width, height) / 2
        return cropped(left: width / 2 - half, top: height / 2 - half, width: 2 * half, height: 2 * half)
    }
}

public enum ImageIOError: Error, CustomStringConvertible {
    case decode(String, String)
    case encode(String)
    case unsupportedFormat(String)

    public var description: String {
        switch self {
        case .decode(let f, let why): "\(f): cannot decode image: \(why)"
        case .encode(let why): "cannot encode image: \(why)"
        case .unsupportedFormat(let f): "\(f): unsupported image format (PNG and JPEG are supported)"
        }
    }
}

/// Refuses an image whose header declares more than `InputLimits.maxImagePixels` pixels, before its
/// pixel buffer is allocated.
func checkPixelCount(width: Int, height: Int, name: String) throws {
    let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
    guard !overflow, pixels <= InputLimits.maxImagePixels else {
        throw ImageIOError.decode(name, "\(width) × \(height) pixels are over the limit of \(InputLimits.maxImagePixels) pixels")
    }
}
