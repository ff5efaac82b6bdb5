import Foundation
import Hummingbird
import LabelStore
import Logging
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Builds the labeling service: JSON API under `/api`, WebLabeler static files at `/`.
public enum LabelServer {
    /// The application; `onRunning` receives the bound port (useful with port 0).
    public static func makeApplication(store: LabelStore, options: ServerOptions,
                                       onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        try options.validate()
        var logger = Logger(label: "normlab.serve")
        logger.logLevel = .warning
        let router = Router(context: LabelContext.self)
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: PathGuardMiddleware())
        if let token = options.token, !token.isEmpty { router.add(middleware: TokenMiddleware(token: token)) }
        router.add(middleware: FileMiddleware(options.webRoot, searchForIndexHtml: true, logger: logger))
        LabelAPI(store: store, features: FeatureCache(store: store), maxBodyBytes: options.maxBodyBytes).register(on: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "normlab"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? options.port) },
            logger: logger)
    }

    /// Serves until SIGINT/SIGTERM.
    public static func serve(store: LabelStore, options: ServerOptions, onRunning: @escaping @Sendable (Int) async -> Void) async throws {
        do {
            try await makeApplication(store: store, options: options, onRunning: onRunning).runService()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw APIError(.internalServerError, "\(options.host):\(options.port) is already in use; pick another --port (0 = any free port)")
        }
    }
}
