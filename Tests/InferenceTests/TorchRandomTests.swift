import Foundation
import Testing
import NPYFormat
@testable import Inference

/// `torch.manual_seed(s); torch.randn(...)` reproduced bit for bit (fixtures written by torch itself,
/// Tests/FixtureGenerators/make_rng_fixtures.py).
@Suite struct TorchRandomTests {
    static let seeds: [UInt64] = [0, 42, 1_234_567, 4_294_967_295]

    static func golden(_ name: String) throws -> [Float] {
        try NPY.readFloats(path: try Fixture.root() + "/rng/\(name).npy").values
    }

    @Test(arguments: seeds)
    func randnIsBitExact(_ seed: UInt64) throws {
        for n in [3, 10, 15, 16, 37, 1000, 4096] {
            var g = TorchGenerator(seed: seed)
            let got = g.randn(n), want = try Self.golden("randn_\(seed)_\(n)")
            let mismatches = zip(got, want).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(mismatches == 0, "seed \(seed), n \(n): \(mismatches) of \(n) values differ")
        }
    }

    /// sdhelper's order: the VAE sample (vector path, NCHW) then the channels_last noise (scalar path,
    /// written in NHWC memory order).
    @Test(arguments: seeds)
    func sdhelperDrawOrder(_ seed: UInt64) throws {
        let want = try Self.golden("sdhelper_\(seed)")
        let (c, h, w) = (4, 16, 16)
        var g = TorchGenerator(seed: seed)
        let eps = g.randn(c * h * w)
        let nhwc = g.randnScalar(c * h * w)
        var noise = [Float](repeating: 0, count: c * h * w)
        for y in 0..<h { for x in 0..<w { for ch in 0..<c { noise[(ch * h + y) * w + x] = nhwc[(y * w + x) * c + ch] } } }
        #expect(eps.map(\.bitPattern) == want[..<(c * h * w)].map(\.bitPattern))
        #expect(noise.map(\.bitPattern) == want[(c * h * w)...].map(\.bitPattern))
    }

    @Test func scalarCacheSurvivesAcrossCalls() throws {
        var g = TorchGenerator(seed: 0)
        let got = g.randn(3) + g.randn(3)
        #expect(got.map(\.bitPattern) == (try Self.golden("randn_0_3_twice")).map(\.bitPattern))
    }

    @Test func documentedTestValues() {
        // docs/reference-pipeline.md §5: manual_seed(42); randn(1,4,64,64) starts 1.9269152879714966, 1.4872840642929077.
        var g = TorchGenerator(seed: 42)
        let v = g.randn(4 * 64 * 64)
        #expect(v[0] == 1.9269152879714966 && v[1] == 1.4872840642929077)
    }
}
