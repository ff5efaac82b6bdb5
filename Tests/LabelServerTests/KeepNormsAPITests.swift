import Foundation
import TestSupport
import Testing
@testable import LabelStore

/// A run that keeps only its norms (`--keep norms`) on a live server: norm maps, norms, statistics and
/// labeling answer as for any run; every route that needs token vectors answers 409 naming the missing
/// features, never a 500.
@Suite struct KeepNormsAPITests {
    /// Run "n": 3 images, 4 channels, 6×8 tokens, norms only; token (2, 2) of image i is planted with norm 2·(i + 2).
    static func importNormsOnly(_ s: TestServer) async throws {
        var run = PlantedRun(count: 3, channels: 4, height: 6, width: 8, background: 0.5)
        for i in 0..<3 { run.plantToken(image: i, x: 2, y: 2, Float(i + 2)) }
        try await run.importRun(into: s.store, folder: s.folder, run: "n", keep: .norms)
    }

    @Test func normMapsAndLabelingWorkAndFeatureRoutesAnswer409() async throws {
        try await withServer { s in
            try await Self.importNormsOnly(s)
            let runs = try #require(try await s.http.get("/api/runs").json() as? [[String: Any]])
            #expect(runs.first { $0["name"] as? String == "n" }?["contents"] as? String == "norms")
            #expect(runs.first { $0["name"] as? String == "r" }?["contents"] as? String == "features")

            #expect(try await s.http.get("/api/runs/n/images/1/norm.png?scale=run").status == 200)
            let norms = try #require(try await s.http.get("/api/runs/n/images/1/norms").json() as? [String: Any])
            #expect((norms["norms"] as? [Double])?[2 * 8 + 2] == 6 && norms["width"] as? Int == 8)
            let added = try await s.http.post("/api/runs/n/images/1/annotations", #"{"x":2,"y":2,"kind":"patch2x2","annotator":"ann"}"#)
            #expect(added.status == 201, "\(added.text)")
            #expect(try await s.http.get("/api/runs/n/statistics").status == 200)
            #expect(try await s.http.get("/api/runs/n/statistics.svg").status == 200)
            #expect(try await s.http.get("/api/runs/n/labels.npy").status == 200)

            let needFeatures: [(String, String?)] = [
                ("/api/runs/n/images/1/similarity?x=2&y=2", nil), ("/api/runs/n/images/1/similarity.png?x=2&y=2", nil),
                ("/api/runs/n/report.svg", nil), ("/api/runs/n/report.txt", nil), ("/api/runs/n/curve.svg", nil),
                ("/api/runs/n/images/1/detections.svg?at=0.5", nil),
                ("/api/runs/n/suggestion-sets", #"{"prototype":1,"threshold":0.5}"#),
            ]
            for (path, body) in needFeatures {
                let reply = if let body { try await s.http.post(path, body) } else { try await s.http.get(path) }
                let error = (try? reply.json() as? [String: Any])?["error"] as? String ?? ""
                #expect(reply.status == 409 && error.contains("run 'n' has no features") && error.contains("--keep norms"),
                        "\(path): \(reply.status) \(reply.text)")
            }
            // The full run beside it is untouched.
            #expect(try await s.http.get("/api/runs/r/images/1/similarity?x=2&y=2").status == 200)
        }
    }
}
