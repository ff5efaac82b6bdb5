import Foundation
import Testing
@testable import ImageIO

/// Against Pillow (fixtures from Tests/FixtureGenerators/make_resize_fixtures.py).
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

/// Real photographs (scikit-image's CC0/public-domain samples; Tests/FixtureGenerators/make_photo_fixtures.py):
/// sdhelper's resize, with and without the paper's centre crop, within one intensity level of Pillow.
@Suite struct PhotoResizeTests {
    @Test(arguments: [("coffee_240x160.png", "crop", 64), ("coffee_240x160.png", "crop", 200), ("coffee_240x160.png", "full", 96),
                      ("camera_200x150.png", "crop", 64), ("camera_200x150.png", "full", 224),
                      ("rocket.jpg", "crop", 224), ("rocket.jpg", "full", 80)])
    func resizeIsWithinOneLevelOfPillow(_ file: String, _ mode: String, _ size: Int) throws {
        var img = try decodeImage(ResizeTests.bytes("photos/" + file), name: file)
        if mode == "crop" { img = img.centerSquare() }
        let resized = PillowResize.bicubic(img, width: size, height: size)
        let stem = file.split(separator: ".")[0]
        let expected = try decodeImage(ResizeTests.bytes("photos/\(stem)__\(mode)_\(size).png"), name: "expected")
        #expect(resized.width == expected.width && resized.height == expected.height)
        let worst = zip(resized.pixels, expected.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
        #expect(worst <= 1, "\(file) \(mode) \(size): off by up to \(worst) levels")
    }
}
