import Foundation
import Inference
import NPYFormat

/// The arrays a finished run writes (file names and layouts in the README's "Experiments" section).
public struct ExperimentResults: Sendable {
    public var layers: [String]
    /// (layers × labels) relative norms; nil when experiment 'anomalies' did not run.
    public var anomalyNorms: [[Double]]?
    public var pointNorms: [[Double]]?
    /// (layers, 2, 3, 3): [cropped image, cropped representation] × (corner, border, other)², the
    /// reference's counting; `groupMeans` the same as plain means over distinct pairs.
    public var groupSimilarities: [Float]?
    public var groupMeans: [Float]?
    /// (layers, epochs, 4) test accuracies for the grids 8, 16, 32, 64.
    public var accuracies: [Float]?
    public var epochs: Int
    public var seconds: [String: Double]

    init(state: ExperimentState, layers: [UNetPosition]) {
        let s = state.settings
        self.layers = layers.map(\.description)
        anomalyNorms = s.runs(.anomalies) ? state.anomalyNorms : nil
        pointNorms = s.runs(.anomalies) && state.pointNorms.first?.isEmpty == false ? state.pointNorms : nil
        if s.runs(.tokenGroups) {
            groupSimilarities = zip(state.croppedImageGroups, state.croppedMapGroups).flatMap { $0.referenceMeans + $1.referenceMeans }
            groupMeans = zip(state.croppedImageGroups, state.croppedMapGroups).flatMap { $0.plainMeans + $1.plainMeans }
        }
        if s.runs(.position) { accuracies = state.accuracies.flatMap { ($0 ?? []).flatMap { $0 } } }
        epochs = s.epochs
        seconds = state.seconds
    }

    public init(layers: [String], anomalyNorms: [[Double]]?, pointNorms: [[Double]]?, groupSimilarities: [Float]?,
                groupMeans: [Float]?, accuracies: [Float]?, epochs: Int, seconds: [String: Double] = [:]) {
        (self.layers, self.anomalyNorms, self.pointNorms) = (layers, anomalyNorms, pointNorms)
        (self.groupSimilarities, self.groupMeans, self.accuracies) = (groupSimilarities, groupMeans, accuracies)
        (self.epochs, self.seconds) = (epochs, seconds)
    }

    /// Per layer mean and population std of the patch labels' relative norms.
    public var anomalySummary: (mean: [Double], std: [Double])? { anomalyNorms.map(AnomalyNorms.meanAndStd) }

    /// Relative corner and border similarity per layer: (a)[g,g] / (b)[g,g] of the plain means (the figure's middle row).
    public func relativeSimilarity(_ g: TokenGroup, of matrices: [Float]) -> [Double] {
        (0..<layers.count).map { l in
            Double(matrices[l * 18 + g.rawValue * 4]) / Double(matrices[l * 18 + 9 + g.rawValue * 4])
        }
    }

    /// Last-epoch test accuracy per layer for grid index `k` (8, 16, 32, 64).
    public func finalAccuracy(grid k: Int) -> [Double]? {
        accuracies.map { a in (0..<layers.count).map { Double(a[(($0 * epochs) + epochs - 1) * 4 + k]) } }
    }
}

/// Reading and writing a run folder's files.
public enum ExperimentFiles {
    public static func write(_ r: ExperimentResults, to folder: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(r.layers.map { $0 + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: folder + "/positions.txt"), options: .atomic)
        let L = r.layers.count
        for (name, matrix) in [("anomaly_norms", r.anomalyNorms), ("anomaly_norms_points", r.pointNorms)] {
            guard let matrix else { continue }
            let (mean, std) = AnomalyNorms.meanAndStd(matrix)
            try NPY.write(matrix.flatMap { $0 }, shape: [L, matrix.first?.count ?? 0], to: "\(folder)/\(name).npy")
            try NPY.write(mean, shape: [L], to: "\(folder)/\(name)_mean.npy")
            try NPY.write(std, shape: [L], to: "\(folder)/\(name)_std.npy")
        }
        if let g = r.groupSimilarities { try NPY.write(g, shape: [L, 2, 3, 3], to: folder + "/group_similarities.npy") }
        if let g = r.groupMeans { try NPY.write(g, shape: [L, 2, 3, 3], to: folder + "/group_means.npy") }
        if let a = r.accuracies { try NPY.write(a, shape: [L, r.epochs, 4], to: folder + "/accuracies_cls.npy") }
    }

    /// The arrays of a finished run folder (those it has).
    public static func read(_ folder: String) throws -> ExperimentResults {
        guard let text = try? String(contentsOfFile: folder + "/positions.txt", encoding: .utf8) else {
            throw ExperimentError("\(folder) is not an experiment folder: it has no positions.txt (make one with `normlab experiments run`)")
        }
        let layers = text.split(separator: "\n").map(String.init)
        func floats(_ name: String) throws -> (shape: [Int], values: [Float])? {
            let path = "\(folder)/\(name).npy"
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            let a = try NPY.readFloats(path: path)
            guard a.shape.first == layers.count else {
                throw ExperimentError("\(path) has shape \(a.shape), but positions.txt lists \(layers.count) layers")
            }
            return a
        }
        func matrix(_ name: String) throws -> [[Double]]? {
            try floats(name).map { a in
                let m = a.shape.count == 2 ? a.shape[1] : 0
                return (0..<layers.count).map { l in (0..<m).map { Double(a.values[l * m + $0]) } }
            }
        }
        let accuracies = try floats("accuracies_cls")
        return ExperimentResults(layers: layers, anomalyNorms: try matrix("anomaly_norms"), pointNorms: try matrix("anomaly_norms_points"),
                                 groupSimilarities: try floats("group_similarities")?.values, groupMeans: try floats("group_means")?.values,
                                 accuracies: accuracies?.values, epochs: accuracies.map { $0.shape.count == 3 ? $0.shape[1] : 0 } ?? 0)
    }
}
