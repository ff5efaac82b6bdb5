import Foundation

/// Runs `body` on `count` threads of their own at once and waits for all of them. Blocking socket
/// calls belong there: not on the cooperative pool a server in the same process uses, and not on
/// GCD, whose Linux pool grows by about one thread a second when blocked (which starves GRDB's queues).
public func onThreads<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) throws -> T) async throws -> [T] {
    try await withThrowingTaskGroup(of: T.self) { group in
        for i in 0..<count {
            group.addTask {
                try await withCheckedThrowingContinuation { c in Thread { c.resume(with: Result { try body(i) }) }.start() }
            }
        }
        return try await group.reduce(into: []) { $0.append($1) }
    }
}

/// `body` on a thread of its own.
public func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await onThreads(1) { _ in try body() }[0]
}
