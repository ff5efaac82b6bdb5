import Foundation
import NPYFormat

/// The real SD-1.5 mean anomaly token shipped with normlab (`Resources/README.md` says where it
/// comes from): float32 (1280,), the direction of the demo's anomalies.
public enum MeanAnomalyToken {
    /// The shipped `.npy` file.
    public static var path: String {
        get throws {
            guard let url = Bundle.module.url(forResource: "sd15_mean_anomaly_token", withExtension: "npy", subdirectory: "Resources") else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "the shipped sd15_mean_anomaly_token.npy resource is missing"])
            }
            return url.path
        }
    }

    /// Its values.
    public static func load() throws -> [Float] { try NPY.readFloats(path: path).values }
}
