import Foundation
import Testing
@testable import ImageIO

/// Against Pillow (fixtures from Tests/Fixtures/make_resize_fixtures.py).
@Suite struct ResizeTests {
    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil)!))
    }

    @Test(arguments: ["png", "jpg"])
    func decodesLikePillow(_ format: String) throws {
        let img = try decodeImage(Self.bytes("source.\(format)"), name: format)
        #expect(img.width == 75 && img.height == 53 && img.channels == 3)
        #expect(img.pixels == (try Self.bytes("source_\(format)_rgb.raw")))
    }

    @Test(arguments: [("png", 32), ("png", 80), ("jpg", 32), ("jpg", 80)])
    func centerCropBicubicMatchesPillowExactly(_ format: String, _ size: Int) throws {
        let img = try decodeImage(Self.bytes("source.\(format)"), name: format).centerSquare()
        let resized = PillowResize.bicubic(img, width: size, height: size)
        let expected = try Self.bytes("source_\(format)_\(size).raw")
        let differing = zip(resized.pixels, expected).filter { $0 != $1 }.count
        #expect(differing == 0, "\(differing) of \(expected.count) bytes differ from Pillow")
    }

    @Test func pngRoundTripsGrayAndRGB() throws {
        let gray = Image8(width: 3, height: 2, channels: 1, pixels: [0, 10, 20, 30, 40, 255])
        let back = try PNG.decodeRGB(PNG.encode(gray))
        #expect(back.pixels == gray.pixels.flatMap { [$0, $0, $0] })
        #expect(throws: ImageIOError.self) { try decodeImage([0x89, 0x50, 0x4E, 0x47, 0, 0], name: "broken.png") }
        #expect(throws: ImageIOError.self) { try decodeImage([0xFF, 0xD8, 0xFF, 0, 0], name: "broken.jpg") }
    }
}
