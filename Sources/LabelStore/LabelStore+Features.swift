import FeatureStore
import Foundation
import GRDB

// MARK: - Feature runs

extension LabelStore {
    /// Imports a (N, C, H, W) float16/float32 `.npy` as run `run` of dataset `dataset` (created
    /// with N imageless entries if missing), keeping features and norms or only the norms. All checks
    /// happen before anything is stored; the feature files are published and the run row inserted only
    /// when everything succeeded.
    @discardableResult
    public func importFeatures(file: String, dataset: String, run: String, position: String = "",
                               metadata: RunMetadata = RunMetadata(), keep: RunContents = .features) async throws -> Run {
        try checkName(run, what: "run")
        try checkName(dataset, what: "dataset")
        let shape = try FeatureImport.inspect(path: file)
        try await checkRunCanBeAdded(run: run, dataset: dataset, count: shape.count, file: file)
        let relative = featureFolderName + "/" + run
        let staging = resolve(featureFolderName + "/.import-\(run)-\(getpid())")
        defer { try? FileManager.default.removeItem(atPath: staging) }
        try FeatureImport.run(path: file, into: staging, contents: keep)
        var meta = metadata
        meta.source = meta.source ?? "import"
        meta.sourceFile = meta.sourceFile ?? (file as NSString).lastPathComponent
        return try await registerRun(name: run, dataset: dataset, shape: shape, staging: staging, relative: relative,
                                     position: position, metadata: meta, contents: keep)
    }

    private func checkRunCanBeAdded(run: String, dataset: String, count: Int, file: String) async throws {
        try await pool.read { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM runs WHERE name = ?", arguments: [run]) == true {
                throw LabelStoreError.duplicateRun(run)
            }
            if let d = try? Self.dataset(db, named: dataset), d.imageCount != count {
                throw LabelStoreError.countMismatch(dataset: dataset, datasetCount: d.imageCount, fileCount: count, file: file)
            }
        }
    }

    /// Moves a finished feature folder into place and records the run, in one transaction.
    /// Called by `features import` and by `normlab extract` when a run is complete.
    public func registerRun(name: String, dataset: String, shape: FeatureShape, staging: String, relative: String,
                            position: String = "", metadata: RunMetadata, contents: RunContents = .features) async throws -> Run {
        let final = resolve(relative)
        var metadata = metadata
        metadata.normlabVersion = normlabVersion
        let metaJSON = try metadata.json()
        return try await pool.write { db in
            let datasetID = try Self.datasetForRun(db, name: dataset, count: shape.count)
            try db.execute(sql: """
                INSERT INTO runs (dataset_id, name, position, image_count, channels, height, width, feature_path, metadata, created_at, contents)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [datasetID, name, position, shape.count, shape.channels, shape.height, shape.width, relative, metaJSON,
                                 timestamp(), contents.rawValue])
            // Last step inside the transaction: if the rename fails, the insert rolls back.
            try? FileManager.default.removeItem(atPath: final) // an orphan of an earlier crash
            try FileManager.default.moveItem(atPath: staging, toPath: final)
            // The new name must be durable before the commit is: a run row whose folder a power
            // cut took back would point at nothing.
            syncDirectory(parentFolder(of: final))
            return try Self.run(db, named: name)
        }
    }

    /// The id of dataset `name`, creating it with `count` imageless entries if missing.
    static func datasetForRun(_ db: Database, name: String, count: Int) throws -> Int64 {
        if let d = try? dataset(db, named: name) {
            guard d.imageCount == count else {
                throw LabelStoreError.countMismatch(dataset: name, datasetCount: d.imageCount, fileCount: count, file: "the run")
            }
            return d.id
        }
        try db.execute(sql: "INSERT INTO datasets (name, root, created_at) VALUES (?, NULL, ?)", arguments: [name, timestamp()])
        let id = db.lastInsertedRowID
        for i in 0..<count {
            try db.execute(sql: "INSERT INTO images (dataset_id, image_index) VALUES (?, ?)", arguments: [id, i])
        }
        return id
    }

    /// A fresh staging folder for a run being written (e.g. by a resumable extraction).
    public func stagingFolder(run: String) throws -> (staging: String, relative: String) {
        try checkName(run, what: "run")
        return (resolve(featureFolderName + "/.staging-\(run)"), featureFolderName + "/" + run)
    }

    /// Opens a run's features, memory-mapped; a run that keeps only its norms is refused, naming what is missing.
    public func features(of run: Run) throws -> FeatureReader {
        guard run.contents == .features else { throw LabelStoreError.featuresNotKept(run: run.name) }
        return try FeatureReader(folder: resolve(run.featurePath))
    }

    /// Opens a run's token norms, memory-mapped: every run has them.
    public func norms(of run: Run) throws -> NormReader {
        try NormReader(folder: resolve(run.featurePath))
    }
}

/// The version recorded in run metadata.
public let normlabVersion = "0.1.0"
