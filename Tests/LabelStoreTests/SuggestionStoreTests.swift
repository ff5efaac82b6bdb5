import Foundation
import GRDB
import Testing
@testable import LabelStore

/// Suggestion sets and their review (issue 6): accept → annotation, reject → hidden for the run.
@Suite struct SuggestionStoreTests {
    /// Run "r" (4 images, 8 wide × 6 high) with a patch set: image 0 at (0,0) and (2,2), image 1 at (4,2), image 3 at (6,4).
    func patchSet(_ tmp: TempFolder) async throws -> (LabelStore, SuggestionSet) {
        let store = try await storeWithRun(tmp)
        let rows = [NewSuggestion(image: 0, x: 0, y: 0, similarity: 0.9), NewSuggestion(image: 0, x: 2, y: 2, similarity: 0.8),
                    NewSuggestion(image: 1, x: 4, y: 2, similarity: 0.95), NewSuggestion(image: 3, x: 6, y: 4, similarity: 0.85)]
        let set = try await store.createSuggestionSet(run: "r", prototype: .file("/p.npy"), threshold: 0.7, unit: .patch, rows: rows)
        return (store, set)
    }

    /// History rows of one action as "image,x,y,kind,source,annotator".
    func history(_ store: LabelStore, action: String) throws -> [String] {
        try store.reader.read { db in
            try String.fetchAll(db, sql: """
                SELECT image_index || ',' || x || ',' || y || ',' || kind || ',' || source || ',' || annotator
                FROM annotation_history WHERE action = ? ORDER BY id
                """, arguments: [action])
        }
    }

    @Test func createsAndListsSetsWithCounts() async throws {
        let tmp = try TempFolder()
        let (store, set) = try await patchSet(tmp)
        #expect(set.counts == SuggestionCounts(total: 4, pending: 4, accepted: 0, rejected: 0, labeled: 0))
        #expect(set.unit == .patch && set.threshold == 0.7 && set.prototypeFile == "/p.npy" && set.prototypeID == nil && set.run == "r")
        #expect(try store.suggestionSets(run: "r") == [set])
        let image0 = try store.pendingSuggestions(run: "r", set: set.id, image: 0)
        #expect(image0.map { [$0.x, $0.y] } == [[0, 0], [2, 2]] && image0.allSatisfy { $0.kind == .patch2x2 })
        #expect(abs(image0[0].similarity - 0.9) < 1e-6)
    }

    @Test func acceptMakesAnAnnotationWithHistoryAndIsIdempotent() async throws {
        let tmp = try TempFolder()
        let (store, set) = try await patchSet(tmp)
        let first = try await store.acceptSuggestion(run: "r", set: set.id, image: 0, x: 2, y: 2, by: tester)
        #expect(first.changed && first.decision == .accepted && first.annotation?.source == .acceptedSuggestion)
        let again = try await store.acceptSuggestion(run: "r", set: set.id, image: 0, x: 2, y: 2, by: tester)
        #expect(!again.changed && again.annotation == first.annotation)
        let annotations = try store.annotations(run: "r", image: 0)
        #expect(annotations.count == 1 && annotations[0].x == 2 && annotations[0].y == 2 && annotations[0].source == .acceptedSuggestion
                && annotations[0].annotator == "tester")
        let adds = try history(store, action: "add")
        #expect(adds == ["0,2,2,patch2x2,accepted-suggestion,tester"])
        #expect(try store.pendingSuggestions(run: "r", set: set.id, image: 0).map { [$0.x, $0.y] } == [[0, 0]])
        #expect(try store.suggestionSet(run: "r", id: set.id).counts == SuggestionCounts(total: 4, pending: 3, accepted: 1, rejected: 0, labeled: 0))
    }

    @Test func rejectIsRecordedAndHidesThePlaceFromLaterSetsOfTheRun() async throws {
        let tmp = try TempFolder()
        let (store, set) = try await patchSet(tmp)
        #expect(try await store.rejectSuggestion(run: "r", set: set.id, image: 1, x: 4, y: 2, by: tester).changed)
        #expect(!(try await store.rejectSuggestion(run: "r", set: set.id, image: 1, x: 4, y: 2, by: tester).changed))
        #expect(try store.annotations(run: "r", image: 1).isEmpty)
        let rejects = try history(store, action: "reject-suggestion")
        #expect(rejects == ["1,4,2,patch2x2,manual,tester"])
        // A later set suggesting the same place again (and a new one) shows only the new one.
        let later = try await store.createSuggestionSet(run: "r", prototype: .file("/q.npy"), threshold: 0.5, unit: .patch, rows: [
            NewSuggestion(image: 1, x: 4, y: 2, similarity: 0.6), NewSuggestion(image: 1, x: 0, y: 4, similarity: 0.55)])
        #expect(try store.pendingSuggestions(run: "r", set: later.id, image: 1).map { [$0.x, $0.y] } == [[0, 4]])
        #expect(later.counts == SuggestionCounts(total: 2, pending: 1, accepted: 0, rejected: 1, labeled: 0))
        // Accepting a rejected place is refused, naming the earlier decision.
        await #expect(throws: SuggestionError.self) { try await store.acceptSuggestion(run: "r", set: later.id, image: 1, x: 4, y: 2, by: tester) }
        #expect(try store.annotations(run: "r", image: 1).isEmpty)
    }

    @Test func concurrentAcceptsOfOnePlaceLeaveOneAnnotation() async throws {
        let tmp = try TempFolder()
        let (store, set) = try await patchSet(tmp)
        let other = try LabelStore(path: store.path) // a second client with its own connections
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<8 {
                let s = i % 2 == 0 ? store : other
                group.addTask { try await s.acceptSuggestion(run: "r", set: set.id, image: 3, x: 6, y: 4, by: Actor(annotator: "c\(i)", origin: "test")).changed }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try store.annotations(run: "r", image: 3).count == 1)
        #expect(try history(store, action: "add").count == 1)
        let decisions = try await store.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM suggestion_decisions")! }
        #expect(decisions == 1)
    }

    @Test func withdrawingAnAcceptRemovesItsAnnotation() async throws {
        let tmp = try TempFolder()
        let (store, set) = try await patchSet(tmp)
        try await store.acceptSuggestion(run: "r", set: set.id, image: 0, x: 0, y: 0, by: tester)
        #expect(try await store.withdrawDecision(run: "r", set: set.id, image: 0, x: 0, y: 0, by: tester))
        #expect(!(try await store.withdrawDecision(run: "r", set: set.id, image: 0, x: 0, y: 0, by: tester)))
        #expect(try store.annotations(run: "r", image: 0).isEmpty)
        #expect(try store.pendingSuggestions(run: "r", set: set.id, image: 0).count == 2)
        #expect(try history(store, action: "withdraw-accept").count == 1 && history(store, action: "remove").count == 1)
        // A manual annotation at a place is not removed by withdrawing an accept there.
        try await store.addAnnotation(run: "r", image: 0, x: 2, y: 2, kind: .patch2x2, by: tester)
        try await store.acceptSuggestion(run: "r", set: set.id, image: 0, x: 2, y: 2, by: tester)
        try await store.withdrawDecision(run: "r", set: set.id, image: 0, x: 2, y: 2, by: tester)
        #expect(try store.annotations(run: "r", image: 0).map(\.source) == [.manual])
    }

    @Test func nextImageWrapsAroundAndSkipsReviewedImages() async throws {
        let tmp = try TempFolder()
        let (store, set) = try await patchSet(tmp)
        #expect(try store.nextImageWithSuggestions(run: "r", set: set.id, after: 0) == 1)
        #expect(try store.nextImageWithSuggestions(run: "r", set: set.id, after: 1) == 3)
        #expect(try store.nextImageWithSuggestions(run: "r", set: set.id, after: 3) == 0)
        try await store.acceptSuggestion(run: "r", set: set.id, image: 0, x: 0, y: 0, by: tester)
        try await store.rejectSuggestion(run: "r", set: set.id, image: 0, x: 2, y: 2, by: tester)
        #expect(try store.nextImageWithSuggestions(run: "r", set: set.id, after: 3) == 1)
        try await store.rejectSuggestion(run: "r", set: set.id, image: 1, x: 4, y: 2, by: tester)
        #expect(try store.nextImageWithSuggestions(run: "r", set: set.id, after: 1) == 3)
        #expect(try store.nextImageWithSuggestions(run: "r", set: set.id, after: 3) == 3) // the current image, last
        try await store.rejectSuggestion(run: "r", set: set.id, image: 3, x: 6, y: 4, by: tester)
        #expect(try store.nextImageWithSuggestions(run: "r", set: set.id, after: 0) == nil)
    }

    @Test func labelledPlacesAreNotPendingAndTokensAreClassified() async throws {
        let tmp = try TempFolder()
        let store = try await storeWithRun(tmp)
        // Token set on image 2: (1,1) inside a labelled patch at (0,0); (5,5) unlabelled; (7,0) a labelled point.
        let set = try await store.createSuggestionSet(run: "r", prototype: .file("/p.npy"), threshold: 0.5, unit: .token, rows: [
            NewSuggestion(image: 2, x: 1, y: 1, similarity: 0.7), NewSuggestion(image: 2, x: 5, y: 5, similarity: 0.6),
            NewSuggestion(image: 2, x: 7, y: 0, similarity: 0.65)])
        try await store.addAnnotation(run: "r", image: 2, x: 0, y: 0, kind: .patch2x2, by: tester)
        try await store.addAnnotation(run: "r", image: 2, x: 7, y: 0, kind: .point, by: tester)
        #expect(try store.pendingSuggestions(run: "r", set: set.id, image: 2).map { [$0.x, $0.y] } == [[5, 5]])
        #expect(try store.suggestionSet(run: "r", id: set.id).counts == SuggestionCounts(total: 3, pending: 1, accepted: 0, rejected: 0, labeled: 2))
        let c = try store.classification(run: "r", set: set.id, image: 2)
        #expect(c.tp == [[7, 0], [1, 1]] && c.fp == [[5, 5]] && c.fn == [[0, 0], [1, 0], [0, 1]])
    }

    @Test func refusesBadInputWithClearErrors() async throws {
        let tmp = try TempFolder()
        let (store, set) = try await patchSet(tmp)
        try writeFeatures(tmp.file("g.npy"), n: 2, c: 2, h: 4, w: 4)
        try await store.importFeatures(file: tmp.file("g.npy"), dataset: "other", run: "s")
        #expect(throws: SuggestionError.unknownSet(run: "r", id: 99)) { try store.pendingSuggestions(run: "r", set: 99, image: 0) }
        #expect(throws: SuggestionError.unknownSet(run: "s", id: set.id)) { try store.pendingSuggestions(run: "s", set: set.id, image: 0) }
        #expect(throws: LabelStoreError.unknownRun("nope")) { try store.suggestionSets(run: "nope") }
        #expect(throws: LabelStoreError.imageOutOfRange(run: "r", index: 4, count: 4)) { try store.pendingSuggestions(run: "r", set: set.id, image: 4) }
        await #expect(throws: SuggestionError.notSuggested(set: set.id, image: 0, x: 4, y: 4, kind: .patch2x2)) {
            try await store.acceptSuggestion(run: "r", set: set.id, image: 0, x: 4, y: 4, by: tester)
        }
        await #expect(throws: LabelStoreError.imageOutOfRange(run: "r", index: 7, count: 4)) {
            try await store.rejectSuggestion(run: "r", set: set.id, image: 7, x: 0, y: 0, by: tester)
        }
        await #expect(throws: LabelStoreError.unknownPrototype(5)) {
            try await store.createSuggestionSet(run: "r", prototype: .id(5), threshold: 0.5, unit: .patch, rows: [])
        }
        await #expect(throws: LabelStoreError.self) {
            try await store.createSuggestionSet(run: "r", prototype: .file("/p.npy"), threshold: 1.5, unit: .patch, rows: [])
        }
        // Odd patch coordinates: nothing is stored.
        await #expect(throws: LabelStoreError.self) {
            try await store.createSuggestionSet(run: "r", prototype: .file("/p.npy"), threshold: 0.5, unit: .patch,
                                                rows: [NewSuggestion(image: 0, x: 0, y: 0, similarity: 1), NewSuggestion(image: 0, x: 1, y: 0, similarity: 1)])
        }
        #expect(try store.suggestionSets(run: "r").count == 1)
    }
}
