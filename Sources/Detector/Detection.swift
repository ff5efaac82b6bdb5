import CBLAS
import FeatureStore
import Foundation
import LabelStore

/// Cosine-threshold detection of anomaly tokens against a prototype, with TP/FP/FN per threshold.
public enum Detection {
    public enum Unit: String, Sendable, CaseIterable { case token, patch }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public struct Row: Sendable, Equatable {
        public let threshold: Float
        public let tp: Int, fp: Int, fn: Int
        public var precision: Double { tp + fp == 0 ? 0 : Double(tp) / Double(tp + fp) }
        public var recall: Double { tp + fn == 0 ? 0 : Double(tp) / Double(tp + fn) }
        public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }
    }

    /// `a:b:n` (n evenly spaced values from a to b inclusive, like np.linspace) or `t1,t2,…`.
    public static func parseThresholds(_ text: String) throws -> [Float] {
        let values: [Float]
        let parts = text.split(separator: ":")
        if parts.count == 3 {
            guard let a = Double(parts[0]), let b = Double(parts[1]), let n = Int(parts[2]), n >= 1 else {
                throw Failure(description: "thresholds '\(text)': expected a:b:n, e.g. 0.6:0.99:20")
            }
            values = (0..<n).map { i in Float(n == 1 ? a : a + (b - a) * Double(i) / Double(n - 1)) }
        } else {
            values = try text.split(separator: ",").map {
                guard let v = Float($0.trimmingCharacters(in: .whitespaces)) else { throw Failure(description: "threshold '\($0)' is not a number") }
                return v
            }
        }
        guard !values.isEmpty else { throw Failure(description: "no thresholds given") }
        if let bad = values.first(where: { !(-1...1).contains($0) }) {
            throw Failure(description: "threshold \(bad) is outside [-1, 1] (cosine similarity)")
        }
        return values
    }

    /// Cosine similarity of every token of images `from..<N` to `prototype`, as torch's
    /// cosine_similarity defines it: a·b / (max(|a|, 1e-8) · max(|b|, 1e-8)). One sgemv per image
    /// over the memory-mapped float16 features converted to float32 (memory stays flat).
    public static func similarities(features: FeatureReader, prototype: [Float], from: Int) throws -> [[Float]] {
        let s = features.shape
        guard prototype.count == s.channels else {
            throw Failure(description: "the prototype has \(prototype.count) channels, the run's features \(s.channels)")
        }
        guard (0..<s.count).contains(from) else { throw Failure(description: "--from-index \(from) is past the last image (\(s.count - 1))") }
        let tokens = s.height * s.width
        let pNorm = max(prototype.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot(), 1e-8)
        var buffer = [Float](repeating: 0, count: s.channels * tokens)
        return (from..<s.count).map { image in
            let half = features.features(image: image)
            for i in 0..<buffer.count { buffer[i] = Float(half[i]) }
            var dots = [Float](repeating: 0, count: tokens)
            buffer.withUnsafeBufferPointer { f in
                prototype.withUnsafeBufferPointer { p in
                    dots.withUnsafeMutableBufferPointer { d in
                        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(s.channels), Int32(tokens), 1, f.baseAddress!, Int32(tokens),
                                    p.baseAddress!, 1, 0, d.baseAddress!, 1)
                    }
                }
            }
            let norms = features.norms(image: image)
            return (0..<tokens).map { t in Float(Double(dots[t]) / (max(Double(norms[t]), 1e-8) * pNorm)) }
        }
    }

    /// TP/FP/FN per threshold. `truth` holds label rows of the evaluated images (index ≥ `from`);
    /// a token (or 2×2 patch at even coordinates, all four tokens) is detected when its similarity is
    /// strictly greater than the threshold.
    public static func sweep(similarities sims: [[Float]], from: Int, width: Int, height: Int, patches: [LabelRow], points: [LabelRow],
                             thresholds: [Float], unit: Unit) -> [Row] {
        var truth = Set<Int>()  // (image, token) or (image, patch) keys
        func key(_ image: Int, _ x: Int, _ y: Int) -> Int { (image * height + y) * width + x }
        for r in patches where r.image >= from {
            if unit == .patch { truth.insert(key(r.image, r.x, r.y)) }
            else { for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] { truth.insert(key(r.image, r.x + dx, r.y + dy)) } }
        }
        if unit == .token { for r in points where r.image >= from { truth.insert(key(r.image, r.x, r.y)) } }
        return thresholds.map { thr in
            var tp = 0, detected = 0
            forEachHit(sims, from: from, width: width, height: height, threshold: thr, unit: unit) { image, x, y in
                detected += 1
                if truth.contains(key(image, x, y)) { tp += 1 }
            }
            return Row(threshold: thr, tp: tp, fp: detected - tp, fn: truth.count - tp)
        }
    }

    /// Detections at one threshold as label rows (image, x, y), sorted (the export format).
    public static func detections(similarities sims: [[Float]], from: Int, width: Int, height: Int, threshold: Float, unit: Unit) -> [LabelRow] {
        var rows: [LabelRow] = []
        forEachHit(sims, from: from, width: width, height: height, threshold: threshold, unit: unit) { rows.append(LabelRow(image: $0, x: $1, y: $2)) }
        return rows.sorted()
    }

    /// Calls `body(image, x, y)` for every detected token, or every 2×2 patch at even coordinates whose
    /// four tokens are all above the threshold.
    static func forEachHit(_ sims: [[Float]], from: Int, width: Int, height: Int, threshold: Float, unit: Unit,
                           _ body: (Int, Int, Int) -> Void) {
        let step = unit == .patch ? 2 : 1
        let corners = unit == .patch ? [0, 1, width, width + 1] : [0]
        for (k, s) in sims.enumerated() {
            for y in stride(from: 0, to: height - (step - 1), by: step) {
                for x in stride(from: 0, to: width - (step - 1), by: step) where corners.allSatisfy({ s[y * width + x + $0] > threshold }) {
                    body(from + k, x, y)
                }
            }
        }
    }

    /// The curve as CSV with the header `threshold,tp,fp,fn,precision,recall,f1`.
    public static func csv(_ rows: [Row]) -> String {
        "threshold,tp,fp,fn,precision,recall,f1\n" + rows.map {
            "\($0.threshold),\($0.tp),\($0.fp),\($0.fn),\(String(format: "%.6f", $0.precision)),\(String(format: "%.6f", $0.recall)),\(String(format: "%.6f", $0.f1))"
        }.joined(separator: "\n") + "\n"
    }
}
