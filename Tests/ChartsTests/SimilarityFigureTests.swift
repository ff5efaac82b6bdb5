import Foundation
import Testing
@testable import Charts

/// The similarity panel and the diverging colour map: matplotlib's RdBu_r anchors at -1, 0 and 1 (the
/// ColorBrewer colours), a fixed -1…1 scale, cells that carry their values, the picked token ringed.
@Suite struct SimilarityFigureTests {
    @Test func divergingScaleIsFixedAndSymmetric() {
        #expect(Palette.divergingRGB(-1) == [5, 48, 97] && Palette.divergingRGB(0) == [247, 247, 247] && Palette.divergingRGB(1) == [103, 0, 31])
        #expect(Palette.divergingRGB(-3) == Palette.divergingRGB(-1) && Palette.divergingRGB(.nan) == Palette.divergingRGB(0))
        // A quarter of the way from RdBu's 0.8 anchor (#b2182b = 178, 24, 43) to its 1.0 one (#67001f = 103, 0, 31).
        #expect(Palette.divergingRGB(0.85) == [159, 18, 40])
        #expect(Palette.diverging(1) == "#67001f")
    }

    @Test func panelShowsNormsAndMapsWithThePickedTokenRinged() throws {
        let (w, h) = (4, 3)
        let norms: [Float] = (0..<12).map { Float($0) }
        let own: [Float] = (0..<12).map { Float($0) / 5.5 - 1 }, other = [Float](repeating: -0.25, count: 12)
        let svg = SimilarityFigure.svg(title: "t", width: w, height: h, query: (image: 2, x: 1, y: 2), norms: norms,
                                       maps: [.init(image: 2, values: own), .init(image: 7, values: other)])
        let tree = try SVGTree(svg)
        let groups = tree.all("g").filter { $0.has(class: "similaritymap") }
        #expect(groups.count == 2 && tree.all("g").filter { $0.has(class: "normmap") }.count == 1)
        let cells = tree.all("rect", class: "token")
        #expect(cells.count == 3 * w * h)
        // The own map's token (3, 2) = value 11 / 5.5 - 1 = 1: dark red, its value readable.
        let red = try #require(cells.first { $0.attributes["data-value"] == "1.0000" && $0.attributes["data-x"] == "3" })
        #expect(red.attributes["fill"] == "#67001f")
        #expect(cells.filter { $0.attributes["data-value"] == "-0.2500" }.count == w * h)
        let rings = tree.all("circle", class: "picked")
        #expect(rings.count == 2 && rings.allSatisfy { $0.attributes["data-x"] == "1" && $0.attributes["data-y"] == "2" }, "norm map and own map only")
        #expect(tree.texts().contains("cosine, image 7") && tree.texts().contains("-1.0") && tree.texts().contains("1.0"))
    }
}
