/// The shape of one run's features: `count` images of `channels` × `height` × `width` tokens.
public struct FeatureShape: Sendable, Equatable, CustomStringConvertible {
    public var count: Int
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(count: Int, channels: Int, height: Int, width: Int) {
        self.count = count
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// Tokens per image (`height · width`).
    public var tokensPerImage: Int { height * width }
    /// Feature values per image (`channels · height · width`).
    public var valuesPerImage: Int { channels * height * width }
    public var description: String { "(\(count), \(channels), \(height), \(width))" }
}

/// The two files of a run's feature folder. Both are plain NumPy `.npy` files (format 1.0, the
/// header padded to 64 bytes exactly as `np.save` writes it), so `np.load(path, mmap_mode="r")`
/// reads them too, and the data is aligned for memory-mapping.
public enum FeatureFiles {
    /// float16, shape (N, C, H, W), C-order.
    public static let features = "features.npy"
    /// float32, shape (N, H, W): the L2 norm of every token, computed in float32 from the float16 values.
    public static let norms = "norms.npy"
    /// Written while a run is being filled; renamed to the names above by `FeatureWriter.finish()`.
    public static let partialSuffix = ".partial"
    /// One byte per image (1 = slot written and synced) while a run is being filled.
    public static let progress = "progress.bin"
}

public enum FeatureStoreError: Error, CustomStringConvertible, Equatable {
    case wrongRank(String, [Int])
    case emptyDimension(String, [Int])
    case unsupportedDType(String, String)
    case notFinite(String, image: Int, channel: Int, x: Int, y: Int, value: String)
    case imageOutOfRange(Int, count: Int)
    case wrongValueCount(image: Int, expected: Int, actual: Int)
    case incomplete(String, missing: [Int])
    case inconsistent(String, String)
    case io(String, String)

    public var description: String {
        switch self {
        case .wrongRank(let f, let s):
            "\(f): features must have rank 4 (N, C, H, W); this array has shape \(s) (rank \(s.count))"
        case .emptyDimension(let f, let s): "\(f): every dimension of (N, C, H, W) must be positive; shape is \(s)"
        case .unsupportedDType(let f, let d): "\(f): features must be float16 or float32 (<f2, <f4), not \(d)"
        case .notFinite(let f, let i, let c, let x, let y, let v):
            "\(f): value \(v) at image \(i), channel \(c), x=\(x), y=\(y) is not a finite float16 (NaN, Inf or beyond ±65504)"
        case .imageOutOfRange(let i, let n): "image index \(i) is outside the run's 0…\(n - 1)"
        case .wrongValueCount(let i, let e, let a): "image \(i): expected \(e) feature values (C·H·W), got \(a)"
        case .incomplete(let f, let m):
            "\(f): \(m.count) image slot(s) not written yet (first: \(m.prefix(5).map(String.init).joined(separator: ", ")))"
        case .inconsistent(let f, let why): "\(f): feature files disagree: \(why)"
        case .io(let f, let why): "\(f): \(why)"
        }
    }
}
