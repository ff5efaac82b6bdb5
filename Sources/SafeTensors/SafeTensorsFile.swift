import Foundation
import InputLimits
import MappedFile

/// Element types of a safetensors file. normlab converts floating-point tensors to Float32.
public enum SafeTensorsDType: String, Sendable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"
    case f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

    public var byteSize: Int {
        switch self {
        case .f64, .i64: 8
        case .f32, .i32: 4
        case .f16, .bf16, .i16: 2
        case .i8, .u8, .bool, .f8e4m3, .f8e5m2: 1
        }
    }
}

public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let tensor: String?
    public let problem: String

    public var description: String {
        if let tensor { return "\(file): tensor '\(tensor)': \(problem)" }
        return "\(file): \(problem)"
    }
}

/// One tensor's entry in the header. `begin`/`end` are absolute file offsets.
public struct TensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: SafeTensorsDType
    public let shape: [Int]
    public let begin: Int
    public let end: Int
    public var count: Int { shape.reduce(1, *) }
}

/// A memory-mapped `.safetensors` file (format: 8-byte little-endian header length, JSON
/// header, raw little-endian C-order data). The whole header is validated on open, so a
/// corrupt file fails before any weight is used; tensors are converted one at a time.
public final class SafeTensorsFile: Sendable {
    public let path: String
    public let tensors: [String: TensorInfo]
    public let metadata: [String: String]
    private let file: MappedFile

    /// The reference implementation refuses headers over 100 MB; so do we.
    static let maxHeaderBytes = 100_000_000

    public init(path: String) throws {
        self.path = path
        do { file = try MappedFile(path: path) } catch { throw SafeTensorsError(file: path, tensor: nil, problem: "\(error)") }
        (tensors, metadata) = try Self.parseHeader(file.bytes, name: path)
    }

    /// Parses and validates the header of a safetensors file held in `bytes` (tensor entries, metadata).
    public static func parseHeader(_ bytes: UnsafeRawBufferPointer, name path: String) throws -> (tensors: [String: TensorInfo], metadata: [String: String]) {
        func fail(_ problem: String, _ tensor: String? = nil) -> SafeTensorsError {
            SafeTensorsError(file: path, tensor: tensor, problem: problem)
        }
        guard bytes.count >= 8 else { throw fail("truncated file: \(bytes.count) bytes, shorter than the 8-byte header length") }
        let n = Int(bytes.loadUnaligned(as: UInt64.self).littleEndian & 0x7FFF_FFFF_FFFF_FFFF)
        guard n <= Self.maxHeaderBytes else { throw fail("header length \(n) is over the 100 MB limit (corrupt file?)") }
        guard 8 + n <= bytes.count else {
            throw fail("header length \(n) runs past the end of the file (\(bytes.count) bytes): truncated or not a safetensors file")
        }
        let header = Data(bytes[8..<(8 + n)])
        do { try InputLimits.checkJSONDepth(header, what: "header") } catch { throw fail("\(error)") }
        guard let json = try? JSONSerialization.jsonObject(with: header), let dict = json as? [String: Any] else {
            throw fail("header is not valid JSON object text")
        }
        let dataStart = 8 + n
        let dataSize = bytes.count - dataStart
        var infos: [String: TensorInfo] = [:]
        var meta: [String: String] = [:]
        for (name, value) in dict {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else { throw fail("__metadata__ is not a string-to-string map") }
                meta = m
                continue
            }
            infos[name] = try Self.parseEntry(name, value, dataStart: dataStart, dataSize: dataSize, fail: fail)
        }
        try Self.checkOverlaps(infos, dataStart: dataStart, fail: fail)
        return (infos, meta)
    }

    private static func parseEntry(
        _ name: String, _ value: Any, dataStart: Int, dataSize: Int, fail: (String, String?) -> SafeTensorsError
    ) throws -> TensorInfo {
        guard let e = value as? [String: Any] else { throw fail("header entry is not an object", name) }
        guard let d = e["dtype"] as? String else { throw fail("missing dtype", name) }
        guard let dtype = SafeTensorsDType(rawValue: d) else { throw fail("unknown dtype '\(d)'", name) }
        guard let shapeAny = e["shape"] as? [Any], let shape = shapeAny as? [Int], shape.allSatisfy({ $0 >= 0 }) else {
            throw fail("shape is not a list of non-negative integers", name)
        }
        guard shape.count <= InputLimits.maxRank else { throw fail("rank \(shape.count) is over the limit of \(InputLimits.maxRank) dimensions", name) }
        guard let needed = InputLimits.checkedByteCount(shape, elementSize: dtype.byteSize) else {
            throw fail("shape \(shape) of \(d) declares more than \(Int.max) bytes (the largest size an Int holds)", name)
        }
        guard let offAny = e["data_offsets"] as? [Any], let off = offAny as? [Int], off.count == 2 else {
            throw fail("data_offsets is not a pair of integers", name)
        }
        let (b, en) = (off[0], off[1])
        guard b >= 0, en >= b else { throw fail("data_offsets [\(b), \(en)] are not an increasing range", name) }
        guard en <= dataSize else {
            throw fail("data_offsets [\(b), \(en)] run past the end of the data (\(dataSize) bytes): truncated file?", name)
        }
        guard en - b == needed else {
            throw fail("data_offsets cover \(en - b) bytes but shape \(shape) of \(d) needs \(needed)", name)
        }
        return TensorInfo(name: name, dtype: dtype, shape: shape, begin: dataStart + b, end: dataStart + en)
    }

    private static func checkOverlaps(
        _ infos: [String: TensorInfo], dataStart: Int, fail: (String, String?) -> SafeTensorsError
    ) throws {
        let sorted = infos.values.filter { $0.end > $0.begin }.sorted { ($0.begin, $0.name) < ($1.begin, $1.name) }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.begin < a.end {
            throw fail("data overlaps tensor '\(a.name)' (bytes \(b.begin - dataStart)..<\(b.end - dataStart) vs \(a.begin - dataStart)..<\(a.end - dataStart))", b.name)
        }
    }

    /// The header entry of `name`, or an error naming the file and the missing tensor.
    public func info(_ name: String) throws -> TensorInfo {
        guard let t = tensors[name] else {
            throw SafeTensorsError(file: path, tensor: name, problem: "missing tensor (the file has \(tensors.count) tensors)")
        }
        return t
    }

    /// The header entry of `name`, which must have shape `expected` (the one a config implies).
    public func info(_ name: String, shape expected: [Int]) throws -> TensorInfo {
        let t = try info(name)
        guard expected == t.shape else {
            throw SafeTensorsError(file: path, tensor: name, problem: "shape \(t.shape) disagrees with the config, which needs \(expected)")
        }
        return t
    }

    /// A floating-point tensor converted to Float32. When `shape` is given, the stored shape must match it.
    public func floats(_ name: String, shape expected: [Int]? = nil) throws -> [Float] {
        let t = try expected.map { try info(name, shape: $0) } ?? info(name)
        let src = file.bytes.baseAddress! + t.begin
        // The copy is what callers keep: the file's pages leave the resident set as soon as it is made.
        defer { file.release(t.begin..<t.end) }
        return try [Float](unsafeUninitializedCapacity: t.count) { out, initialized in
            try Self.convert(src, t, into: out.baseAddress!, file: path)
            initialized = t.count
        }
    }

    static func convert(_ src: UnsafeRawPointer, _ t: TensorInfo, into out: UnsafeMutablePointer<Float>, file: String) throws {
        let n = t.count
        switch t.dtype {
        case .f32:
            memcpy(out, src, n * 4)
        case .f16:
            for i in 0..<n { out[i] = halfToFloat(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .bf16:
            for i in 0..<n {
                out[i] = Float(bitPattern: UInt32(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
            }
        case .f64:
            for i in 0..<n { out[i] = Float(src.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)) }
        default:
            throw SafeTensorsError(file: file, tensor: t.name, problem: "dtype \(t.dtype.rawValue) is not a floating-point type")
        }
    }
}

/// IEEE 754 binary16 to binary32, exact (subnormals, infinities and NaN included).
@inline(__always)
public func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exp = Int(h >> 10) & 0x1F
    let mant = UInt32(h & 0x3FF)
    if exp == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13)) }
    if exp != 0 { return Float(bitPattern: sign | UInt32(exp + 112) << 23 | (mant << 13)) }
    if mant == 0 { return Float(bitPattern: sign) }
    // Subnormal half: value = mant · 2^-24, exactly representable in binary32.
    let magnitude = Float(mant) * 0x1p-24
    return sign != 0 ? -magnitude : magnitude
}
