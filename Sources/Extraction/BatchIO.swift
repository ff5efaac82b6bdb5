import FeatureStore
import Foundation
import ImageIO
import Inference
import LabelStore

/// A dataset's image files as the batches load them, shared by a whole extraction and its shards: every
/// image is prepared and must have the prepared size of image 0 (one contiguous feature array per run).
public struct PreparedImages: Sendable {
    public let paths: [String]
    public let preparation: ImagePreparation
    public let size: (width: Int, height: Int)

    /// Checks image 0's prepared size (sides must be multiples of 8).
    public init(paths: [String], preparation: ImagePreparation, dataset: String) throws {
        guard !paths.isEmpty else { throw ExtractError("dataset '\(dataset)' has no images") }
        let first = try preparation.load(paths[0])
        guard first.width % 8 == 0, first.height % 8 == 0 else {
            throw ExtractError("\(paths[0]) is \(first.width)×\(first.height) after preparation; sides must be multiples of 8 (use --resize N)")
        }
        self.paths = paths
        self.preparation = preparation
        size = (first.width, first.height)
    }

    /// The batches in order: sdhelper reseeds per batch, so a batch's images share one noise draw.
    public func batches(size batchSize: Int) -> [Range<Int>] { Self.batches(count: paths.count, size: batchSize) }

    public static func batches(count: Int, size: Int) -> [Range<Int>] {
        stride(from: 0, to: count, by: size).map { $0..<min($0 + size, count) }
    }

    /// The batch's images, prepared; each must have image 0's size.
    public func load(_ batch: Range<Int>) throws -> [Image8] {
        try batch.map { i in
            let img = try preparation.load(paths[i])
            guard (img.width, img.height) == size else {
                throw ExtractError("\(paths[i]): \(img.width)×\(img.height) after preparation, but image 0 is \(size.width)×\(size.height); a run needs one size (use --resize N, with --center-crop for non-square images)")
            }
            return img
        }
    }

    /// The run name of position `p`: `base` for one position, `<base>_<position>` for several.
    public static func runName(base: String, position p: String, positions: Int) -> String {
        positions == 1 ? base : base + "_" + folderName(position: p)
    }

    /// A position as a file name without brackets: `up_blocks[1].upsamplers[0]` → `up_blocks1.upsamplers0`.
    public static func folderName(position p: String) -> String {
        p.replacingOccurrences(of: "[", with: "").replacingOccurrences(of: "]", with: "")
    }
}

extension FeatureWriter {
    /// Writes a position's output [B, C, H, W] for the batch's images to slots `batch` shifted down by
    /// `firstSlot` (a shard's files start at its first image) through the checked float32 path
    /// (non-finite values are refused), then makes them durable.
    public func write(_ t: Tensor, images batch: Range<Int>, firstSlot: Int = 0) throws {
        let per = t.count / batch.count
        try t.data.withUnsafeBufferPointer { all in
            for (k, index) in batch.enumerated() {
                try write(image: index - firstSlot, floats: UnsafeBufferPointer(rebasing: all[(k * per)..<((k + 1) * per)]))
            }
        }
        try sync()
    }

    /// A writer in `folder` for `shape` keeping `contents`, resumed when an earlier attempt left one there
    /// whose `extract-settings.json` has exactly the bytes `settings` (then `resumed` is true), else new.
    /// The settings name what is kept, so a folder of the other kind is never resumed.
    public static func openResumable(folder: String, shape: FeatureShape, contents: RunContents = .features, settings: Data) throws
        -> (writer: FeatureWriter, resumed: Bool) {
        let settingsPath = folder + "/" + ExtractionSettings.fileName
        if let previous = FileManager.default.contents(atPath: settingsPath), previous == settings,
           let writer = try? FeatureWriter.resume(folder: folder, shape: shape, contents: contents) {
            return (writer, true)
        }
        try? FileManager.default.removeItem(atPath: folder)
        let writer = try FeatureWriter.create(folder: folder, shape: shape, contents: contents)
        // Durable like the batches: settings lost in a power cut would make the next run start over.
        try writeFileDurably([UInt8](settings), to: settingsPath)
        return (writer, false)
    }
}
