import Foundation
import Testing
import NPYFormat
@testable import Inference

/// The VAE encoder against diffusers (Tests/FixtureGenerators/make_vae_fixtures.py).
@Suite struct VAEEncoderTests {
    @Test func momentsMatchDiffusers() throws {
        let dir = try Fixture.root() + "/vae/tiny"
        let vae = try VAEEncoder(modelDirectory: dir)
        let image = try Fixture.tensor(npy: "\(dir)/image.npy")
        let want = try Fixture.tensor(npy: "\(dir)/moments.npy")
        let got = try vae.moments(image)
        #expect(got.shape == want.shape)
        let c = Compare(got.data, want.data)
        #expect(c.maxAbsDiff <= 1e-4 * c.maxAbsRef, "max|Δ| \(c.maxAbsDiff) vs max|ref| \(c.maxAbsRef)")
        #expect(c.cosine >= 0.99999)
        #expect(vae.config.scalingFactor == 0.18215)
    }
}
