import Foundation
import Testing
@testable import NPYFormat

/// Reading and writing against files written by `np.save` (Tests/FixtureGenerators/make_npy_fixtures.py).
@Suite struct NPYFixtureTests {
    static func path(_ name: String) -> String { Bundle.module.resourcePath! + "/Fixtures/\(name).npy" }
    static func bytes(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path(name))) }

    @Test(arguments: ["labels_empty", "labels"])
    func int64WriteIsByteIdenticalToNumpy(_ name: String) throws {
        let (shape, values) = try NPY.readInt64(path: Self.path(name))
        #expect(NPY.encode(values, shape: shape) == (try Self.bytes(name)))
    }

    @Test(arguments: ["f32_3d", "f32_scalar", "f32_vector"])
    func float32WriteIsByteIdenticalToNumpy(_ name: String) throws {
        let (shape, values) = try NPY.readFloats(path: Self.path(name))
        #expect(NPY.encode(values, shape: shape) == (try Self.bytes(name)))
    }

    @Test func readsOtherFloatTypes() throws {
        let (shape16, f16) = try NPY.readFloats(path: Self.path("f16"))
        #expect(shape16 == [5])
        #expect(f16 == [0.5, -2, 65504, Float(Float16(6e-8)), .infinity])
        let (shape64, f64) = try NPY.readFloats(path: Self.path("f64"))
        #expect(shape64 == [1, 2] && f64 == [1.25, -3.5])
        let (_, labels) = try NPY.readInt64(path: Self.path("labels"))
        #expect(labels == [0, 2, 4, 0, 10, 30, 7, 0, 0, 123, 30, 30])
    }

    @Test func refusesBigEndianFortranAndOtherTypes() throws {
        #expect(throws: NPYError.unsupportedDType(Self.path("big_endian"), ">f4")) { try NPY.readFloats(path: Self.path("big_endian")) }
        #expect(throws: NPYError.fortranOrder(Self.path("fortran"))) { try NPY.readFloats(path: Self.path("fortran")) }
        #expect(throws: NPYError.unsupportedDType(Self.path("complex"), "<c8")) { try NPY.readFloats(path: Self.path("complex")) }
        let e = try #require(throws: NPYError.self) { try NPY.readInt64(path: Self.path("f32_3d")) }
        #expect(e.description.contains("expected dtype <i8"))
        #expect(NPYError.unsupportedDType("x.npy", ">f4").description.contains("big-endian"))
    }

    @Test func truncatedAndForeignFiles() throws {
        let dir = FileManager.default.temporaryDirectory
        let truncated = dir.appendingPathComponent("trunc-\(UUID()).npy").path
        try (try Self.bytes("f32_vector")).prefix(1000).write(to: URL(fileURLWithPath: truncated))
        defer { try? FileManager.default.removeItem(atPath: truncated) }
        let e = try #require(throws: NPYError.self) { try NPY.readFloats(path: truncated) }
        #expect(e == .truncated(truncated, expected: 5120, actual: 1000 - 128))
        let foreign = dir.appendingPathComponent("foreign-\(UUID()).npy").path
        try Data("hello, this is not numpy".utf8).write(to: URL(fileURLWithPath: foreign))
        defer { try? FileManager.default.removeItem(atPath: foreign) }
        #expect(throws: NPYError.notNPY(foreign)) { try NPY.readFloats(path: foreign) }
        let cutHeader = dir.appendingPathComponent("cut-\(UUID()).npy").path
        try (try Self.bytes("labels")).prefix(40).write(to: URL(fileURLWithPath: cutHeader))
        defer { try? FileManager.default.removeItem(atPath: cutHeader) }
        let h = try #require(throws: NPYError.self) { try NPY.readInt64(path: cutHeader) }
        #expect(h.description.contains("header"))
    }
}
