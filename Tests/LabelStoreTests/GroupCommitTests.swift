import Foundation
import TestSupport
import GRDB
import Testing
@testable import LabelStore

/// Concurrent annotation writes share commits; each is acknowledged only when durable, and one
/// that fails leaves the rest of its group untouched.
@Suite struct GroupCommitTests {
    /// 8 writers, each adding 40 patches (every 8th of them out of range, so refused) and removing
    /// every 4th accepted one: the database holds exactly the acknowledged state, history records
    /// exactly the acknowledged changes, and writes did share commits.
    @Test func concurrentWritesKeepExactlyWhatWasAcknowledged() async throws {
        let tmp = try TempFolder()
        let store = try await storeWithRun(tmp, n: 8, h: 32, w: 32)
        #expect(store.commitMode == .grouped)
        let outcomes = try await withThrowingTaskGroup(of: (kept: [LabelRow], removed: Int, refused: Int).self) { group in
            for client in 0..<8 {
                group.addTask {
                    var kept: [LabelRow] = [], removed = 0, refused = 0
                    for i in 0..<40 {
                        let row = LabelRow(image: client, x: i % 8 == 7 ? 32 : 2 * (i % 16), y: 2 * (i / 16))
                        do {
                            try await store.addAnnotation(run: "r", image: row.image, x: row.x, y: row.y, kind: .patch2x2, by: tester)
                        } catch LabelStoreError.badAnnotation {
                            refused += 1
                            continue
                        }
                        kept.append(row)
                        if kept.count % 4 == 0 {
                            let gone = kept.removeFirst()
                            #expect(try await store.removeAnnotation(run: "r", image: gone.image, x: gone.x, y: gone.y, kind: .patch2x2, by: tester))
                            removed += 1
                        }
                    }
                    return (kept, removed, refused)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let kept = outcomes.flatMap(\.kept).sorted()
        #expect(outcomes.map(\.refused).reduce(0, +) == 8 * 5)
        #expect(try store.labelRows(run: "r") == kept)
        let (adds, removes) = try await store.reader.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM annotation_history WHERE action = 'add'") ?? -1,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM annotation_history WHERE action = 'remove'") ?? -1)
        }
        #expect(adds == 8 * 35 && removes == outcomes.map(\.removed).reduce(0, +))
        let counts = await store.groupCommitCounts()
        #expect(counts.writes == 8 * 40 + removes)
        #expect(counts.commits < counts.writes, "no two writes shared a commit: \(counts)")
    }

    /// A group of three where the middle write inserts a row and then fails: it alone is rolled
    /// back (its own savepoint); the other two are committed with the group.
    @Test func aFailingWriteFailsAloneInItsGroup() async throws {
        let tmp = try TempFolder()
        let store = try await storeWithRun(tmp)
        let committer = store.committer
        // Hold the first commit on the writer's queue until the next three writes are queued
        // behind it, so that they form one group.
        let gate = DispatchSemaphore(value: 0)
        let first = Task { try await committer.write { _ in gate.wait() } }
        while await committer.counts.commits < 1 { try await Task.sleep(nanoseconds: 1_000_000) }
        let insert = { @Sendable (x: Int) in
            { @Sendable (db: Database) throws in
                try db.execute(sql: "INSERT INTO reviews (run_id, image_index, reviewed, annotator, updated_at) VALUES (1, ?, 1, 't', 'now')",
                               arguments: [x])
            }
        }
        let a = Task { try await committer.write(insert(0)) }
        let b = Task { try await committer.write { db in try insert(1)(db); throw LabelStoreError.badInput("refused after writing") } }
        let c = Task { try await committer.write(insert(2)) }
        while await committer.queued < 3 { try await Task.sleep(nanoseconds: 1_000_000) }
        gate.signal()
        try await first.value
        try await a.value
        try await c.value
        await #expect(throws: LabelStoreError.self) { try await b.value }
        #expect(try store.isReviewed(run: "r", image: 0) && !(try store.isReviewed(run: "r", image: 1)) && (try store.isReviewed(run: "r", image: 2)))
        let counts = await store.groupCommitCounts()
        #expect(counts.writes == 4 && counts.commits == 2)
    }

    /// With one commit per write nothing is grouped, and the results are the same.
    @Test func eachWriteModeCommitsAlone() async throws {
        let tmp = try TempFolder()
        _ = try await storeWithRun(tmp)
        let store = try LabelStore(path: tmp.file("labels.sqlite"), commitMode: .eachWrite)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<4 { group.addTask { try await store.setReviewed(run: "r", image: i, reviewed: true, by: tester) } }
            try await group.waitForAll()
        }
        #expect(try (0..<4).allSatisfy { try store.isReviewed(run: "r", image: $0) })
        let counts = await store.groupCommitCounts()
        #expect(counts.writes == 0 && counts.commits == 0)
    }
}

/// The store runs on any GRDB writer: an in-memory queue needs no file.
@Suite struct InjectedWriterTests {
    @Test func anInMemoryQueueHoldsRunsAndGroupedWrites() async throws {
        let tmp = try TempFolder()
        let store = try LabelStore(writer: DatabaseQueue(configuration: LabelStore.configuration), path: tmp.file("memory.sqlite"))
        try writeFeatures(tmp.file("f.npy"), n: 2, c: 1, h: 4, w: 4)
        try await store.importFeatures(file: tmp.file("f.npy"), dataset: "ds", run: "r")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for x in [0, 2] { group.addTask { try await store.addAnnotation(run: "r", image: 1, x: x, y: 2, kind: .patch2x2, by: tester) } }
            try await group.waitForAll()
        }
        #expect(try store.labelRows(run: "r") == [LabelRow(image: 1, x: 0, y: 2), LabelRow(image: 1, x: 2, y: 2)])
        #expect(!FileManager.default.fileExists(atPath: tmp.file("memory.sqlite")))
    }
}
