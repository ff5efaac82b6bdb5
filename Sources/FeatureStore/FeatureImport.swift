import Domain
import MappedFile
import NPYFormat

/// Converts a user's `.npy` of shape (N, C, H, W), float16 or float32, into a feature folder.
public enum FeatureImport {
    /// Reads only the header and checks rank, dtype and size, so callers can validate N first.
    public static func inspect(path: String) throws -> FeatureShape {
        let file = try MappedFile(path: path)
        return try shape(of: checkedHeader(file))
    }

    /// Writes `folder`'s feature files from `path` (only the norms for `contents` `.norms`). Non-finite values
    /// (NaN, ±Inf, or float32 values too large for float16) are refused, naming the first one; nothing is published then.
    @discardableResult
    public static func run(path: String, into folder: String, contents: RunContents = .features) throws -> FeatureShape {
        let file = try MappedFile(path: path)
        let header = try checkedHeader(file)
        let shape = shape(of: header)
        let writer = try FeatureWriter.create(folder: folder, shape: shape, contents: contents)
        var slot = [Float16](repeating: 0, count: shape.valuesPerImage)
        let data = file.bytes.baseAddress! + header.dataOffset
        for image in 0..<shape.count {
            try slot.withUnsafeMutableBufferPointer { out in
                try convert(data, image: image, dtype: header.dtype, shape: shape, into: out, file: path)
                try writer.write(image: image, values: UnsafeBufferPointer(out))
            }
        }
        try writer.finish()
        return shape
    }

    private static func checkedHeader(_ file: MappedFile) throws -> NPYHeader {
        let h = try NPYHeader.parse(file.bytes, name: file.path)
        guard h.shape.count == 4 else { throw FeatureStoreError.wrongRank(file.path, h.shape) }
        guard h.dtype == .float16 || h.dtype == .float32 else { throw FeatureStoreError.unsupportedDType(file.path, h.dtype.rawValue) }
        guard h.shape.allSatisfy({ $0 > 0 }) else { throw FeatureStoreError.emptyDimension(file.path, h.shape) }
        let available = file.count - h.dataOffset
        guard available >= h.dataByteCount else { throw NPYError.truncated(file.path, expected: h.dataByteCount, actual: available) }
        return h
    }

    private static func shape(of h: NPYHeader) -> FeatureShape {
        FeatureShape(count: h.shape[0], channels: h.shape[1], height: h.shape[2], width: h.shape[3])
    }

    /// Copies image `image` to float16, checking every value is finite.
    private static func convert(_ data: UnsafeRawPointer, image: Int, dtype: NPYDType, shape: FeatureShape,
                                into out: UnsafeMutableBufferPointer<Float16>, file: String) throws {
        let n = shape.valuesPerImage
        let start = image * n * dtype.byteSize
        // memcpy-free unaligned loads: the header is 64-byte padded, but stay safe for odd files.
        if dtype == .float16 {
            for i in 0..<n { out[i] = data.loadUnaligned(fromByteOffset: start + 2 * i, as: Float16.self) }
        } else {
            for i in 0..<n { out[i] = Float16(data.loadUnaligned(fromByteOffset: start + 4 * i, as: Float.self)) }
        }
        if let bad = out.firstIndex(where: { !$0.isFinite }) {
            let original = dtype == .float16 ? Float(out[bad]) : data.loadUnaligned(fromByteOffset: start + 4 * bad, as: Float.self)
            let c = bad / shape.tokensPerImage, t = bad % shape.tokensPerImage
            throw FeatureStoreError.notFinite(file, image: image, channel: c, x: t % shape.width, y: t / shape.width, value: "\(original)")
        }
    }
}
