import Foundation
import Testing
import LabelStore
@testable import Detector

/// The report's detection curve is the detect curve: `normlab report` and `normlab detect` on the same
/// run, prototype, thresholds and evaluated images print the same TP/FP/FN, and both equal the NumPy
/// reference curve of the fixture (Tests/Fixtures/make_detect_fixtures.py).
@Suite struct ReportCurveTests {
    /// (tp, fp, fn) rows of the report.txt curve table (the lines between its header and "best F1").
    static func reportCounts(_ text: String) -> [[Int]] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let header = lines.firstIndex(where: { $0.hasPrefix("threshold ") && $0.contains("tp") }) else { return [] }
        return lines[(header + 1)...].prefix { !$0.hasPrefix("best F1") }.map { line in
            line.split(separator: " ").dropFirst().prefix(3).compactMap { Int($0) }
        }
    }

    @Test func reportCurveEqualsDetectCurve() throws {
        try #require(FileManager.default.isExecutableFile(atPath: DetectCLITests.executable), "build normlab first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-curve-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fx = NumPyCrossCheckTests.fixtures, db = dir + "/db.sqlite"
        func run(_ args: String...) throws -> (status: Int32, out: String, err: String) { try DetectCLITests.normlab(args) }
        #expect(try run("features", "import", "--db", db, "--dataset", "d", "--run", "r", fx + "/features.npy").status == 0)
        #expect(try run("labels", "import", "--db", db, "--run", "r", fx + "/labels_patch.npy").status == 0)
        #expect(try run("labels", "import", "--db", db, "--run", "r", "--kind", "point", fx + "/labels_point.npy").status == 0)
        #expect(try run("prototype", "--db", db, "--run", "r", "--train-fraction", "0.75").out == "1\n")

        // Both default to the prototype's test split (images 9..<12).
        let detect = try run("detect", "--db", db, "--run", "r", "--prototype", "1", "-o", dir + "/curve.csv")
        #expect(detect.status == 0, "\(detect.err)")
        let report = try run("report", "--db", db, "--run", "r", "--prototype", "1", "-o", dir + "/report")
        #expect(report.status == 0, "\(report.err)")
        let text = try String(contentsOfFile: dir + "/report/report.txt", encoding: .utf8)
        #expect(text.contains("evaluated images: 9..<12"))
        let fromReport = Self.reportCounts(text), fromDetect = try DetectCLITests.counts(dir + "/curve.csv")
        #expect(fromReport.count == 20 && fromReport.allSatisfy { $0.count == 3 })
        #expect(fromReport == fromDetect)
        #expect(fromDetect == (try DetectCLITests.expectedCounts("test_token")))
    }
}
