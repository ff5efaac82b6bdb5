import Foundation
import NPYFormat
import Testing
import Charts
@testable import Detector
import Domain

/// `RunComparison` on hand-made label sets whose overlaps are counted by hand in the comments, and on
/// the paper's published SD-1.5 / SD-2.1 / SD-Turbo label files against an independent NumPy/SciPy
/// computation (Tests/FixtureGenerators/make_compare_fixtures.py).
@Suite struct RunComparisonTests {
    static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("compare").path

    static func rows(_ triples: [(Int, Int, Int)]) -> [LabelRow] { triples.map { LabelRow(image: $0.0, x: $0.1, y: $0.2) } }

    static func paperLabels(_ model: String) throws -> [LabelRow] {
        let (_, v) = try NPY.readInt64(path: fixtures + "/high_norm_anomalies_\(model).npy")
        return stride(from: 0, to: v.count, by: 3).map { LabelRow(image: Int(v[$0]), x: Int(v[$0 + 1]), y: Int(v[$0 + 2])) }
    }

    static func expected() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixtures + "/expected.json"))) as! [String: Any]
    }

    @Test func handMadePatchesExactAndWithinTwoTokens() throws {
        // A and B share (0, 0, 0) exactly; (0, 4, 4)~(0, 6, 4) and (1, 8, 8)~(1, 10, 10) are 2 tokens apart;
        // (2, 2, 2) and (3, 0, 0) have no partner in their image.
        let a = Self.rows([(0, 0, 0), (0, 4, 4), (1, 8, 8), (2, 2, 2)]), b = Self.rows([(0, 0, 0), (0, 6, 4), (1, 10, 10), (3, 0, 0)])
        for (t, matched) in [(0, 1), (1, 1), (2, 3)] {
            let c = try RunComparison(members: [.init(name: "a", rows: a), .init(name: "b", rows: b)], imageCount: 5, tolerance: t, kind: .patch2x2, source: "labels")
            let p = try #require(c.pair(0, 1))
            #expect(p.matched == matched, "tolerance \(t)")
            #expect(p.jaccard == Double(matched) / Double(8 - matched))
            // Images with anomalies: A 0, 1, 2; B 0, 1, 3; both 0, 1.
            #expect((p.imagesA, p.imagesB, p.imagesBoth) == (3, 3, 2))
        }
    }

    @Test func matchingIsOneToOneAndMaximal() {
        // One patch between two of the other run's: it matches one of them, not both.
        #expect(RunComparison.matchCount(Self.rows([(0, 2, 2)]), Self.rows([(0, 0, 0), (0, 4, 4)]), tolerance: 2) == 1)
        #expect(RunComparison.matchCount(Self.rows([(0, 0, 0), (0, 4, 4)]), Self.rows([(0, 2, 2)]), tolerance: 2) == 1)
        // Points at ±1: (0,0) is near (0,1) and (1,0); (0,2) only near (0,1). Taking (0,0)↔(0,1) first
        // leaves (0,2) alone (1 pair); the maximum pairs (0,0)↔(1,0) and (0,2)↔(0,1): 2.
        let a = Self.rows([(0, 0, 0), (0, 0, 2)]), b = Self.rows([(0, 0, 1), (0, 1, 0)])
        #expect(RunComparison.matchCount(a, b, tolerance: 1) == 2)
        #expect(RunComparison.matchCount(b, a, tolerance: 1) == 2)
        #expect(RunComparison.matchCount(a, b, tolerance: 0) == 0)
        // Same place in another image never matches.
        #expect(RunComparison.matchCount(Self.rows([(0, 4, 4)]), Self.rows([(1, 4, 4)]), tolerance: 2) == 0)
    }

    @Test func emptyRunsHaveNoJaccardAndBadInputIsRefused() throws {
        let c = try RunComparison(members: [.init(name: "a", rows: []), .init(name: "b", rows: [])], imageCount: 3, tolerance: 0, kind: .point, source: "labels")
        #expect(c.pairs.count == 1 && c.pairs[0].jaccard == nil && c.csv.contains("a,b,0,0,0,,0,0,0,3,0"))
        #expect(throws: RunComparison.Failure.self) { try RunComparison(members: [.init(name: "a", rows: [])], imageCount: 3, tolerance: 0, kind: .point, source: "") }
        #expect(throws: RunComparison.Failure.self) {
            try RunComparison(members: [.init(name: "a", rows: []), .init(name: "b", rows: [])], imageCount: 3, tolerance: 3, kind: .point, source: "")
        }
        #expect(throws: RunComparison.Failure.self) {
            try RunComparison(members: [.init(name: "a", rows: []), .init(name: "a", rows: [])], imageCount: 3, tolerance: 0, kind: .point, source: "")
        }
    }

    @Test func differentDatasetsOrGridsAreRefusedNamingBoth() {
        func run(_ name: String, dataset: Int64, w: Int) -> Run {
            Run(id: 1, name: name, datasetID: dataset, dataset: "d\(dataset)", position: "up_blocks[1]", imageCount: 10, channels: 4,
                height: 32, width: w, featurePath: "", metadata: "{}", createdAt: "")
        }
        #expect(throws: Never.self) { try RunComparison.checkComparable([run("a", dataset: 1, w: 32), run("b", dataset: 1, w: 32)]) }
        for (other, words) in [(run("b", dataset: 2, w: 32), ["'a'", "'b'", "dataset 'd1'", "dataset 'd2'"]),
                               (run("b", dataset: 1, w: 64), ["'a'", "'b'", "32×32", "64×32"])] {
            do {
                try RunComparison.checkComparable([run("a", dataset: 1, w: 32), other])
                Issue.record("not refused")
            } catch {
                let text = "\(error)"
                #expect(words.allSatisfy(text.contains), "\(text)")
            }
        }
    }

    /// The paper's files: SD-1.5 ↔ SD-2.1 etc., matched and Jaccard as NumPy/SciPy computed them.
    @Test func paperLabelFilesMatchNumPy() throws {
        let want = try Self.expected()
        let models = want["runs"] as! [String], images = want["images"] as! Int
        let members = try models.map { RunComparison.Member(name: $0, rows: try Self.paperLabels($0)) }
        let pairs = want["pairs"] as! [[String: Any]]
        #expect(pairs.count == 9)
        for t in 0...2 {
            let c = try RunComparison(members: members, imageCount: images, tolerance: t, kind: .patch2x2, source: "labels")
            for w in pairs where w["tolerance"] as! Int == t {
                let i = models.firstIndex(of: w["a"] as! String)!, j = models.firstIndex(of: w["b"] as! String)!
                let p = try #require(c.pair(i, j))
                #expect(p.matched == w["matched"] as! Int && p.countA == w["anomalies_a"] as! Int && p.countB == w["anomalies_b"] as! Int, "\(w)")
                #expect(abs(p.jaccard! - (w["jaccard"] as! Double)) < 1e-12)
                #expect((p.imagesA, p.imagesB, p.imagesBoth) == (w["images_a"] as! Int, w["images_b"] as! Int, w["images_both"] as! Int))
            }
        }
    }

    @Test func matrixSVGCarriesJaccardPerCell() throws {
        let members = try ["sd15", "sd21", "sdturbo"].map { RunComparison.Member(name: $0, rows: try Self.paperLabels($0)) }
        let c = try RunComparison(members: members, imageCount: 500, tolerance: 0, kind: .patch2x2, source: "labels")
        let svg = c.svg()
        let cells = svg.components(separatedBy: "class=\"cell\"").count - 1
        #expect(cells == 9)
        for p in c.pairs {
            for (x, y) in [(p.b, p.a), (p.a, p.b)] {
                #expect(svg.contains("class=\"cell\" data-x=\"\(x)\" data-y=\"\(y)\" data-value=\"\(num(p.jaccard!))\""))
            }
        }
        #expect(svg.contains(">sdturbo</text>") && c.svg() == svg)
        let json = try JSONSerialization.jsonObject(with: Data(try c.json().utf8)) as! [String: Any]
        #expect(((json["pairs"] as! [[String: Any]])[0]["matched"] as! Int) == c.pairs[0].matched)
    }
}
