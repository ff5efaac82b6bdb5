import Foundation
import Testing
import NPYFormat
@testable import Inference

/// The CLIP text encoder against transformers (Tests/FixtureGenerators/make_clip_fixtures.py).
@Suite struct CLIPTextModelTests {
    @Test(arguments: ["quick_gelu", "gelu"])
    func lastHiddenStateMatchesTransformers(_ name: String) throws {
        let dir = try Fixture.root() + "/clip/\(name)"
        let model = try CLIPTextModel(modelDirectory: dir)
        #expect(model.config.quickGELU == (name == "quick_gelu"))
        let (shape, flat) = try NPY.readInt64(path: "\(dir)/ids.npy")
        let ids = (0..<shape[0]).map { b in flat[(b * shape[1])..<((b + 1) * shape[1])].map { Int($0) } }
        let got = try model(ids)
        let want = try Fixture.tensor(npy: "\(dir)/last_hidden_state.npy")
        #expect(got.shape == want.shape)
        let c = Compare(got.data, want.data)
        #expect(c.maxAbsDiff <= 1e-4 * c.maxAbsRef, "max|Δ| \(c.maxAbsDiff) vs max|ref| \(c.maxAbsRef)")
        #expect(c.cosine >= 0.99999)
    }
}
