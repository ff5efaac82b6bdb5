import MappedFile
import NPYFormat

/// A published run's token norms (`norms.npy`, float32 (N, H, W)), memory-mapped. Every run has them,
/// including one that keeps only its norms (`RunContents.norms`); `FeatureReader` adds the features.
public final class NormReader: Sendable {
    public let folder: String
    /// Images, and the token grid's height and width.
    public let count: Int, height: Int, width: Int
    private let file: MappedFile
    private let offset: Int

    public init(folder: String) throws {
        self.folder = folder
        file = try MappedFile(path: folder + "/" + FeatureFiles.norms)
        let h = try NPYHeader.checked(file, dtype: .float32, rank: 3)
        (count, height, width) = (h.shape[0], h.shape[1], h.shape[2])
        offset = h.dataOffset
    }

    public var tokensPerImage: Int { height * width }

    /// All token norms, (N, H, W) float32, valid while this reader lives.
    public var allNorms: UnsafeBufferPointer<Float> {
        let base = file.bytes.baseAddress! + offset
        return UnsafeBufferPointer(start: base.assumingMemoryBound(to: Float.self), count: count * tokensPerImage)
    }

    /// Image `index`'s token norms, (H, W) row-major: norm of token (x, y) at `y * width + x`.
    public func norms(image index: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(rebasing: allNorms[index * tokensPerImage ..< (index + 1) * tokensPerImage])
    }

    /// The largest token norm of the run (for `scale=run` norm maps).
    public func maximumNorm() -> Float { allNorms.max() ?? 0 }
}

extension NPYHeader {
    /// The header of a mapped feature-store file, checked for its dtype, rank and length.
    static func checked(_ file: MappedFile, dtype: NPYDType, rank: Int) throws -> NPYHeader {
        let h = try NPYHeader.parse(file.bytes, name: file.path)
        guard h.dtype == dtype else { throw NPYError.wrongDType(file.path, expected: dtype.rawValue, actual: h.dtype.rawValue) }
        guard h.shape.count == rank else { throw NPYError.wrongShape(file.path, "expected rank \(rank), found \(h.shape)") }
        guard file.count - h.dataOffset >= h.dataByteCount else {
            throw NPYError.truncated(file.path, expected: h.dataByteCount, actual: file.count - h.dataOffset)
        }
        return h
    }
}
