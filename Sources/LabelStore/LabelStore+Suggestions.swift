import Foundation
import GRDB

// MARK: - Suggestions: detections offered for review in the labeler

extension LabelStore {
    /// `createSuggestionSet` with the unit as its type.
    public func createSuggestionSet(run name: String, prototypeID: Int64?, prototypeFile: String?, threshold: Float,
                                    unit: DetectionUnit, suggestions: [NewSuggestion]) async throws -> SuggestionSet {
        try await createSuggestionSet(run: name, prototypeID: prototypeID, prototypeFile: prototypeFile, threshold: threshold,
                                      unit: unit.rawValue, suggestions: suggestions)
    }

    /// Records a set of detections (one transaction); places outside the run are refused, nothing stored.
    public func createSuggestionSet(run name: String, prototypeID: Int64?, prototypeFile: String?, threshold: Float,
                                    unit: String, suggestions: [NewSuggestion]) async throws -> SuggestionSet {
        guard DetectionUnit(rawValue: unit) != nil else { throw LabelStoreError.badInput("unknown unit '\(unit)' (expected token or patch)") }
        guard (-1...1).contains(threshold) else { throw LabelStoreError.badInput("threshold \(threshold) is outside [-1, 1]") }
        let id: Int64 = try await pool.write { db in
            let run = try Self.run(db, named: name)
            if let prototypeID, try Int.fetchOne(db, sql: "SELECT 1 FROM prototypes WHERE id = ?", arguments: [prototypeID]) == nil {
                throw LabelStoreError.unknownPrototype(prototypeID)
            }
            try db.execute(sql: """
                INSERT INTO suggestion_sets (run_id, prototype_id, prototype_file, threshold, unit, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [run.id, prototypeID, prototypeFile, Double(threshold), unit, timestamp()])
            let set = db.lastInsertedRowID
            let insert = try db.makeStatement(sql: """
                INSERT INTO suggestions (set_id, image_index, x, y, kind, similarity) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """)
            for s in suggestions {
                try Self.checkAnnotation(run, image: s.row.image, x: s.row.x, y: s.row.y, kind: s.kind)
                try insert.execute(arguments: [set, s.row.image, s.row.x, s.row.y, s.kind.rawValue, Double(s.similarity)])
            }
            return set
        }
        return try suggestionSet(id: id)
    }

    /// One set with its review counts.
    public func suggestionSet(id: Int64) throws -> SuggestionSet {
        try pool.read { db in
            guard let set = try Self.sets(db, where: "s.id = ?", [id]).first else {
                throw LabelStoreError.unknownSuggestionSet(id)
            }
            return set
        }
    }

    /// A run's sets, newest first.
    public func suggestionSets(run name: String) throws -> [SuggestionSet] {
        try pool.read { db in
            let run = try Self.run(db, named: name)
            return try Self.sets(db, where: "s.run_id = ?", [run.id])
        }
    }

    /// The state of every suggestion: a decision wins, then an existing annotation at the place (for a
    /// token suggestion also a labelled 2×2 patch covering it), else pending.
    static let stateSQL = """
        CASE WHEN d.decision IS NOT NULL THEN d.decision
             WHEN EXISTS (SELECT 1 FROM annotations a WHERE a.run_id = s.run_id AND a.image_index = g.image_index AND (
                    (a.x = g.x AND a.y = g.y AND a.kind = g.kind)
                 OR (g.kind = 'point' AND a.kind = 'patch2x2' AND a.x IN (g.x, g.x - 1) AND a.y IN (g.y, g.y - 1))))
             THEN 'labelled' ELSE 'pending' END
        """

    static let stateJoins = """
        FROM suggestions g JOIN suggestion_sets s ON s.id = g.set_id
        LEFT JOIN suggestion_decisions d ON d.run_id = s.run_id AND d.image_index = g.image_index AND d.x = g.x AND d.y = g.y AND d.kind = g.kind
        """

    static func sets(_ db: Database, where condition: String, _ arguments: StatementArguments) throws -> [SuggestionSet] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT s.id, r.name AS run, s.prototype_id, s.prototype_file, s.threshold, s.unit, s.created_at
            FROM suggestion_sets s JOIN runs r ON r.id = s.run_id WHERE \(condition) ORDER BY s.id DESC
            """, arguments: arguments)
        return try rows.map { row in
            let id: Int64 = row["id"]
            var counts = ["pending": 0, "accepted": 0, "rejected": 0, "labelled": 0]
            for c in try Row.fetchAll(db, sql: "SELECT \(stateSQL) AS state, COUNT(*) AS n \(stateJoins) WHERE g.set_id = ? GROUP BY 1",
                                      arguments: [id]) {
                counts[c["state"] as String] = c["n"]
            }
            return SuggestionSet(id: id, run: row["run"], prototypeID: row["prototype_id"], prototypeFile: row["prototype_file"],
                                 threshold: row["threshold"], unit: DetectionUnit(rawValue: row["unit"]) ?? .patch, createdAt: row["created_at"], total: counts.values.reduce(0, +), pending: counts["pending"]!,
                                 accepted: counts["accepted"]!, rejected: counts["rejected"]!, labelled: counts["labelled"]!)
        }
    }

    /// The suggestions of one image, ordered by y, x; rejected ones only when `includeRejected`.
    public func suggestions(set id: Int64, image: Int, includeRejected: Bool = false) throws -> [Suggestion] {
        try pool.read { db in
            let set = try Self.requireSet(db, id)
            let run = try Self.run(db, named: set.run)
            try Self.checkImage(run, image)
            let rows = try Row.fetchAll(db, sql: """
                SELECT g.image_index, g.x, g.y, g.kind, g.similarity, \(Self.stateSQL) AS state \(Self.stateJoins)
                WHERE g.set_id = ? AND g.image_index = ? ORDER BY g.y, g.x, g.kind
                """, arguments: [id, image])
            return rows.map {
                Suggestion(image: $0["image_index"], x: $0["x"], y: $0["y"], kind: AnnotationKind(rawValue: $0["kind"]) ?? .patch2x2,
                           similarity: $0["similarity"], state: SuggestionState(rawValue: $0["state"]) ?? .pending)
            }
            .filter { includeRejected || $0.state != .rejected }
        }
    }

    /// The first image after `index` (wrapping around) with pending suggestions in the set, if any.
    public func nextImageWithPendingSuggestions(set id: Int64, after index: Int) throws -> Int? {
        try pool.read { db in
            _ = try Self.requireSet(db, id)
            let images = try Int.fetchAll(db, sql: """
                SELECT DISTINCT g.image_index \(Self.stateJoins) WHERE g.set_id = ? AND \(Self.stateSQL) = 'pending' ORDER BY g.image_index
                """, arguments: [id])
            return images.first { $0 > index } ?? images.first
        }
    }

    /// Accepts (the place becomes an annotation with source `accepted-suggestion`) or rejects (recorded,
    /// never suggested again for the run) a suggestion. Repeating the same decision is harmless; the
    /// opposite decision on a decided place is refused with the existing one named (two annotators).
    @discardableResult
    public func decideSuggestion(set id: Int64, image: Int, x: Int, y: Int, kind: AnnotationKind, decision: SuggestionDecision,
                                 by actor: Actor) async throws -> Suggestion {
        let accept = decision == .accept
        return try await interactiveWrite { db in
            let set = try Self.requireSet(db, id)
            let run = try Self.run(db, named: set.run)
            try Self.checkAnnotation(run, image: image, x: x, y: y, kind: kind)
            guard let similarity = try Double.fetchOne(db, sql: """
                SELECT similarity FROM suggestions WHERE set_id = ? AND image_index = ? AND x = ? AND y = ? AND kind = ?
                """, arguments: [id, image, x, y, kind.rawValue]) else {
                throw LabelStoreError.badInput("(\(x), \(y)) of image \(image) is not a \(kind.rawValue) suggestion of set \(id)")
            }
            let state = decision.state
            if let existing = try Row.fetchOne(db, sql: """
                SELECT decision, annotator FROM suggestion_decisions WHERE run_id = ? AND image_index = ? AND x = ? AND y = ? AND kind = ?
                """, arguments: [run.id, image, x, y, kind.rawValue]) {
                let (was, who): (String, String) = (existing["decision"], existing["annotator"])
                guard was == state.rawValue else {
                    throw LabelStoreError.conflict("suggestion (\(x), \(y)) of image \(image) was already \(was)\(who.isEmpty ? "" : " by \(who)"); undo that first")
                }
                return Suggestion(image: image, x: x, y: y, kind: kind, similarity: similarity, state: state)
            }
            try db.execute(sql: """
                INSERT INTO suggestion_decisions (run_id, image_index, x, y, kind, decision, set_id, annotator, decided_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [run.id, image, x, y, kind.rawValue, state.rawValue, id, actor.annotator, timestamp()])
            if accept {
                _ = try Self.insert(db, run: run.id, LabelRow(image: image, x: x, y: y), kind: kind, source: .acceptedSuggestion, actor: actor)
            } else {
                try Self.history(db, run: run.id, image: image, x: x, y: y, kind: kind.rawValue, action: "reject-suggestion",
                                 source: .manual, actor: actor, at: timestamp())
            }
            return Suggestion(image: image, x: x, y: y, kind: kind, similarity: similarity, state: state)
        }
    }

    /// `decideSuggestion` with the decision as a flag (true: accept).
    @discardableResult
    public func decideSuggestion(set id: Int64, image: Int, x: Int, y: Int, kind: AnnotationKind, accept: Bool,
                                 by actor: Actor) async throws -> Suggestion {
        try await decideSuggestion(set: id, image: image, x: x, y: y, kind: kind, decision: accept ? .accept : .reject, by: actor)
    }

    /// Takes a decision back (the labeler's undo): the place is pending again; an accepted one loses the
    /// annotation it created if that annotation still has source `accepted-suggestion`.
    public func undoSuggestionDecision(set id: Int64, image: Int, x: Int, y: Int, kind: AnnotationKind, by actor: Actor) async throws {
        try await interactiveWrite { db in
            let set = try Self.requireSet(db, id)
            let run = try Self.run(db, named: set.run)
            try Self.checkAnnotation(run, image: image, x: x, y: y, kind: kind)
            let args: StatementArguments = [run.id, image, x, y, kind.rawValue]
            guard let was = try String.fetchOne(db, sql: """
                SELECT decision FROM suggestion_decisions WHERE run_id = ? AND image_index = ? AND x = ? AND y = ? AND kind = ?
                """, arguments: args) else { return }
            try db.execute(sql: "DELETE FROM suggestion_decisions WHERE run_id = ? AND image_index = ? AND x = ? AND y = ? AND kind = ?",
                           arguments: args)
            let now = timestamp()
            let undone = SuggestionState(rawValue: was).flatMap(SuggestionDecision.init(state:)) ?? .reject
            if undone == .accept {
                try db.execute(sql: """
                    DELETE FROM annotations WHERE run_id = ? AND image_index = ? AND x = ? AND y = ? AND kind = ? AND source = 'accepted-suggestion'
                    """, arguments: args)
                if db.changesCount > 0 {
                    try Self.history(db, run: run.id, image: image, x: x, y: y, kind: kind.rawValue, action: "remove",
                                     source: .acceptedSuggestion, actor: actor, at: now)
                }
            }
            try Self.history(db, run: run.id, image: image, x: x, y: y, kind: kind.rawValue, action: "undo-\(undone.rawValue)-suggestion",
                             source: .manual, actor: actor, at: now)
        }
    }

    static func requireSet(_ db: Database, _ id: Int64) throws -> (id: Int64, run: String) {
        guard let run = try String.fetchOne(db, sql: "SELECT r.name FROM suggestion_sets s JOIN runs r ON r.id = s.run_id WHERE s.id = ?",
                                            arguments: [id]) else {
            throw LabelStoreError.unknownSuggestionSet(id)
        }
        return (id, run)
    }
}
