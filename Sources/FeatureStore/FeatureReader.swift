import MappedFile
import NPYFormat

/// A published run's features and token norms, memory-mapped (nothing is copied into RAM; the OS
/// pages in what is read). Immutable, so it can be shared between tasks. A run that keeps only its
/// norms has no features file: open it with `NormReader`.
public final class FeatureReader: Sendable {
    public let folder: String
    public let shape: FeatureShape
    /// The run's token norms.
    public let normReader: NormReader
    private let featureFile: MappedFile
    private let featureOffset: Int

    public init(folder: String) throws {
        self.folder = folder
        featureFile = try MappedFile(path: folder + "/" + FeatureFiles.features)
        normReader = try NormReader(folder: folder)
        let f = try NPYHeader.checked(featureFile, dtype: .float16, rank: 4)
        let n = normReader
        guard [n.count, n.height, n.width] == [f.shape[0], f.shape[2], f.shape[3]] else {
            throw FeatureStoreError.inconsistent(folder, "features \(f.shape) but norms \([n.count, n.height, n.width])")
        }
        shape = FeatureShape(count: f.shape[0], channels: f.shape[1], height: f.shape[2], width: f.shape[3])
        featureOffset = f.dataOffset
    }

    /// All features, (N, C, H, W) float16, valid while this reader lives.
    public var allFeatures: UnsafeBufferPointer<Float16> {
        let base = featureFile.bytes.baseAddress! + featureOffset
        return UnsafeBufferPointer(start: base.assumingMemoryBound(to: Float16.self), count: shape.count * shape.valuesPerImage)
    }

    /// All token norms, (N, H, W) float32, valid while this reader lives.
    public var allNorms: UnsafeBufferPointer<Float> { normReader.allNorms }

    /// Image `index`'s features, (C, H, W).
    public func features(image index: Int) -> UnsafeBufferPointer<Float16> {
        UnsafeBufferPointer(rebasing: allFeatures[index * shape.valuesPerImage ..< (index + 1) * shape.valuesPerImage])
    }

    /// Image `index`'s token norms, (H, W) row-major: norm of token (x, y) at `y * width + x`.
    public func norms(image index: Int) -> UnsafeBufferPointer<Float> { normReader.norms(image: index) }

    /// Token (x, y) of image `index` as float32: its C channel values (strided by H·W in the file).
    public func token(image index: Int, x: Int, y: Int) -> [Float] {
        let values = features(image: index), plane = shape.tokensPerImage, t = y * shape.width + x
        return (0..<shape.channels).map { Float(values[$0 * plane + t]) }
    }

    /// The largest token norm of the run (for `scale=run` norm maps).
    public func maximumNorm() -> Float { normReader.maximumNorm() }
}
