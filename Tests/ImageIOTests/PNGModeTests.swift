import Foundation
import Testing
@testable import ImageIO

/// Gray, gray+alpha, palette-with-transparency and RGBA PNGs become RGB exactly as Pillow's
/// `convert('RGB')` makes them: alpha dropped, never composited (Tests/FixtureGenerators/make_png_mode_fixtures.py).
@Suite struct PNGModeTests {
    @Test(arguments: ["gray", "gray_alpha", "palette", "rgba"])
    func convertsLikePillow(_ name: String) throws {
        let dir = Bundle.module.resourcePath! + "/Fixtures/modes"
        let png = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name).png")))
        let want = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name).rgb")))
        let img = try PNG.decodeRGB(png, name: name)
        #expect(img.width == 9 && img.height == 6 && img.channels == 3)
        #expect(img.pixels == want)
    }
}
