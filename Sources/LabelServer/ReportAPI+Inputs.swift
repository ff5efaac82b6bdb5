import Detector
import Foundation
import Hummingbird
import LabelStore

extension ReportAPI {
    /// Resolves the run (`:run`) and its prototype (`?prototype=ID`; the browser names recorded
    /// prototypes by id only, never server files; without it the run's newest, else the mean of its
    /// labels) with the default evaluated images, runs `body`, and answers the detector's refusals as
    /// 400 and an unknown prototype as 404 (instead of a 500).
    /// Labels, prototype and `body` (a similarity pass over the run: seconds on a big one) run on a
    /// Dispatch thread, so the server's own threads keep answering other requests meanwhile.
    func withInputs(_ request: Request, _ c: LabelContext, _ body: @escaping @Sendable (EvaluatedRun) throws -> Response) async throws -> Response {
        let name = try c.parameters.require("run")
        let choice = try request.uri.queryParameters.get("prototype").map { text -> EvaluatedRun.Prototypes in
            guard let id = Int64(text) else { throw APIError(.badRequest, "prototype '\(text)' is not a recorded prototype id (an integer)") }
            return .id(id)
        } ?? .newest(orLabelMean: true)
        let (run, reader) = try await features.reader(run: name)
        let store = self.store
        return try await offloaded {
            do {
                let e = try EvaluatedRun.resolve(run: run, features: reader, catalog: store, prototypes: choice, images: .testSplit(strict: false))
                try e.checkChannels()
                return try body(e)
            } catch LabelStoreError.unknownPrototype(let id) {
                throw APIError(.notFound, LabelStoreError.unknownPrototype(id).description)
            } catch let e as RunReport.Failure {
                throw APIError(.badRequest, e.description)
            } catch let e as Detection.Failure {
                throw APIError(.badRequest, e.description)
            } catch let e as Prototype.Failure {
                throw APIError(.badRequest, e.description)
            }
        }
    }

    /// The full report (statistics and, with a prototype, the similarity pass) for one request.
    func reported(_ request: Request, _ c: LabelContext, _ render: @escaping @Sendable (RunReport) -> Response) async throws -> Response {
        try await withInputs(request, c) { inputs in
            var options = RunReport.Options()
            if let t = request.uri.queryParameters.get("thresholds") { options.thresholds = try Detection.parseThresholds(t) }
            let report = try RunReport.compute(inputs, options: options)
            return render(report)
        }
    }

    func noPrototype(_ run: Run) -> APIError {
        APIError(.notFound, "run '\(run.name)' has no recorded prototype and no labels to average; label some or record one (normlab prototype)")
    }

    func int(_ text: String, _ key: String) throws -> Int {
        guard let v = Int(text) else { throw APIError(.badRequest, "query parameter \(key)='\(text)' is not an integer") }
        return v
    }

    static func name(_ p: ReportPrototype) -> String { p.id.map { "prototype #\($0)" } ?? "mean of the labels" }
}
