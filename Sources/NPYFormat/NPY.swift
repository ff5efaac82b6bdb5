import Foundation
import InputLimits

/// Element types normlab reads and writes in `.npy` files (little-endian only).
public enum NPYDType: String, Sendable, CaseIterable {
    case float32 = "<f4"
    case float16 = "<f2"
    case float64 = "<f8"
    case int64 = "<i8"
    case int32 = "<i4"
    case uint8 = "|u1"

    public var byteSize: Int {
        switch self {
        case .float32, .int32: 4
        case .float16: 2
        case .float64, .int64: 8
        case .uint8: 1
        }
    }
}

public enum NPYError: Error, CustomStringConvertible, Equatable {
    case notNPY(String)
    case unsupportedVersion(String, UInt8)
    case badHeader(String, String)
    case unsupportedDType(String, String)
    case fortranOrder(String)
    case truncated(String, expected: Int, actual: Int)
    case wrongDType(String, expected: String, actual: String)
    case wrongShape(String, String)
    case overLimit(String, String)

    public var description: String {
        switch self {
        case .notNPY(let f): "\(f): not a NumPy .npy file (missing the \\x93NUMPY magic)"
        case .unsupportedVersion(let f, let v): "\(f): unsupported .npy format version \(v)"
        case .badHeader(let f, let why): "\(f): malformed .npy header: \(why)"
        case .unsupportedDType(let f, let d):
            d.hasPrefix(">")
                ? "\(f): big-endian data ('\(d)') is not supported; save it little-endian (arr.astype(arr.dtype.newbyteorder('<')))"
                : "\(f): unsupported dtype '\(d)' (supported: \(NPYDType.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .fortranOrder(let f): "\(f): Fortran-ordered arrays are not supported; save with np.ascontiguousarray"
        case .truncated(let f, let e, let a): "\(f): truncated .npy file: data needs \(e) bytes, file has \(a)"
        case .wrongDType(let f, let e, let a): "\(f): expected dtype \(e), found \(a)"
        case .wrongShape(let f, let why): "\(f): wrong shape: \(why)"
        case .overLimit(let f, let why): "\(f): \(why)"
        }
    }
}

/// A parsed `.npy` header: where the data starts and how to read it.
public struct NPYHeader: Sendable, Equatable {
    public var dtype: NPYDType
    public var shape: [Int]
    /// Byte offset of the first element from the start of the file.
    public var dataOffset: Int

    public init(dtype: NPYDType, shape: [Int], dataOffset: Int) {
        self.dtype = dtype
        self.shape = shape
        self.dataOffset = dataOffset
    }

    /// Element count and byte size; `parse` has checked that they fit in an `Int`.
    public var count: Int { shape.reduce(1, *) }
    public var dataByteCount: Int { count * dtype.byteSize }

    /// Parses the header at the start of `bytes`. `name` is used in error messages.
    public static func parse(_ bytes: UnsafeRawBufferPointer, name: String) throws -> NPYHeader {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw NPYError.notNPY(name) }
        let major = bytes[6]
        let lengthBytes: Int
        switch major {
        case 1: lengthBytes = 2
        case 2, 3: lengthBytes = 4
        default: throw NPYError.unsupportedVersion(name, major)
        }
        guard bytes.count >= 8 + lengthBytes else { throw NPYError.badHeader(name, "file ends inside the header length") }
        var headerLength = 0
        for i in 0..<lengthBytes { headerLength |= Int(bytes[8 + i]) << (8 * i) }
        let start = 8 + lengthBytes
        guard headerLength <= InputLimits.maxNPYHeaderBytes else {
            throw NPYError.overLimit(name, ".npy header of \(headerLength) bytes is over the limit of \(InputLimits.maxNPYHeaderBytes)")
        }
        guard bytes.count >= start + headerLength else {
            throw NPYError.badHeader(name, "header length \(headerLength) runs past the end of the file")
        }
        guard let text = String(bytes: bytes[start..<(start + headerLength)], encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw NPYError.badHeader(name, "header is not text")
        }
        let dict = try HeaderDict(text, name: name)
        let descr = try dict.string("descr")
        guard let dtype = NPYDType(rawValue: descr == "<u1" ? "|u1" : descr) else {
            throw NPYError.unsupportedDType(name, descr)
        }
        if try dict.bool("fortran_order") { throw NPYError.fortranOrder(name) }
        let shape = try dict.shape("shape")
        try checkSize(shape, dtype: dtype, name: name)
        return NPYHeader(dtype: dtype, shape: shape, dataOffset: start + headerLength)
    }

    /// A declared shape is refused unless its element and byte counts fit in an `Int`: every later
    /// size computation (`count`, `dataByteCount`, bounds checks) relies on it.
    private static func checkSize(_ shape: [Int], dtype: NPYDType, name: String) throws {
        guard shape.count <= InputLimits.maxRank else {
            throw NPYError.overLimit(name, "rank \(shape.count) is over the limit of \(InputLimits.maxRank) dimensions")
        }
        guard InputLimits.checkedByteCount(shape, elementSize: dtype.byteSize) != nil else {
            throw NPYError.overLimit(name, "shape \(shape) of \(dtype.rawValue) declares more than \(Int.max) bytes (the largest size an Int holds)")
        }
    }

    /// The header bytes exactly as `np.save` writes them (format 1.0, padded to 64 bytes).
    public func encoded() -> [UInt8] {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var dict = "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        // numpy leaves room to grow the first axis in place (GROWTH_AXIS_MAX_DIGITS = 21).
        if let first = shape.first { dict += String(repeating: " ", count: max(0, 21 - String(first).count)) }
        let unpadded = 10 + dict.utf8.count + 1
        let padding = (64 - unpadded % 64) % 64
        dict += String(repeating: " ", count: padding) + "\n"
        let length = dict.utf8.count
        return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(dict.utf8)
    }
}

/// The small Python-literal dict in an `.npy` header: `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
private struct HeaderDict {
    var values: [String: String] = [:]
    let name: String

    init(_ text: String, name: String) throws {
        self.name = name
        var body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard body.hasPrefix("{"), body.hasSuffix("}") else { throw NPYError.badHeader(name, "header is not a dict") }
        body = String(body.dropFirst().dropLast())
        // Split on commas that are not inside parentheses.
        var depth = 0, current = "", items: [String] = []
        for ch in body {
            if ch == "(" { depth += 1 } else if ch == ")" { depth -= 1 }
            if ch == ",", depth == 0 { items.append(current); current = "" } else { current.append(ch) }
        }
        items.append(current)
        for item in items where !item.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let colon = item.firstIndex(of: ":") else { throw NPYError.badHeader(name, "entry '\(item)' has no ':'") }
            let key = item[..<colon].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
            values[key] = item[item.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }

    func raw(_ key: String) throws -> String {
        guard let v = values[key] else { throw NPYError.badHeader(name, "missing '\(key)'") }
        return v
    }

    func string(_ key: String) throws -> String {
        let v = try raw(key)
        guard v.count >= 2, let q = v.first, q == "'" || q == "\"", v.last == q else {
            throw NPYError.badHeader(name, "'\(key)' is not a string (\(v))")
        }
        return String(v.dropFirst().dropLast())
    }

    func bool(_ key: String) throws -> Bool {
        switch try raw(key) {
        case "True": return true
        case "False": return false
        case let v: throw NPYError.badHeader(name, "'\(key)' is not a bool (\(v))")
        }
    }

    func shape(_ key: String) throws -> [Int] {
        let v = try raw(key)
        guard v.hasPrefix("("), v.hasSuffix(")") else { throw NPYError.badHeader(name, "'\(key)' is not a tuple (\(v))") }
        return try v.dropFirst().dropLast().split(separator: ",").compactMap { part in
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { return nil }
            guard let n = Int(t), n >= 0 else { throw NPYError.badHeader(name, "bad dimension '\(t)' in shape") }
            return n
        }
    }
}
