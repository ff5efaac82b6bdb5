import GRDB

/// How interactive writes (annotations, reviews, suggestion decisions) reach the disk.
public enum CommitMode: String, Sendable, CaseIterable {
    /// One transaction, and so one fsync of the WAL, per write.
    case eachWrite = "each"
    /// Writes that arrive while a commit is in flight share the next transaction and its fsync.
    case grouped
}

/// Group commit, as databases do it: the first write starts a commit at once; writes that arrive
/// meanwhile queue and go together into the next transaction, each inside its own savepoint, so a
/// failing write is rolled back alone and answered with its error. Every caller returns only after
/// the fsync of the commit that holds its write, so an acknowledgement still means "on disk".
actor GroupCommitter {
    private let writer: any DatabaseWriter
    private var queue: [Job] = []
    private var committing = false
    /// Writes and commits so far (a benchmark shows how many writes shared a commit).
    private(set) var counts = (writes: 0, commits: 0)

    /// Writes waiting for the next commit.
    var queued: Int { queue.count }

    init(writer: any DatabaseWriter) {
        self.writer = writer
    }

    /// Runs `body` in the next group's transaction and returns its result once that group is durable.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let outcome = Outcome<T>()
            queue.append(Job(
                apply: { db in
                    do {
                        var value: T?
                        try db.inSavepoint {
                            value = try body(db)
                            return .commit
                        }
                        outcome.result = .success(value!)
                    } catch {
                        outcome.result = .failure(error)
                    }
                },
                finish: { commitError in
                    continuation.resume(with: commitError.map { .failure($0) } ?? outcome.result ?? .failure(CancellationError()))
                }))
            if !committing {
                committing = true
                Task { await self.drain() }
            }
        }
    }

    /// Commits queued writes group by group until none is left.
    private func drain() async {
        while !queue.isEmpty {
            let group = queue
            queue = []
            counts.writes += group.count
            counts.commits += 1
            do {
                try await writer.write { db in for job in group { job.apply(db) } }
                for job in group { job.finish(nil) }
            } catch {
                // The commit failed, so nothing of the group is on disk: every write fails.
                for job in group { job.finish(error) }
            }
        }
        committing = false
    }
}

/// One queued write. `apply` runs once, on the writer's queue inside the group's transaction, and
/// `finish` runs once after `writer.write` returned; that `await` orders the two, hence unchecked.
private final class Job: @unchecked Sendable {
    let apply: (Database) -> Void
    let finish: ((any Error)?) -> Void

    init(apply: @escaping (Database) -> Void, finish: @escaping ((any Error)?) -> Void) {
        self.apply = apply
        self.finish = finish
    }
}

/// A write's own result inside its group (set by `Job.apply`, read by `Job.finish`).
private final class Outcome<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
