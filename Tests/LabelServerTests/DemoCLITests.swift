import TestSupport
import FeatureStore
import Foundation
import NPYFormat
import Testing

/// `normlab demo`'s synthetic features have the statistics the README promises, measured on the files
/// it writes (feature store, planted answers, decoys, the shipped mean anomaly token), and the detector
/// on them faces a real trade-off.
@Suite struct DemoCLITests {
    @Test func demoStatisticsAndDetectionTradeOff() throws {
        try #require(FileManager.default.isExecutableFile(atPath: normlabExecutable), "build normlab first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("normlab-demo-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try normlab("demo", "--no-serve", "--folder", dir)
        #expect(made.status == 0 && made.output.contains("SYNTHETIC"), "\(made.output)")
        let run = "demo-sd15-up1"
        let reader = try FeatureReader(folder: "\(dir)/demo.features/\(run)")
        let planted = try rows(dir + "/planted_\(run).npy"), decoys = try rows(dir + "/decoys_\(run).npy")
        let direction = DemoStatistics.unit(try NPY.readFloats(path: dir + "/sd15_mean_anomaly_token.npy").values)
        let stats = DemoStatistics(reader: reader, planted: planted, decoys: decoys, direction: direction)
        print("demo statistics: share \(stats.imageShare), pairwise \(stats.pairwise), background \(stats.background), neighbours \(stats.neighbours)")
        // The thesis's labelled ImageNet subset: 25% of images with anomalies, pairwise cosine 0.80
        // (0.92 at the same place), relative norm 3.8 ± 1.5 at up_blocks[1]; background ≈ 0.055.
        #expect(reader.shape == FeatureShape(count: 32, channels: 1280, height: 32, width: 32))
        #expect((0.2...0.3).contains(stats.imageShare), "share of images with anomalies \(stats.imageShare)")
        #expect((0.74...0.86).contains(stats.pairwise.all), "anomaly pairwise cosine \(stats.pairwise.all)")
        #expect((0.87...0.96).contains(stats.pairwise.samePlace), "same-place cosine \(stats.pairwise.samePlace)")
        let ratios = stats.anomalyRatios.sorted(), inRange = ratios.filter { (2...6.5).contains($0) }.count
        #expect(Double(inRange) >= 0.7 * Double(ratios.count) && ratios.last! <= 7, "anomaly norm ÷ image mean \(ratios)")
        #expect(ratios.first! < 2, "some anomalies must be faint, smallest ratio \(ratios.first!)")
        #expect((0.03...0.08).contains(stats.background), "background pairwise cosine \(stats.background)")
        #expect(stats.neighbours > stats.background + 0.05, "neighbours \(stats.neighbours) vs all pairs \(stats.background)")
        #expect(!decoys.isEmpty && stats.decoys.allSatisfy { $0.ratio >= 1.8 && $0.cosine < 0.85 }, "decoys \(stats.decoys)")

        // The detector with the real mean anomaly token against the planted answers: no threshold is
        // perfect (faint anomalies sink below partly aligned decoys), yet the best F1 is high.
        let db = dir + "/demo.sqlite"
        #expect(try normlab("labels", "import", "--db", db, "--run", run, dir + "/planted_\(run).npy").status == 0)
        let detect = try normlab("detect", "--db", db, "--run", run, "--prototype", dir + "/sd15_mean_anomaly_token.npy",
                                 "--thresholds", "0.3:0.95:27", "-o", dir + "/curve.csv")
        #expect(detect.status == 0, "\(detect.output)")
        let curve = try String(contentsOfFile: dir + "/curve.csv", encoding: .utf8).split(separator: "\n").dropFirst().map { line in
            line.split(separator: ",").map { Double($0)! }  // threshold,tp,fp,fn,precision,recall,f1
        }
        #expect(curve.count == 27 && curve.allSatisfy { $0[2] + $0[3] > 0 }, "a threshold without FP and FN: \(curve)")
        let best = curve.map { $0[6] }.max()!
        print("demo detection: best F1 \(best)")
        #expect((0.6...0.97).contains(best), "best F1 \(best)")
    }

    func rows(_ path: String) throws -> [(image: Int, x: Int, y: Int)] {
        let v = try NPY.readInt64(path: path).values
        return stride(from: 0, to: v.count, by: 3).map { (Int(v[$0]), Int(v[$0 + 1]), Int(v[$0 + 2])) }
    }
}

/// The measurements, straight from the feature file (float16 values, float32 norms).
struct DemoStatistics {
    var imageShare = 0.0, background: Float = 0, neighbours: Float = 0
    var pairwise: (all: Float, samePlace: Float) = (0, 0)
    var anomalyRatios: [Float] = []
    var decoys: [(ratio: Float, cosine: Float)] = []

    init(reader: FeatureReader, planted: [(image: Int, x: Int, y: Int)], decoys: [(image: Int, x: Int, y: Int)], direction: [Float]) {
        let s = reader.shape
        imageShare = Double(Set(planted.map(\.image)).count) / Double(s.count)
        var tokens: [(vector: [Float], place: Int)] = []
        for p in planted {
            for (place, (dx, dy)) in [(0, 0), (1, 0), (0, 1), (1, 1)].enumerated() {
                tokens.append((Self.unit(Self.token(reader, p.image, p.x + dx, p.y + dy)), place))
                anomalyRatios.append(reader.norms(image: p.image)[(p.y + dy) * s.width + p.x + dx] / Self.meanNorm(reader, p.image))
            }
        }
        var all: [Float] = [], same: [Float] = []
        for i in tokens.indices {
            for j in tokens.indices where j != i {
                let c = Self.dot(tokens[i].vector, tokens[j].vector)
                all.append(c)
                if tokens[i].place == tokens[j].place { same.append(c) }
            }
        }
        pairwise = (Self.mean(all), Self.mean(same))
        self.decoys = decoys.map { d in
            (reader.norms(image: d.image)[d.y * s.width + d.x] / Self.meanNorm(reader, d.image),
             Self.dot(Self.unit(Self.token(reader, d.image, d.x, d.y)), direction))
        }
        (background, neighbours) = Self.backgroundCosines(reader, images: Array(stride(from: 0, to: s.count, by: 4)))
    }

    /// Mean cosine over all pairs of distinct tokens of the images (Σ_{i≠j} ûᵢ·ûⱼ = |Σ ûᵢ|² − n), and
    /// over horizontally adjacent tokens.
    static func backgroundCosines(_ reader: FeatureReader, images: [Int]) -> (all: Float, neighbours: Float) {
        let s = reader.shape
        var sum = [Float](repeating: 0, count: s.channels), n = 0, adjacent: [Float] = []
        for image in images {
            for y in 0..<s.height {
                var left: [Float]? = nil
                for x in 0..<s.width {
                    let u = unit(token(reader, image, x, y))
                    for c in 0..<s.channels { sum[c] += u[c] }
                    n += 1
                    if let l = left { adjacent.append(dot(l, u)) }
                    left = u
                }
            }
        }
        return ((dot(sum, sum) - Float(n)) / Float(n * (n - 1)), mean(adjacent))
    }

    static func token(_ reader: FeatureReader, _ image: Int, _ x: Int, _ y: Int) -> [Float] {
        let f = reader.features(image: image), s = reader.shape, t = y * s.width + x
        return (0..<s.channels).map { Float(f[$0 * s.tokensPerImage + t]) }
    }

    static func meanNorm(_ reader: FeatureReader, _ image: Int) -> Float { mean(Array(reader.norms(image: image))) }
    static func unit(_ v: [Float]) -> [Float] { let n = dot(v, v).squareRoot(); return v.map { $0 / n } }
    static func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
    static func mean(_ v: [Float]) -> Float { v.reduce(0, +) / Float(v.count) }
}
