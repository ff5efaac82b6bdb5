import Foundation
import Inference

extension ExperimentRunner {
    /// Where the full pass leaves layer `l`'s features for the probe.
    func probeFeatures(layer l: Int) throws -> ProbeFeatureFile {
        throw ExperimentError("experiment 'position' (the positional probe) is not in this build yet")
    }

    func trainProbes(state: inout ExperimentState, progress: any ExperimentProgress, shouldStop: () -> Bool) throws -> Bool {
        throw ExperimentError("experiment 'position' (the positional probe) is not in this build yet")
    }
}

struct ProbeFeatureFile {
    func append(_ output: Tensor, images: Range<Int>) throws {}
}
