import CPNG
import Foundation

/// Writes 8-bit RGB PNGs with libpng's simplified API (the package already links libpng).
enum PNGFile {
    static func writeRGB(_ pixels: [UInt8], width: Int, height: Int, to url: URL) throws {
        precondition(pixels.count == width * height * 3)
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = UInt32(PNG_FORMAT_RGB)
        let ok = pixels.withUnsafeBytes { buffer in
            png_image_write_to_file(&image, url.path, 0, buffer.baseAddress, Int32(width * 3), nil)
        }
        guard ok != 0 else {
            let message = withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw CDPError("writing \(url.path): \(message)")
        }
    }
}
