import Domain

/// Everything the shards of a sharded detection need, resolved once by the one process that reads the
/// database (`detect … --shards N --prepare`, `normlab slurm detect`) and written as `plan.json` into
/// the output's shard folder. Shards read only this plan, `prototypes.npy` beside it and the run's
/// feature files: on a network filesystem SQLite's locking cannot be trusted, so no shard opens the
/// database, not even to read.
public struct DetectionPlan: Codable, Sendable, Equatable {
    public struct PlannedPrototype: Codable, Sendable, Equatable {
        /// How `detect` names it in messages and plot titles.
        public var label: String
        public var description: String
        public var id: Int64?
    }

    /// The detect options the results depend on (run, prototypes, from-index, thresholds, unit, at,
    /// per-image); a shard's and the merge's command line must give the same.
    public var options: [String: String]
    public var run: String
    /// The run's feature folder (absolute) and its shape (N, C, H, W).
    public var features: String
    public var shape: [Int]
    /// Images `from..<shape[0]` are evaluated, for the reason `why`.
    public var from: Int
    public var why: String
    public var prototypes: [PlannedPrototype]
    /// SHA-256 of `prototypes.npy`: the resolved vectors, float32 (P, C), in `prototypes`' order.
    public var prototypesSHA256: String
    /// The labels of the evaluated images, rows (image, x, y).
    public var patches: [[Int]]
    public var points: [[Int]]
    public var shards: Int

    public init(evaluated e: EvaluatedRun, options: [String: String], prototypesSHA256: String, shards: Int) throws {
        guard shards >= 1, shards <= e.images.count else {
            throw Detection.Failure(description: "--shards \(shards): \(e.images.count) images are evaluated; use 1…\(e.images.count) shards")
        }
        func rows(_ labels: [LabelRow]) -> [[Int]] { labels.filter { e.images.contains($0.image) }.map { [$0.image, $0.x, $0.y] } }
        self.options = options
        run = e.run.name
        let s = e.features.shape
        (features, shape) = (e.features.folder, [s.count, s.channels, s.height, s.width])
        (from, why) = (e.images.lowerBound, e.why)
        prototypes = e.prototypes.map { PlannedPrototype(label: $0.label, description: $0.description, id: $0.id) }
        self.prototypesSHA256 = prototypesSHA256
        (patches, points) = (rows(e.labels.patches), rows(e.labels.points))
        self.shards = shards
    }

    public var images: Range<Int> { from ..< shape[0] }

    public var labels: RunLabels {
        func rows(_ r: [[Int]]) -> [LabelRow] { r.map { LabelRow(image: $0[0], x: $0[1], y: $0[2]) } }
        return RunLabels(patches: rows(patches), points: rows(points))
    }

    /// Each differing option as "--name value differs from the plan's value".
    public func differences(_ options: [String: String]) -> [String] {
        Set(self.options.keys).union(options.keys).sorted().compactMap { key in
            let (mine, theirs) = (self.options[key] ?? "", options[key] ?? "")
            return mine == theirs ? nil : "--\(key) '\(theirs)' differs from the plan's '\(mine)'"
        }
    }
}

/// One prototype's detection over some images: TP/FP/FN per threshold, and when asked for the
/// detections at one threshold and the detections per image and threshold.
public struct DetectionResult: Sendable, Equatable {
    public var rows: [Detection.Row]
    public var detections: [LabelRow]?
    public var perImage: [[Int]]?

    public init(rows: [Detection.Row], detections: [LabelRow]?, perImage: [[Int]]?) {
        (self.rows, self.detections, self.perImage) = (rows, detections, perImage)
    }
}

/// A shard's part of a planned detection (`<output>.shards/shard-NNNN.json`): its counts over images
/// `first..<end` per prototype, made from the plan whose SHA-256 is `plan`.
public struct DetectionPart: Codable, Sendable, Equatable {
    public struct Counts: Codable, Sendable, Equatable {
        public var counts: [[Int]]          // tp, fp, fn per threshold
        public var detections: [[Int]]?     // image, x, y
        public var perImage: [[Int]]?
    }

    public var plan: String
    public var shard: Int, shards: Int
    public var first: Int, end: Int
    public var parts: [Counts]
    public var host: String

    public init(plan: String, shard: Int, shards: Int, images: Range<Int>, results: [DetectionResult], host: String) {
        (self.plan, self.shard, self.shards, first, end, self.host) = (plan, shard, shards, images.lowerBound, images.upperBound, host)
        parts = results.map { r in
            Counts(counts: r.rows.map { [$0.tp, $0.fp, $0.fn] }, detections: r.detections?.map { [$0.image, $0.x, $0.y] }, perImage: r.perImage)
        }
    }

    public var images: Range<Int> { first ..< end }

    /// The sums of the parts (in image order) at `thresholds`: the rows, detections and per-image counts
    /// of one process over all their images.
    public static func merge(_ parts: [DetectionPart], thresholds: [Float]) throws -> [DetectionResult] {
        guard let first = parts.first else { return [] }
        for p in parts where p.parts.count != first.parts.count || p.parts.contains(where: { $0.counts.count != thresholds.count }) {
            throw Detection.Failure(description: "shard \(p.shard) counted \(p.parts.count) prototypes at other thresholds than the plan's")
        }
        return try first.parts.indices.map { k in
            let rows = try Detection.combine(parts.map { p in
                zip(thresholds, p.parts[k].counts).map { Detection.Row(threshold: $0, tp: $1[0], fp: $1[1], fn: $1[2]) }
            })
            let found = first.parts[k].detections == nil ? nil
                : parts.flatMap { $0.parts[k].detections ?? [] }.map { LabelRow(image: $0[0], x: $0[1], y: $0[2]) }
            return DetectionResult(rows: rows, detections: found, perImage: first.parts[k].perImage == nil ? nil : parts.flatMap { $0.parts[k].perImage ?? [] })
        }
    }
}
