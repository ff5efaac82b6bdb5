import Foundation
import TestSupport
import NPYFormat
import Testing
import FeatureStore
import LabelStore
@testable import Detector

/// The detector against the thesis procedure in NumPy/torch (Tests/FixtureGenerators/make_detect_fixtures.py):
/// 12 images × 64 channels × 8×8, planted patches, labelled and unlabelled, a point label, a zero token.
/// Expected values come from the generator, never from normlab.
@Suite struct NumPyCrossCheckTests {
    static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("detect").path

    /// A temporary label store with the fixture imported as run "r"; the caller removes `dir`.
    static func store() async throws -> (LabelStore, String) {
        let dir = try TempFolder.create("detect-fixture")
        let store = try LabelStore(path: dir + "/db.sqlite")
        try await store.importFeatures(file: fixtures + "/features.npy", dataset: "d", run: "r")
        for (file, kind) in [("labels_patch.npy", AnnotationKind.patch2x2), ("labels_point.npy", .point)] {
            let (_, v) = try NPY.readInt64(path: fixtures + "/" + file)
            let rows = stride(from: 0, to: v.count, by: 3).map { (source: "row \($0 / 3)", row: LabelRow(image: Int(v[$0]), x: Int(v[$0 + 1]), y: Int(v[$0 + 2]))) }
            try await store.importLabels(run: "r", kind: kind, rows: rows, sourceName: file, by: .cli(annotator: "fixture"))
        }
        return (store, dir)
    }

    static func expected() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixtures + "/expected.json"))) as! [String: Any]
    }

    @Test func prototypeCurvesAndDetectionsMatchNumPy() async throws {
        let (store, dir) = try await Self.store()
        defer { TempFolder.remove(dir) }
        let want = try Self.expected()
        let reader = try store.features(of: try store.run(named: "r"))
        let patches = try store.labelRows(run: "r", kind: .patch2x2), points = try store.labelRows(run: "r", kind: .point)
        let proto = try Prototype.compute(features: reader, patches: patches, points: points, trainFraction: 0.75, tokens: .patch)
        let (_, numpy) = try NPY.readFloats(path: Self.fixtures + "/prototype.npy")
        #expect(proto.trainImages == want["train_images"] as! Int && proto.tokenCount == want["token_count"] as! Int)
        #expect(zip(proto.mean, numpy).allSatisfy { abs($0 - $1) <= 1e-6 * abs($1) })

        let thresholds = try Detection.parseThresholds(want["thresholds"] as! String)
        for (name, value) in want["curves"] as! [String: [String: Any]] {
            let start = value["start"] as! Int, unit = Detection.Unit(rawValue: value["unit"] as! String)!
            let map = try Detection.score(features: reader, prototypes: [proto.mean], from: start)[0]
            let rows = Detection.sweep(map, patches: patches, points: points, thresholds: thresholds, unit: unit)
            let expected = value["rows"] as! [[String: Any]]
            #expect(rows.count == expected.count, "\(name)")
            for (got, e) in zip(rows, expected) {
                #expect(got.threshold == Float(e["threshold"] as! Double), "\(name)")
                let counts: [Int] = [e["tp"] as! Int, e["fp"] as! Int, e["fn"] as! Int]
                #expect([got.tp, got.fp, got.fn] == counts, "\(name) at \(got.threshold)")
                #expect(abs(got.precision - (e["precision"] as! Double)) <= 1e-9 && abs(got.recall - (e["recall"] as! Double)) <= 1e-9
                        && abs(got.f1 - (e["f1"] as! Double)) <= 1e-9, "\(name) at \(got.threshold)")
            }
        }

        let d = want["detections"] as! [String: Any]
        let map = try Detection.score(features: reader, prototypes: [proto.mean], from: d["start"] as! Int)[0]
        let found = Detection.detections(map, threshold: Float(d["threshold"] as! Double), unit: .token)
        #expect(found.map { [$0.image, $0.x, $0.y] } == d["rows"] as! [[Int]])
        #expect(map.image(9)[7 * 8 + 7] == 0)  // the all-zero token: similarity 0, not NaN
    }

    /// Blocks of a few tokens, blocks of several images, one or two workers, several prototypes at once:
    /// all give the similarities of a plain double-precision computation (to float32 rounding).
    @Test func blockingThreadsAndSeveralPrototypesAgree() async throws {
        let (store, dir) = try await Self.store()
        defer { TempFolder.remove(dir) }
        let reader = try store.features(of: try store.run(named: "r"))
        let (_, p1) = try NPY.readFloats(path: Self.fixtures + "/prototype.npy")
        let p2 = (0..<64).map { Float($0 % 7) - 3 }
        let s = reader.shape, t = s.tokensPerImage
        func reference(_ p: [Float], image: Int, token: Int) -> Double {
            let f = reader.features(image: image)
            let dot = (0..<s.channels).reduce(0.0) { $0 + Double(Float(f[$1 * t + token])) * Double(p[$1]) }
            let pn = p.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            return dot / (max(Double(reader.norms(image: image)[token]), 1e-8) * max(pn, 1e-8))
        }
        for (blockBytes, threads) in [(256 * 16, 2), (256 * 64 * 5, 2), (256 * 64 * 5, 1), (512 << 10, 1)] {
            let maps = try Detection.score(features: reader, prototypes: [p1, p2], from: 1, blockBytes: blockBytes, threads: threads)
            for (p, map) in zip([p1, p2], maps) {
                #expect(map.from == 1 && map.images == 11)
                let worst = (1..<12).flatMap { i in (0..<t).map { abs(Double(map.image(i)[map.image(i).startIndex + $0]) - reference(p, image: i, token: $0)) } }.max()!
                #expect(worst < 1e-5, "block \(blockBytes), \(threads) threads: \(worst)")
            }
        }
        #expect(throws: Detection.Failure.self) { try Detection.score(features: reader, prototypes: [], from: 0) }
    }
}
