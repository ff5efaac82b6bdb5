import Foundation
import Testing
import NPYFormat
import Inference
@testable import Experiments

/// The positional probe against the paper's own `run_position_estimation` (fixtures written by
/// Tests/FixtureGenerators/make_probe_fixtures.py), plus hand-checked coarse-graining and refusals.
@Suite struct ProbeTests {
    static func fixture(_ name: String) throws -> (shape: [Int], values: [Float]) {
        let root = try #require(Bundle.module.resourcePath, "no resource bundle")
        return try NPY.readFloats(path: root + "/Fixtures/probe/\(name).npy")
    }

    /// Four layers in a row on one generator seeded once, as the reference runs them.
    @Test func accuraciesMatchTheReference() throws {
        let want = try Self.fixture("accuracies")
        let (layers, epochs, grids) = (want.shape[0], want.shape[1], want.shape[2])
        #expect(grids == PositionProbe.grids.count)
        var generator = TorchGenerator(seed: 42)
        var worst: Float = 0
        for layer in 0..<layers {
            let (shape, values) = try Self.fixture("features_\(layer)")
            let got = try values.withUnsafeBufferPointer {
                try PositionProbe.run(features: $0, images: shape[0], channels: shape[1], height: shape[2], width: shape[3],
                                      trainImages: PositionProbe.trainImages(of: shape[0]), epochs: epochs,
                                      batchSize: 512, generator: &generator)
            }
            for epoch in 0..<epochs {
                for grid in 0..<grids {
                    let diff = abs(got[epoch][grid] - want.values[(layer * epochs + epoch) * grids + grid])
                    worst = max(worst, diff)
                    #expect(diff <= 0.02, "layer \(layer) epoch \(epoch) grid \(PositionProbe.grids[grid]): \(got[epoch][grid])")
                }
            }
        }
        print("probe: largest difference from the reference \(worst)")
    }

    /// One layer draws nn.Linear's initialisation and one randperm of the training tokens per epoch.
    @Test func runAdvancesTheGeneratorLikeTheReference() throws {
        let (images, channels, side, epochs) = (3, 5, 4, 2)
        let features = (0..<(images * channels * side * side)).map { Float($0 % 7) }
        var probe = TorchGenerator(seed: 7), replay = TorchGenerator(seed: 7)
        _ = try features.withUnsafeBufferPointer {
            try PositionProbe.run(features: $0, images: images, channels: channels, height: side, width: side,
                                  trainImages: 2, epochs: epochs, batchSize: 8, generator: &probe)
        }
        _ = replay.linearInit(inFeatures: channels, outFeatures: 2 * side)
        for _ in 0..<epochs { _ = replay.randperm(2 * side * side) }
        #expect(probe.nextUInt32() == replay.nextUInt32())
    }

    /// `argmax·s // w == label·s // w`, worked by hand.
    @Test func coarseCells() {
        #expect(ProbeAccuracy.sameCell(7, 0, grid: 8, side: 64))     // 56 // 64 = 0
        #expect(!ProbeAccuracy.sameCell(8, 7, grid: 8, side: 64))    // 1 vs 0
        #expect(ProbeAccuracy.sameCell(63, 56, grid: 8, side: 64))   // 7 vs 7
        #expect(ProbeAccuracy.sameCell(1, 0, grid: 8, side: 12))     // 8 // 12 = 0
        #expect(!ProbeAccuracy.sameCell(2, 1, grid: 8, side: 12))    // 16 // 12 = 1 vs 0
        #expect(ProbeAccuracy.sameCell(4, 3, grid: 8, side: 12))     // 32 // 12 = 2, 24 // 12 = 2
        #expect(!ProbeAccuracy.sameCell(1, 0, grid: 8, side: 4))     // a grid finer than the map is exact
        #expect(!ProbeAccuracy.sameCell(1, 0, grid: 64, side: 64))
    }

    /// A zero classifier ties every class, so argmax is 0 for both coordinates everywhere. On a 16×16
    /// map rows/columns 0 and 1 share cell 0 on the 8-grid (2 of 16 per coordinate), only 0 on finer grids.
    @Test func zeroClassifierAccuracyByHand() {
        let (channels, side, images) = (3, 16, 2)
        let classifier = ProbeClassifier(channels: channels, side: side, weight: .init(repeating: 0, count: 2 * side * channels),
                                         bias: .init(repeating: 0, count: 2 * side))
        let features = [Float](repeating: 1, count: images * channels * side * side)
        let got = features.withUnsafeBufferPointer {
            ProbeAccuracy.evaluate(classifier, nchw: $0, images: images, height: side, width: side, grids: PositionProbe.grids)
        }
        let want: [Float] = [2.0 / 16, 1.0 / 16, 1.0 / 16, 1.0 / 16]
        #expect(got == want)
    }

    /// A classifier reading one-hot row and column channels predicts every token right (head 0 is the
    /// row, head 1 the column, as the reference's labels (i, j) of `meshgrid(…, indexing='ij')`).
    @Test func perfectClassifierScoresOne() {
        let side = 4, channels = 2 * side
        var weight = [Float](repeating: 0, count: 2 * side * channels)
        for row in 0..<(2 * side) { weight[row * channels + row] = 1 }  // head-major: channel r ↔ output r
        let classifier = ProbeClassifier(channels: channels, side: side, weight: weight, bias: .init(repeating: 0, count: 2 * side))
        var features = [Float](repeating: 0, count: channels * side * side)
        for y in 0..<side { for x in 0..<side {
            features[y * side * side + y * side + x] = 1             // channel y: row one-hot
            features[(side + x) * side * side + y * side + x] = 1    // channel side + x: column one-hot
        } }
        let got = features.withUnsafeBufferPointer {
            ProbeAccuracy.evaluate(classifier, nchw: $0, images: 1, height: side, width: side, grids: PositionProbe.grids)
        }
        let want: [Float] = [1, 1, 1, 1]
        #expect(got == want)
    }

    @Test func refusesBadInputNamingIt() {
        let features = [Float](repeating: 0, count: 2 * 3 * 4 * 5)
        func run(images: Int = 2, height: Int = 4, width: Int = 5, train: Int = 1) -> String {
            var g = TorchGenerator(seed: 42)
            do {
                _ = try features.withUnsafeBufferPointer {
                    try PositionProbe.run(features: $0, images: images, channels: 3, height: height, width: width,
                                          trainImages: train, epochs: 1, batchSize: 512, generator: &g)
                }
                return "accepted"
            } catch { return "\(error)" }
        }
        #expect(run().contains("4×5"))
        #expect(run(height: 5, width: 5).contains("120 values, expected 2×3×5×5"))
        let square = [Float](repeating: 0, count: 2 * 3 * 4 * 4)
        #expect(throws: PositionProbeError.self) {
            var g = TorchGenerator(seed: 42)
            _ = try square.withUnsafeBufferPointer {
                try PositionProbe.run(features: $0, images: 2, channels: 3, height: 4, width: 4,
                                      trainImages: 2, epochs: 1, batchSize: 512, generator: &g)
            }
        }
        #expect(PositionProbe.trainImages(of: 500) == 400 && PositionProbe.trainImages(of: 6) == 4)
    }
}
