import APIRequests
import Domain
import Foundation
import Hummingbird
import NIOCore

/// An API failure answered as `{"error": "<what went wrong>"}` with its status. Errors of the
/// libraries and of request decoding carry an `ErrorCategory`; `status(of:)` is the one place a
/// category becomes a status.
public struct APIError: HTTPResponseError, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let message: String

    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    /// A categorized error with its category's status and its own message.
    public init(_ error: any CategorizedError) {
        self.init(Self.status(of: error.category), error.description)
    }

    public static func status(of category: ErrorCategory) -> HTTPResponse.Status {
        switch category {
        case .validation: .badRequest
        case .unauthorized: .unauthorized
        case .notFound: .notFound
        case .conflict: .conflict
        case .tooLarge: .contentTooLarge
        case .internal: .internalServerError
        }
    }

    public var description: String { message }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try JSONSerialization.data(withJSONObject: ["error": message], options: [.sortedKeys])
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Turns every error into a JSON error response, so clients always get a body naming the problem.
struct ErrorMiddleware: RouterMiddleware {
    func handle(_ request: Request, context: LabelContext, next: (Request, LabelContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch is NIOTooManyBytesError {
            return try Self.tooLargeThenClose(request, context)
        } catch {
            throw Self.apiError(error, request: request)
        }
    }

    /// 413 with `Connection: close`, then the connection is closed (RFC 9112, 9.6): the rest of the
    /// body stays unread, so a client that sends all of it before reading gets the answer or a reset
    /// at once instead of waiting for a server that has stopped reading.
    static func tooLargeThenClose(_ request: Request, _ context: LabelContext) throws -> Response {
        var response = try APIError(RequestError(.tooLarge, "request body too large")).response(from: request, context: context)
        response.headers[.connection] = "close"
        let json = response.body
        let channel = context.channel
        response.body = ResponseBody(contentLength: json.contentLength) { writer in
            try await json.write(writer)
            channel.close(promise: nil)
        }
        return response
    }

    static func apiError(_ error: any Error, request: Request) -> APIError {
        switch error {
        case let e as APIError: return e
        case let e as any CategorizedError: return APIError(e)
        case let e as HTTPError where e.status == .notFound:
            return APIError(.notFound, "no such route or file: \(request.method) \(request.uri.path)")
        case let e as HTTPError: return APIError(e.status, e.body ?? e.status.reasonPhrase)
        case let e as any HTTPResponseError: return APIError(e.status, e.status.reasonPhrase)
        default: return APIError(.internalServerError, "internal error: \(error)")
        }
    }
}

/// Static files must stay inside the web folder: refuse `..` segments and encoded separators
/// before any handler sees the path.
struct PathGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let raw = request.uri.path.lowercased()
        let decoded = raw.removingPercentEncoding ?? raw
        let bad = raw.contains("%2f") || raw.contains("%5c") || raw.contains("%00") || raw.contains("\\")
            || decoded.split(separator: "/").contains("..")
        guard !bad else { throw RequestError(.validation, "illegal path '\(request.uri.path)': '..' and encoded separators are not allowed") }
        return try await next(request, context)
    }
}

/// With `--token`, every `/api` call must present it (Bearer header or `token` query parameter).
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        // Only the API needs the token; static files such as /api.js do not.
        guard path == "/api" || path.hasPrefix("/api/") else { return try await next(request, context) }
        let header = request.headers[.authorization].map { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : "" }
        let presented = header ?? request.uri.queryParameters.get("token") ?? ""
        guard constantTimeEqual(presented, token) else {
            throw RequestError(.unauthorized, "missing or wrong API token (send 'Authorization: Bearer <token>' or '?token=<token>')")
        }
        return try await next(request, context)
    }
}

/// Compares without an early exit, so timing does not reveal how much of a guess was right.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    var diff = UInt8(x.count == y.count ? 0 : 1)
    for i in 0..<max(x.count, y.count) { diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0) }
    return diff == 0
}
