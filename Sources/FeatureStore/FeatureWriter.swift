#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Domain
import NPYFormat

/// Fills a run's feature folder image by image, then publishes it atomically.
///
/// Data goes to `features.npy.partial` / `norms.npy.partial`, sized for the whole run up front so
/// that any image slot can be written in any order (resumable extraction writes as it goes). A run
/// that keeps only its norms (`RunContents.norms`) has no features file at all, not even a partial one;
/// its norms are computed from the same float16 values, so they are the bytes a full run would write.
/// `sync()` makes the written slots durable and records them in `progress.bin`; `finish()` renames
/// the partial files to their final names, so readers never see a half-written run.
public final class FeatureWriter {
    public let folder: String
    public let shape: FeatureShape
    public let contents: RunContents
    private let features: PosixFile?
    private let norms: PosixFile
    private let featureOffset: Int
    private let normOffset: Int
    private var written: [Bool]
    private var normBuffer: [Float]

    /// Starts a new run in `folder` (created if missing; any earlier partial files are replaced).
    public static func create(folder: String, shape: FeatureShape, contents: RunContents = .features) throws -> FeatureWriter {
        try makeDirectory(folder)
        let w = try FeatureWriter(folder: folder, shape: shape, contents: contents, flags: O_RDWR | O_CREAT | O_TRUNC)
        if let features = w.features {
            try features.write(header: NPYHeader(dtype: .float16, shape: w.featureShape, dataOffset: 0))
            try features.resize(to: w.featureOffset + shape.count * shape.valuesPerImage * 2)
        }
        try w.norms.write(header: NPYHeader(dtype: .float32, shape: w.normShape, dataOffset: 0))
        try w.norms.resize(to: w.normOffset + shape.count * shape.tokensPerImage * 4)
        try w.sync()
        return w
    }

    /// Reopens a run started with `create` (after a crash or stop), keeping the synced slots.
    public static func resume(folder: String, shape: FeatureShape, contents: RunContents = .features) throws -> FeatureWriter {
        let w = try FeatureWriter(folder: folder, shape: shape, contents: contents, flags: O_RDWR)
        let progress = try PosixFile(path: w.path(FeatureFiles.progress), flags: O_RDONLY)
        w.written = try progress.read(count: shape.count, at: 0).map { $0 == 1 }
        return w
    }

    private init(folder: String, shape: FeatureShape, contents: RunContents, flags: Int32) throws {
        self.folder = folder
        self.shape = shape
        self.contents = contents
        featureOffset = NPYHeader(dtype: .float16, shape: [shape.count, shape.channels, shape.height, shape.width], dataOffset: 0).encoded().count
        normOffset = NPYHeader(dtype: .float32, shape: [shape.count, shape.height, shape.width], dataOffset: 0).encoded().count
        features = contents == .features
            ? try PosixFile(path: folder + "/" + FeatureFiles.features + FeatureFiles.partialSuffix, flags: flags) : nil
        norms = try PosixFile(path: folder + "/" + FeatureFiles.norms + FeatureFiles.partialSuffix, flags: flags)
        written = Array(repeating: false, count: shape.count)
        normBuffer = Array(repeating: 0, count: shape.tokensPerImage)
    }

    private var featureShape: [Int] { [shape.count, shape.channels, shape.height, shape.width] }
    private var normShape: [Int] { [shape.count, shape.height, shape.width] }
    private func path(_ name: String) -> String { folder + "/" + name }

    /// Image indices not written yet.
    public var missingImages: [Int] { written.indices.filter { !written[$0] } }

    /// Writes image `index`'s features, laid out (C, H, W), and its token norms (only the norms when the
    /// run keeps only those).
    public func write(image index: Int, values: UnsafeBufferPointer<Float16>) throws {
        guard (0..<shape.count).contains(index) else { throw FeatureStoreError.imageOutOfRange(index, count: shape.count) }
        guard values.count == shape.valuesPerImage else {
            throw FeatureStoreError.wrongValueCount(image: index, expected: shape.valuesPerImage, actual: values.count)
        }
        try features?.write(UnsafeRawBufferPointer(values), at: featureOffset + index * shape.valuesPerImage * 2)
        try normBuffer.withUnsafeMutableBufferPointer { n in
            tokenNorms(values, channels: shape.channels, tokens: shape.tokensPerImage, into: n)
            try norms.write(UnsafeRawBufferPointer(n), at: normOffset + index * shape.tokensPerImage * 4)
        }
        written[index] = true
    }

    /// Writes image `index` from float32 values (C, H, W), e.g. straight from the U-Net; values that
    /// are not finite in float16 (NaN, ±Inf, beyond ±65504) are refused, naming the first one.
    public func write(image index: Int, floats: UnsafeBufferPointer<Float>) throws {
        var half = [Float16](repeating: 0, count: floats.count)
        for i in 0..<floats.count {
            half[i] = Float16(floats[i])
            if !half[i].isFinite {
                let t = i % shape.tokensPerImage
                throw FeatureStoreError.notFinite(folder, image: index, channel: i / shape.tokensPerImage,
                                                  x: t % shape.width, y: t / shape.width, value: "\(floats[i])")
            }
        }
        try half.withUnsafeBufferPointer { try write(image: index, values: $0) }
    }

    /// Makes every slot written so far durable, then records them in `progress.bin`. The order
    /// matters: the progress file never claims a slot whose data could still be lost.
    public func sync() throws {
        try features?.sync()
        try norms.sync()
        try writeFileDurably(written.map { UInt8($0 ? 1 : 0) }, to: path(FeatureFiles.progress))
    }

    /// Publishes the run: every slot must be written. Afterwards `FeatureReader(folder:)` opens it
    /// (`NormReader(folder:)` when it keeps only norms).
    public func finish() throws {
        let missing = missingImages
        guard missing.isEmpty else { throw FeatureStoreError.incomplete(folder, missing: missing) }
        try features?.sync()
        try norms.sync()
        if features != nil { try renameFile(path(FeatureFiles.features + FeatureFiles.partialSuffix), path(FeatureFiles.features)) }
        try renameFile(path(FeatureFiles.norms + FeatureFiles.partialSuffix), path(FeatureFiles.norms))
        unlink(path(FeatureFiles.progress))
        syncDirectory(folder)
    }
}

extension PosixFile {
    func write(header: NPYHeader) throws {
        try header.encoded().withUnsafeBytes { try write($0, at: 0) }
    }
}

/// `mkdir -p`; the folder holding each created folder is synced, so the new names survive a
/// crash of the machine (the files synced inside them would otherwise be unreachable).
func makeDirectory(_ path: String) throws {
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
        let parent = current.isEmpty ? "/" : current
        current += "/" + part
        if mkdir(current, 0o755) == 0 {
            syncDirectory(parent)
        } else if errno != EEXIST {
            throw FeatureStoreError.io(current, "cannot create folder: \(errnoText())")
        }
    }
}
