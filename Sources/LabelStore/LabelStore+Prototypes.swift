import Foundation
import GRDB

// MARK: - Prototypes (mean anomaly tokens)

/// What `recordPrototype` stores; the id and time are the store's.
public struct NewPrototype: Sendable {
    public var run: String, tokens: String, trainFraction: Double, trainImages: Int
    public var labels: [(row: LabelRow, kind: AnnotationKind)]
    public var tokenCount: Int, vector: [Float], filePath: String?

    public init(run: String, tokens: String, trainFraction: Double, trainImages: Int,
                labels: [(row: LabelRow, kind: AnnotationKind)], tokenCount: Int, vector: [Float], filePath: String?) {
        self.run = run; self.tokens = tokens; self.trainFraction = trainFraction; self.trainImages = trainImages
        self.labels = labels; self.tokenCount = tokenCount; self.vector = vector; self.filePath = filePath
    }

    /// The label set's identity: SHA-256 of the sorted lines 'image,x,y,kind\n'.
    public var labelsSHA256: String {
        let lines = labels.map { "\($0.row.image),\($0.row.x),\($0.row.y),\($0.kind.rawValue)\n" }.sorted().joined()
        return sha256Hex(Array(lines.utf8))
    }
}

extension LabelStore {
    /// Records a prototype; returns its id.
    public func recordPrototype(_ p: NewPrototype) async throws -> Int64 {
        try await pool.write { db in
            let run = try Self.run(db, named: p.run)
            guard p.vector.count == run.channels else {
                throw LabelStoreError.badInput("prototype has \(p.vector.count) channels, run '\(run.name)' \(run.channels)")
            }
            try db.execute(sql: """
                INSERT INTO prototypes (run_id, tokens, train_fraction, train_images, label_count, labels_sha256, token_count,
                                        channels, vector, file_path, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [run.id, p.tokens, p.trainFraction, p.trainImages, p.labels.count, p.labelsSHA256, p.tokenCount,
                                 p.vector.count, Self.blob(p.vector), p.filePath, timestamp()])
            return db.lastInsertedRowID
        }
    }

    /// One recorded prototype.
    public func prototype(id: Int64) throws -> PrototypeRecord {
        try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: Self.prototypeSQL + " WHERE p.id = ?", arguments: [id]) else {
                throw LabelStoreError.unknownPrototype(id)
            }
            return Self.prototype(row)
        }
    }

    /// Recorded prototypes, newest first; of one run when `run` is given.
    public func prototypes(run name: String? = nil) throws -> [PrototypeRecord] {
        try pool.read { db in
            if let name {
                let run = try Self.run(db, named: name)
                return try Row.fetchAll(db, sql: Self.prototypeSQL + " WHERE p.run_id = ? ORDER BY p.id DESC", arguments: [run.id])
                    .map(Self.prototype)
            }
            return try Row.fetchAll(db, sql: Self.prototypeSQL + " ORDER BY p.id DESC").map(Self.prototype)
        }
    }

    static let prototypeSQL = """
        SELECT p.id, r.name AS run, p.tokens, p.train_fraction, p.train_images, p.label_count, p.labels_sha256, p.token_count,
               p.vector, p.file_path, p.created_at
        FROM prototypes p JOIN runs r ON r.id = p.run_id
        """

    static func prototype(_ row: Row) -> PrototypeRecord {
        PrototypeRecord(id: row["id"], run: row["run"], tokens: row["tokens"], trainFraction: row["train_fraction"],
                        trainImages: row["train_images"], labelCount: row["label_count"], labelsSHA256: row["labels_sha256"],
                        tokenCount: row["token_count"], vector: floats(row["vector"]), filePath: row["file_path"], createdAt: row["created_at"])
    }

    /// float32 little-endian bytes (the hosts normlab runs on are little-endian).
    static func blob(_ v: [Float]) -> Data { v.withUnsafeBufferPointer { Data(buffer: $0) } }

    static func floats(_ data: Data) -> [Float] {
        data.withUnsafeBytes { raw in (0..<data.count / 4).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
    }
}
