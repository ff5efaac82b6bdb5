import Hummingbird
import LabelStore
import Logging
import ServiceLifecycle

/// A labeling server started inside this process (benchmarks, tests), stopped the way SIGTERM
/// stops `normlab serve`: gracefully, so nothing is logged as an error. Cancelling the task that
/// runs an application instead makes the server log "Waiting on child channel: CancellationError()".
public final class RunningServer: Sendable {
    /// The bound loopback port.
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// Binds, starts serving and returns once the socket is bound (or throws why it could not).
    public static func start(store: LabelStore, options: ServerOptions) async throws -> RunningServer {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try LabelServer.makeApplication(store: store, options: options) { continuation.yield($0) }
        var logger = Logger(label: "normlab.serve")
        logger.logLevel = .warning
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await task.value
            throw APIError(.internalServerError, "the server stopped before it was bound")
        }
        return RunningServer(port: port, group: group, task: task)
    }

    private init(port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.group = group
        self.task = task
    }

    /// Stops accepting, lets open requests finish, closes idle connections and waits for the end.
    public func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}
