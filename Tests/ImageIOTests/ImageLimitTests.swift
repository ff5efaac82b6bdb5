import Foundation
import InputLimits
import Testing
@testable import ImageIO

/// Images whose headers declare more pixels than the limit are refused before their buffers exist.
@Suite struct ImageLimitTests {
    /// A PNG signature and IHDR chunk of the given size (8-bit RGB), an IDAT of an empty zlib stream, then IEND.
    static func pngHeader(width: UInt32, height: UInt32) -> [UInt8] {
        func be(_ v: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> $0) } }
        func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
            let typed = Array(type.utf8) + body
            return be(UInt32(body.count)) + typed + be(crc32(typed))
        }
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + chunk("IHDR", be(width) + be(height) + [8, 2, 0, 0, 0])
            + chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]) + chunk("IEND", [])
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }

    @Test func pngOverThePixelLimitIsRefused() throws {
        let error = try #require(throws: ImageIOError.self) { try PNG.decodeRGB(Self.pngHeader(width: 20_000, height: 20_000), name: "big.png") }
        #expect("\(error)".contains("20000 × 20000 pixels are over the limit of \(InputLimits.maxImagePixels)"), "\(error)")
    }

    /// 2^31 × 2^31 is beyond what the PNG format allows; libpng refuses the header itself.
    @Test func pngOfTwoToTheThirtyFirstSquaredIsRefused() throws {
        #expect(throws: ImageIOError.self) { try PNG.decodeRGB(Self.pngHeader(width: 1 << 31, height: 1 << 31), name: "huge.png") }
    }

    /// The fixture JPEG with its frame header (SOF0) claiming 60000 × 60000 pixels.
    @Test func jpegOverThePixelLimitIsRefused() throws {
        var jpeg = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Bundle.module.resourcePath! + "/Fixtures/source.jpg")))
        let sof = try #require((0..<(jpeg.count - 9)).first { jpeg[$0] == 0xFF && (0xC0...0xC2).contains(jpeg[$0 + 1]) })
        for offset in [sof + 5, sof + 7] { jpeg[offset] = 0xEA; jpeg[offset + 1] = 0x60 }  // 60000
        let error = try #require(throws: ImageIOError.self) { try JPEG.decodeRGB(jpeg, name: "big.jpg") }
        #expect("\(error)".contains("60000 × 60000 pixels are over the limit of \(InputLimits.maxImagePixels)"), "\(error)")
    }

    /// A 280-byte progressive JPEG (SOF2) declaring 64004 × 32775 pixels, found by the `jpeg` fuzz target:
    /// libjpeg allocated the whole frame's coefficient buffers (6.3 GB) before the size was checked.
    /// Fuzz/run-all.sh replays the same file under a 2 GB memory limit.
    @Test func progressiveJPEGOverThePixelLimitIsRefusedBeforeDecoding() throws {
        let path = Bundle.module.resourcePath! + "/Fixtures/regressions/progressive-frame-64004x32775.jpg"
        let jpeg = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let error = try #require(throws: ImageIOError.self) { try JPEG.decodeRGB(jpeg, name: "progressive.jpg") }
        #expect("\(error)".contains("64004 × 32775 pixels are over the limit of \(InputLimits.maxImagePixels)"), "\(error)")
    }
}
