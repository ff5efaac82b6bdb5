import Hummingbird
import NIOCore

/// Request context that remembers the client's address for the annotation history ("from where").
public struct LabelContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let clientAddress: String
    /// The connection, so a request whose body is refused unread can close it after the answer.
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
        channel = source.channel
    }
}
