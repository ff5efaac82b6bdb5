import Foundation
import TestSupport
import Testing

/// `normlab norm-grid` as a user runs it on the detector fixture run imported twice.
@Suite struct NormGridCLITests {
    @Test func rowsOfRunsColumnsOfImagesOrRuns() throws {
        try #require(FileManager.default.isExecutableFile(atPath: DetectCLITests.executable), "build normlab first")
        let dir = try TempFolder.create("norm-grid")
        defer { TempFolder.remove(dir) }
        let fx = NumPyCrossCheckTests.fixtures, db = dir + "/db.sqlite"
        for r in ["r", "r2"] { #expect(try DetectCLITests.normlab(["features", "import", "--db", db, "--dataset", "d", "--run", r, fx + "/features.npy"]).status == 0) }

        let images = try DetectCLITests.normlab(["norm-grid", "--db", db, "--runs", "r;r2", "--images", "0,3,11", "-o", dir + "/a.svg"])
        #expect(images.status == 0, "\(images.err)")
        let a = try String(contentsOfFile: dir + "/a.svg", encoding: .utf8)
        #expect(a.components(separatedBy: "class=\"normgrid-row\"").count - 1 == 2)
        #expect(a.components(separatedBy: "class=\"normgrid-panel\"").count - 1 == 6)
        #expect(a.contains("data-title=\"image 11\"") && a.components(separatedBy: "class=\"token\"").count - 1 == 6 * 64)

        let runs = try DetectCLITests.normlab(["norm-grid", "--db", db, "--runs", "r,r2", "--images", "5", "-o", dir + "/b.svg"])
        #expect(runs.status == 0, "\(runs.err)")
        let b = try String(contentsOfFile: dir + "/b.svg", encoding: .utf8)
        #expect(b.contains("data-name=\"r / r2\"") && b.contains("data-title=\"r, image 5\"") && b.contains("data-title=\"r2, image 5\""))

        for (args, message) in [(["--runs", "r", "--images", "12"], "image 12 is not in run 'r'"),
                                (["--runs", "r;r,r2", "--images", "0"], "same number of runs"),
                                (["--runs", "nope", "--images", "0"], "unknown run 'nope'"),
                                (["--runs", "r", "--images", "x"], "'x' is not an image index")] {
            let r = try DetectCLITests.normlab(["norm-grid", "--db", db, "-o", dir + "/bad.svg"] + args)
            #expect(r.status != 0 && r.err.contains(message), "\(args): \(r.err)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/bad.svg"))
        }
    }
}
