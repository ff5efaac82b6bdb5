/// How `normlab serve` runs.
public struct ServerOptions: Sendable {
    public var host: String
    public var port: Int
    /// When set, every `/api` call must carry it (`Authorization: Bearer T` or `?token=T`).
    public var token: String?
    /// Folder served at `/` (the WebLabeler UI).
    public var webRoot: String
    /// Largest accepted request body; larger ones get 413.
    public var maxBodyBytes: Int

    public init(host: String = "127.0.0.1", port: Int = 8080, token: String? = nil, webRoot: String = "WebLabeler",
                maxBodyBytes: Int = 16 * 1024) {
        self.host = host
        self.port = port
        self.token = token
        self.webRoot = webRoot
        self.maxBodyBytes = maxBodyBytes
    }

    /// Binding beyond loopback exposes the labels to the network: only with a token.
    public func validate() throws {
        if !Self.isLoopback(host), (token ?? "").isEmpty {
            throw APIError(.badRequest, "binding to \(host) (not loopback) requires --token, which every API call must then carry")
        }
        guard (0...65535).contains(port) else { throw APIError(.badRequest, "port \(port) is outside 0…65535") }
    }

    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}
