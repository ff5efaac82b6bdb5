import Foundation
import TestSupport
import GRDB
import Testing
@testable import LabelStore

/// Suggestion sets and their review: accept → annotation (source accepted-suggestion) + history,
/// reject → hidden in every later set of the run, idempotent repeats, conflicting decisions, undo.
@Suite struct SuggestionTests {
    static func setUp() async throws -> (TempFolder, LabelStore, SuggestionSet) {
        let tmp = try TempFolder()
        let store = try await storeWithRun(tmp)   // 4 images, 6×8 grid
        try await store.addAnnotation(run: "r", image: 1, x: 4, y: 2, kind: .patch2x2, by: tester)   // labelled by hand
        let rows = [(0, 0, 0, 0.9), (0, 2, 2, 0.8), (1, 4, 2, 0.95), (2, 6, 4, 0.7)].map {
            NewSuggestion(row: LabelRow(image: $0.0, x: $0.1, y: $0.2), kind: .patch2x2, similarity: Float($0.3))
        }
        let set = try await store.createSuggestionSet(run: "r", prototypeID: nil, prototypeFile: "p.npy", threshold: 0.6,
                                                      unit: "patch", suggestions: rows)
        return (tmp, store, set)
    }

    @Test func aNewSetCountsPendingAndLabelledPlaces() async throws {
        let (_, store, set) = try await Self.setUp()
        #expect(set.total == 4 && set.pending == 3 && set.labelled == 1 && set.accepted == 0 && set.rejected == 0)
        #expect(try store.suggestions(set: set.id, image: 0).map { [$0.x, $0.y] } == [[0, 0], [2, 2]])
        #expect(try store.suggestions(set: set.id, image: 1).map(\.state) == [.labelled])
        #expect(try store.suggestionSets(run: "r").map(\.id) == [set.id])
    }

    @Test func tokenSuggestionsInsideALabelledPatchCountAsLabelled() async throws {
        let (_, store, _) = try await Self.setUp()   // image 1 has the patch (4, 2) labelled
        let tokens = [(5, 3), (4, 2), (6, 3), (3, 2)].map {
            NewSuggestion(row: LabelRow(image: 1, x: $0.0, y: $0.1), kind: .point, similarity: 0.9)
        }
        let set = try await store.createSuggestionSet(run: "r", prototypeID: nil, prototypeFile: nil, threshold: 0.6, unit: "token",
                                                      suggestions: tokens)
        #expect(set.labelled == 2 && set.pending == 2)
        #expect(try store.suggestions(set: set.id, image: 1).map { "\($0.x),\($0.y):\($0.state)" }
                == ["3,2:pending", "4,2:labelled", "5,3:labelled", "6,3:pending"])
    }

    @Test func acceptCreatesAnAnnotationAndRejectHidesThePlaceForLaterSets() async throws {
        let (_, store, set) = try await Self.setUp()
        let who = Actor(annotator: "ann", origin: "test")
        #expect(try await store.decideSuggestion(set: set.id, image: 0, x: 0, y: 0, kind: .patch2x2, accept: true, by: who).state == .accepted)
        let made = try store.annotations(run: "r", image: 0)
        #expect(made.count == 1 && made[0].source == .acceptedSuggestion && made[0].annotator == "ann")
        try await store.decideSuggestion(set: set.id, image: 0, x: 2, y: 2, kind: .patch2x2, accept: false, by: who)
        // Repeating a decision is harmless; the opposite one is a conflict naming the first.
        try await store.decideSuggestion(set: set.id, image: 0, x: 2, y: 2, kind: .patch2x2, accept: false, by: who)
        await #expect(throws: LabelStoreError.conflict("suggestion (2, 2) of image 0 was already rejected by ann; undo that first")) {
            try await store.decideSuggestion(set: set.id, image: 0, x: 2, y: 2, kind: .patch2x2, accept: true, by: tester)
        }
        #expect(try store.suggestions(set: set.id, image: 0).map(\.state) == [.accepted])
        let later = try await store.createSuggestionSet(run: "r", prototypeID: nil, prototypeFile: nil, threshold: 0.5, unit: "patch",
                                                        suggestions: [NewSuggestion(row: LabelRow(image: 0, x: 2, y: 2), kind: .patch2x2, similarity: 0.8)])
        let laterImage0 = try store.suggestions(set: later.id, image: 0)
        #expect(later.rejected == 1 && later.pending == 0 && laterImage0.isEmpty)
        let s = try store.suggestionSet(id: set.id)
        #expect(s.accepted == 1 && s.rejected == 1 && s.pending == 1)
        let actions = try await store.reader.read { db in
            try String.fetchAll(db, sql: "SELECT action || ':' || source FROM annotation_history WHERE image_index = 0 ORDER BY id")
        }
        #expect(actions == ["add:accepted-suggestion", "reject-suggestion:manual"])
    }

    @Test func undoMakesAPlacePendingAgainAndRemovesTheAcceptedAnnotation() async throws {
        let (_, store, set) = try await Self.setUp()
        try await store.decideSuggestion(set: set.id, image: 2, x: 6, y: 4, kind: .patch2x2, accept: true, by: tester)
        try await store.undoSuggestionDecision(set: set.id, image: 2, x: 6, y: 4, kind: .patch2x2, by: tester)
        #expect(try store.annotations(run: "r", image: 2).isEmpty)
        #expect(try store.suggestions(set: set.id, image: 2).map(\.state) == [.pending])
    }

    @Test func nextImageWithPendingSuggestionsWrapsAround() async throws {
        let (_, store, set) = try await Self.setUp()
        #expect(try store.nextImageWithPendingSuggestions(set: set.id, after: 0) == 2)   // image 1 holds only a labelled place
        #expect(try store.nextImageWithPendingSuggestions(set: set.id, after: 2) == 0)
        for (x, y) in [(0, 0), (2, 2)] { try await store.decideSuggestion(set: set.id, image: 0, x: x, y: y, kind: .patch2x2, accept: false, by: tester) }
        try await store.decideSuggestion(set: set.id, image: 2, x: 6, y: 4, kind: .patch2x2, accept: true, by: tester)
        #expect(try store.nextImageWithPendingSuggestions(set: set.id, after: 0) == nil)
    }

    @Test func concurrentAcceptsOfOnePlaceLeaveOneAnnotation() async throws {
        let (_, store, set) = try await Self.setUp()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<8 {
                group.addTask {
                    try await store.decideSuggestion(set: set.id, image: 0, x: 0, y: 0, kind: .patch2x2, accept: true,
                                                     by: Actor(annotator: "a\(i)", origin: "test"))
                }
            }
            try await group.waitForAll()
        }
        #expect(try store.annotations(run: "r", image: 0).count == 1)
    }

    @Test func badInputIsRefusedAndNothingIsStored() async throws {
        let (_, store, set) = try await Self.setUp()
        #expect(throws: LabelStoreError.unknownSuggestionSet(99)) { try store.suggestions(set: 99, image: 0) }
        #expect(throws: LabelStoreError.imageOutOfRange(run: "r", index: 4, count: 4)) { try store.suggestions(set: set.id, image: 4) }
        await #expect(throws: LabelStoreError.badInput("(6, 0) of image 0 is not a patch2x2 suggestion of set \(set.id)")) {
            try await store.decideSuggestion(set: set.id, image: 0, x: 6, y: 0, kind: .patch2x2, accept: true, by: tester)
        }
        await #expect(throws: LabelStoreError.self) {
            try await store.createSuggestionSet(run: "r", prototypeID: nil, prototypeFile: nil, threshold: 0.5, unit: "patch",
                                                suggestions: [NewSuggestion(row: LabelRow(image: 0, x: 8, y: 0), kind: .patch2x2, similarity: 1)])
        }
        await #expect(throws: LabelStoreError.unknownPrototype(7)) {
            try await store.createSuggestionSet(run: "r", prototypeID: 7, prototypeFile: nil, threshold: 0.5, unit: "patch", suggestions: [])
        }
        #expect(try store.suggestionSets(run: "r").count == 1)
    }
}
