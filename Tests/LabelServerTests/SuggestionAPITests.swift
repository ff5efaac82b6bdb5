import Foundation
import GRDB
import NPYFormat
import Testing
@testable import LabelStore

/// Run "s": 3 images, 3 channels, 4 high × 6 wide. Background tokens point along (0.1, 1, 0.3);
/// planted 2×2 patches along (1, 0, 0), five times larger: image 0 at (2, 0) and (4, 2), image 2 at (0, 2).
/// With the prototype (1, 0, 0), planted tokens have cosine 1 and background ones about 0.095.
let plantedPatches = [(0, 2, 0), (0, 4, 2), (2, 0, 2)]

func importPlantedRun(_ store: LabelStore, folder: String, name: String = "s") async throws {
    let (n, c, h, w) = (3, 3, 4, 6)
    var values = [Float](repeating: 0, count: n * c * h * w)
    func set(_ i: Int, _ x: Int, _ y: Int, _ v: [Float]) { for ch in 0..<c { values[((i * c + ch) * h + y) * w + x] = v[ch] } }
    for i in 0..<n { for y in 0..<h { for x in 0..<w { set(i, x, y, [0.1, 1, 0.3]) } } }
    for (i, x, y) in plantedPatches { for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] { set(i, x + dx, y + dy, [5, 0, 0]) } }
    try NPY.write(values, shape: [n, c, h, w], to: folder + "/\(name).npy")
    try await store.importFeatures(file: folder + "/\(name).npy", dataset: "\(name)-ds", run: name)
}

func recordUnitPrototype(_ store: LabelStore, run: String = "s") async throws -> Int64 {
    try await store.recordPrototype(NewPrototype(run: run, tokens: "patch", trainFraction: 1, trainImages: 3,
                                                 labels: [(LabelRow(image: 0, x: 2, y: 0), .patch2x2)], tokenCount: 4, vector: [1, 0, 0], filePath: nil))
}

/// The four tokens of the 2×2 patch at (x, y), sorted by y, x, as the API lists them.
func patchTokens(_ x: Int, _ y: Int) -> [[Int]] { [[x, y], [x + 1, y], [x, y + 1], [x + 1, y + 1]] }

@Suite struct SuggestionAPITests {
    func object(_ reply: HTTPReply) throws -> [String: Any] { try #require(try reply.json() as? [String: Any], "\(reply.text)") }
    func places(_ body: [String: Any]) -> [[Int]] {
        ((body["suggestions"] as? [[String: Any]]) ?? []).map { [$0["x"] as! Int, $0["y"] as! Int] }
    }
    func tokens(_ body: [String: Any], _ key: String) -> [[Int]] {
        ((body["classification"] as? [String: Any])?[key] as? [[Int]]) ?? [[-1]]
    }

    @Test func createReviewAndUndoThroughTheAPI() async throws {
        try await withServer { server in
            try await importPlantedRun(server.store, folder: server.folder)
            let proto = try await recordUnitPrototype(server.store)
            let http = server.http
            let listed = try await http.get("/api/runs/s/prototypes")
            let ids = (try listed.json() as? [[String: Any]])?.map { $0["id"] as? Int }
            #expect(listed.status == 200 && ids == [Int(proto)])
            #expect(try await http.get("/api/runs/r/prototypes").text == "[]") // run r has 4 channels, the prototype 3

            let created = try await http.post("/api/runs/s/suggestion-sets", #"{"prototype":\#(proto),"threshold":0.5,"unit":"patch"}"#)
            #expect(created.status == 201, "\(created.text)")
            let set = try object(created)
            let id = try #require(set["id"] as? Int)
            #expect((set["counts"] as? [String: Int])?["total"] == plantedPatches.count && set["prototypeID"] as? Int == Int(proto))
            #expect((try await http.get("/api/runs/s/suggestion-sets").json() as? [[String: Any]])?.count == 1)

            let base = "/api/runs/s/suggestion-sets/\(id)/images"
            var image0 = try object(try await http.get("\(base)/0"))
            #expect(places(image0) == [[2, 0], [4, 2]])
            #expect(tokens(image0, "tp") == [] && tokens(image0, "fn") == [] && tokens(image0, "fp").count == 8)

            let accepted = try await http.post("\(base)/0/accept", #"{"x":2,"y":0,"annotator":"ann"}"#)
            #expect(accepted.status == 201, "\(accepted.text)")
            #expect((try object(accepted)["annotation"] as? [String: Any])?["source"] as? String == "accepted-suggestion")
            let again = try await http.post("\(base)/0/accept", #"{"x":2,"y":0,"annotator":"ann"}"#)
            let changed = try object(again)["changed"] as? Bool
            #expect(again.status == 200 && changed == false)
            let annotations = try await http.get("/api/runs/s/images/0/annotations").json() as? [[String: Any]]
            #expect(annotations?.count == 1 && annotations?.first?["source"] as? String == "accepted-suggestion"
                    && annotations?.first?["annotator"] as? String == "ann")

            let rejected = try await http.post("\(base)/0/reject", #"{"x":4,"y":2,"annotator":"ann"}"#)
            let counts = try object(rejected)["counts"] as? [String: Int]
            #expect(rejected.status == 201 && counts?["rejected"] == 1)
            image0 = try object(try await http.get("\(base)/0"))
            #expect(places(image0) == [])
            #expect(tokens(image0, "tp") == patchTokens(2, 0) && tokens(image0, "fp") == patchTokens(4, 2) && tokens(image0, "fn") == [])

            #expect(try object(try await http.get("/api/runs/s/suggestion-sets/\(id)/next?after=0"))["index"] as? Int == 2)
            #expect(try object(try await http.get("/api/runs/s/suggestion-sets/\(id)/next?after=2"))["index"] as? Int == 2)

            // Undo of the reject: pending again.
            let undone = try await http.delete("\(base)/0/decision?x=4&y=2&annotator=ann")
            let withdrawn = try object(undone)["withdrawn"] as? Bool
            #expect(undone.status == 200 && withdrawn == true)
            #expect(places(try object(try await http.get("\(base)/0"))) == [[4, 2]])
            // Everything reviewed: next is null.
            for (i, x, y) in plantedPatches where !(i == 0 && x == 2) {
                #expect(try await http.post("\(base)/\(i)/reject", #"{"x":\#(x),"y":\#(y)}"#).status == 201)
            }
            let none = try await http.get("/api/runs/s/suggestion-sets/\(id)/next?after=1")
            #expect(none.status == 200 && none.text == #"{"index":null}"#)
            // A token set of the same run: rejected places are patches, so its points are all new.
            let tokenSet = try object(try await http.post("/api/runs/s/suggestion-sets", #"{"prototype":\#(proto),"threshold":0.5,"unit":"token"}"#))
            #expect((tokenSet["counts"] as? [String: Int])?["total"] == 4 * plantedPatches.count)
        }
    }

    @Test func refusesBadRequestsWithJSONErrors() async throws {
        try await withServer(maxBodyBytes: 1024) { server in
            try await importPlantedRun(server.store, folder: server.folder)
            let proto = try await recordUnitPrototype(server.store)
            let http = server.http
            let set = try object(try await http.post("/api/runs/s/suggestion-sets", #"{"prototype":\#(proto),"threshold":0.5}"#))
            let id = try #require(set["id"] as? Int)
            let base = "/api/runs/s/suggestion-sets/\(id)/images"
            #expect(try await http.post("\(base)/0/reject", #"{"x":4,"y":2}"#).status == 201)

            func expectError(_ reply: HTTPReply, _ status: Int, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
                #expect(reply.status == status, "\(reply.text)", sourceLocation: sourceLocation)
                let message = try object(reply)["error"] as? String ?? ""
                #expect(message.contains(fragment), "\(message)", sourceLocation: sourceLocation)
            }
            try expectError(try await http.post("\(base)/0/accept", #"{"x":4,"y":2}"#), 409, "already rejected")
            try expectError(try await http.post("\(base)/0/accept", #"{"x":0,"y":0}"#), 404, "no patch2x2 suggestion at x=0, y=0")
            try expectError(try await http.get("/api/runs/s/suggestion-sets/99/images/0"), 404, "no suggestion set 99")
            try expectError(try await http.get("/api/runs/r/suggestion-sets/\(id)"), 404, "run 'r' has no suggestion set")
            try expectError(try await http.get("/api/runs/nope/suggestion-sets"), 404, "unknown run 'nope'")
            try expectError(try await http.get("\(base)/3"), 404, "outside run 's'")
            try expectError(try await http.get("/api/runs/s/suggestion-sets/x/images/0"), 400, "not an integer")
            try expectError(try await http.get("/api/runs/s/suggestion-sets/\(id)/next?after=z"), 400, "not an integer")
            try expectError(try await http.post("\(base)/0/accept", "{nope"), 400, "malformed JSON")
            try expectError(try await http.post("\(base)/0/accept", #"{"x":2}"#), 400, "missing field 'y'")
            try expectError(try await http.post("\(base)/0/accept", #"{"x":2,"y":0,"annotator":"\#(String(repeating: "a", count: 2000))"}"#),
                            413, "too large")
            try expectError(try await http.delete("\(base)/0/decision?x=4"), 400, "missing query parameter 'y'")
            try expectError(try await http.post("/api/runs/s/suggestion-sets", #"{"prototype":77,"threshold":0.5}"#), 404, "unknown prototype 77")
            try expectError(try await http.post("/api/runs/s/suggestion-sets", #"{"prototype":\#(proto),"threshold":1.5}"#), 400, "outside [-1, 1]")
            try expectError(try await http.post("/api/runs/s/suggestion-sets", #"{"prototype":\#(proto),"threshold":0.5,"unit":"blob"}"#),
                            400, "unknown unit 'blob'")
            try expectError(try await http.post("/api/runs/r/suggestion-sets", #"{"prototype":\#(proto),"threshold":0.5}"#), 400, "3 channels")
            #expect(try server.store.suggestionSets(run: "s").count == 1)
        }
    }

    @Test func concurrentAcceptsOfOnePlaceLeaveOneAnnotation() async throws {
        try await withServer { server in
            try await importPlantedRun(server.store, folder: server.folder)
            let proto = try await recordUnitPrototype(server.store)
            let http = server.http
            let set = try object(try await http.post("/api/runs/s/suggestion-sets", #"{"prototype":\#(proto),"threshold":0.5}"#))
            let id = try #require(set["id"] as? Int)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<8 {
                    group.addTask { try await http.post("/api/runs/s/suggestion-sets/\(id)/images/2/accept", #"{"x":0,"y":2,"annotator":"c\#(i)"}"#).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.sorted() == [200, 200, 200, 200, 200, 200, 200, 201])
            #expect(try server.store.annotations(run: "s", image: 2).count == 1)
            let adds = try await server.store.reader.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM annotation_history WHERE action = 'add'")!
            }
            #expect(adds == 1)
        }
    }

    @Test func detectSuggestRecordsTheDetectionsAsASet() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: normlabExecutable), "build normlab first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("normlab-suggest-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/db.sqlite"
        try await importPlantedRun(try LabelStore(path: db), folder: dir)
        try NPY.write([1, 0, 0] as [Float], shape: [3], to: dir + "/proto.npy")
        let noAt = try normlab("detect", "--db", db, "--run", "s", "--prototype", dir + "/proto.npy", "-o", dir + "/c.csv", "--suggest")
        #expect(noAt.status != 0 && noAt.output.contains("--suggest needs --at"))
        let ok = try normlab("detect", "--db", db, "--run", "s", "--prototype", dir + "/proto.npy", "-o", dir + "/c.csv",
                             "--unit", "patch", "--at", "0.5", "--suggest")
        #expect(ok.status == 0, "\(ok.output)")
        let store = try LabelStore(path: db)
        let sets = try store.suggestionSets(run: "s")
        #expect(sets.count == 1 && sets[0].unit == .patch && sets[0].threshold == 0.5 && sets[0].prototypeFile == dir + "/proto.npy")
        #expect(sets[0].counts.total == plantedPatches.count && sets[0].counts.pending == plantedPatches.count)
        for (i, x, y) in plantedPatches {
            #expect(try store.pendingSuggestions(run: "s", set: sets[0].id, image: i).contains { $0.x == x && $0.y == y && abs($0.similarity - 1) < 1e-5 })
        }
        #expect(ok.output.contains("suggestion set \(sets[0].id)"))
    }
}
