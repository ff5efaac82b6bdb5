import FeatureStore
import Foundation
import LabelStore

/// A shard's account of itself (`shard-NNNN/manifest.json`): which images it covers, the exact settings
/// of every position's run (model path, weight hashes, seed, … as `extract-settings.json` holds them),
/// the slices' shapes, and its state. Rewritten durably when the shard starts, finishes or fails; the
/// merge trusts only finished manifests that agree with each other and with the plan.
public struct ShardManifest: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case running, finished, failed, stopped }

    public var shard: Int
    public var shards: Int
    /// Images `first..<end` of the dataset.
    public var first: Int
    public var end: Int
    /// Per run: the bytes of its `extract-settings.json`, as text.
    public var settings: [String: String]
    /// What the merge records with every run (as a single-process extraction would).
    public var metadata: RunMetadata
    /// What the slices hold (`--keep`): every shard of a run must keep the same.
    public var keep: RunContents
    /// Per run: (channels, height, width) of each image's representation.
    public var shapes: [String: [Int]]
    public var state: State
    /// Why the shard failed or stopped.
    public var error: String?
    public var host: String
    public var updated: String

    public var images: Range<Int> { first..<end }
}

extension ShardFolder {
    func write(_ m: ShardManifest, for s: Shard) throws {
        try FileManager.default.createDirectory(atPath: shard(s), withIntermediateDirectories: true)
        try writeFileDurably([UInt8](try ShardJSON.encode(m)), to: manifest(s))
    }
}
