/// What kind of failure an error is, independent of how it is shown: the HTTP server answers each
/// category with one status (`LabelServer`'s error middleware), the CLI prints the message.
public enum ErrorCategory: Sendable, Equatable, CaseIterable {
    /// The input is malformed or out of range.
    case validation
    /// The request lacks the credentials the server asks for.
    case unauthorized
    /// What the input names does not exist (run, image, prototype, suggestion set, file).
    case notFound
    /// The input contradicts what is stored (a duplicate name, a decision taken the other way).
    case conflict
    /// The input is larger than a limit allows.
    case tooLarge
    /// Not the caller's fault.
    case `internal`
}

/// An error that knows its category; its description names the problem for the user.
public protocol CategorizedError: Error, CustomStringConvertible {
    var category: ErrorCategory { get }
}

/// A value outside a vocabulary or range, e.g. `unknown kind 'box' (expected patch2x2 or point)`.
public struct InvalidValue: CategorizedError, Equatable {
    public let description: String
    public var category: ErrorCategory { .validation }
    public init(_ description: String) { self.description = description }
}

extension AnnotationKind {
    /// The kind named `text` (its wire and store name).
    public static func parse(_ text: String) throws -> AnnotationKind {
        guard let k = AnnotationKind(rawValue: text) else { throw InvalidValue("unknown kind '\(text)' (expected patch2x2 or point)") }
        return k
    }
}
