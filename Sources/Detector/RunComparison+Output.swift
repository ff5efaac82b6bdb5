import Charts
import Domain
import Foundation

extension RunComparison {
    /// How the matching works, for the outputs.
    var rule: String {
        "one-to-one matching per image (maximum bipartite), positions within ±\(tolerance) token\(tolerance == 1 ? "" : "s") in x and y"
    }

    /// compare.txt: the runs, then one block per pair.
    public var text: String {
        var out = ["normlab compare: \(members.count) runs over \(imageCount) images, \(kind.rawValue) anomalies from \(source)",
                   "matching: \(rule)", "",
                   "run                        anomalies   images with ≥ 1"]
        for m in members {
            out.append("  " + m.name.padding(toLength: 24, withPad: " ", startingAt: 0) + String(format: " %9d   %6d", m.rows.count, m.images.count)
                       + " (\(pct(m.images.count, imageCount)))")
        }
        for p in pairs {
            let a = members[p.a].name, b = members[p.b].name
            out.append("")
            out.append("\(a) ↔ \(b): \(p.matched) matched, \(p.countA - p.matched) only in \(a), \(p.countB - p.matched) only in \(b); Jaccard \(jaccardText(p))")
            out.append("  images with anomalies: \(a) \(p.imagesA) (\(pct(p.imagesA, imageCount))), \(b) \(p.imagesB) (\(pct(p.imagesB, imageCount))), "
                       + "both \(p.imagesBoth) (\(pct(p.imagesBoth, imageCount)))")
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// compare.csv: one line per pair.
    public var csv: String {
        "run_a,run_b,anomalies_a,anomalies_b,matched,jaccard,images_a,images_b,images_both,images,tolerance\n" + pairs.map { p in
            [members[p.a].name, members[p.b].name, "\(p.countA)", "\(p.countB)", "\(p.matched)", p.jaccard.map { String(format: "%.6f", $0) } ?? "",
             "\(p.imagesA)", "\(p.imagesB)", "\(p.imagesBoth)", "\(imageCount)", "\(tolerance)"].map(csvField).joined(separator: ",")
        }.joined(separator: "\n") + "\n"
    }

    struct JSONBody: Codable {
        struct Member: Codable { var name: String, anomalies: Int, images: Int }
        struct Pair: Codable {
            var a: String, b: String, anomaliesA: Int, anomaliesB: Int, matched: Int, jaccard: Double?
            var imagesA: Int, imagesB: Int, imagesBoth: Int, shareA: Double, shareB: Double, shareBoth: Double
        }
        var runs: [Member], pairs: [Pair], images: Int, tolerance: Int, kind: String, source: String, matching: String
    }

    /// compare.json (keys sorted; `jaccard` is left out when both runs have no anomaly).
    public func json() throws -> String {
        func share(_ k: Int) -> Double { imageCount == 0 ? 0 : Double(k) / Double(imageCount) }
        let body = JSONBody(
            runs: members.map { .init(name: $0.name, anomalies: $0.rows.count, images: $0.images.count) },
            pairs: pairs.map { p in
                .init(a: members[p.a].name, b: members[p.b].name, anomaliesA: p.countA, anomaliesB: p.countB, matched: p.matched, jaccard: p.jaccard,
                      imagesA: p.imagesA, imagesB: p.imagesB, imagesBoth: p.imagesBoth, shareA: share(p.imagesA), shareB: share(p.imagesB), shareBoth: share(p.imagesBoth))
            },
            images: imageCount, tolerance: tolerance, kind: kind.rawValue, source: source, matching: rule)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(body), as: UTF8.self) + "\n"
    }

    /// compare.svg: the Jaccard matrix over all pairs (1 on the diagonal), each cell with its index
    /// and matched count, and the share of images with anomalies per run and per pair.
    public func svg() -> String {
        let k = members.count, names = members.map(\.name)
        var values = [Double](repeating: 0, count: k * k), labels = [String](repeating: "", count: k * k)
        for i in 0..<k {
            for j in 0..<k {
                if i == j {
                    values[i * k + j] = members[i].rows.isEmpty ? 0 : 1
                    labels[i * k + j] = "\(members[i].rows.count)"
                } else if let p = pair(i, j) {
                    values[i * k + j] = p.jaccard ?? 0
                    labels[i * k + j] = "\(jaccardText(p)) · \(p.matched)"
                }
            }
        }
        var matrix = Heatmap(title: "Jaccard index (cell: Jaccard · matched; diagonal: anomalies)", columns: k, rows: k, values: values, valueLabel: "Jaccard")
        matrix.maximum = 1
        matrix.columnNames = names
        matrix.rowNames = names
        matrix.cellLabels = labels
        var figure = Figure(width: 1000, height: 560, title: "\(kind.rawValue) anomalies from \(source), ±\(tolerance) tokens, \(imageCount) images")
        figure.place(matrix, in: Rect(x: 0, y: 40, width: 560, height: 520))
        figure.place(imageShareChart, in: Rect(x: 560, y: 40, width: 440, height: 520))
        return figure.svg()
    }

    var imageShareChart: BarChart {
        let share = { (n: Int) in imageCount == 0 ? 0 : Double(n) / Double(imageCount) }
        let categories = pairs.map { "\(members[$0.a].name) ↔ \(members[$0.b].name)" }
        var chart = BarChart(title: "share of images with anomalies", xLabel: "", yLabel: "share of images", categories: categories,
                             series: [.init(name: "first", color: Palette.blue, values: pairs.map { share($0.imagesA) }),
                                      .init(name: "second", color: Palette.orange, values: pairs.map { share($0.imagesB) }),
                                      .init(name: "both", color: Palette.green, values: pairs.map { share($0.imagesBoth) })],
                             layout: .grouped)
        chart.valueLabels = pairs.count <= 3
        return chart
    }

    func jaccardText(_ p: Pair) -> String { p.jaccard.map { String(format: "%.3f", $0) } ?? "–" }
}
