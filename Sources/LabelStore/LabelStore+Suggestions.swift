import Foundation
import GRDB

// MARK: - Suggestions: detections offered for review (issue 6, "Review in the labeler")
//
// A suggestion set is one detection pass (run × prototype × threshold × unit). Decisions are kept per
// run and place, not per set: a place rejected once is hidden from every later set of the run, and an
// accepted one is an annotation (source 'accepted-suggestion'). A suggestion is *pending* when its
// place has no decision and is not already labelled (every token it covers is covered by an
// annotation: nothing left to review there).

extension LabelStore {
    // MARK: - Writes

    /// Records a detection pass as a suggestion set, all rows or nothing; returns it with counts.
    public func createSuggestionSet(run name: String, prototype: SuggestionPrototype, threshold: Double, unit: SuggestionUnit,
                                    rows: [NewSuggestion]) async throws -> SuggestionSet {
        try await pool.write { db in try Self.createSuggestionSet(db, run: name, prototype: prototype, threshold: threshold, unit: unit, rows: rows) }
    }

    /// The same, blocking (for the synchronous CLI commands).
    public func createSuggestionSetNow(run name: String, prototype: SuggestionPrototype, threshold: Double, unit: SuggestionUnit,
                                       rows: [NewSuggestion]) throws -> SuggestionSet {
        try pool.write { db in try Self.createSuggestionSet(db, run: name, prototype: prototype, threshold: threshold, unit: unit, rows: rows) }
    }

    private static func createSuggestionSet(_ db: Database, run name: String, prototype: SuggestionPrototype, threshold: Double,
                                            unit: SuggestionUnit, rows: [NewSuggestion]) throws -> SuggestionSet {
        let run = try Self.run(db, named: name)
        guard (-1...1).contains(threshold) else { throw LabelStoreError.badInput("threshold \(threshold) is outside [-1, 1] (cosine similarity)") }
        try Self.checkSuggestionRows(rows, run: run, kind: unit.kind)
        var protoID: Int64?, protoFile: String?
        switch prototype {
        case .id(let id):
            guard let channels = try Int.fetchOne(db, sql: "SELECT channels FROM prototypes WHERE id = ?", arguments: [id]) else {
                throw LabelStoreError.unknownPrototype(id)
            }
            guard channels == run.channels else {
                throw LabelStoreError.badInput("prototype \(id) has \(channels) channels, run '\(run.name)' \(run.channels)")
            }
            protoID = id
        case .file(let path): protoFile = path
        }
        try db.execute(sql: """
            INSERT INTO suggestion_sets (run_id, prototype_id, prototype_file, threshold, unit, created_at) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [run.id, protoID, protoFile, threshold, unit.rawValue, timestamp()])
        let id = db.lastInsertedRowID
        let insert = try db.makeStatement(sql: "INSERT INTO suggestions (set_id, image_index, x, y, kind, similarity) VALUES (?, ?, ?, ?, ?, ?)")
        for r in rows { try insert.execute(arguments: [id, r.image, r.x, r.y, unit.kind.rawValue, Double(r.similarity)]) }
        return try Self.suggestionSet(db, run: run, id: id)
    }

    private static func checkSuggestionRows(_ rows: [NewSuggestion], run: Run, kind: AnnotationKind) throws {
        var seen = Set<LabelRow>()
        for r in rows {
            try checkAnnotation(run, image: r.image, x: r.x, y: r.y, kind: kind)
            guard seen.insert(LabelRow(image: r.image, x: r.x, y: r.y)).inserted else {
                throw LabelStoreError.badInput("suggestion (\(r.image), \(r.x), \(r.y)) is given twice")
            }
        }
    }

    /// Accepts a suggestion: the place becomes an annotation (source 'accepted-suggestion', with its
    /// history row) and the decision is recorded. Accepting again changes nothing (and restores the
    /// annotation if it was removed since); accepting a rejected place is refused.
    @discardableResult
    public func acceptSuggestion(run name: String, set: Int64, image: Int, x: Int, y: Int, by actor: Actor) async throws -> DecisionOutcome {
        try await pool.write { db in
            let (run, kind) = try Self.suggestedPlace(db, run: name, set: set, image: image, x: x, y: y)
            let previous = try Self.decision(db, run: run.id, image: image, x: x, y: y, kind: kind)
            if let previous, previous.decision == .rejected { throw previous.conflict(image: image, x: x, y: y) }
            let created = try Self.insert(db, run: run.id, LabelRow(image: image, x: x, y: y), kind: kind, source: .acceptedSuggestion, actor: actor)
            if previous == nil { try Self.recordDecision(db, run: run.id, set: set, image: image, x: x, y: y, kind: kind, .accepted, actor) }
            let row = try Row.fetchOne(db, sql: """
                SELECT image_index, x, y, kind, annotator, source, created_at, updated_at FROM annotations
                WHERE run_id = ? AND image_index = ? AND x = ? AND y = ? AND kind = ?
                """, arguments: [run.id, image, x, y, kind.rawValue])
            return DecisionOutcome(decision: .accepted, changed: created || previous == nil, annotation: row.map(Self.annotation))
        }
    }

    /// Rejects a suggestion: recorded (decision + a 'reject-suggestion' history row), no annotation;
    /// the place is not suggested again in this run. Rejecting again changes nothing; rejecting an
    /// accepted place is refused.
    @discardableResult
    public func rejectSuggestion(run name: String, set: Int64, image: Int, x: Int, y: Int, by actor: Actor) async throws -> DecisionOutcome {
        try await pool.write { db in
            let (run, kind) = try Self.suggestedPlace(db, run: name, set: set, image: image, x: x, y: y)
            if let previous = try Self.decision(db, run: run.id, image: image, x: x, y: y, kind: kind) {
                if previous.decision == .accepted { throw previous.conflict(image: image, x: x, y: y) }
                return DecisionOutcome(decision: .rejected, changed: false, annotation: nil)
            }
            try Self.recordDecision(db, run: run.id, set: set, image: image, x: x, y: y, kind: kind, .rejected, actor)
            try Self.history(db, run: run.id, image: image, x: x, y: y, kind: kind.rawValue, action: "reject-suggestion",
                             source: .manual, actor: actor, at: timestamp())
            return DecisionOutcome(decision: .rejected, changed: true, annotation: nil)
        }
    }

    /// Takes a decision back (the labeler's undo): the place is pending again; after an accept, the
    /// annotation it made (source 'accepted-suggestion') is removed. Returns whether there was one.
    @discardableResult
    public func withdrawDecision(run name: String, set: Int64, image: Int, x: Int, y: Int, by actor: Actor) async throws -> Bool {
        try await pool.write { db in
            let (run, kind) = try Self.suggestedPlace(db, run: name, set: set, image: image, x: x, y: y)
            guard let previous = try Self.decision(db, run: run.id, image: image, x: x, y: y, kind: kind) else { return false }
            let now = timestamp()
            if previous.decision == .accepted {
                try db.execute(sql: """
                    DELETE FROM annotations WHERE run_id = ? AND image_index = ? AND x = ? AND y = ? AND kind = ? AND source = 'accepted-suggestion'
                    """, arguments: [run.id, image, x, y, kind.rawValue])
                if db.changesCount > 0 {
                    try Self.history(db, run: run.id, image: image, x: x, y: y, kind: kind.rawValue, action: "remove",
                                     source: .acceptedSuggestion, actor: actor, at: now)
                }
            }
            try db.execute(sql: "DELETE FROM suggestion_decisions WHERE run_id = ? AND image_index = ? AND x = ? AND y = ? AND kind = ?",
                           arguments: [run.id, image, x, y, kind.rawValue])
            try Self.history(db, run: run.id, image: image, x: x, y: y, kind: kind.rawValue,
                             action: previous.decision == .accepted ? "withdraw-accept" : "withdraw-reject", source: .manual, actor: actor, at: now)
            return true
        }
    }

    // MARK: - Reads

    /// The suggestion sets of a run, newest first, with counts.
    public func suggestionSets(run name: String) throws -> [SuggestionSet] {
        try pool.read { db in
            let run = try Self.run(db, named: name)
            return try Int64.fetchAll(db, sql: "SELECT id FROM suggestion_sets WHERE run_id = ? ORDER BY id DESC", arguments: [run.id])
                .map { try Self.suggestionSet(db, run: run, id: $0) }
        }
    }

    /// One suggestion set of a run, with counts.
    public func suggestionSet(run name: String, id: Int64) throws -> SuggestionSet {
        try pool.read { db in try Self.suggestionSet(db, run: try Self.run(db, named: name), id: id) }
    }

    /// The pending suggestions of one image (undecided, not already labelled), by y, x.
    public func pendingSuggestions(run name: String, set: Int64, image: Int) throws -> [Suggestion] {
        try pool.read { db in
            let run = try Self.run(db, named: name)
            _ = try Self.setUnit(db, run: run, id: set)
            try Self.checkImage(run, image)
            let sql = "SELECT s.image_index, s.x, s.y, s.kind, s.similarity FROM suggestions s WHERE s.set_id = :set AND s.image_index = :image AND "
                + Self.pendingCondition + " ORDER BY s.y, s.x"
            return try Row.fetchAll(db, sql: sql, arguments: ["set": set, "image": image, "run": run.id]).map {
                Suggestion(image: $0[0], x: $0[1], y: $0[2], kind: AnnotationKind(rawValue: $0[3]) ?? .point, similarity: $0[4])
            }
        }
    }

    /// The image's TP/FP/FN tokens for a set: every detection of the set (decided or not) against the
    /// image's annotations, both expanded to tokens.
    public func classification(run name: String, set: Int64, image: Int) throws -> TokenClassification {
        try pool.read { db in
            let run = try Self.run(db, named: name)
            _ = try Self.setUnit(db, run: run, id: set)
            try Self.checkImage(run, image)
            let detected = try Self.tokens(Row.fetchAll(db, sql: "SELECT x, y, kind FROM suggestions WHERE set_id = ? AND image_index = ?",
                                                        arguments: [set, image]))
            let labelled = try Self.tokens(Row.fetchAll(db, sql: "SELECT x, y, kind FROM annotations WHERE run_id = ? AND image_index = ?",
                                                        arguments: [run.id, image]))
            func sorted(_ s: Set<[Int]>) -> [[Int]] { s.sorted { ($0[1], $0[0]) < ($1[1], $1[0]) } }
            return TokenClassification(tp: sorted(detected.intersection(labelled)), fp: sorted(detected.subtracting(labelled)),
                                       fn: sorted(labelled.subtracting(detected)))
        }
    }

    /// The first image after `after` (wrapping around to 0, the current image last) that has pending
    /// suggestions in the set, or nil when none is left.
    public func nextImageWithSuggestions(run name: String, set: Int64, after: Int) throws -> Int? {
        try pool.read { db in
            let run = try Self.run(db, named: name)
            _ = try Self.setUnit(db, run: run, id: set)
            let sql = "SELECT s.image_index FROM suggestions s WHERE s.set_id = :set AND s.image_index {op} :after AND "
                + Self.pendingCondition + " ORDER BY s.image_index LIMIT 1"
            let args: StatementArguments = ["set": set, "after": after, "run": run.id]
            return try Int.fetchOne(db, sql: sql.replacingOccurrences(of: "{op}", with: ">"), arguments: args)
                ?? Int.fetchOne(db, sql: sql.replacingOccurrences(of: "{op}", with: "<="), arguments: args)
        }
    }

    // MARK: - Helpers

    /// SQL: suggestion `s` has no decision in run `:run` and is not already labelled there.
    static let pendingCondition = """
        NOT EXISTS (SELECT 1 FROM suggestion_decisions d WHERE d.run_id = :run AND d.image_index = s.image_index
                    AND d.x = s.x AND d.y = s.y AND d.kind = s.kind)
        AND NOT (\(labelledCondition))
        """

    /// SQL: every token of suggestion `s` is covered by an annotation of run `:run` (a point by a point
    /// or the patch holding it; a patch by the same patch or four points).
    static let labelledCondition = """
        CASE s.kind WHEN 'point' THEN EXISTS (SELECT 1 FROM annotations a WHERE a.run_id = :run AND a.image_index = s.image_index
                 AND ((a.kind = 'point' AND a.x = s.x AND a.y = s.y) OR (a.kind = 'patch2x2' AND a.x = s.x - s.x % 2 AND a.y = s.y - s.y % 2)))
        ELSE EXISTS (SELECT 1 FROM annotations a WHERE a.run_id = :run AND a.image_index = s.image_index
                 AND a.kind = 'patch2x2' AND a.x = s.x AND a.y = s.y)
          OR (SELECT COUNT(*) FROM annotations a WHERE a.run_id = :run AND a.image_index = s.image_index AND a.kind = 'point'
                 AND a.x BETWEEN s.x AND s.x + 1 AND a.y BETWEEN s.y AND s.y + 1) = 4
        END
        """

    static func suggestionSet(_ db: Database, run: Run, id: Int64) throws -> SuggestionSet {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT id, prototype_id, prototype_file, threshold, unit, created_at FROM suggestion_sets WHERE id = ? AND run_id = ?
            """, arguments: [id, run.id]) else { throw SuggestionError.unknownSet(run: run.name, id: id) }
        let c = try Row.fetchOne(db, sql: """
            SELECT COUNT(*), COALESCE(SUM(d.decision = 'accepted'), 0), COALESCE(SUM(d.decision = 'rejected'), 0),
                   COALESCE(SUM(d.decision IS NULL AND (\(labelledCondition))), 0)
            FROM suggestions s LEFT JOIN suggestion_decisions d ON d.run_id = :run AND d.image_index = s.image_index
                 AND d.x = s.x AND d.y = s.y AND d.kind = s.kind
            WHERE s.set_id = :set
            """, arguments: ["run": run.id, "set": id])!
        let counts = SuggestionCounts(total: c[0], pending: c[0] - c[1] - c[2] - c[3], accepted: c[1], rejected: c[2], labeled: c[3])
        return SuggestionSet(id: row[0], run: run.name, prototypeID: row[1], prototypeFile: row[2], threshold: row[3],
                             unit: SuggestionUnit(rawValue: row[4]) ?? .token, createdAt: row[5], counts: counts)
    }

    static func setUnit(_ db: Database, run: Run, id: Int64) throws -> SuggestionUnit {
        guard let unit = try String.fetchOne(db, sql: "SELECT unit FROM suggestion_sets WHERE id = ? AND run_id = ?", arguments: [id, run.id]) else {
            throw SuggestionError.unknownSet(run: run.name, id: id)
        }
        return SuggestionUnit(rawValue: unit) ?? .token
    }

    /// Checks run, set, image and that the set suggests (x, y); returns the run and the set's kind.
    static func suggestedPlace(_ db: Database, run name: String, set: Int64, image: Int, x: Int, y: Int) throws -> (Run, AnnotationKind) {
        let run = try Self.run(db, named: name)
        let kind = try setUnit(db, run: run, id: set).kind
        try checkImage(run, image)
        let found = try Bool.fetchOne(db, sql: "SELECT 1 FROM suggestions WHERE set_id = ? AND image_index = ? AND x = ? AND y = ? AND kind = ?",
                                      arguments: [set, image, x, y, kind.rawValue]) ?? false
        guard found else { throw SuggestionError.notSuggested(set: set, image: image, x: x, y: y, kind: kind) }
        return (run, kind)
    }

    struct StoredDecision {
        var decision: SuggestionDecision, annotator: String, at: String
        func conflict(image: Int, x: Int, y: Int) -> SuggestionError {
            .alreadyDecided(image: image, x: x, y: y, decision: decision, by: annotator, at: at)
        }
    }

    static func decision(_ db: Database, run: Int64, image: Int, x: Int, y: Int, kind: AnnotationKind) throws -> StoredDecision? {
        try Row.fetchOne(db, sql: """
            SELECT decision, annotator, decided_at FROM suggestion_decisions WHERE run_id = ? AND image_index = ? AND x = ? AND y = ? AND kind = ?
            """, arguments: [run, image, x, y, kind.rawValue]).map {
            StoredDecision(decision: SuggestionDecision(rawValue: $0[0]) ?? .rejected, annotator: $0[1], at: $0[2])
        }
    }

    static func recordDecision(_ db: Database, run: Int64, set: Int64, image: Int, x: Int, y: Int, kind: AnnotationKind,
                               _ decision: SuggestionDecision, _ actor: Actor) throws {
        try db.execute(sql: """
            INSERT INTO suggestion_decisions (run_id, image_index, x, y, kind, decision, set_id, annotator, decided_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [run, image, x, y, kind.rawValue, decision.rawValue, set, actor.annotator, timestamp()])
    }

    /// Rows (x, y, kind) expanded to their tokens as [x, y].
    static func tokens(_ rows: [Row]) -> Set<[Int]> {
        var out = Set<[Int]>()
        for r in rows {
            let x: Int = r[0], y: Int = r[1]
            if (r[2] as String) == AnnotationKind.point.rawValue { out.insert([x, y]) }
            else { for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] { out.insert([x + dx, y + dy]) } }
        }
        return out
    }
}
