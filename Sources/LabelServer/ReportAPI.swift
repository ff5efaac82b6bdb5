import APIRequests
import Charts
import Detector
import Foundation
import Hummingbird
import LabelStore
import NIOCore

/// Report and plot routes for the labeler's report page (README, "Reports and plots"): the same
/// statistics and charts as `normlab report` and `normlab detect --plot`, for any run and any
/// recorded prototype (`prototype=ID`; without it, the run's newest, else the mean of its labels).
struct ReportAPI: Sendable {
    let store: LabelStore
    let features: FeatureCache

    func register(on router: Router<LabelContext>) {
        let api = router.group("api")
        /// Recorded prototypes, newest first; `?run=R` for one run's.
        api.get("prototypes", use: prototypes)
        /// All report charts as one SVG.
        api.get("runs/:run/report.svg", use: reportSVG)
        /// The report as text (report.txt of `normlab report`).
        api.get("runs/:run/report.txt", use: reportText)
        /// The detection figure: `thresholds=a:b:n|t1,t2`, `unit=token|patch`, `from=K`.
        api.get("runs/:run/curve.svg", use: curveSVG)
        /// One image's norm map with TP/FP/FN tokens at `at=T` marked.
        api.get("runs/:run/images/:index/detections.svg", use: imageSVG)
        /// The run's token-norm statistics (mean norm map, histograms, tokens above k × the image mean) as JSON.
        api.get("runs/:run/statistics", use: statisticsJSON)
        /// The same as charts.
        api.get("runs/:run/statistics.svg", use: statisticsSVG)
        /// Recorded experiment runs (`normlab experiments run`), newest first.
        api.get("experiments", use: experiments)
        /// An experiment run's figure, as its folder holds it.
        api.get("experiments/:id/figure.svg", use: experimentFigure)
    }

    struct ExperimentBody: Codable {
        var id: Int64, dataset: String, experiments: String, layers: Int, images: Int, timestep: Int, seed: String, finishedAt: String
    }

    @Sendable func experiments(_ request: Request, _ c: LabelContext) async throws -> Response {
        try json(try store.experiments().map {
            ExperimentBody(id: $0.id, dataset: $0.dataset, experiments: $0.experiments, layers: $0.layers, images: $0.images,
                           timestep: $0.timestep, seed: "\($0.seed)", finishedAt: $0.finishedAt)
        })
    }

    @Sendable func experimentFigure(_ request: Request, _ c: LabelContext) async throws -> Response {
        let idText = try c.parameters.require("id")
        guard let id = Int64(idText) else { throw APIError(.badRequest, "experiment id '\(idText)' is not an integer") }
        guard let e = try store.experiments().first(where: { $0.id == id }) else { throw APIError(.notFound, "no experiment \(id)") }
        guard let svg = FileManager.default.contents(atPath: e.folder + "/figure.svg") else {
            throw APIError(.notFound, "experiment \(id)'s figure \(e.folder)/figure.svg is missing (normlab experiments plot \(e.folder) redraws it)")
        }
        return bytes([UInt8](svg), type: "image/svg+xml; charset=utf-8")
    }

    struct PrototypeBody: Codable {
        var id: Int64, run: String, tokens: String, trainFraction: Double, trainImages: Int, labelCount: Int, tokenCount: Int
        var channels: Int, createdAt: String
    }

    @Sendable func prototypes(_ request: Request, _ c: LabelContext) async throws -> Response {
        let run = Query(request)["run"]
        let list = try await store.reading { try $0.prototypes(run: run) }
        return try json(list.map {
            PrototypeBody(id: $0.id, run: $0.run, tokens: $0.tokens, trainFraction: $0.trainFraction, trainImages: $0.trainImages,
                          labelCount: $0.labelCount, tokenCount: $0.tokenCount, channels: $0.vector.count, createdAt: $0.createdAt)
        })
    }

    @Sendable func reportSVG(_ request: Request, _ c: LabelContext) async throws -> Response {
        try await reported(request, c) { bytes(Array($0.svg().utf8), type: "image/svg+xml; charset=utf-8") }
    }

    @Sendable func reportText(_ request: Request, _ c: LabelContext) async throws -> Response {
        try await reported(request, c) { bytes(Array($0.text.utf8), type: "text/plain; charset=utf-8") }
    }

    @Sendable func curveSVG(_ request: Request, _ c: LabelContext) async throws -> Response {
        let query = Query(request)
        return try await withInputs(request, c) { inputs in
            guard let p = inputs.prototype else { throw noPrototype(inputs.run) }
            let curve = try CurveRequest(query: query)
            let (unit, from) = (curve.unit, curve.from ?? inputs.images.lowerBound)
            let map = try Detection.score(features: inputs.features, prototypes: [p.vector], from: from)[0]
            let rows = Detection.sweep(map, labels: inputs.labels, thresholds: curve.thresholds, unit: unit)
            let title = "run '\(inputs.run.name)', images \(from)..<\(inputs.run.imageCount), \(unit.rawValue) unit, \(Self.name(p))"
            return bytes(Array(DetectionFigure.svg(Detection.figurePoints(rows), title: title).utf8), type: "image/svg+xml; charset=utf-8")
        }
    }

    @Sendable func imageSVG(_ request: Request, _ c: LabelContext) async throws -> Response {
        let index = try PathParameter.integer(try c.parameters.require("index"), "image index")
        let at = try ImageDetectionsRequest(query: Query(request)).at
        return try await withInputs(request, c) { inputs in
            guard let p = inputs.prototype else { throw noPrototype(inputs.run) }
            guard (0..<inputs.run.imageCount).contains(index) else {
                throw LabelStoreError.imageOutOfRange(run: inputs.run.name, index: index, count: inputs.run.imageCount)
            }
            let d = try RunReport.imageDetections(inputs.features, prototype: p.vector, labels: inputs.labels, image: index, at: at)
            let svg = RunReport.imageSVG(run: inputs.run.name, detections: d, norms: Array(inputs.features.norms(image: index)),
                                         width: inputs.run.width, height: inputs.run.height, at: at)
            return bytes(Array(svg.utf8), type: "image/svg+xml; charset=utf-8")
        }
    }
}
