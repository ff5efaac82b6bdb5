import GRDB

// MARK: - Annotations: reads and writes

extension LabelStore {
    /// Annotations of one image, ordered by kind, y, x.
    public func annotations(run name: String, image: Int) throws -> [Annotation] {
        try pool.read { db in
            let run = try Self.run(db, named: name)
            try Self.checkImage(run, image)
            let sql = "SELECT \(Self.annotationColumns) FROM annotations WHERE run_id = ? AND image_index = ? ORDER BY kind, y, x"
            return try Row.fetchAll(db, sql: sql, arguments: [run.id, image]).map(Self.annotation)
        }
    }

    /// The columns `annotation(_:)` reads, for every query that returns annotations.
    static let annotationColumns = "image_index, x, y, kind, annotator, source, created_at, updated_at"

    static func annotation(_ row: Row) -> Annotation {
        Annotation(imageIndex: row["image_index"], x: row["x"], y: row["y"], kind: AnnotationKind(rawValue: row["kind"]) ?? .patch2x2,
                   annotator: row["annotator"], source: AnnotationSource(rawValue: row["source"]) ?? .manual,
                   createdAt: row["created_at"], updatedAt: row["updated_at"])
    }

    static func checkImage(_ run: Run, _ image: Int) throws {
        guard (0..<run.imageCount).contains(image) else {
            throw LabelStoreError.imageOutOfRange(run: run.name, index: image, count: run.imageCount)
        }
    }

    static func checkAnnotation(_ run: Run, image: Int, x: Int, y: Int, kind: AnnotationKind) throws {
        try checkImage(run, image)
        if let problem = kind.problem(x: x, y: y, width: run.width, height: run.height) {
            throw LabelStoreError.badAnnotation(problem)
        }
    }

    /// Adds an annotation; returns it and whether it is new (an existing one is left as it was).
    @discardableResult
    public func addAnnotation(run name: String, image: Int, x: Int, y: Int, kind: AnnotationKind,
                              source: AnnotationSource = .manual, by actor: Actor) async throws -> (Annotation, created: Bool) {
        try await interactiveWrite { db in
            let run = try Self.run(db, named: name)
            try Self.checkAnnotation(run, image: image, x: x, y: y, kind: kind)
            let created = try Self.insert(db, run: run.id, LabelRow(image: image, x: x, y: y), kind: kind, source: source, actor: actor)
            let sql = "SELECT \(Self.annotationColumns) FROM annotations WHERE run_id = ? AND image_index = ? AND x = ? AND y = ? AND kind = ?"
            let row = try Row.fetchOne(db, sql: sql, arguments: [run.id, image, x, y, kind.rawValue])!
            return (Self.annotation(row), created)
        }
    }

    /// Inserts unless present (the UNIQUE constraint decides, so concurrent clients cannot
    /// duplicate); history records only real changes.
    static func insert(_ db: Database, run: Int64, _ r: LabelRow, kind: AnnotationKind, source: AnnotationSource, actor: Actor) throws -> Bool {
        let now = timestamp()
        try db.execute(sql: """
            INSERT INTO annotations (run_id, image_index, x, y, kind, annotator, source, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
            """, arguments: [run, r.image, r.x, r.y, kind.rawValue, actor.annotator, source.rawValue, now, now])
        guard db.changesCount > 0 else { return false }
        try history(db, run: run, image: r.image, x: r.x, y: r.y, kind: kind.rawValue, action: "add", source: source, actor: actor, at: now)
        return true
    }

    /// Removes an annotation; returns whether it existed (removing a missing one is not an error,
    /// so a toggle sent twice by two browsers ends in the same state).
    @discardableResult
    public func removeAnnotation(run name: String, image: Int, x: Int, y: Int, kind: AnnotationKind, by actor: Actor) async throws -> Bool {
        try await interactiveWrite { db in
            let run = try Self.run(db, named: name)
            try Self.checkAnnotation(run, image: image, x: x, y: y, kind: kind)
            try db.execute(sql: "DELETE FROM annotations WHERE run_id = ? AND image_index = ? AND x = ? AND y = ? AND kind = ?",
                           arguments: [run.id, image, x, y, kind.rawValue])
            guard db.changesCount > 0 else { return false }
            try Self.history(db, run: run.id, image: image, x: x, y: y, kind: kind.rawValue, action: "remove",
                             source: .manual, actor: actor, at: timestamp())
            return true
        }
    }

    /// Marks an image reviewed ("looked at") or not.
    public func setReviewed(run name: String, image: Int, reviewed: Bool, by actor: Actor) async throws {
        try await interactiveWrite { db in
            let run = try Self.run(db, named: name)
            try Self.setReviewed(db, run: run, image: image, reviewed: reviewed, source: .manual, actor: actor)
        }
    }

    static func setReviewed(_ db: Database, run: Run, image: Int, reviewed: Bool, source: AnnotationSource, actor: Actor) throws {
        try checkImage(run, image)
        let now = timestamp()
        try db.execute(sql: """
            INSERT INTO reviews (run_id, image_index, reviewed, annotator, updated_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (run_id, image_index) DO UPDATE SET reviewed = excluded.reviewed, annotator = excluded.annotator,
              updated_at = excluded.updated_at WHERE reviewed != excluded.reviewed
            """, arguments: [run.id, image, reviewed ? 1 : 0, actor.annotator, now])
        guard db.changesCount > 0 else { return }
        try history(db, run: run.id, image: image, x: nil, y: nil, kind: nil, action: reviewed ? "reviewed" : "unreviewed",
                    source: source, actor: actor, at: now)
    }

    /// Whether an image is marked reviewed.
    public func isReviewed(run name: String, image: Int) throws -> Bool {
        try pool.read { db in
            let run = try Self.run(db, named: name)
            try Self.checkImage(run, image)
            return try Bool.fetchOne(db, sql: "SELECT reviewed FROM reviews WHERE run_id = ? AND image_index = ?",
                                     arguments: [run.id, image]) ?? false
        }
    }

    static func history(_ db: Database, run: Int64, image: Int, x: Int?, y: Int?, kind: String?, action: String,
                        source: AnnotationSource, actor: Actor, at: String) throws {
        try db.execute(sql: """
            INSERT INTO annotation_history (run_id, image_index, x, y, kind, action, annotator, source, origin, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [run, image, x, y, kind, action, actor.annotator, source.rawValue, actor.origin, at])
    }
}
