import Domain

/// A request the API refuses before it reaches the store or the detector: a category (the server
/// maps it to a status) and a message naming the problem.
public struct RequestError: CategorizedError, Equatable {
    public let category: ErrorCategory
    public let description: String

    public init(_ category: ErrorCategory, _ description: String) {
        self.category = category
        self.description = description
    }

    static func invalid(_ description: String) -> RequestError { RequestError(.validation, description) }
}
