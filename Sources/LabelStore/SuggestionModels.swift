import Foundation

// MARK: - Suggestion sets and decisions: the values LabelStore+Suggestions.swift reads and writes

/// Token (point suggestions) or 2×2 patch (patch2x2 suggestions), as `normlab detect --unit`.
public enum SuggestionUnit: String, Codable, Sendable, CaseIterable {
    case token, patch
    public var kind: AnnotationKind { self == .patch ? .patch2x2 : .point }
}

/// Where a set's prototype came from: a recorded prototype or a .npy file.
public enum SuggestionPrototype: Sendable, Equatable {
    case id(Int64)
    case file(String)
}

/// One detection to store: upper-left token (x, y) and its cosine (the smallest of four for a patch).
public struct NewSuggestion: Sendable, Equatable {
    public var image: Int, x: Int, y: Int, similarity: Float
    public init(image: Int, x: Int, y: Int, similarity: Float) {
        self.image = image; self.x = x; self.y = y; self.similarity = similarity
    }
}

public struct SuggestionCounts: Codable, Sendable, Equatable {
    public var total: Int, pending: Int, accepted: Int, rejected: Int
    /// Undecided, but the place already carries annotations (not offered for review).
    public var labeled: Int
}

public struct SuggestionSet: Codable, Sendable, Equatable {
    public var id: Int64
    public var run: String
    public var prototypeID: Int64?
    public var prototypeFile: String?
    public var threshold: Double
    public var unit: SuggestionUnit
    public var createdAt: String
    public var counts: SuggestionCounts
}

public struct Suggestion: Codable, Sendable, Equatable {
    public var image: Int, x: Int, y: Int
    public var kind: AnnotationKind
    public var similarity: Double
}

public enum SuggestionDecision: String, Codable, Sendable { case accepted, rejected }

/// What an accept or reject did: `changed` is false when it had all been done before (idempotent).
public struct DecisionOutcome: Sendable, Equatable {
    public var decision: SuggestionDecision
    public var changed: Bool
    /// The annotation at the place after an accept.
    public var annotation: Annotation?
}

/// An image's tokens for a set, token-expanded (4 per patch, 1 per point): TP = detected and
/// labelled, FP = detected, not labelled, FN = labelled, not detected. Each `[x, y]`, sorted by y, x.
public struct TokenClassification: Codable, Sendable, Equatable {
    public var tp: [[Int]], fp: [[Int]], fn: [[Int]]
}

/// What the suggestion API refuses beyond `LabelStoreError`.
public enum SuggestionError: Error, CustomStringConvertible, Equatable, Sendable {
    case unknownSet(run: String, id: Int64)
    case notSuggested(set: Int64, image: Int, x: Int, y: Int, kind: AnnotationKind)
    case alreadyDecided(image: Int, x: Int, y: Int, decision: SuggestionDecision, by: String, at: String)

    public var description: String {
        switch self {
        case .unknownSet(let run, let id): "run '\(run)' has no suggestion set \(id)"
        case .notSuggested(let set, let i, let x, let y, let kind):
            "suggestion set \(set) has no \(kind.rawValue) suggestion at x=\(x), y=\(y) of image \(i)"
        case .alreadyDecided(let i, let x, let y, let d, let by, let at):
            "the place x=\(x), y=\(y) of image \(i) was already \(d.rawValue)\(by.isEmpty ? "" : " by \(by)") at \(at); undo that first"
        }
    }
}
