import Foundation
import TestSupport
import NPYFormat
import Testing
import LabelStore

/// `normlab prototype` and `normlab detect` as a user types them, on the NumPy fixture run: recorded ids,
/// the default test split, files, several prototypes, and a clear message with a nonzero exit for bad input.
@Suite struct DetectCLITests {
    /// The `normlab` executable built beside the test bundle (or $NORMLAB_BIN).
    static var executable: String { normlabExecutable }

    /// Runs `normlab args…`: exit status, standard output, standard error.
    static func normlab(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let r = try runNormlab(args)
        return (r.status, r.stdout, r.stderr)
    }

    /// (tp, fp, fn) of each CSV line.
    static func counts(_ csvPath: String) throws -> [[Int]] {
        try String(contentsOfFile: csvPath, encoding: .utf8).split(separator: "\n").dropFirst().map { line in
            line.split(separator: ",")[1...3].map { Int($0)! }
        }
    }

    static func expectedCounts(_ curve: String) throws -> [[Int]] {
        let curves = try NumPyCrossCheckTests.expected()["curves"] as! [String: [String: Any]]
        return (curves[curve]!["rows"] as! [[String: Any]]).map { [$0["tp"] as! Int, $0["fp"] as! Int, $0["fn"] as! Int] }
    }

    @Test func prototypeIdsFilesSplitsAndErrors() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "build normlab first")
        let dir = try TempFolder.create("detect-cli")
        defer { TempFolder.remove(dir) }
        let fx = NumPyCrossCheckTests.fixtures, db = dir + "/db.sqlite"
        func run(_ args: String...) throws -> (status: Int32, out: String, err: String) { try Self.normlab(args.map { $0 == "DB" ? db : $0 }) }
        for r in ["r", "r2"] { #expect(try run("features", "import", "--db", "DB", "--dataset", "d", "--run", r, fx + "/features.npy").status == 0) }
        #expect(try run("labels", "import", "--db", "DB", "--run", "r", fx + "/labels_patch.npy").status == 0)
        #expect(try run("labels", "import", "--db", "DB", "--run", "r", "--kind", "point", fx + "/labels_point.npy").status == 0)

        // Recorded without -o; its id on standard output; listed.
        let made = try run("prototype", "--db", "DB", "--run", "r", "--train-fraction", "0.75")
        #expect(made.status == 0 && made.out == "1\n" && made.err.contains("prototype 1 of run 'r': 45 tokens"))
        let withFile = try run("prototype", "--db", "DB", "--run", "r", "--train-fraction", "0.75", "-o", dir + "/p.npy")
        #expect(withFile.out == "2\n" && FileManager.default.fileExists(atPath: dir + "/p.npy"))
        let list = try run("prototype", "--db", "DB", "--list", "--run", "r")
        #expect(list.status == 0 && list.out.hasPrefix("id\trun\ttokens\tsplit\tlabels\ttoken_count\tnorm\tcreated\tfile\n2\tr\tpatch\t0..<9 (0.75)\t"))
        #expect(list.out.contains(dir + "/p.npy") && list.out.split(separator: "\n").count == 3)

        // By id: the test split of its own run by default; the curve is NumPy's.
        let byID = try run("detect", "--db", "DB", "--run", "r", "--prototype", "1", "-o", dir + "/id.csv")
        #expect(byID.status == 0 && byID.err.contains("evaluating images 9..<12") && byID.err.contains("test split of prototype 1"))
        #expect(try Self.counts(dir + "/id.csv") == Self.expectedCounts("test_token"))
        // By the .npy written with it: recognised as that run's prototype, same split.
        let byFile = try run("detect", "--db", "DB", "--run", "r", "--prototype", dir + "/p.npy", "--unit", "patch", "-o", dir + "/f.csv")
        #expect(byFile.status == 0 && byFile.err.contains("evaluating images 9..<12"))
        #expect(try Self.counts(dir + "/f.csv") == Self.expectedCounts("test_patch"))
        // Another run's prototype scans every image; --from-index overrides; two prototypes in one pass.
        let other = try run("detect", "--db", "DB", "--run", "r2", "--prototype", "1", "-o", dir + "/o.csv")
        #expect(other.status == 0 && other.err.contains("evaluating images 0..<12") && other.err.contains("no prototype was made from this run"))
        let two = try run("detect", "--db", "DB", "--run", "r", "--prototype", "1", "--prototype", dir + "/p.npy", "--from-index", "0", "-o", dir + "/c.csv")
        #expect(two.status == 0 && two.err.contains("--from-index 0"))
        #expect(try Self.counts(dir + "/c-1.csv") == Self.expectedCounts("all_token"))
        #expect(try Self.counts(dir + "/c-2.csv") == Self.expectedCounts("all_token"))

        // Bad input: a clear message, nonzero exit, no output file.
        try NPY.write([Float](repeating: 1, count: 3), shape: [3], to: dir + "/c3.npy")
        let wholeRun = try run("prototype", "--db", "DB", "--run", "r", "--train-fraction", "1.0")
        #expect(wholeRun.out == "3\n")
        let bad: [([String], String)] = [
            (["--prototype", "99"], "no recorded prototype with id 99"),
            (["--prototype", dir + "/missing.npy"], "no such file, and not a prototype id"),
            (["--prototype", dir + "/c3.npy"], "the prototype has 3 channels, the run's features 64"),
            (["--prototype", "1", "--thresholds", "0.5:1.5:3"], "outside [-1, 1]"),
            (["--prototype", "1", "--from-index", "12"], "--from-index 12 is past the last image of run 'r' (11)"),
            (["--prototype", "3"], "was made from all 12 images of run 'r'"),
        ]
        for (args, message) in bad {
            let r = try Self.normlab(["detect", "--db", db, "--run", "r"] + args + ["-o", dir + "/bad.csv"])
            #expect(r.status != 0 && r.err.contains(message), "\(args): \(r.err)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/bad.csv"))
        // A truncated feature file.
        let features = try #require(FileManager.default.enumerator(atPath: dir)?.compactMap { $0 as? String }
            .first { $0.hasSuffix("r2/features.npy") })
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/" + features))
        try handle.truncate(atOffset: 5000)
        try handle.close()
        let truncated = try run("detect", "--db", "DB", "--run", "r2", "--prototype", "1", "-o", dir + "/bad.csv")
        #expect(truncated.status != 0 && truncated.err.contains("truncated .npy file"), "\(truncated.err)")
    }
}
