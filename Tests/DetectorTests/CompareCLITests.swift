import Foundation
import TestSupport
import NPYFormat
import Testing

/// `normlab compare` as a user runs it: the paper's three label files imported as runs of one 500-image
/// dataset, detections of two runs, and the refusals.
@Suite struct CompareCLITests {
    /// A database with runs sd15, sd21, sdturbo (1 channel, 32×32, 500 images) holding the paper's
    /// labels, and run "other" of another dataset with a 16×16 grid.
    static func paperDatabase() throws -> (dir: String, db: String) {
        try #require(FileManager.default.isExecutableFile(atPath: DetectCLITests.executable), "build normlab first")
        let dir = try TempFolder.create("compare-cli")
        try PlantedRun(count: 500, channels: 1, height: 32, width: 32, background: 1).write(to: dir + "/f.npy")
        try PlantedRun(count: 500, channels: 1, height: 16, width: 16, background: 1).write(to: dir + "/g.npy")
        let db = dir + "/db.sqlite"
        for m in ["sd15", "sd21", "sdturbo"] {
            #expect(try DetectCLITests.normlab(["features", "import", "--db", db, "--dataset", "imagenet", "--run", m, dir + "/f.npy"]).status == 0)
            let file = RunComparisonTests.fixtures + "/high_norm_anomalies_\(m).npy"
            #expect(try DetectCLITests.normlab(["labels", "import", "--db", db, "--run", m, file]).status == 0)
        }
        #expect(try DetectCLITests.normlab(["features", "import", "--db", db, "--dataset", "small", "--run", "other", dir + "/g.npy"]).status == 0)
        return (dir, db)
    }

    @Test func paperRunsGiveTheNumPyValues() throws {
        let (dir, db) = try Self.paperDatabase()
        defer { TempFolder.remove(dir) }
        let want = try RunComparisonTests.expected()
        for t in 0...2 {
            let r = try DetectCLITests.normlab(["compare", "--db", db, "--runs", "sd15,sd21,sdturbo", "--tolerance", "\(t)", "-o", dir + "/c\(t)"])
            #expect(r.status == 0, "\(r.err)")
            let got = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/c\(t)/compare.json"))) as! [String: Any]
            let pairs = got["pairs"] as! [[String: Any]]
            #expect(pairs.count == 3 && got["images"] as! Int == 500)
            for w in (want["pairs"] as! [[String: Any]]).filter({ $0["tolerance"] as! Int == t }) {
                let p = try #require(pairs.first { $0["a"] as! String == w["a"] as! String && $0["b"] as! String == w["b"] as! String })
                #expect(p["matched"] as! Int == w["matched"] as! Int && abs(p["jaccard"] as! Double - (w["jaccard"] as! Double)) < 1e-12, "\(p)")
                #expect(p["imagesBoth"] as! Int == w["images_both"] as! Int && p["shareBoth"] as! Double == Double(w["images_both"] as! Int) / 500)
            }
            let text = try String(contentsOfFile: dir + "/c\(t)/compare.txt", encoding: .utf8)
            #expect(r.out == text && text.contains("sd15 ↔ sd21: "))
            let csv = try String(contentsOfFile: dir + "/c\(t)/compare.csv", encoding: .utf8).split(separator: "\n")
            #expect(csv.count == 4 && csv[0].hasPrefix("run_a,run_b,anomalies_a,anomalies_b,matched,jaccard"))
            #expect(FileManager.default.fileExists(atPath: dir + "/c\(t)/compare.svg"))
        }
    }

    @Test func refusesOtherDatasetsAndBadOptions() throws {
        let (dir, db) = try Self.paperDatabase()
        defer { TempFolder.remove(dir) }
        for (args, message) in [(["--runs", "sd15,other"], "run 'sd15' (dataset 'imagenet', 500 images) and run 'other' (dataset 'small'"),
                                (["--runs", "sd15"], "at least 2 runs"),
                                (["--runs", "sd15,sd15"], "named twice"),
                                (["--runs", "sd15,nope"], "unknown run 'nope'"),
                                (["--runs", "sd15,sd21", "--tolerance", "3"], "expected 0, 1 or 2"),
                                (["--runs", "sd15,sd21", "--source", "detections"], "needs --at"),
                                (["--runs", "sd15,sd21", "--at", "0.5"], "need --source detections"),
                                (["--runs", "sd15,sd21", "--source", "detections", "--at", "2"], "outside [-1, 1]")] {
            let r = try DetectCLITests.normlab(["compare", "--db", db, "-o", dir + "/out"] + args)
            #expect(r.status != 0 && r.err.contains(message), "\(args): \(r.err)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
        }
    }

    /// Two runs of the same features and prototype detect the same tokens: every detection matched,
    /// and those of the NumPy fixture's test images among them.
    @Test func detectionsOfIdenticalRunsMatchOneToOne() throws {
        let dir = try TempFolder.create("compare-det")
        defer { TempFolder.remove(dir) }
        let fx = NumPyCrossCheckTests.fixtures, db = dir + "/db.sqlite"
        for r in ["r", "r2"] { #expect(try DetectCLITests.normlab(["features", "import", "--db", db, "--dataset", "d", "--run", r, fx + "/features.npy"]).status == 0) }
        let r = try DetectCLITests.normlab(["compare", "--db", db, "--runs", "r,r2", "--source", "detections", "--prototype", fx + "/prototype.npy",
                                            "--at", "0.8", "--unit", "token", "-o", dir + "/c"])
        #expect(r.status == 0, "\(r.err)")
        let got = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/c/compare.json"))) as! [String: Any]
        let p = (got["pairs"] as! [[String: Any]])[0]
        let numpy = ((try NumPyCrossCheckTests.expected()["detections"] as! [String: Any])["rows"] as! [[Int]]).count
        #expect(p["matched"] as! Int == p["anomaliesA"] as! Int && p["anomaliesB"] as! Int == p["anomaliesA"] as! Int && p["jaccard"] as! Double == 1)
        #expect(p["anomaliesA"] as! Int >= numpy && numpy > 0 && got["kind"] as! String == "point")
        // Without labels or a recorded prototype there is nothing to detect with.
        let none = try DetectCLITests.normlab(["compare", "--db", db, "--runs", "r,r2", "--source", "detections", "--at", "0.8"])
        #expect(none.status != 0 && none.err.contains("no recorded prototype and no labels"), "\(none.err)")
    }
}
