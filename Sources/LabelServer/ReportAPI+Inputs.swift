import APIRequests
import Detector
import Foundation
import Hummingbird
import LabelStore

extension ReportAPI {
    /// Resolves the run (`:run`) and its prototype (`?prototype=ID`; the browser names recorded
    /// prototypes by id only, never server files; without it the run's newest, else the mean of its
    /// labels) with the default evaluated images, and runs `body`; the detector's refusals are
    /// validation errors (400), an unknown prototype is not found (404).
    /// Labels, prototype and `body` (a similarity pass over the run: seconds on a big one) run on a
    /// Dispatch thread, so the server's own threads keep answering other requests meanwhile.
    func withInputs(_ request: Request, _ c: LabelContext, _ body: @escaping @Sendable (EvaluatedRun) throws -> Response) async throws -> Response {
        let name = try c.parameters.require("run")
        let choice = try prototypeID(Query(request)).map(EvaluatedRun.Prototypes.id) ?? .newest(orLabelMean: true)
        let (run, reader) = try await features.reader(run: name)
        let store = self.store
        return try await offloaded {
            let e = try EvaluatedRun.resolve(run: run, features: reader, catalog: store, prototypes: choice, images: .testSplit(strict: false))
            try e.checkChannels()
            return try body(e)
        }
    }

    /// The full report (statistics and, with a prototype, the similarity pass) for one request.
    func reported(_ request: Request, _ c: LabelContext, _ render: @escaping @Sendable (RunReport) -> Response) async throws -> Response {
        try await withInputs(request, c) { inputs in
            var options = RunReport.Options()
            if let t = try ReportRequest(query: Query(request)).thresholds { options.thresholds = t }
            let report = try RunReport.compute(inputs, options: options)
            return render(report)
        }
    }

    func noPrototype(_ run: Run) -> RequestError {
        RequestError(.notFound, "run '\(run.name)' has no recorded prototype and no labels to average; label some or record one (normlab prototype)")
    }

    static func name(_ p: ReportPrototype) -> String { p.id.map { "prototype #\($0)" } ?? "mean of the labels" }
}
