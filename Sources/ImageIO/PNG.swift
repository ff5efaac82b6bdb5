import CPNG
import InputLimits

/// PNG through libpng's simplified API (which reports errors in `png_image.message`, no longjmp).
public enum PNG {
    /// Decodes any PNG to 8-bit RGB (gray and palette images are expanded).
    public static func decodeRGB(_ data: [UInt8], name: String = "PNG") throws -> Image8 {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        let begun = data.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw ImageIOError.decode(name, message(image)) }
        // Read RGBA and drop alpha afterwards: asking libpng for RGB would composite transparent pixels
        // onto a background, while Pillow's convert('RGB') (the reference) simply discards alpha.
        image.format = UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)  // PNG_FORMAT_RGBA
        let width = Int(image.width), height = Int(image.height)
        try checkPixelCount(width: width, height: height, name: name)
        var rgba = [UInt8](repeating: 0, count: width * height * 4)
        let done = rgba.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard done != 0 else { throw ImageIOError.decode(name, message(image)) }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            pixels[3 * i] = rgba[4 * i]
            pixels[3 * i + 1] = rgba[4 * i + 1]
            pixels[3 * i + 2] = rgba[4 * i + 2]
        }
        return Image8(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// Encodes an 8-bit gray (1 channel) or RGB (3 channels) image.
    public static func encode(_ img: Image8) throws -> [UInt8] {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(img.width)
        image.height = UInt32(img.height)
        image.format = img.channels == 1 ? UInt32(PNG_FORMAT_GRAY) : UInt32(PNG_FORMAT_RGB)
        // First call asks for the size, second writes.
        var size = 0
        let sized = img.pixels.withUnsafeBytes { png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, 0, nil) }
        guard sized != 0 else { throw ImageIOError.encode(message(image)) }
        var out = [UInt8](repeating: 0, count: size)
        let written = out.withUnsafeMutableBytes { dst in
            img.pixels.withUnsafeBytes { png_image_write_to_memory(&image, dst.baseAddress, &size, 0, $0.baseAddress, 0, nil) }
        }
        guard written != 0 else { throw ImageIOError.encode(message(image)) }
        return Array(out.prefix(size))
    }

    private static func message(_ image: png_image) -> String {
        withUnsafeBytes(of: image.message) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }
}
