import Foundation
import Testing
import FeatureStore
import LabelStore
import TestSupport
@testable import Detector

/// The mean anomaly token on a planted run whose expected means are worked out by hand.
@Suite struct PrototypeTests {
    /// 4 images of C = 2 channels on a 4×4 grid; every token is (0, 0) except:
    /// image 0 patch at (0, 0): tokens (1, 2), (3, 2), (1, 4), (3, 4); image 1 point (3, 1): (8, −2);
    /// image 2 token (1, 1): (5, 0), unlabelled; image 3 patch at (2, 2): all tokens (100, 100) (a test
    /// image under the default 0.8 split).
    static func run() async throws -> (FeatureReader, String) {
        var planted = PlantedRun(count: 4, channels: 2, height: 4, width: 4, background: 0)
        for (x, y, v) in [(0, 0, [1, 2]), (1, 0, [3, 2]), (0, 1, [1, 4]), (1, 1, [3, 4])] as [(Int, Int, [Float])] { planted.set(image: 0, x: x, y: y, v) }
        planted.set(image: 1, x: 3, y: 1, [8, -2])
        planted.set(image: 2, x: 1, y: 1, [5, 0])  // unlabelled, points exactly along (1, 0): a false positive
        planted.plantPatch(image: 3, x: 2, y: 2, 100)
        let folder = try TempFolder.create("proto")
        let (store, run) = try await planted.importedStore(folder: folder)
        return (try store.features(of: run), folder)
    }

    static let patches = [LabelRow(image: 0, x: 0, y: 0), LabelRow(image: 3, x: 2, y: 2)]
    static let points = [LabelRow(image: 1, x: 3, y: 1)]

    @Test func meanOfAllPatchTokensAndPointsInTheTrainingSplit() async throws {
        let (reader, folder) = try await Self.run()
        defer { TempFolder.remove(folder) }
        // floor(0.8 · 4) = 3 training images: image 0's four tokens and image 1's point.
        let r = try Prototype.compute(features: reader, patches: Self.patches, points: Self.points, trainFraction: 0.8, tokens: .patch)
        #expect(r.trainImages == 3 && r.tokenCount == 5)
        let want: [Float] = [16.0 / 5, 10.0 / 5]  // (1+3+1+3+8)/5, (2+2+4+4−2)/5
        #expect(r.mean == want)
    }

    @Test func upperLeftOnlyAndWholeRun() async throws {
        let (reader, folder) = try await Self.run()
        defer { TempFolder.remove(folder) }
        let ul = try Prototype.compute(features: reader, patches: Self.patches, points: [], trainFraction: 1.0, tokens: .upperLeft)
        let wantUL: [Float] = [101.0 / 2, 102.0 / 2]
        #expect(ul.tokenCount == 2 && ul.mean == wantUL)
        let all = try Prototype.compute(features: reader, patches: Self.patches, points: Self.points, trainFraction: 1.0, tokens: .patch)
        let wantAll: [Float] = [Float(416.0 / 9), Float(410.0 / 9)]  // + the four (100, 100) tokens of image 3
        #expect(all.tokenCount == 9 && all.mean == wantAll)
    }

    @Test func refusesASplitWithoutLabels() async throws {
        let (reader, folder) = try await Self.run()
        defer { TempFolder.remove(folder) }
        let e = try #require(throws: Prototype.Failure.self) {
            try Prototype.compute(features: reader, patches: [LabelRow(image: 3, x: 2, y: 2)], points: [], trainFraction: 0.5, tokens: .patch)
        }
        #expect(e.description.contains("no labelled tokens"))
        #expect(throws: Prototype.Failure.self) {
            try Prototype.compute(features: reader, patches: Self.patches, points: [], trainFraction: 1.5, tokens: .patch)
        }
    }
}
