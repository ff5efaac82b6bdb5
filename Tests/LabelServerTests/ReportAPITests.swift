import Foundation
import TestSupport
import NPYFormat
import Testing
@testable import LabelServer
@testable import LabelStore

/// The report routes on a planted run "p" (4 images, C = 3, 4×4): background tokens along e0, a 2×2
/// patch of 5·e2 at (0, 0) of image 0 (labelled) and at (2, 2) of image 2 (not labelled), and a
/// recorded prototype e2 over all 4 images. Every threshold in (0, 1) then finds exactly the 8
/// planted tokens: TP 4 (image 0), FP 4 (image 2), FN 0.
@Suite struct ReportAPITests {
    static func plant(_ s: TestServer) async throws -> Int64 {
        try await plantedReportRun().importRun(into: s.store, folder: s.folder, run: "p")
        _ = try await s.store.addAnnotation(run: "p", image: 0, x: 0, y: 0, kind: .patch2x2, source: .manual, by: Actor(annotator: "t", origin: "test"))
        return try await s.store.recordPrototype(NewPrototype(
            run: "p", tokens: "patch", trainFraction: 1, trainImages: 4, labels: [(LabelRow(image: 0, x: 0, y: 0), .patch2x2)],
            tokenCount: 4, vector: [0, 0, 1], filePath: nil))
    }

    static func count(_ body: [UInt8], _ needle: String) -> Int { String(decoding: body, as: UTF8.self).components(separatedBy: needle).count - 1 }

    @Test func prototypesAndCurve() async throws {
        try await withServer { s in
            let id = try await Self.plant(s)
            let list = try #require(try await s.http.get("/api/prototypes?run=p").json() as? [[String: Any]])
            #expect(list.count == 1 && list[0]["id"] as? Int == Int(id) && list[0]["channels"] as? Int == 3 && list[0]["tokenCount"] as? Int == 4)
            #expect(try #require(try await s.http.get("/api/prototypes").json() as? [[String: Any]]).count == 1)
            #expect(try #require(try await s.http.get("/api/prototypes?run=r").json() as? [[String: Any]]).isEmpty)

            let curve = try await s.http.get("/api/runs/p/curve.svg?prototype=\(id)&thresholds=0.1:0.9:5&unit=token")
            #expect(curve.status == 200 && curve.headers["content-type"]?.hasPrefix("image/svg+xml") == true)
            #expect(Self.count(curve.body, "class=\"bar\" data-series=\"TP\"") == 5)
            #expect(Self.count(curve.body, "class=\"bar\" data-series=\"TP\" data-index=\"4\" data-value=\"4\"") == 1)
            #expect(Self.count(curve.body, "data-series=\"TP + FP\" data-index=\"0\" data-value=\"8\"") == 1)
            #expect(Self.count(curve.body, "data-series=\"FN\" data-index=\"2\" data-value=\"0\"") == 1)
            // Patch unit: one labelled patch found, one false; the default prototype is the same one.
            let patch = try await s.http.get("/api/runs/p/curve.svg?thresholds=0.5&unit=patch")
            #expect(Self.count(patch.body, "data-series=\"TP + FP\" data-index=\"0\" data-value=\"2\"") == 1)
        }
    }

    /// Hand count on run "p": norms are 1, except the two planted patches' 8 tokens at 5. Images 0 and 2
    /// have mean norm (12 · 1 + 4 · 5) / 16 = 2, so 4 tokens each are above 2 × the mean (4 labelled, in
    /// image 0) and none above 3 ×; images 1 and 3 (mean 1) have none. The mean norm at (0, 0) over the
    /// 4 images is (5 + 1 + 1 + 1) / 4 = 2, at (0, 2) it is 1. Histogram bins of width 5 / 40: a norm
    /// of 1 falls in bin 8, 5 in the last.
    @Test func normStatistics() async throws {
        try await withServer { s in
            _ = try await Self.plant(s)
            let body = try #require(try await s.http.get("/api/runs/p/statistics").json() as? [String: Any])
            #expect(body["images"] as? Int == 4 && body["width"] as? Int == 4 && body["tokens"] as? Int == 64 && body["labelledTokens"] as? Int == 4)
            let mean = try #require(body["meanNorms"] as? [Double])
            #expect(mean.count == 16 && mean[0] == 2 && mean[2 * 4 + 0] == 1 && mean[2 * 4 + 2] == 2)
            let all = try #require(body["all"] as? [Int]), patches = try #require(body["patches"] as? [Int]), labelled = try #require(body["labelled"] as? [Int])
            #expect(all.count == 40 && all[8] == 56 && all[39] == 8 && all.reduce(0, +) == 64)
            #expect(patches[8] == 14 && patches[39] == 2 && labelled[39] == 4 && labelled.reduce(0, +) == 4)
            let above = try #require(body["above"] as? [[String: Any]])
            #expect(above.map { $0["k"] as? Double } == [2, 3, 5])
            #expect(above[0]["tokens"] as? Int == 8 && above[0]["labelledTokens"] as? Int == 4 && above[0]["images"] as? Int == 2)
            #expect(above[1]["tokens"] as? Int == 0 && above[1]["images"] as? Int == 0)
            let svg = try await s.http.get("/api/runs/p/statistics.svg")
            #expect(svg.status == 200 && Self.count(svg.body, "class=\"cell\" data-x=\"0\" data-y=\"0\" data-value=\"2\"") == 1)
            #expect(try await s.http.get("/api/runs/nope/statistics").status == 404)
        }
    }

    @Test func experimentsAndTheirFigure() async throws {
        try await withServer { s in
            #expect(try #require(try await s.http.get("/api/experiments").json() as? [[String: Any]]).isEmpty)
            let folder = s.folder + "/exp"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"><text>figure</text></svg>"
            try svg.write(toFile: folder + "/figure.svg", atomically: true, encoding: .utf8)
            _ = try await Self.plant(s)
            let id = try await s.store.recordExperiment(ExperimentRecord(
                dataset: "p-ds", folder: folder, experiments: "anomalies", layers: 45, images: 4, model: "/m", modelHash: "unet:00",
                timestep: 50, seed: 42, batchSize: 20, labelsSHA256: nil, settingsJSON: "{}"))
            let list = try #require(try await s.http.get("/api/experiments").json() as? [[String: Any]])
            #expect(list.count == 1 && list[0]["id"] as? Int == Int(id) && list[0]["layers"] as? Int == 45 && list[0]["dataset"] as? String == "p-ds")
            let figure = try await s.http.get("/api/experiments/\(id)/figure.svg")
            #expect(figure.status == 200 && String(decoding: figure.body, as: UTF8.self) == svg)
            #expect(try await s.http.get("/api/experiments/\(id + 1)/figure.svg").status == 404)
            try FileManager.default.removeItem(atPath: folder + "/figure.svg")
            let missing = try await s.http.get("/api/experiments/\(id)/figure.svg")
            #expect(missing.status == 404 && String(decoding: missing.body, as: UTF8.self).contains("normlab experiments plot"))
        }
    }

    @Test func reportAndImageMaps() async throws {
        try await withServer { s in
            let id = try await Self.plant(s)
            let text = String(decoding: try await s.http.get("/api/runs/p/report.txt?prototype=\(id)").body, as: UTF8.self)
            #expect(text.contains("images with ≥ 1 anomaly: 1 of 4 (25.0 %)") && text.contains("recorded prototype #\(id)"))
            let svg = try await s.http.get("/api/runs/p/report.svg")
            // The 4×4 labelled-positions heatmap and the 4×4 mean norm map.
            #expect(svg.status == 200 && Self.count(svg.body, "class=\"cell\"") == 2 * 16)
            // Without labels or prototypes, run "r" still gets its label statistics.
            let plain = String(decoding: try await s.http.get("/api/runs/r/report.txt").body, as: UTF8.self)
            #expect(plain.contains("images with ≥ 1 anomaly: 0 of 5") && plain.contains("prototype: none"))

            let image = try await s.http.get("/api/runs/p/images/2/detections.svg?prototype=\(id)&at=0.5")
            #expect(image.status == 200 && Self.count(image.body, "data-kind=\"fp\"") == 4 && Self.count(image.body, "data-kind=\"tp\"") == 0)
            #expect(Self.count(try await s.http.get("/api/runs/p/images/0/detections.svg?at=0.5").body, "data-kind=\"tp\"") == 4)
        }
    }

    @Test func badInputIsAnsweredWithAReason() async throws {
        try await withServer { s in
            _ = try await Self.plant(s)
            func expect(_ path: String, _ status: Int, _ text: String) async throws {
                let reply = try await s.http.get(path)
                let message = (try? reply.json() as? [String: Any])?["error"] as? String ?? ""
                #expect(reply.status == status && message.contains(text), "\(path): \(reply.status) \(message)")
            }
            try await expect("/api/prototypes?run=nope", 404, "unknown run 'nope'")
            try await expect("/api/runs/nope/report.svg", 404, "unknown run 'nope'")
            try await expect("/api/runs/p/report.svg?prototype=999", 404, "unknown prototype 999")
            try await expect("/api/runs/p/curve.svg?prototype=abc", 400, "not a recorded prototype id")
            try await expect("/api/runs/p/curve.svg?thresholds=0.5:1.5:3", 400, "outside [-1, 1]")
            try await expect("/api/runs/p/curve.svg?unit=pixel", 400, "unknown unit 'pixel'")
            try await expect("/api/runs/p/curve.svg?from=9", 400, "past the last image")
            try await expect("/api/runs/r/curve.svg", 404, "no recorded prototype and no labels")
            try await expect("/api/runs/big/report.svg?prototype=1", 400, "the prototype has 3 channels")
            try await expect("/api/runs/p/images/1/detections.svg", 400, "missing query parameter 'at'")
            try await expect("/api/runs/p/images/1/detections.svg?at=1.5", 400, "outside [-1, 1]")
            try await expect("/api/runs/p/images/9/detections.svg?at=0.5", 404, "image index 9 is outside run 'p'")
        }
    }
}

/// The report tests' run, (4, 3, 4, 4) float32: background e0, a 2×2 patch of 5·e2 at (0, 0) of
/// image 0 and at (2, 2) of image 2.
func plantedReportRun() -> PlantedRun {
    var run = PlantedRun(count: 4, channels: 3, height: 4, width: 4, background: [1, 0, 0])
    for (i, x, y) in [(0, 0, 0), (2, 2, 2)] { run.plantPatch(image: i, x: x, y: y, [0, 0, 5]) }
    return run
}
