/// What a detection counts and a suggestion set holds: single tokens, or 2×2 patches at even
/// coordinates (a patch passes when all 4 of its tokens pass). The raw values are the wire, CLI and
/// store names.
public enum DetectionUnit: String, Codable, Sendable, CaseIterable {
    case token, patch

    /// The annotation kind a detection of this unit becomes when accepted.
    public var kind: AnnotationKind { self == .token ? .point : .patch2x2 }
}

/// The review state of a suggestion, as the store derives it and the API and labeler show it.
public enum SuggestionState: String, Codable, Sendable, CaseIterable {
    case pending, accepted, rejected
    /// Undecided, but an annotation already covers the place.
    case labelled
}

/// A reviewer's decision on a suggestion: `accept` / `reject` on the wire, stored as the state it leads to.
public enum SuggestionDecision: String, Codable, Sendable, CaseIterable {
    case accept, reject

    /// The stored decision and resulting state: `accepted` / `rejected`.
    public var state: SuggestionState { self == .accept ? .accepted : .rejected }

    /// The decision a stored `accepted` / `rejected` came from.
    public init?(state: SuggestionState) {
        switch state {
        case .accepted: self = .accept
        case .rejected: self = .reject
        case .pending, .labelled: return nil
        }
    }
}

/// One detection pass offered for review, with how far the review has got.
public struct SuggestionSet: Sendable, Codable, Equatable {
    public let id: Int64
    public let run: String
    public let prototypeID: Int64?
    public let prototypeFile: String?
    public let threshold: Double
    /// Tokens (point suggestions) or 2×2 patches.
    public let unit: DetectionUnit
    public let createdAt: String
    public let total: Int
    /// Not yet decided and not already an annotation.
    public let pending: Int
    public let accepted: Int
    public let rejected: Int
    /// Already annotated by other means (a manual or imported label at the same place).
    public let labelled: Int

    public init(id: Int64, run: String, prototypeID: Int64?, prototypeFile: String?, threshold: Double, unit: DetectionUnit, createdAt: String,
                total: Int, pending: Int, accepted: Int, rejected: Int, labelled: Int) {
        self.id = id; self.run = run; self.prototypeID = prototypeID; self.prototypeFile = prototypeFile; self.threshold = threshold
        self.unit = unit; self.createdAt = createdAt; self.total = total; self.pending = pending; self.accepted = accepted
        self.rejected = rejected; self.labelled = labelled
    }

    /// `unit` (from when it was a name).
    public var detectionUnit: DetectionUnit? { unit }
}

/// A suggested place and its review state.
public struct Suggestion: Sendable, Codable, Equatable {
    public let image: Int, x: Int, y: Int
    public let kind: AnnotationKind
    public let similarity: Double
    public let state: SuggestionState

    public init(image: Int, x: Int, y: Int, kind: AnnotationKind, similarity: Double, state: SuggestionState) {
        self.image = image; self.x = x; self.y = y; self.kind = kind; self.similarity = similarity; self.state = state
    }

    /// `state` (from when it was a name).
    public var reviewState: SuggestionState? { state }
}

/// A detection to record in a new set.
public struct NewSuggestion: Sendable {
    public var row: LabelRow, kind: AnnotationKind, similarity: Float
    public init(row: LabelRow, kind: AnnotationKind, similarity: Float) { self.row = row; self.kind = kind; self.similarity = similarity }
}
