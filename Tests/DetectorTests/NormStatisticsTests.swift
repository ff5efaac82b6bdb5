import Foundation
import Testing
import Charts
@testable import Detector
import LabelStore

/// Dataset statistics against NumPy (Tests/FixtureGenerators/make_norm_stats_fixtures.py) on the
/// detector fixture run, and as the report and the norm grid draw them.
@Suite struct NormStatisticsTests {
    static let expectedPath = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("normstats/expected.json").path

    static func expected() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: expectedPath))) as! [String: Any]
    }

    static func statistics() async throws -> (NormStatistics, LabelStore, String) {
        let (store, dir) = try await NumPyCrossCheckTests.store()
        let run = try store.run(named: "r")
        let labels = try RunLabels(catalog: store, run: "r")
        return (NormStatistics(features: try store.features(of: run), truth: labels.truthIndices(on: run.grid, unit: .token)), store, dir)
    }

    @Test func matchesNumPy() async throws {
        let (s, _, dir) = try await Self.statistics()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let want = try Self.expected()
        #expect(s.imageCount == want["images"] as! Int && s.grid == TokenGrid(width: want["width"] as! Int, height: want["height"] as! Int))
        let hi = want["max_norm"] as! Double
        #expect(abs(s.edges.last! - hi) <= 1e-5 * hi && s.edges.count == 41)
        let mean = want["mean_norms"] as! [Double]
        #expect(s.meanNorms.count == mean.count)
        for (a, b) in zip(s.meanNorms, mean) { #expect(abs(a - b) <= 1e-5 * hi, "\(a) vs \(b)") }
        #expect(s.labelled == want["labelled"] as! [Int])
        #expect(s.patches == want["patch"] as! [Int])
        #expect(s.all == want["all"] as! [Int])
        #expect(s.labelledCount == want["labelled_count"] as! Int)
        let above = want["above"] as! [[String: Any]]
        #expect(s.above.map(\.k) == above.map { Double($0["k"] as! Int) })
        for (a, w) in zip(s.above, above) {
            #expect(a.tokens == w["tokens"] as! Int && a.labelledTokens == w["labelled_tokens"] as! Int && a.images == w["images"] as! Int, "k = \(a.k)")
        }
    }

    @Test func reportCarriesTheStatistics() async throws {
        let (store, dir) = try await NumPyCrossCheckTests.store()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try store.run(named: "r")
        let e = try EvaluatedRun.resolve(run: run, features: try store.features(of: run), catalog: store, prototypes: .newest(orLabelMean: true), images: .testSplit(strict: false))
        let report = try RunReport.compute(e)
        let want = try Self.expected()
        #expect(report.text.contains("dataset statistics: token norms of all 12 images (8×8 tokens)"))
        let above = (want["above"] as! [[String: Any]])[0]
        #expect(report.text.contains(String(format: "     2×  %10d", above["tokens"] as! Int)), "\(report.text)")
        let svg = report.svg()
        // The mean norm map: one cell per token, its mean over the images.
        let mean = want["mean_norms"] as! [Double]
        for i in [0, 9, 63] {
            #expect(svg.contains("class=\"cell\" data-x=\"\(i % 8)\" data-y=\"\(i / 8)\" data-value=\"\(num(mean[i]))\""))
        }
        let all = want["all"] as! [Int]
        #expect(svg.contains("data-series=\"all\" data-bin=\"4\" data-count=\"\(all[4])\""))
        #expect(svg.contains("tokens above k × their image&#39;s mean norm"))
    }

    @Test func normGridHasOneScalePerRow() async throws {
        let (store, dir) = try await NumPyCrossCheckTests.store()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try store.run(named: "r"), reader = try store.features(of: run)
        let chart = try NormGrid.chart(rows: [[run], [run]], images: [0, 5], norms: { _ in reader.normReader })
        #expect(chart.rows.count == 2 && chart.rows[0].panels.map(\.title) == ["image 0", "image 5"])
        let svg = NormGrid.svg(chart)
        let hi = Double(max(reader.norms(image: 0).max()!, reader.norms(image: 5).max()!))
        #expect(svg.contains("class=\"normgrid-row\" data-row=\"1\" data-name=\"r\" data-max=\"\(num(hi))\""))
        #expect(svg.components(separatedBy: "class=\"token\"").count - 1 == 2 * 2 * 64)
        #expect(throws: NormGrid.Failure.self) { try NormGrid.chart(rows: [[run]], images: [12], norms: { _ in reader.normReader }) }
        #expect(throws: NormGrid.Failure.self) { try NormGrid.chart(rows: [[run], [run, run]], images: [0], norms: { _ in reader.normReader }) }
    }
}
