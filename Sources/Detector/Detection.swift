import FeatureStore
import Foundation
import Domain
import InputLimits

/// Cosine-threshold detection of anomaly tokens against a prototype, with TP/FP/FN per threshold.
public enum Detection {
    public typealias Unit = DetectionUnit

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public struct Row: Sendable, Equatable {
        public let threshold: Float
        public let tp: Int, fp: Int, fn: Int
        public var precision: Double { tp + fp == 0 ? 0 : Double(tp) / Double(tp + fp) }
        public var recall: Double { tp + fn == 0 ? 0 : Double(tp) / Double(tp + fn) }
        public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }

        public init(threshold: Float, tp: Int, fp: Int, fn: Int) {
            (self.threshold, self.tp, self.fp, self.fn) = (threshold, tp, fp, fn)
        }
    }

    /// `a:b:n` (n evenly spaced values from a to b inclusive, like np.linspace) or `t1,t2,…`.
    public static func parseThresholds(_ text: String) throws -> [Float] {
        let values: [Float]
        let parts = text.split(separator: ":")
        if parts.count == 3 {
            guard let a = Double(parts[0]), let b = Double(parts[1]), let n = Int(parts[2]), n >= 1 else {
                throw Failure(description: "thresholds '\(text)': expected a:b:n, e.g. 0.6:0.99:20")
            }
            // n sizes the threshold table (and comes from query strings), so it is bounded first.
            guard n <= InputLimits.maxThresholds else {
                throw Failure(description: "thresholds '\(text)': \(n) thresholds are over the limit of \(InputLimits.maxThresholds)")
            }
            values = (0..<n).map { i in Float(n == 1 ? a : a + (b - a) * Double(i) / Double(n - 1)) }
        } else {
            values = try text.split(separator: ",").map {
                guard let v = Float($0.trimmingCharacters(in: .whitespaces)) else { throw Failure(description: "threshold '\($0)' is not a number") }
                return v
            }
        }
        guard !values.isEmpty else { throw Failure(description: "no thresholds given") }
        guard values.count <= InputLimits.maxThresholds else {
            throw Failure(description: "\(values.count) thresholds are over the limit of \(InputLimits.maxThresholds)")
        }
        if let bad = values.first(where: { !(-1...1).contains($0) }) {
            throw Failure(description: "threshold \(bad) is outside [-1, 1] (cosine similarity)")
        }
        return values
    }

    /// The curve as CSV with the header `threshold,tp,fp,fn,precision,recall,f1`.
    public static func csv(_ rows: [Row]) -> String {
        "threshold,tp,fp,fn,precision,recall,f1\n" + rows.map {
            "\($0.threshold),\($0.tp),\($0.fp),\($0.fn),\(String(format: "%.6f", $0.precision)),\(String(format: "%.6f", $0.recall)),\(String(format: "%.6f", $0.f1))"
        }.joined(separator: "\n") + "\n"
    }
}
