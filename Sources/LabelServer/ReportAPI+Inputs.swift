import Detector
import FeatureStore
import Foundation
import Hummingbird
import LabelStore

extension ReportAPI {
    /// What every report route reads: the run, its features and labels, and the chosen prototype.
    struct Inputs {
        let run: Run
        let reader: FeatureReader
        let patches: [LabelRow], points: [LabelRow]
        let prototype: ReportPrototype?
    }

    /// Resolves the inputs from `:run` and `?prototype=ID`, runs `body`, and answers the detector's
    /// refusals as 400 and an unknown prototype as 404 (instead of a 500).
    /// Labels, prototype and `body` (a similarity pass over the run: seconds on a big one) run on a
    /// Dispatch thread, so the server's own threads keep answering other requests meanwhile.
    func withInputs(_ request: Request, _ c: LabelContext, _ body: @escaping @Sendable (Inputs) throws -> Response) async throws -> Response {
        let name = try c.parameters.require("run")
        let spec = try request.uri.queryParameters.get("prototype").map { text -> ReportPrototype.Spec in
            guard let id = Int64(text) else { throw APIError(.badRequest, "prototype '\(text)' is not a recorded prototype id (an integer)") }
            return .id(id)
        } ?? .newest
        let (run, reader) = try await features.reader(run: name)
        let store = self.store
        return try await offloaded {
            do {
                let patches = try store.labelRows(run: name, kind: .patch2x2), points = try store.labelRows(run: name, kind: .point)
                let p = try ReportPrototype.resolve(spec, store: store, run: run, features: reader, patches: patches, points: points)
                return try body(Inputs(run: run, reader: reader, patches: patches, points: points, prototype: p))
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
            let report = try RunReport.compute(run: inputs.run, features: inputs.reader, patches: inputs.patches, points: inputs.points,
                                               prototype: inputs.prototype, options: options)
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
