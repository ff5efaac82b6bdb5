import MappedFile
import NPYFormat

/// A published run's features and token norms, memory-mapped (nothing is copied into RAM; the OS
/// pages in what is read). Immutable, so it can be shared between tasks.
public final class FeatureReader: Sendable {
    public let folder: String
    public let shape: FeatureShape
    private let featureFile: MappedFile
    private let normFile: MappedFile
    private let featureOffset: Int
    private let normOffset: Int

    public init(folder: String) throws {
        self.folder = folder
        featureFile = try MappedFile(path: folder + "/" + FeatureFiles.features)
        normFile = try MappedFile(path: folder + "/" + FeatureFiles.norms)
        let f = try Self.header(featureFile, dtype: .float16, rank: 4)
        let n = try Self.header(normFile, dtype: .float32, rank: 3)
        guard n.shape == [f.shape[0], f.shape[2], f.shape[3]] else {
            throw FeatureStoreError.inconsistent(folder, "features \(f.shape) but norms \(n.shape)")
        }
        shape = FeatureShape(count: f.shape[0], channels: f.shape[1], height: f.shape[2], width: f.shape[3])
        featureOffset = f.dataOffset
        normOffset = n.dataOffset
    }

    private static func header(_ file: MappedFile, dtype: NPYDType, rank: Int) throws -> NPYHeader {
        let h = try NPYHeader.parse(file.bytes, name: file.path)
        guard h.dtype == dtype else { throw NPYError.wrongDType(file.path, expected: dtype.rawValue, actual: h.dtype.rawValue) }
        guard h.shape.count == rank else { throw NPYError.wrongShape(file.path, "expected rank \(rank), found \(h.shape)") }
        guard file.count - h.dataOffset >= h.dataByteCount else {
            throw NPYError.truncated(file.path, expected: h.dataByteCount, actual: file.count - h.dataOffset)
        }
        return h
    }

    /// All features, (N, C, H, W) float16, valid while this reader lives.
    public var allFeatures: UnsafeBufferPointer<Float16> {
        let base = featureFile.bytes.baseAddress! + featureOffset
        return UnsafeBufferPointer(start: base.assumingMemoryBound(to: Float16.self), count: shape.count * shape.valuesPerImage)
    }

    /// All token norms, (N, H, W) float32, valid while this reader lives.
    public var allNorms: UnsafeBufferPointer<Float> {
        let base = normFile.bytes.baseAddress! + normOffset
        return UnsafeBufferPointer(start: base.assumingMemoryBound(to: Float.self), count: shape.count * shape.tokensPerImage)
    }

    /// Image `index`'s features, (C, H, W).
    public func features(image index: Int) -> UnsafeBufferPointer<Float16> {
        UnsafeBufferPointer(rebasing: allFeatures[index * shape.valuesPerImage ..< (index + 1) * shape.valuesPerImage])
    }

    /// Image `index`'s token norms, (H, W) row-major: norm of token (x, y) at `y * width + x`.
    public func norms(image index: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(rebasing: allNorms[index * shape.tokensPerImage ..< (index + 1) * shape.tokensPerImage])
    }

    /// Token (x, y) of image `index` as float32: its C channel values (strided by H·W in the file).
    public func token(image index: Int, x: Int, y: Int) -> [Float] {
        let values = features(image: index), plane = shape.tokensPerImage, t = y * shape.width + x
        return (0..<shape.channels).map { Float(values[$0 * plane + t]) }
    }

    /// The largest token norm of the run (for `scale=run` norm maps).
    public func maximumNorm() -> Float { allNorms.max() ?? 0 }
}
