import Foundation
import Testing
import NPYFormat
@testable import Inference

/// The noise schedule against diffusers (Tests/FixtureGenerators/make_scheduler_fixtures.py), bit for bit.
@Suite struct NoiseScheduleTests {
    static func golden(_ name: String) throws -> [Float] {
        try NPY.readFloats(path: try Fixture.root() + "/scheduler/\(name).npy").values
    }

    static func schedule() throws -> NoiseSchedule {
        try NoiseSchedule(configPath: try Fixture.root() + "/scheduler/scheduler_config.json")
    }

    @Test func alphasCumprodBitExact() throws {
        let got = try Self.schedule().alphasCumprod, want = try Self.golden("alphas_cumprod")
        #expect(got.count == 1000)
        #expect(zip(got, want).filter { $0.bitPattern != $1.bitPattern }.count == 0)
    }

    /// Within one ulp of the coefficients, not bit-exact: torch's float32 `sqrt` on the host that wrote the fixture
    /// (AMD EPYC, capability AVX512) is not correctly rounded (torch.sqrt(0.95157665) = 0.97548795,
    /// the correctly rounded root is 0.97548789), while docs/reference-pipeline.md §1.6 records the correctly
    /// rounded value on its Intel host. normlab uses the IEEE square root.
    @Test func addNoiseWithinOneULP() throws {
        let s = try Self.schedule()
        let inputs = try Self.golden("add_noise_inputs"), want = try Self.golden("add_noise_0_50_500_999")
        let x = Array(inputs[..<64]), noise = Array(inputs[64...])
        for (row, t) in [0, 50, 500, 999].enumerated() {
            let got = try s.addNoise(x, noise: noise, timestep: t)
            // One ulp of sqrt(ᾱ) or sqrt(1 − ᾱ), carried through a·x + b·noise, plus the final rounding.
            for (i, (g, w)) in zip(got, want[(row * 64)..<((row + 1) * 64)]).enumerated() {
                let bound = Float.ulpOfOne * (abs(x[i]) + abs(noise[i])) + w.ulp
                #expect(abs(g - w) <= bound, "t = \(t), element \(i): \(g) vs \(w)")
            }
        }
        #expect(throws: NoiseSchedule.ScheduleError.self) { try s.addNoise(x, noise: noise, timestep: 1000) }
    }

    @Test func eulerScaleMatchesFreshScheduler() throws {
        let s = try Self.schedule(), want = try Self.golden("euler_scaled_one_0_50_500_999")
        for (i, t) in [0, 50, 500, 999].enumerated() {
            #expect((1 / (try s.eulerInputScale(timestep: t))).bitPattern == want[i].bitPattern, "t = \(t)")
        }
    }
}
