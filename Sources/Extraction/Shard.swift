/// One of N shards of a run: shard `index` (0-based) of `count`. Shards cut the run at batch boundaries
/// (noise is drawn per batch, so a cut inside a batch would change its images' representations) and
/// each takes a contiguous range of batches, the first `B mod N` shards one batch more than the rest.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1 else { throw ExtractError("the shard count must be at least 1 (got \(count))") }
        guard (0..<count).contains(index) else { throw ExtractError("shard \(index) of \(count) does not exist: shards are 0…\(count - 1)") }
        (self.index, self.count) = (index, count)
    }

    /// `I/N`, e.g. `3/8`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw ExtractError("--shard '\(text)' is not I/N (e.g. 3/8: the fourth of eight shards, counting from 0)")
        }
        try self.init(index: i, count: n)
    }

    /// The shard a scheduler assigned: SLURM's array task id and count, or Kubernetes' indexed-job
    /// `JOB_COMPLETION_INDEX` with the count given as `shards`. Nil when neither is set.
    public static func fromEnvironment(_ env: [String: String], shards: Int?) throws -> Shard? {
        if let id = env["SLURM_ARRAY_TASK_ID"] {
            guard let i = Int(id) else { throw ExtractError("SLURM_ARRAY_TASK_ID '\(id)' is not a number") }
            if let shards { return try Shard(index: i, count: shards) }
            guard let n = env["SLURM_ARRAY_TASK_COUNT"].flatMap(Int.init) else {
                throw ExtractError("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; give --shards N or --shard I/N")
            }
            return try Shard(index: i, count: n)
        }
        if let id = env["JOB_COMPLETION_INDEX"] {
            guard let i = Int(id) else { throw ExtractError("JOB_COMPLETION_INDEX '\(id)' is not a number") }
            guard let shards else { throw ExtractError("JOB_COMPLETION_INDEX is set: give the shard count with --shards N") }
            return try Shard(index: i, count: shards)
        }
        return nil
    }

    /// This shard's batches among `batches` (the run's, in order): a contiguous run of them.
    public func batches(of batches: [Range<Int>]) -> ArraySlice<Range<Int>> {
        let b = batches.count
        let start = index * (b / count) + min(index, b % count)
        let size = b / count + (index < b % count ? 1 : 0)
        return batches[start ..< start + size]
    }

    /// This shard's images: from its first batch's first image to its last batch's end.
    public func images(of batches: [Range<Int>]) -> Range<Int> {
        let mine = self.batches(of: batches)
        guard let first = mine.first, let last = mine.last else { return 0..<0 }
        return first.lowerBound ..< last.upperBound
    }

    /// "shard-0003": its folder name (sorts in index order).
    public var folderName: String {
        let digits = String(index)
        return "shard-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    public var description: String { "\(index)/\(count)" }
}
