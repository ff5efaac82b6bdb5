import Foundation

extension RunReport {
    /// report.txt: every statistic with how it was computed.
    public var text: String {
        var out: [String] = []
        let n = run.imageCount
        out.append("normlab report: run '\(run.name)' (dataset '\(run.dataset)', position '\(run.position)'): \(n) images, \(run.channels) channels, \(run.height)×\(run.width) tokens")
        out.append("labels: \(patchCount) patches (2×2), \(pointCount) points")
        out.append("images with ≥ 1 anomaly: \(imagesWithAnomaly) of \(n) (\(pct(imagesWithAnomaly, n)))")
        out.append("anomalies per image (labels per image: images): " + anomaliesPerImage.enumerated().map { "\($0.offset): \($0.element)" }.joined(separator: ", "))
        let top = positions.enumerated().filter { $0.element > 0 }.sorted { $0.element > $1.element || ($0.element == $1.element && $0.offset < $1.offset) }.prefix(5)
        out.append("most labelled positions (x, y: labelled tokens): " + (top.isEmpty ? "none" : top.map { "(\($0.offset % run.width), \($0.offset / run.width)): \($0.element)" }.joined(separator: ", ")))
        out.append("")
        out.append("token norm        min        mean         max     tokens")
        out.append(normLine("labelled", labelledNorms))
        out.append(normLine("all", allNorms))
        out.append("")
        out += cosineLines
        out.append("")
        out += prototypeLines
        out.append("")
        out += normStatistics.textLines
        return out.joined(separator: "\n") + "\n"
    }

    private var cosineLines: [String] {
        let c = cosines
        let sample = c.sampledTokens < c.patchTokens ? "; an evenly strided sample of \(c.sampledTokens)" : ""
        return [
            "mean pairwise cosine (off-diagonal) of labelled patch tokens: \(f(c.all)) (\(c.patchTokens) tokens\(sample))",
            "  tokens at the same place in their 2×2 patch:                \(f(c.samePlace))",
            "  all tokens of \(c.baselineImages.count) images, no self-pairs:                \(f(c.baseline)) (\(c.baselineTokens) tokens; images \(list(c.baselineImages)))",
        ]
    }

    private var prototypeLines: [String] {
        guard let p = prototype, let e = evaluation else { return ["prototype: none (the run has no recorded prototype and no labels); no similarity statistics"] }
        var out = ["prototype: \(p.description)",
                   "evaluated images: \(e.from)..<\(run.imageCount)" + (e.from > 0 ? " (the test split: the prototype was averaged over images 0..<\(e.from))" : "")]
        let lt = e.labelled.reduce(0, +), ot = e.other.reduce(0, +)
        out.append("similarity to the prototype: \(lt) labelled tokens, \(ot) other tokens, \(e.labelled.count) bins over [-1, 1]")
        out.append("  bin            labelled      other")
        for b in e.labelled.indices where e.labelled[b] + e.other[b] > 0 {
            out.append(String(format: "  [%5.2f, %5.2f) %9d %10d", e.edges[b], e.edges[b + 1], e.labelled[b], e.other[b]))
        }
        out.append("")
        out.append("threshold      tp      fp      fn  precision  recall      f1   (token unit, similarity > threshold)")
        let points = curvePoints
        for p in points {
            out.append(String(format: "%9.4f %7d %7d %7d %10.4f %7.4f %7.4f", p.threshold, p.tp, p.fp, p.fn, p.precision, p.recall, p.f1))
        }
        if let b = bestIndex { out.append(String(format: "best F1 %.4f at threshold %.4f", points[b].f1, points[b].threshold)) }
        if let at = options.at {
            out.append("")
            out.append("at threshold \(at): \(e.imagesWithDetections) images with TP, FP or FN" + (e.images.count < e.imagesWithDetections ? " (norm maps of the first \(e.images.count))" : ""))
        }
        return out
    }

    private func normLine(_ name: String, _ s: NormSummary) -> String {
        let label = "  " + name.padding(toLength: 9, withPad: " ", startingAt: 0)
        return s.count == 0 ? label + "          –           –           –          0"
            : label + String(format: " %10.4f %11.4f %11.4f %10d", s.min, s.mean, s.max, s.count)
    }
}

func pct(_ a: Int, _ b: Int) -> String { b == 0 ? "–" : String(format: "%.1f %%", 100 * Double(a) / Double(b)) }
private func f(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "– (fewer than 2 tokens)" }
private func list(_ v: [Int]) -> String { v.count <= 12 ? v.map(String.init).joined(separator: ", ") : "\(v.prefix(6).map(String.init).joined(separator: ", ")), …, \(v.last!)" }
