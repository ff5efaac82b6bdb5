import CJPEG
import InputLimits

/// JPEG through libjpeg-turbo (the library Pillow decodes with, so pixels agree).
public enum JPEG {
    public static func decodeRGB(_ data: [UInt8], name: String = "JPEG") throws -> Image8 {
        var pixels: UnsafeMutablePointer<UInt8>?
        var width: Int32 = 0, height: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBufferPointer {
            cjpeg_decode_rgb($0.baseAddress, $0.count, InputLimits.maxImagePixels, &pixels, &width, &height, &message, 256)
        }
        if status == -2 { try checkPixelCount(width: Int(width), height: Int(height), name: name) }
        guard status == 0, let pixels else { throw ImageIOError.decode(name, String(cString: message)) }
        defer { cjpeg_free(pixels) }
        let count = Int(width) * Int(height) * 3
        return Image8(width: Int(width), height: Int(height), channels: 3, pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
    }

    public static func encode(_ img: Image8, quality: Int = 95) throws -> [UInt8] {
        precondition(img.channels == 3, "JPEG encoding takes RGB")
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = img.pixels.withUnsafeBufferPointer {
            cjpeg_encode_rgb($0.baseAddress, Int32(img.width), Int32(img.height), Int32(quality), &out, &size, &message, 256)
        }
        guard status == 0, let out else { throw ImageIOError.encode(String(cString: message)) }
        defer { cjpeg_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }
}

/// Decodes PNG or JPEG by their magic bytes.
public func decodeImage(_ data: [UInt8], name: String) throws -> Image8 {
    if data.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return try PNG.decodeRGB(data, name: name) }
    if data.starts(with: [0xFF, 0xD8, 0xFF]) { return try JPEG.decodeRGB(data, name: name) }
    throw ImageIOError.unsupportedFormat(name)
}
