import Foundation
import TestSupport
import NPYFormat
import Testing
@testable import LabelStore

/// `normlab report` and `normlab detect --plot` as a user runs them, on the planted run of
/// ReportAPITests written as a .npy: patches of 5·e2 at (0, 0) of image 0 (labelled) and (2, 2) of
/// image 2 (not labelled) on an e0 background.
@Suite struct ReportCLITests {
    static func setUp() throws -> (dir: String, db: String) {
        try #require(FileManager.default.isExecutableFile(atPath: normlabExecutable), "build normlab first")
        let dir = try TempFolder.create("normlab-report")
        try plantedReportRun().write(to: dir + "/f.npy")
        try NPY.write([0, 0, 0] as [Int64], shape: [1, 3], to: dir + "/labels.npy")
        try NPY.write([0, 0, 1] as [Float], shape: [3], to: dir + "/proto.npy")
        try NPY.write([0, 1] as [Float], shape: [2], to: dir + "/short.npy")
        let db = dir + "/db.sqlite"
        #expect(try normlab("features", "import", "--db", db, "--dataset", "d", "--run", "p", dir + "/f.npy").status == 0)
        #expect(try normlab("labels", "import", "--db", db, "--run", "p", dir + "/labels.npy").status == 0)
        return (dir, db)
    }

    @Test func reportWritesTextChartsAndImageMaps() throws {
        let (dir, db) = try Self.setUp()
        defer { TempFolder.remove(dir) }
        let plain = try normlab("report", "--db", db, "--run", "p", "-o", dir + "/plain")
        #expect(plain.status == 0, "\(plain.output)")
        let text = try String(contentsOfFile: dir + "/plain/report.txt", encoding: .utf8)
        #expect(plain.output.contains(text), "report.txt is also printed")
        #expect(text.contains("images with ≥ 1 anomaly: 1 of 4 (25.0 %)") && text.contains("plain mean of the run's 4 labelled tokens"))
        // The 4 labelled tokens are parallel: every pairwise cosine is 1.
        #expect(text.contains("labelled patch tokens: 1.0000 (4 tokens)"))
        let svg = try String(contentsOfFile: dir + "/plain/report.svg", encoding: .utf8)
        // The 4×4 labelled-positions heatmap and the 4×4 mean norm map.
        #expect(svg.hasPrefix("<?xml") && svg.components(separatedBy: "class=\"cell\"").count - 1 == 2 * 16)
        #expect(!FileManager.default.fileExists(atPath: dir + "/plain/index.html"))

        let at = try normlab("report", "--db", db, "--run", "p", "--prototype", dir + "/proto.npy", "--at", "0.5", "-o", dir + "/at")
        #expect(at.status == 0, "\(at.output)")
        let images = try FileManager.default.contentsOfDirectory(atPath: dir + "/at/images").sorted()
        #expect(images == ["image_00000.svg", "image_00002.svg"])
        let fp = try String(contentsOfFile: dir + "/at/images/image_00002.svg", encoding: .utf8)
        #expect(fp.components(separatedBy: "data-kind=\"fp\"").count - 1 == 4)
        let index = try String(contentsOfFile: dir + "/at/index.html", encoding: .utf8)
        #expect(index.contains("href=\"images/image_00000.svg\"") && index.contains("href=\"images/image_00002.svg\""))
    }

    @Test func reportRefusesBadInputAndWritesNothing() throws {
        let (dir, db) = try Self.setUp()
        defer { TempFolder.remove(dir) }
        for (args, message) in [(["--run", "nope"], "unknown run 'nope'"),
                                (["--run", "p", "--prototype", "999"], "unknown prototype 999"),
                                (["--run", "p", "--at", "1.5"], "outside [-1, 1]"),
                                (["--run", "p", "--prototype", dir + "/short.npy"], "the prototype has 2 channels"),
                                (["--run", "p", "--thresholds", "0.5:2:3"], "outside [-1, 1]")] {
            let r = try normlab(["report", "--db", db, "-o", dir + "/out"] + args)
            #expect(r.status != 0 && r.output.contains(message), "\(args): \(r.output)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
        }
    }

    @Test func detectPlotMatchesTheCurve() throws {
        let (dir, db) = try Self.setUp()
        defer { TempFolder.remove(dir) }
        let r = try normlab("detect", "--db", db, "--run", "p", "--prototype", dir + "/proto.npy", "--thresholds", "0.1:0.9:5",
                            "-o", dir + "/c.csv", "--plot", dir + "/c.svg")
        #expect(r.status == 0, "\(r.output)")
        let svg = try String(contentsOfFile: dir + "/c.svg", encoding: .utf8)
        let rows = try String(contentsOfFile: dir + "/c.csv", encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        #expect(rows.count == 5)
        for (i, row) in rows.enumerated() {
            // Hand count: TP 4 (image 0), FP 4 (image 2), FN 0 at every threshold in (0, 1).
            #expect(row[1] == "4" && row[2] == "4" && row[3] == "0")
            #expect(svg.contains("data-series=\"TP\" data-index=\"\(i)\" data-value=\"4\""))
            #expect(svg.contains("data-series=\"TP + FP\" data-index=\"\(i)\" data-value=\"8\""))
        }
        #expect(svg.contains("class=\"mark\"") && svg.contains("min. cosine similarity"))
    }
}
