import Foundation
import Testing
import InputLimits
@testable import SafeTensors

/// Every malformed-file case gives an error naming the file, the tensor (where there is one) and the problem.
@Suite struct SafeTensorsErrorTests {
    /// Writes a safetensors file from a header object and raw data bytes.
    static func file(header: String, data: [UInt8] = [], lengthOverride: UInt64? = nil) throws -> String {
        var bytes = [UInt8]()
        let h = Array(header.utf8)
        var n = lengthOverride ?? UInt64(h.count)
        withUnsafeBytes(of: &n) { bytes += $0 }
        bytes += h + data
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID()).safetensors").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func problem(_ path: String) -> SafeTensorsError? {
        defer { try? FileManager.default.removeItem(atPath: path) }
        do { _ = try SafeTensorsFile(path: path); return nil } catch let e as SafeTensorsError { return e } catch { return nil }
    }

    @Test func readsF32F16BF16() throws {
        // 1.5 as F32, F16 (0x3E00) and BF16 (0x3FC0); a subnormal half (0x0001 = 2^-24) and -inf (0xFC00).
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F16","shape":[3],"data_offsets":[4,10]},"c":{"dtype":"BF16","shape":[1],"data_offsets":[10,12]},"__metadata__":{"format":"pt"}}"#
        let data: [UInt8] = [0x00, 0x00, 0xC0, 0x3F, 0x00, 0x3E, 0x01, 0x00, 0x00, 0xFC, 0xC0, 0x3F]
        let path = try Self.file(header: header, data: data)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let f = try SafeTensorsFile(path: path)
        #expect(try f.floats("a") == [1.5])
        #expect(try f.floats("b") == [1.5, 0x1p-24, -.infinity])
        #expect(try f.floats("c") == [1.5])
        #expect(f.metadata == ["format": "pt"])
    }

    /// A converted tensor's file pages leave the resident set (loading holds one tensor's pages at a
    /// time, not the whole file beside the copies), and the released bytes still read back the same.
    @Test func convertedTensorsReleaseTheirFilePages() throws {
        let n = 8 << 20  // 32 MiB of F32
        let values = (0..<n).map { Float($0 % 1000) - 500 }
        let data = values.withUnsafeBytes { [UInt8]($0) }
        let path = try Self.file(header: #"{"w":{"dtype":"F32","shape":[\#(n)],"data_offsets":[0,\#(4 * n)]}}"#, data: data)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let f = try SafeTensorsFile(path: path)
        let before = try Self.residentFileMiB()
        let first = try f.floats("w")
        let grown = try Self.residentFileMiB() - before
        #expect(grown < 16, "file-backed RSS grew by \(grown) MiB for a 32 MiB tensor")
        #expect(first == values)
        #expect(try f.floats("w") == values)
    }

    /// This process's resident file-backed pages (RssFile), in MiB.
    static func residentFileMiB() throws -> Double {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("RssFile:") })
        return Double(line.split(separator: " ")[1])! / 1024
    }

    @Test func truncatedBeforeHeaderLength() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID()).safetensors").path
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        let e = try #require(Self.problem(path))
        #expect(e.problem.contains("truncated"))
        #expect(e.file == path)
    }

    @Test func headerLengthPastTheEnd() throws {
        let e = try #require(Self.problem(try Self.file(header: "{}", lengthOverride: 4096)))
        #expect(e.problem.contains("runs past the end"))
    }

    @Test func badJSON() throws {
        let e = try #require(Self.problem(try Self.file(header: #"{"a": {"dtype": "F32",}"#)))
        #expect(e.problem.contains("JSON"))
    }

    @Test func unknownDType() throws {
        let e = try #require(Self.problem(try Self.file(header: #"{"w":{"dtype":"F12","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])))
        #expect(e.tensor == "w")
        #expect(e.problem.contains("unknown dtype 'F12'"))
    }

    @Test func offsetsOutOfRange() throws {
        let e = try #require(Self.problem(try Self.file(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0])))
        #expect(e.tensor == "w")
        #expect(e.problem.contains("past the end of the data"))
    }

    @Test func offsetsDisagreeWithShape() throws {
        let e = try #require(Self.problem(try Self.file(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])))
        #expect(e.problem.contains("needs 8"))
    }

    @Test func overlappingTensors() throws {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        let e = try #require(Self.problem(try Self.file(header: header, data: Array(repeating: 0, count: 8))))
        #expect(e.problem.contains("overlaps tensor 'a'"))
        #expect(e.tensor == "b")
    }

    @Test func missingTensorAndWrongShape() throws {
        let path = try Self.file(header: #"{"w":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]}}"#, data: Array(repeating: 0, count: 8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let f = try SafeTensorsFile(path: path)
        let missing = try #require(throws: SafeTensorsError.self) { try f.floats("conv_in.weight") }
        #expect(missing.tensor == "conv_in.weight" && missing.problem.contains("missing"))
        let shape = try #require(throws: SafeTensorsError.self) { try f.floats("w", shape: [1, 2]) }
        #expect(shape.problem.contains("disagrees with the config"))
        #expect(shape.description.contains(path))
    }

    @Test func halfConversionIsExactForEveryValue() {
        let mismatches = (0...UInt16.max).filter { bits in
            let want = Float(Float16(bitPattern: bits)), got = halfToFloat(bits)
            return !(got.bitPattern == want.bitPattern || (got.isNaN && want.isNaN))
        }
        #expect(mismatches.isEmpty)
    }
}

/// Headers that declare more than can exist are refused with an error naming the limit.
@Suite struct SafeTensorsLimitTests {
    @Test func shapeWhoseByteCountOverflowsIsRefused() throws {
        let path = try SafeTensorsErrorTests.file(header: #"{"w":{"dtype":"F32","shape":[4611686018427387904,3],"data_offsets":[0,0]}}"#)
        let e = try #require(SafeTensorsErrorTests.problem(path))
        #expect(e.tensor == "w" && e.problem.contains("declares more than"), "\(e)")
    }

    @Test func rankOverTheLimitIsRefused() throws {
        let dims = Array(repeating: "1", count: InputLimits.maxRank + 1).joined(separator: ",")
        let path = try SafeTensorsErrorTests.file(header: #"{"w":{"dtype":"F32","shape":["# + dims + #"],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])
        let e = try #require(SafeTensorsErrorTests.problem(path))
        #expect(e.problem.contains("limit of \(InputLimits.maxRank)"), "\(e)")
    }

    @Test func deeplyNestedHeaderIsRefused() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let path = try SafeTensorsErrorTests.file(header: #"{"__metadata__":"# + deep + "}")
        let e = try #require(SafeTensorsErrorTests.problem(path))
        #expect(e.problem.contains("limit of \(InputLimits.maxJSONDepth) levels"), "\(e)")
    }
}
