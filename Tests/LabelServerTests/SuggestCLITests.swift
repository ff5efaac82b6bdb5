import Foundation
import TestSupport
import NPYFormat
import Testing
@testable import LabelStore

/// `normlab suggest` as a user types it: the detections at one threshold become a suggestion set
/// the labeler can review, with the prototype from a file or a recorded id.
@Suite struct SuggestCLITests {
    /// Run "s": 3 images, 3 channels, 4 high × 6 wide. Background tokens (0.1, 1, 0.3); planted 2×2
    /// patches (5, 0, 0) at (image, x, y) below. Against (1, 0, 0), planted tokens have cosine 1 and the
    /// background about 0.095.
    static let planted = [(0, 2, 0), (0, 4, 2), (2, 0, 2)]

    static func importRun(_ db: String, folder: String) async throws {
        var run = PlantedRun(count: 3, channels: 3, height: 4, width: 6, background: [0.1, 1, 0.3])
        for (i, x, y) in planted { run.plantPatch(image: i, x: x, y: y, [5, 0, 0]) }
        try await run.importRun(into: LabelStore(path: db), folder: folder, run: "s")
    }

    @Test func suggestRecordsTheDetectionsAsASet() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: normlabExecutable), "build normlab first")
        let dir = try TempFolder.create("normlab-suggest")
        defer { TempFolder.remove(dir) }
        let db = dir + "/db.sqlite"
        try await Self.importRun(db, folder: dir)
        try NPY.write([1, 0, 0] as [Float], shape: [3], to: dir + "/proto.npy")

        let none = try normlab("suggest", "--db", db, "--run", "s", "--at", "0.5")
        #expect(none.status != 0 && none.output.contains("has no recorded prototype"), "\(none.output)")

        let byFile = try normlab("suggest", "--db", db, "--run", "s", "--prototype", dir + "/proto.npy", "--at", "0.5")
        #expect(byFile.status == 0, "\(byFile.output)")
        let store = try LabelStore(path: db)
        let set = try #require(try store.suggestionSets(run: "s").first)
        #expect(set.unit == .patch && set.total == Self.planted.count && set.pending == Self.planted.count && set.prototypeID == nil)
        #expect(byFile.output.contains("suggestion set \(set.id)"))
        for (i, x, y) in Self.planted {
            #expect(try store.suggestions(set: set.id, image: i).contains { $0.x == x && $0.y == y && $0.state == .pending })
        }

        // A recorded prototype by id, token unit: every planted token, and a rejected place stays hidden
        // only for its own kind (the earlier set's patch rejection does not hide these points).
        try await store.decideSuggestion(set: set.id, image: 0, x: 2, y: 0, kind: .patch2x2, accept: false, by: Actor(annotator: "t", origin: "test"))
        let id = try await store.recordPrototype(NewPrototype(run: "s", tokens: "patch", trainFraction: 1, trainImages: 3,
                                                              labels: [(LabelRow(image: 0, x: 2, y: 0), .patch2x2)], tokenCount: 4,
                                                              vector: [1, 0, 0], filePath: nil))
        let byID = try normlab("suggest", "--db", db, "--run", "s", "--prototype", "\(id)", "--at", "0.5", "--unit", "token")
        #expect(byID.status == 0, "\(byID.output)")
        let tokens = try #require(try store.suggestionSets(run: "s").first)
        #expect(tokens.id != set.id && tokens.unit == .token && tokens.prototypeID == id && tokens.total == 4 * Self.planted.count)

        let bad = try normlab("suggest", "--db", db, "--run", "s", "--prototype", dir + "/proto.npy", "--at", "1.5")
        #expect(bad.status != 0 && bad.output.contains("outside [-1, 1]"), "\(bad.output)")
        #expect(try store.suggestionSets(run: "s").count == 2)
    }
}
