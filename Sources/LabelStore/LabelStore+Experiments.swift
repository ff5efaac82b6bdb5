import Foundation
import GRDB

// MARK: - Experiment runs (`normlab experiments run`)

/// A finished experiment run as the database records it (the arrays stay in `folder`).
public struct ExperimentRecord: Sendable, Equatable {
    public var id: Int64 = 0
    public var dataset: String
    public var folder: String
    public var experiments: String
    public var layers: Int
    public var images: Int
    public var model: String
    public var modelHash: String
    public var timestep: Int
    public var seed: UInt64
    public var batchSize: Int
    public var labelsSHA256: String?
    public var settingsJSON: String
    public var finishedAt: String = ""

    public init(dataset: String, folder: String, experiments: String, layers: Int, images: Int, model: String, modelHash: String,
                timestep: Int, seed: UInt64, batchSize: Int, labelsSHA256: String?, settingsJSON: String) {
        (self.dataset, self.folder, self.experiments, self.layers, self.images) = (dataset, folder, experiments, layers, images)
        (self.model, self.modelHash, self.timestep, self.seed) = (model, modelHash, timestep, seed)
        (self.batchSize, self.labelsSHA256, self.settingsJSON) = (batchSize, labelsSHA256, settingsJSON)
    }
}

extension LabelStore {
    /// Records a finished experiment run; a run recorded before into the same folder is replaced. Returns its id.
    @discardableResult
    public func recordExperiment(_ e: ExperimentRecord) async throws -> Int64 {
        try await pool.write { db in
            let dataset = try Self.dataset(db, named: e.dataset)
            try db.execute(sql: """
                INSERT INTO experiments (dataset_id, folder, experiments, layer_count, image_count, model, model_hash, timestep, seed,
                                         batch_size, labels_sha256, settings_json, finished_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(folder) DO UPDATE SET dataset_id = excluded.dataset_id, experiments = excluded.experiments,
                    layer_count = excluded.layer_count, image_count = excluded.image_count, model = excluded.model,
                    model_hash = excluded.model_hash, timestep = excluded.timestep, seed = excluded.seed, batch_size = excluded.batch_size,
                    labels_sha256 = excluded.labels_sha256, settings_json = excluded.settings_json, finished_at = excluded.finished_at
                """, arguments: [dataset.id, e.folder, e.experiments, e.layers, e.images, e.model, e.modelHash, e.timestep, "\(e.seed)",
                                 e.batchSize, e.labelsSHA256, e.settingsJSON, timestamp()])
            return try Int64.fetchOne(db, sql: "SELECT id FROM experiments WHERE folder = ?", arguments: [e.folder])!
        }
    }

    /// Recorded experiment runs, newest first.
    public func experiments() throws -> [ExperimentRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT e.id, d.name, e.folder, e.experiments, e.layer_count, e.image_count, e.model, e.model_hash, e.timestep, e.seed,
                       e.batch_size, e.labels_sha256, e.settings_json, e.finished_at
                FROM experiments e JOIN datasets d ON d.id = e.dataset_id ORDER BY e.id DESC
                """).map { row in
                var r = ExperimentRecord(dataset: row[1], folder: row[2], experiments: row[3], layers: row[4], images: row[5], model: row[6],
                                         modelHash: row[7], timestep: row[8], seed: UInt64(row[9] as String) ?? 0, batchSize: row[10],
                                         labelsSHA256: row[11], settingsJSON: row[12])
                r.id = row[0]
                r.finishedAt = row[13]
                return r
            }
        }
    }
}
