import Foundation

/// A finished run's folder: the arrays, `figure.svg`, `summary.txt` (the numbers behind the figure as a
/// table) and `experiment.json` (what it ran on and with, and how long it took).
public enum ExperimentReport {
    public static func write(_ r: ExperimentResults, settings: ExperimentSettings, version: String, to folder: String) throws {
        try ExperimentFiles.write(r, to: folder)
        try Data(ExperimentFigure.svg(r).utf8).write(to: URL(fileURLWithPath: folder + "/figure.svg"), options: .atomic)
        try Data(summary(r).utf8).write(to: URL(fileURLWithPath: folder + "/summary.txt"), options: .atomic)
        try json(r, settings: settings, version: version).write(to: URL(fileURLWithPath: folder + "/experiment.json"), options: .atomic)
        try? FileManager.default.removeItem(atPath: folder + "/.progress")
    }

    /// One line per layer: the figure's values (probe accuracy at the last epoch per grid, relative corner
    /// and border similarity from the plain means, anomaly norm mean and std).
    public static func summary(_ r: ExperimentResults) -> String {
        var header = ["layer"]
        let acc = (0..<4).map { r.finalAccuracy(grid: $0) }
        if acc[0] != nil { header += ["acc8", "acc16", "acc32", "acc64"] }
        let corner = r.groupMeans.map { r.relativeSimilarity(.corner, of: $0) }
        let border = r.groupMeans.map { r.relativeSimilarity(.border, of: $0) }
        if corner != nil { header += ["rel_sim_corner", "rel_sim_border"] }
        let anomaly = r.anomalySummary
        if anomaly != nil { header += ["rel_norm_mean", "rel_norm_std"] }
        let width = max(5, r.layers.map(\.count).max() ?? 0)
        var lines = [pad(header[0], width) + header.dropFirst().map { pad($0, 15, right: true) }.joined()]
        for (l, name) in r.layers.enumerated() {
            var cells: [Double] = []
            if acc[0] != nil { cells += acc.map { $0![l] } }
            if let corner, let border { cells += [corner[l], border[l]] }
            if let anomaly { cells += [anomaly.mean[l], anomaly.std[l]] }
            lines.append(pad(name, width) + cells.map { pad(String(format: "%.4f", $0), 15, right: true) }.joined())
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, n - s.count))
        return right ? fill + s : s + fill
    }

    static func json(_ r: ExperimentResults, settings s: ExperimentSettings, version: String) throws -> Data {
        let object: [String: Any] = [
            "normlab_version": version,
            "model": s.model, "weights_sha256": s.weightsSHA256,
            "weights": s.roundedWeights ? "rounded to float16 (sdhelper)" : "as stored",
            "dataset": s.dataset, "images": s.images,
            "labels_sha256": s.labelsSHA256.map { $0 as Any } ?? NSNull(),
            "point_labels_sha256": s.pointLabelsSHA256.map { $0 as Any } ?? NSNull(),
            "experiments": s.experiments.map(\.rawValue), "positions": s.positions,
            "timestep": s.timestep, "seed": "\(s.seed)", "batch_size": s.batchSize, "epochs": s.epochs,
            "seconds": r.seconds.mapValues { ($0 * 1000).rounded() / 1000 },
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
    }
}
