import FeatureStore
import Foundation
import LabelStore

/// What every shard of a sharded extraction needs to know about the run and cannot read from the
/// database (shards never open it: on a network filesystem SQLite's locking cannot be trusted). Written
/// once, by the one process that reads the database (`extract --prepare`, `normlab slurm extract`),
/// into the run's shard folder as `plan.json`.
public struct ShardPlan: Codable, Sendable, Equatable {
    public var dataset: String
    /// The run name (one position) or prefix (several).
    public var run: String
    /// Positions as the model names them, in the order given.
    public var positions: [String]
    /// The run of each position.
    public var runs: [String]
    public var batchSize: Int
    public var shards: Int
    /// The dataset's image files in index order, as absolute paths.
    public var images: [String]

    public init(store: LabelStore, dataset: String, run: String, positions: [String], batchSize: Int, shards: Int) throws {
        let paths = try Extractor.imagePaths(store: store, dataset: dataset)
        let batches = (paths.count + batchSize - 1) / batchSize
        guard shards >= 1, shards <= batches else {
            throw ExtractError("--shards \(shards): the \(paths.count) images make \(batches) batches of \(batchSize); shards cut at batch boundaries, so use 1…\(batches) shards (or a smaller --batch-size)")
        }
        for p in positions where (try? store.run(named: PreparedImages.runName(base: run, position: p, positions: positions.count))) != nil {
            throw ExtractError("run '\(PreparedImages.runName(base: run, position: p, positions: positions.count))' already exists; choose another --run name")
        }
        self.dataset = dataset
        self.run = run
        self.positions = positions
        runs = positions.map { PreparedImages.runName(base: run, position: $0, positions: positions.count) }
        self.batchSize = batchSize
        self.shards = shards
        images = paths.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
    }

    /// The run's batches, as every shard and the merge cut them.
    public var batches: [Range<Int>] { PreparedImages.batches(count: images.count, size: batchSize) }

    public func shard(_ index: Int) throws -> Shard { try Shard(index: index, count: shards) }
}

/// The shard folder of run `run` beside the runs of a database: `<db>.features/<run>.shards/` with
/// `plan.json`, the job scripts, `logs/` and one `shard-NNNN/` per shard (its manifest, and per
/// position its slice of the feature files with the progress record).
public struct ShardFolder: Sendable {
    public let path: String

    public init(database: String, run: String) {
        path = LabelStore.featureFolder(database: URL(fileURLWithPath: database).standardizedFileURL.path) + "/" + run + ".shards"
    }

    public init(path: String) { self.path = path }

    public var plan: String { path + "/plan.json" }
    public var logs: String { path + "/logs" }
    public func shard(_ s: Shard) -> String { path + "/" + s.folderName }
    public func manifest(_ s: Shard) -> String { shard(s) + "/manifest.json" }
    public func slice(_ s: Shard, run: String) -> String { shard(s) + "/" + run }

    public func writePlan(_ plan: ShardPlan) throws {
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        try writeFileDurably([UInt8](try ShardJSON.encode(plan)), to: self.plan)
    }

    public func readPlan() throws -> ShardPlan {
        guard let data = FileManager.default.contents(atPath: plan) else {
            throw ExtractError("no shard plan at \(plan): prepare the run first on the machine that holds the database (normlab extract … --shards N --prepare, or normlab slurm extract)")
        }
        do { return try JSONDecoder().decode(ShardPlan.self, from: data) } catch {
            throw ExtractError("\(plan) is not a shard plan: \(error)")
        }
    }

    public func readManifest(_ s: Shard) -> ShardManifest? {
        FileManager.default.contents(atPath: manifest(s)).flatMap { try? JSONDecoder().decode(ShardManifest.self, from: $0) }
    }
}

/// The shard files' JSON: sorted keys and no escaped slashes, so equal content is equal bytes.
enum ShardJSON {
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try e.encode(value)
    }
}
