import Foundation
import InputLimits

/// Reading and writing whole `.npy` files. Large feature files are memory-mapped by their
/// users through `NPYHeader.dataOffset`; these helpers are for arrays that fit in memory.
public enum NPY {
    /// Reads the header of a file without loading its data.
    public static func header(path: String) throws -> NPYHeader {
        let data = try mapped(path)
        return try data.withUnsafeBytes { try checkedHeader($0, name: path) }
    }

    /// Reads a floating-point array (`<f4`, `<f2` or `<f8`) as Float32.
    public static func readFloats(path: String) throws -> (shape: [Int], values: [Float]) {
        try mapped(path).withUnsafeBytes { try floats(from: $0, name: path) }
    }

    /// Reads an `<i8` array.
    public static func readInt64(path: String) throws -> (shape: [Int], values: [Int64]) {
        try mapped(path).withUnsafeBytes { try int64(from: $0, name: path) }
    }

    /// `readFloats` on the bytes of a whole `.npy` file. `name` is used in error messages.
    public static func floats(from raw: UnsafeRawBufferPointer, name: String) throws -> (shape: [Int], values: [Float]) {
        let h = try inMemoryHeader(raw, name: name)
        let base = raw.baseAddress! + h.dataOffset
        switch h.dtype {
        case .float32: return (h.shape, copyLittleEndian(base, count: h.count, as: Float.self))
        case .float16: return (h.shape, copyLittleEndian(base, count: h.count, as: Float16.self).map(Float.init))
        case .float64: return (h.shape, copyLittleEndian(base, count: h.count, as: Double.self).map(Float.init))
        default: throw NPYError.wrongDType(name, expected: "a float array (<f4, <f2 or <f8)", actual: h.dtype.rawValue)
        }
    }

    /// `readInt64` on the bytes of a whole `.npy` file.
    public static func int64(from raw: UnsafeRawBufferPointer, name: String) throws -> (shape: [Int], values: [Int64]) {
        let h = try inMemoryHeader(raw, name: name)
        guard h.dtype == .int64 else { throw NPYError.wrongDType(name, expected: "<i8 (int64)", actual: h.dtype.rawValue) }
        return (h.shape, copyLittleEndian(raw.baseAddress! + h.dataOffset, count: h.count, as: Int64.self))
    }

    /// The bytes `np.save` writes for a float32 array of this shape.
    public static func encode(_ values: [Float], shape: [Int]) -> Data { encodeRaw(values, shape: shape, dtype: .float32) }
    /// The bytes `np.save` writes for an int64 array of this shape.
    public static func encode(_ values: [Int64], shape: [Int]) -> Data { encodeRaw(values, shape: shape, dtype: .int64) }
    /// The bytes `np.save` writes for a float16 array of this shape.
    public static func encode(_ values: [Float16], shape: [Int]) -> Data { encodeRaw(values, shape: shape, dtype: .float16) }

    /// The bytes `np.save` writes for a float64 array of this shape.
    public static func encode(_ values: [Double], shape: [Int]) -> Data { encodeRaw(values, shape: shape, dtype: .float64) }

    public static func write(_ values: [Double], shape: [Int], to path: String) throws {
        try encode(values, shape: shape).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    public static func write(_ values: [Float], shape: [Int], to path: String) throws {
        try encode(values, shape: shape).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    public static func write(_ values: [Int64], shape: [Int], to path: String) throws {
        try encode(values, shape: shape).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    // MARK: - Internals

    static func mapped(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
    }

    static func checkedHeader(_ raw: UnsafeRawBufferPointer, name: String) throws -> NPYHeader {
        let h = try NPYHeader.parse(raw, name: name)
        let available = raw.count - h.dataOffset
        guard available >= h.dataByteCount else {
            throw NPYError.truncated(name, expected: h.dataByteCount, actual: available)
        }
        return h
    }

    /// A checked header whose data may be copied into memory (the whole-array readers above).
    static func inMemoryHeader(_ raw: UnsafeRawBufferPointer, name: String) throws -> NPYHeader {
        let h = try checkedHeader(raw, name: name)
        guard h.dataByteCount <= InputLimits.maxInMemoryArrayBytes else {
            throw NPYError.overLimit(name, "\(h.dataByteCount) bytes of data are over the limit of \(InputLimits.maxInMemoryArrayBytes) for an array read into memory")
        }
        return h
    }

    static func copyLittleEndian<T>(_ base: UnsafeRawPointer, count: Int, as: T.Type) -> [T] {
        // All supported hosts are little-endian; memcpy copes with any header alignment.
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { memcpy(buffer.baseAddress!, base, count * MemoryLayout<T>.stride) }
            initialized = count
        }
    }

    static func encodeRaw<T>(_ values: [T], shape: [Int], dtype: NPYDType) -> Data {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        var data = Data(NPYHeader(dtype: dtype, shape: shape, dataOffset: 0).encoded())
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        return data
    }
}
