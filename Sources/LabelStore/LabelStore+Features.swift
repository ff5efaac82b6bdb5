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
        try await registerRuns([RunRegistration(name: name, dataset: dataset, shape: shape, staging: staging, relative: relative,
                                                position: position, metadata: metadata, contents: contents)])[0]
    }

    /// Moves several finished feature folders into place and records their runs in one transaction
    /// (the positions of one extraction): either every run is registered or none is, and a failed
    /// move puts the folders already moved back into their staging places.
    public func registerRuns(_ runs: [RunRegistration]) async throws -> [Run] {
        let rows = try runs.map { r in
            var metadata = r.metadata
            metadata.normlabVersion = normlabVersion
            return (r, try metadata.json(), resolve(r.relative))
        }
        return try await pool.write { db in
            for (r, metaJSON, _) in rows {
                let datasetID = try Self.datasetForRun(db, name: r.dataset, count: r.shape.count)
                try db.execute(sql: """
                    INSERT INTO runs (dataset_id, name, position, image_count, channels, height, width, feature_path, metadata, created_at, contents)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [datasetID, r.name, r.position, r.shape.count, r.shape.channels, r.shape.height, r.shape.width,
                                     r.relative, metaJSON, timestamp(), r.contents.rawValue])
            }
            // Last step inside the transaction: if a rename fails, the inserts roll back.
            try Self.publish(rows.map { (staging: $0.0.staging, final: $0.2) })
            return try runs.map { try Self.run(db, named: $0.name) }
        }
    }

    /// Renames every staging folder to its final name, or none: a failure moves the ones already
    /// renamed back. The new names must be durable before the commit is: a run row whose folder a
    /// power cut took back would point at nothing.
    static func publish(_ moves: [(staging: String, final: String)]) throws {
        var done: [(staging: String, final: String)] = []
        do {
            for m in moves {
                try? FileManager.default.removeItem(atPath: m.final) // an orphan of an earlier crash
                try FileManager.default.moveItem(atPath: m.staging, toPath: m.final)
                done.append(m)
            }
        } catch {
            for m in done.reversed() { try? FileManager.default.moveItem(atPath: m.final, toPath: m.staging) }
            throw error
        }
        for folder in Set(moves.map { parentFolder(of: $0.final) }) { syncDirectory(folder) }
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

/// One finished feature folder to register as a run (`LabelStore.registerRuns`).
public struct RunRegistration: Sendable {
    public var name: String
    public var dataset: String
    public var shape: FeatureShape
    /// The finished folder and its name relative to the database's folder once registered.
    public var staging: String
    public var relative: String
    public var position: String
    public var metadata: RunMetadata
    /// What the folder holds: features and norms, or norms only.
    public var contents: RunContents

    public init(name: String, dataset: String, shape: FeatureShape, staging: String, relative: String, position: String = "",
                metadata: RunMetadata, contents: RunContents = .features) {
        (self.name, self.dataset, self.shape, self.staging, self.relative, self.position, self.metadata, self.contents) =
            (name, dataset, shape, staging, relative, position, metadata, contents)
    }
}
