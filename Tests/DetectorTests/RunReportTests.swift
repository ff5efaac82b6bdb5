import Foundation
import Testing
import FeatureStore
import TestSupport
@testable import LabelStore
@testable import Detector

/// RunReport on a planted run whose every statistic is worked out by hand below.
///
/// 4 images, C = 4 channels, 4×4 grid; every token is zero except:
/// - image 0, labelled patch at (0, 0): places 0…3 (upper-left, upper-right, lower-left, lower-right)
///   = 2·e0, 3·e1, 1·e2, 5·e3;
/// - image 1, labelled patch at (2, 2): 1·e0, 2·e1, 4·e2, 1·e3; labelled point (0, 3) = (1, 1, 1, 1);
/// - image 2, labelled point (3, 3) = 2·e3; unlabelled token (1, 1) = 7·e2;
/// - image 3: nothing.
@Suite struct RunReportTests {
    static let patches = [LabelRow(image: 0, x: 0, y: 0), LabelRow(image: 1, x: 2, y: 2)]
    static let points = [LabelRow(image: 1, x: 0, y: 3), LabelRow(image: 2, x: 3, y: 3)]

    /// The run above, imported into a real store; the caller removes the folder.
    static func run() async throws -> (FeatureReader, Run, String) {
        var planted = PlantedRun(count: 4, channels: 4, height: 4, width: 4, background: 0)
        func e(_ i: Int, _ s: Float) -> [Float] { (0..<4).map { $0 == i ? s : 0 } }
        let tokens: [(image: Int, x: Int, y: Int, vector: [Float])] = [
            (0, 0, 0, e(0, 2)), (0, 1, 0, e(1, 3)), (0, 0, 1, e(2, 1)), (0, 1, 1, e(3, 5)),
            (1, 2, 2, e(0, 1)), (1, 3, 2, e(1, 2)), (1, 2, 3, e(2, 4)), (1, 3, 3, e(3, 1)), (1, 0, 3, [1, 1, 1, 1]),
            (2, 3, 3, e(3, 2)), (2, 1, 1, e(2, 7)),
        ]
        for t in tokens { planted.set(image: t.image, x: t.x, y: t.y, t.vector) }
        let folder = try TempFolder.create("report")
        let (store, run) = try await planted.importedStore(folder: folder, run: "hand")
        return (try store.features(of: run), run, folder)
    }

    static func report(_ options: RunReport.Options = .init(), prototype: [Float]? = [0, 0, 1, 0]) async throws -> RunReport {
        let (reader, run, folder) = try await run()
        defer { TempFolder.remove(folder) }
        let p = prototype.map { ReportPrototype(vector: $0, description: "e2", id: nil, sourceRun: nil, trainImages: nil) }
        return try RunReport.compute(run: run, features: reader, patches: patches, points: points, prototype: p, options: options)
    }

    @Test func labelSharesHistogramAndPositions() async throws {
        let r = try await Self.report()
        #expect(r.imagesWithAnomaly == 3)                   // images 0, 1, 2 of 4
        #expect(r.anomaliesPerImage == [1, 2, 1])           // image 3: 0 labels; images 0, 2: 1; image 1: 2
        var want = [Int](repeating: 0, count: 16)
        for (x, y) in [(0, 0), (1, 0), (0, 1), (1, 1), (2, 2), (3, 2), (2, 3), (3, 3), (0, 3), (3, 3)] { want[y * 4 + x] += 1 }
        #expect(r.positions == want)
    }

    @Test func normsOfLabelledAndAllTokens() async throws {
        let r = try await Self.report()
        // Labelled norms 2, 3, 1, 5, 1, 2, 4, 1, 2 (point (1,1,1,1)), 2; all: those, 7, and 54 zeros.
        #expect(r.labelledNorms.count == 10 && r.labelledNorms.min == 1 && r.labelledNorms.max == 5)
        #expect(abs(r.labelledNorms.mean - 2.3) < 1e-6)
        #expect(r.allNorms.count == 64 && r.allNorms.min == 0 && r.allNorms.max == 7 && abs(r.allNorms.mean - 30.0 / 64) < 1e-6)
    }

    @Test func pairwiseCosines() async throws {
        let r = try await Self.report()
        // 8 patch tokens: only same-place pairs are parallel (cosine 1), 8 of the 56 ordered pairs.
        #expect(r.cosines.patchTokens == 8 && r.cosines.sampledTokens == 8)
        #expect(abs(r.cosines.all! - 8.0 / 56) < 1e-6)
        #expect(abs(r.cosines.samePlace! - 1) < 1e-6)
        // All 64 tokens of the 4 images: parallel pairs e0: 2, e1: 2, e2: 6, e3: 6 (ordered), plus
        // (1,1,1,1)/2 against the 10 unit axis vectors at cosine 0.5, both orders: 16 + 10 = 26.
        #expect(r.cosines.baselineImages == [0, 1, 2, 3] && r.cosines.baselineTokens == 64)
        #expect(abs(r.cosines.baseline! - 26.0 / (64 * 63)) < 1e-9)
    }

    @Test func pairwiseSampleIsStridedAndStated() async throws {
        var options = RunReport.Options()
        options.maxPairwiseTokens = 4
        let r = try await Self.report(options)
        // Tokens 0, 2, 4, 6 of A0 A1 A2 A3 B0 B1 B2 B3: places 0, 2, 0, 2; 4 of 12 ordered pairs parallel.
        #expect(r.cosines.sampledTokens == 4 && abs(r.cosines.all! - 1.0 / 3) < 1e-6 && abs(r.cosines.samePlace! - 1) < 1e-6)
        #expect(r.text.contains("an evenly strided sample of 4"))
    }

    @Test func gramBlocksAgreeWithADirectSum() {
        // More rows than one sgemm block (256), checked against a plain double loop.
        var seed: UInt64 = 42
        func next() -> Float { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Float(Int(seed >> 40) % 2001 - 1000) / 1000 }
        let m = 300, c = 5
        var rows = (0..<m * c).map { _ in next() }
        for i in 0..<m {
            let n = (0..<c).reduce(Float(0)) { $0 + rows[i * c + $1] * rows[i * c + $1] }.squareRoot()
            for k in 0..<c { rows[i * c + k] /= n }
        }
        let places = (0..<m).map { $0 % 4 }
        var all = 0.0, same = 0.0, samePairs = 0.0
        for i in 0..<m {
            for j in 0..<m where i != j {
                let d = (0..<c).reduce(0.0) { $0 + Double(rows[i * c + $1]) * Double(rows[j * c + $1]) }
                all += d
                if places[i] == places[j] { same += d; samePairs += 1 }
            }
        }
        let got = RunReport.gramMeans(rows, channels: c, places: places)
        #expect(abs(got.all! - all / Double(m * (m - 1))) < 1e-5 && abs(got.samePlace! - same / samePairs) < 1e-5)
    }

    @Test func similarityHistogramsAndCurve() async throws {
        var options = RunReport.Options()
        options.similarityBins = 4          // edges -1, -0.5, 0, 0.5, 1
        options.thresholds = [0.4, 0.6]
        let r = try await Self.report(options)
        let e = try #require(r.evaluation)
        #expect(e.from == 0 && e.edges == [-1, -0.5, 0, 0.5, 1])
        // Prototype e2: labelled A2, B2 → 1, the point (1,1,1,1) → 0.5, 7 others → 0; unlabelled 7·e2 → 1, 53 zeros → 0.
        #expect(e.labelled == [0, 0, 7, 3] && e.other == [0, 0, 53, 1])
        #expect(e.curve.map { [$0.tp, $0.fp, $0.fn] } == [[3, 1, 7], [2, 1, 8]])
        #expect(r.curvePoints.count == 2 && r.bestIndex == 0)   // F1 6/14 vs 4/13
    }

    @Test func curveAgreesWithTheDetector() async throws {
        // The report counts while streaming; `normlab detect` sweeps stored similarities. Same answer.
        var options = RunReport.Options()
        options.thresholds = [-0.5, 0, 0.3, 0.5, 0.99]
        let r = try await Self.report(options)
        let (reader, _, folder) = try await Self.run()
        defer { TempFolder.remove(folder) }
        let sims = try Detection.similarities(features: reader, prototype: [0, 0, 1, 0], from: 0)
        let rows = Detection.sweep(similarities: sims, from: 0, width: 4, height: 4, patches: Self.patches, points: Self.points,
                                   thresholds: options.thresholds, unit: .token)
        #expect(r.curvePoints.map { [$0.tp, $0.fp, $0.fn] } == rows.map { [$0.tp, $0.fp, $0.fn] })
    }

    @Test func perImageDetectionsAtAThreshold() async throws {
        var options = RunReport.Options()
        options.at = 0.6
        let e = try #require(try await Self.report(options).evaluation)
        #expect(e.imagesWithDetections == 3 && e.images.map(\.image) == [0, 1, 2])
        #expect(e.images[0].tp == [.init(x: 0, y: 1)] && e.images[0].fp.isEmpty && e.images[0].fn.count == 3)
        #expect(e.images[2].tp.isEmpty && e.images[2].fp == [.init(x: 1, y: 1)] && e.images[2].fn == [.init(x: 3, y: 3)])
        let svg = RunReport.imageSVG(run: "hand", detections: e.images[2], norms: [Float](repeating: 1, count: 16), width: 4, height: 4, at: 0.6)
        #expect(svg.contains("data-kind=\"fp\" data-x=\"1\" data-y=\"1\"") && svg.contains("data-kind=\"fn\" data-x=\"3\" data-y=\"3\""))
    }

    @Test func badInputIsNamed() async throws {
        var options = RunReport.Options()
        options.at = 1.5
        let outside = try await #require(throws: RunReport.Failure.self) { try await Self.report(options) }
        #expect(outside.description.contains("outside [-1, 1]"))
        options.at = 0.5
        let none = try await #require(throws: RunReport.Failure.self) { try await Self.report(options, prototype: nil) }
        #expect(none.description.contains("needs a prototype"))
        let r = try await Self.report(prototype: nil)
        #expect(r.evaluation == nil && r.text.contains("prototype: none"))
    }

    @Test func textAndSVGCarryTheNumbers() async throws {
        let r = try await Self.report()
        #expect(r.text.contains("images with ≥ 1 anomaly: 3 of 4 (75.0 %)"))
        #expect(r.text.contains(String(format: "%.4f", 8.0 / 56)) && r.text.contains("prototype: e2"))
        let svg = r.svg()
        // Two 4×4 heatmaps (labelled positions, mean norm map); similarity (2 series) and norm (3) histograms.
        #expect(svg.components(separatedBy: "class=\"cell\"").count - 1 == 2 * 16)
        #expect(svg.components(separatedBy: "class=\"hist-bar\"").count - 1 == 2 * 40 + 3 * 40)
        #expect(svg.components(separatedBy: "class=\"bar\" data-series=\"TP\"").count - 1 == 20)
    }
}
