import Foundation
import Testing
@testable import NPYFormat

@Suite struct NPYHeaderTests {
    @Test func encodesLikeNumpy() {
        // The header text np.save (numpy 2.x) writes for these shapes, copied from its output.
        let h = NPYHeader(dtype: .int64, shape: [0, 3], dataOffset: 0).encoded()
        #expect(h.count == 128)
        let text = String(decoding: h[10...], as: UTF8.self)
        #expect(text.hasPrefix("{'descr': '<i8', 'fortran_order': False, 'shape': (0, 3), }"))
        #expect(text.hasSuffix(" \n"))
    }

    @Test func roundTripsFloats() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID()).npy").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try NPY.write([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3], to: path)
        let (shape, values) = try NPY.readFloats(path: path)
        #expect(shape == [2, 3])
        #expect(values == [1, 2, 3, 4, 5, 6])
    }
}
