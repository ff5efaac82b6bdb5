import Domain

/// A request's query parameters, the first value of each name (what the router's `get` returns).
public struct Query: Sendable, Equatable {
    public let values: [String: String]

    public init(_ values: [String: String]) { self.values = values }

    /// From name/value pairs in order; a repeated name keeps its first value.
    public init(pairs: some Sequence<(String, String)>) {
        var values: [String: String] = [:]
        for (k, v) in pairs where values[k] == nil { values[k] = v }
        self.values = values
    }

    public subscript(_ name: String) -> String? { values[name] }

    /// A required integer parameter.
    public func int(_ name: String) throws -> Int {
        guard let text = values[name] else { throw RequestError.invalid("missing query parameter '\(name)'") }
        return try Self.integer(text, name)
    }

    /// An optional integer parameter: nil when absent, refused when present but not an integer.
    public func optionalInt(_ name: String) throws -> Int? {
        try values[name].map { try Self.integer($0, name) }
    }

    /// `kind=` as an annotation kind, `patch2x2` when absent.
    public func kind() throws -> AnnotationKind { try AnnotationKind.parse(values["kind"] ?? AnnotationKind.patch2x2.rawValue) }

    private static func integer(_ text: String, _ name: String) throws -> Int {
        guard let v = Int(text) else { throw RequestError.invalid("query parameter \(name)='\(text)' is not an integer") }
        return v
    }
}

/// Path parameters such as `{index}` and `{set}`.
public enum PathParameter {
    /// An integer path segment; `what` names it in the error ("image index 'one' is not an integer").
    public static func integer(_ text: String, _ what: String) throws -> Int {
        guard let value = Int(text) else { throw RequestError.invalid("\(what) '\(text)' is not an integer") }
        return value
    }
}
