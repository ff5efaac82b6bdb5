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

    static func linearInit(_ g: inout TorchGenerator, fanIn: Int, fanOut: Int) -> [Float] {
        let (weight, bias) = g.linearInit(inFeatures: fanIn, outFeatures: fanOut)
        return weight + bias
    }

    /// uniform_ through `nn.Linear`'s initialisation (weight then bias), as the positional probe draws it.
    @Test(arguments: [UInt64(0), 42, 4_294_967_295])
    func uniformIsBitExact(_ seed: UInt64) throws {
        for (fanIn, fanOut) in [(1, 3), (7, 5), (320, 128), (1280, 16)] {
            var g = TorchGenerator(seed: seed)
            let got = Self.linearInit(&g, fanIn: fanIn, fanOut: fanOut)
            let want = try Self.golden("linear_\(seed)_\(fanIn)_\(fanOut)")
            #expect(got.count == want.count)
            let mismatches = zip(got, want).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(mismatches == 0, "seed \(seed), Linear(\(fanIn), \(fanOut)): \(mismatches) values differ")
        }
    }

    @Test(arguments: [UInt64(0), 42, 4_294_967_295])
    func randpermMatchesTorch(_ seed: UInt64) throws {
        for n in [1, 2, 17, 1000, 20000] {
            var g = TorchGenerator(seed: seed)
            let want = try NPY.readInt64(path: try Fixture.root() + "/rng/randperm_\(seed)_\(n).npy").values
            #expect(g.randperm(n).map(Int64.init) == want, "seed \(seed), n \(n)")
        }
    }

    /// Two probe layers in a row share one stream: initialisation, then one randperm per epoch.
    @Test func probeStreamContinuesAcrossCalls() throws {
        var g = TorchGenerator(seed: 42)
        var got: [Float] = []
        for (fanIn, fanOut, n) in [(5, 8, 300), (3, 4, 77)] {
            got += Self.linearInit(&g, fanIn: fanIn, fanOut: fanOut)
            got += (0..<2).flatMap { _ in g.randperm(n).map(Float.init) }
        }
        #expect(got.map(\.bitPattern) == (try Self.golden("probe_stream_42")).map(\.bitPattern))
    }
}
