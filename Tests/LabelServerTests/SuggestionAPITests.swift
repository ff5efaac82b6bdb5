import Foundation
import TestSupport
import NPYFormat
import Testing
@testable import LabelServer
@testable import LabelStore

/// Suggestion review over HTTP: a set computed by the server from a recorded prototype, per-image
/// suggestions with TP/FP/FN marks, accept/reject/undo, 409 on a conflicting decision, next image.
@Suite struct SuggestionAPITests {
    /// Run "s": 3 images, 4 channels, 4×4 tokens; background (1, 0, 0, 0), anomaly tokens (0, 1, 1, 0)
    /// at the 2×2 patches (image, x, y) planted below; prototype (0, 2, 2, 0) recorded.
    static func prepare(_ s: TestServer) async throws -> Int64 {
        var run = PlantedRun(count: 3, channels: 4, height: 4, width: 4, background: [1, 0, 0, 0])
        for (i, x, y) in [(0, 0, 0), (0, 2, 2), (2, 2, 0)] { run.plantPatch(image: i, x: x, y: y, [0, 1, 1, 0]) }
        try await run.importRun(into: s.store, folder: s.folder, run: "s")
        try await s.store.addAnnotation(run: "s", image: 0, x: 2, y: 2, kind: .patch2x2, by: Actor(annotator: "t", origin: "test"))   // labelled: a TP
        try await s.store.addAnnotation(run: "s", image: 1, x: 0, y: 2, kind: .patch2x2, by: Actor(annotator: "t", origin: "test"))   // not detected: a FN
        return try await s.store.recordPrototype(NewPrototype(run: "s", tokens: "patch", trainFraction: 1, trainImages: 3,
                                                             labels: [(LabelRow(image: 0, x: 2, y: 2), .patch2x2)], tokenCount: 4,
                                                             vector: [0, 2, 2, 0], filePath: nil))
    }

    @Test func reviewSuggestionsOverHTTP() async throws {
        try await withServer { s in
            let proto = try await Self.prepare(s)
            let made = try await s.http.post("/api/runs/s/suggestion-sets", #"{"prototype": \#(proto), "threshold": 0.5}"#)
            #expect(made.status == 201, "\(String(decoding: made.body, as: UTF8.self))")
            let set = try #require(try made.json() as? [String: Any])
            let id = try #require(set["id"] as? Int)
            #expect(set["total"] as? Int == 3 && set["pending"] as? Int == 2 && set["labelled"] as? Int == 1)

            let image0 = try #require(try await s.http.get("/api/suggestion-sets/\(id)/images/0").json() as? [String: Any])
            #expect((image0["suggestions"] as? [[String: Any]])?.map { $0["state"] as? String } == ["pending", "labelled"])
            #expect(image0["tp"] as? [[Int]] == [[2, 2]] && image0["fp"] as? [[Int]] == [[0, 0]] && image0["fn"] as? [[Int]] == [])
            let image1 = try #require(try await s.http.get("/api/suggestion-sets/\(id)/images/1").json() as? [String: Any])
            #expect(image1["fn"] as? [[Int]] == [[0, 2]] && (image1["suggestions"] as? [Any])?.isEmpty == true)

            #expect(try await s.http.get("/api/suggestion-sets/\(id)/next?after=0").json() as? [String: Int] == ["image": 2])
            let accept = try await s.http.post("/api/suggestion-sets/\(id)/images/0/decisions", #"{"x": 0, "y": 0, "decision": "accept", "annotator": "ann"}"#)
            let accepted = try accept.json() as? [String: Any]
            #expect(accept.status == 200 && accepted?["state"] as? String == "accepted")
            #expect(try s.store.annotations(run: "s", image: 0).contains { $0.x == 0 && $0.y == 0 && $0.source == .acceptedSuggestion })
            let reject = try await s.http.post("/api/suggestion-sets/\(id)/images/2/decisions", #"{"x": 2, "y": 0, "decision": "reject"}"#)
            #expect(reject.status == 200)
            let conflict = try await s.http.post("/api/suggestion-sets/\(id)/images/2/decisions", #"{"x": 2, "y": 0, "decision": "accept"}"#)
            #expect(conflict.status == 409 && String(decoding: conflict.body, as: UTF8.self).contains("already rejected"))
            let none = try await s.http.get("/api/suggestion-sets/\(id)/next?after=0").json() as? [String: Any]
            #expect(none?["image"] is NSNull)
            #expect(try await s.http.delete("/api/suggestion-sets/\(id)/images/2/decisions?x=2&y=0").status == 204)
            #expect(try await s.http.get("/api/suggestion-sets/\(id)/next?after=2").json() as? [String: Int] == ["image": 2])
            let list = try #require(try await s.http.get("/api/runs/s/suggestion-sets").json() as? [[String: Any]])
            #expect(list.count == 1 && list[0]["accepted"] as? Int == 1 && list[0]["pending"] as? Int == 1)
        }
    }

    @Test func badRequestsNameTheProblem() async throws {
        try await withServer { s in
            let proto = try await Self.prepare(s)
            let cases: [(String, String, Int, String)] = [
                ("/api/runs/s/suggestion-sets", #"{"prototype": 99, "threshold": 0.5}"#, 404, "unknown prototype 99"),
                ("/api/runs/s/suggestion-sets", #"{"prototype": \#(proto), "threshold": 1.5}"#, 400, "outside [-1, 1]"),
                ("/api/runs/s/suggestion-sets", #"{"prototype": \#(proto), "threshold": 0.5, "unit": "blob"}"#, 400, "unknown unit"),
                ("/api/runs/big/suggestion-sets", #"{"prototype": \#(proto), "threshold": 0.5}"#, 400, "channels"),
                ("/api/suggestion-sets/77/images/0/decisions", #"{"x": 0, "y": 0, "decision": "accept"}"#, 404, "unknown suggestion set 77"),
            ]
            for (path, body, status, text) in cases {
                let reply = try await s.http.post(path, body)
                let message = String(decoding: reply.body, as: UTF8.self)
                #expect(reply.status == status && message.contains(text), "\(path) \(body): \(reply.status) \(message)")
            }
            let made = try #require(try await s.http.post("/api/runs/s/suggestion-sets", #"{"prototype": \#(proto), "threshold": 0.5}"#).json() as? [String: Any])
            let id = try #require(made["id"] as? Int)
            let notSuggested = try await s.http.post("/api/suggestion-sets/\(id)/images/1/decisions", #"{"x": 2, "y": 2, "decision": "accept"}"#)
            #expect(notSuggested.status == 400 && String(decoding: notSuggested.body, as: UTF8.self).contains("is not a patch2x2 suggestion"))
            #expect(try await s.http.get("/api/suggestion-sets/\(id)/images/9").status == 404)
        }
    }
}
