import Detector
import Foundation
import Hummingbird
import LabelStore

extension ReportAPI {
    /// `NormStatistics` as the report page reads it (WebLabeler/backend.js, `FIELDS.normStatistics`).
    struct NormStatisticsBody: Codable {
        struct Above: Codable { var k: Double, tokens: Int, labelledTokens: Int, images: Int }
        var run: String, images: Int, width: Int, height: Int, tokens: Int, labelledTokens: Int
        /// Row-major (y · width + x).
        var meanNorms: [Double]
        var edges: [Double], labelled: [Int], patches: [Int], all: [Int]
        var above: [Above]
    }

    /// The run's norm statistics (no prototype needed), computed off the server's threads.
    func normStatistics(_ c: LabelContext) async throws -> (Run, NormStatistics) {
        let name = try c.parameters.require("run")
        let (run, reader) = try await features.norms(run: name)
        let store = self.store
        return try await offloaded {
            let labels = try RunLabels(catalog: store, run: run.name)
            return (run, NormStatistics(norms: reader, truth: labels.truthIndices(on: run.grid, unit: .token)))
        }
    }

    @Sendable func statisticsJSON(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (run, s) = try await normStatistics(c)
        return try json(NormStatisticsBody(
            run: run.name, images: s.imageCount, width: s.grid.width, height: s.grid.height, tokens: s.tokenCount, labelledTokens: s.labelledCount,
            meanNorms: s.meanNorms, edges: s.edges, labelled: s.labelled, patches: s.patches, all: s.all,
            above: s.above.map { .init(k: $0.k, tokens: $0.tokens, labelledTokens: $0.labelledTokens, images: $0.images) }))
    }

    @Sendable func statisticsSVG(_ request: Request, _ c: LabelContext) async throws -> Response {
        let (run, s) = try await normStatistics(c)
        return bytes(Array(s.svg(run: run.name).utf8), type: "image/svg+xml; charset=utf-8")
    }
}
