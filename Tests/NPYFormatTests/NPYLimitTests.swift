import Foundation
import InputLimits
import Testing
@testable import NPYFormat

/// Headers that declare more than can exist are refused with an error naming the limit, never trapped on.
@Suite struct NPYLimitTests {
    static func header(_ dict: String, version: UInt8 = 1) -> [UInt8] {
        let text = Array(dict.utf8)
        let length: [UInt8] = version == 1
            ? [UInt8(text.count & 0xFF), UInt8(text.count >> 8)]
            : [UInt8(text.count & 0xFF), UInt8(text.count >> 8 & 0xFF), UInt8(text.count >> 16 & 0xFF), 0]
        return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0] + length + text
    }

    static func parse(_ bytes: [UInt8]) throws -> NPYHeader {
        try bytes.withUnsafeBytes { try NPYHeader.parse($0, name: "x.npy") }
    }

    /// The label file that crashed `normlab labels import` (format 3.0, shape (2^62, 3): 2^62·3·8 bytes overflow).
    @Test func shapeWhoseByteCountOverflowsIsRefused() throws {
        let path = Bundle.module.resourcePath! + "/Fixtures/regressions/labels-v3-shape-overflow.npy"
        let error = try #require(throws: NPYError.self) { try NPY.readInt64(path: path) }
        #expect("\(error)".contains("4611686018427387904") && "\(error)".contains("\(Int.max)"), "\(error)")
        #expect(throws: NPYError.self) { try NPY.header(path: path) }
    }

    @Test(arguments: ["(9223372036854775807, 2)", "(3037000500, 3037000500)", "(2, 2, 2305843009213693952)"])
    func overflowingShapesAreRefused(_ shape: String) throws {
        let bytes = Self.header("{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }\n", version: 2)
        let error = try #require(throws: NPYError.self) { try Self.parse(bytes) }
        #expect("\(error)".contains("declares more than"), "\(error)")
    }

    @Test func headerOverTheLimitIsRefusedBeforeItIsRead() throws {
        let pad = String(repeating: " ", count: InputLimits.maxNPYHeaderBytes)
        let bytes = Self.header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\(pad)\n", version: 2)
        let error = try #require(throws: NPYError.self) { try Self.parse(bytes) }
        #expect("\(error)".contains("limit of \(InputLimits.maxNPYHeaderBytes)"), "\(error)")
    }

    @Test func rankOverTheLimitIsRefused() throws {
        let dims = Array(repeating: "1", count: InputLimits.maxRank + 1).joined(separator: ", ")
        let bytes = Self.header("{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }\n")
        let error = try #require(throws: NPYError.self) { try Self.parse(bytes) }
        #expect("\(error)".contains("limit of \(InputLimits.maxRank)"), "\(error)")
    }

    /// A declared shape that fits in an Int but not in the file is a truncated file, not an allocation.
    @Test func hugeShapeWithoutDataIsTruncated() throws {
        let bytes = Self.header("{'descr': '<i8', 'fortran_order': False, 'shape': (1000000000000, 3), }\n") + [UInt8](repeating: 0, count: 24)
        let error = try #require(throws: NPYError.self) { try bytes.withUnsafeBytes { try NPY.int64(from: $0, name: "x.npy") } }
        #expect("\(error)".contains("truncated"), "\(error)")
    }
}
