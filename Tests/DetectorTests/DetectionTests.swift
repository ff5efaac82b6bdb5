import Foundation
import Testing
import FeatureStore
import LabelStore
import TestSupport
@testable import Detector

/// The threshold sweep on PrototypeTests' planted run with prototype (1, 0). Cosine similarities,
/// worked out by hand: image 0 patch (0,0) tokens 1/√5 = 0.447, 3/√13 = 0.832, 1/√17 = 0.243, 3/5 = 0.6;
/// image 1 point 8/√68 = 0.970; image 2 unlabelled token 1.0; image 3 patch tokens 1/√2 = 0.707;
/// every other token is zero (similarity 0, never NaN). 9 labelled tokens in all.
@Suite struct DetectionTests {
    static func sims(from: Int = 0) async throws -> ([[Float]], String) {
        let (reader, folder) = try await PrototypeTests.run()
        return (try Detection.similarities(features: reader, prototype: [1, 0], from: from), folder)
    }

    @Test func tokenCountsPerThreshold() async throws {
        let (sims, folder) = try await Self.sims()
        defer { TempFolder.remove(folder) }
        let thresholds: [Float] = [-0.5, 0, 0.5, 0.59999, 0.6, 0.75, 0.99]
        let rows = Detection.sweep(similarities: sims, from: 0, width: 4, height: 4, patches: PrototypeTests.patches,
                                   points: PrototypeTests.points, thresholds: thresholds, unit: .token)
        // (tp, fp, fn): 0.6 itself is not detected at threshold 0.6 (strictly greater), but is at 0.59999.
        let want = [(9, 55, 0), (9, 1, 0), (7, 1, 2), (7, 1, 2), (6, 1, 3), (2, 1, 7), (0, 1, 9)]
        #expect(rows.map { [$0.tp, $0.fp, $0.fn] } == want.map { [$0.0, $0.1, $0.2] })
        #expect(rows[2].precision == 7.0 / 8 && rows[2].recall == 7.0 / 9)
        #expect(rows[6].precision == 0 && rows[6].f1 == 0)
    }

    @Test func patchUnitAndSplit() async throws {
        let (sims, folder) = try await Self.sims()
        defer { TempFolder.remove(folder) }
        let patch = Detection.sweep(similarities: sims, from: 0, width: 4, height: 4, patches: PrototypeTests.patches, points: [],
                                    thresholds: [0, 0.5], unit: .patch)
        #expect(patch.map { [$0.tp, $0.fp, $0.fn] } == [[2, 0, 0], [1, 0, 1]])
        let (test, folder2) = try await Self.sims(from: 2)
        defer { TempFolder.remove(folder2) }
        #expect(test.count == 2)
        let split = Detection.sweep(similarities: test, from: 2, width: 4, height: 4, patches: PrototypeTests.patches,
                                    points: PrototypeTests.points, thresholds: [0.5], unit: .token)
        #expect(split.map { [$0.tp, $0.fp, $0.fn] } == [[4, 1, 0]])
    }

    @Test func emptyLabelSetAndDetectionsFile() async throws {
        let (sims, folder) = try await Self.sims()
        defer { TempFolder.remove(folder) }
        let none = Detection.sweep(similarities: sims, from: 0, width: 4, height: 4, patches: [], points: [], thresholds: [0.75], unit: .token)
        #expect(none.map { [$0.tp, $0.fp, $0.fn] } == [[0, 3, 0]])
        let rows = Detection.detections(similarities: sims, from: 0, width: 4, height: 4, threshold: 0.75, unit: .token)
        #expect(rows == [LabelRow(image: 0, x: 1, y: 0), LabelRow(image: 1, x: 3, y: 1), LabelRow(image: 2, x: 1, y: 1)])
    }

    @Test func thresholdParsingAndBadInput() async throws {
        #expect(try Detection.parseThresholds("0.6:0.99:20").count == 20)
        #expect(try Detection.parseThresholds("0.70:0.98:15").last == 0.98)
        #expect(try Detection.parseThresholds("0.7,0.8") == [0.7, 0.8])
        #expect(throws: Detection.Failure.self) { try Detection.parseThresholds("0.5:1.5:3") }
        // A query string's a:b:n sizes a table: a trillion thresholds is refused, not allocated.
        let huge = try #require(throws: Detection.Failure.self) { try Detection.parseThresholds("0.6:0.99:1000000000000") }
        #expect(huge.description.contains("over the limit of 10000"), "\(huge)")
        #expect(throws: Detection.Failure.self) { try Detection.parseThresholds("x") }
        let (reader, folder) = try await PrototypeTests.run()
        defer { TempFolder.remove(folder) }
        let channels = try #require(throws: Detection.Failure.self) { try Detection.similarities(features: reader, prototype: [1, 0, 0], from: 0) }
        #expect(channels.description.contains("3 channels"))
        #expect(throws: Detection.Failure.self) { try Detection.similarities(features: reader, prototype: [1, 0], from: 4) }
        #expect(Detection.csv([]).hasPrefix("threshold,tp,fp,fn,precision,recall,f1\n"))
    }
}
