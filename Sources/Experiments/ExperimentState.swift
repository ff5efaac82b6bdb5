import FeatureStore
import Foundation

/// What a run has computed so far, saved durably after every batch: a killed run started again with the
/// same settings continues after the last saved batch of the pass it was in, keeping everything before.
struct ExperimentState: Codable {
    var settings: ExperimentSettings
    /// Batches finished per pass ("full", "crop8", …).
    var batchesDone: [String: Int] = [:]
    /// (layers × labels) relative norms of the patch labels and of the point labels.
    var anomalyNorms: [[Double]]
    var pointNorms: [[Double]]
    /// Per layer: the sums over the cropped images' maps and over the full maps without their outer ring.
    var croppedImageGroups: [GroupSums]
    var croppedMapGroups: [GroupSums]
    /// Per layer: the probe's accuracies[epoch][grid], once the layer is trained.
    var accuracies: [[[Float]]?]
    /// Wall-clock seconds per pass and for the probe, summed over resumed attempts.
    var seconds: [String: Double] = [:]
    /// The probe's layer groups (`ProbePlan`): group 0 from the full pass, each further one from its own
    /// pass. Fixed by the first attempt, so a resumed run finds its temporary files where it left them.
    var probeGroups: [[Int]]
    /// Whether the full pass also writes the float16 feature stores (`--keep-features`), fixed likewise.
    var keepsFeatures: Bool

    init(settings: ExperimentSettings, layers: Int, labels: Int, pointLabels: Int, fullHeights: [Int],
         probeGroups: [[Int]], keepsFeatures: Bool) {
        self.settings = settings
        (self.probeGroups, self.keepsFeatures) = (probeGroups, keepsFeatures)
        anomalyNorms = Array(repeating: Array(repeating: 0, count: labels), count: layers)
        pointNorms = Array(repeating: Array(repeating: 0, count: pointLabels), count: layers)
        croppedImageGroups = fullHeights.map { GroupSums(fullHeight: $0) }
        croppedMapGroups = croppedImageGroups
        accuracies = Array(repeating: nil, count: layers)
    }

    static func path(in folder: String) -> String { folder + "/.progress/state.json" }

    /// The state saved in `folder` for these settings; nil when there is none. A state with other settings
    /// is refused: its folder belongs to another experiment.
    static func load(folder: String, settings: ExperimentSettings) throws -> ExperimentState? {
        guard let data = FileManager.default.contents(atPath: path(in: folder)) else { return nil }
        guard let state = try? decoder.decode(ExperimentState.self, from: data) else {
            throw ExperimentError("\(path(in: folder)) cannot be read (damaged, or written by another normlab version); delete \(folder)/.progress to start the run over, or choose another -o")
        }
        guard state.settings == settings else {
            throw ExperimentError("\(folder) holds an unfinished experiment run with other settings (\(state.settings.experiments.map(\.rawValue).joined(separator: ",")), \(state.settings.images) images, seed \(state.settings.seed), timestep \(state.settings.timestep)); choose another -o or delete that folder")
        }
        return state
    }

    func save(folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder + "/.progress", withIntermediateDirectories: true)
        try writeFileDurably([UInt8](try Self.encoder.encode(self)), to: Self.path(in: folder))
    }

    /// NaN (a zero token's unit vector) and infinities survive the round trip.
    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }
}
