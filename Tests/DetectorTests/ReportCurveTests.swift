import Foundation
import TestSupport
import Testing
import LabelStore
@testable import Detector

/// The report's detection curve is the detect curve: `normlab report` and `normlab detect` on the same
/// run, prototype, thresholds and evaluated images print the same TP/FP/FN, and both equal the NumPy
/// reference curve of the fixture (Tests/FixtureGenerators/make_detect_fixtures.py).
@Suite struct ReportCurveTests {
    /// (tp, fp, fn) rows of the report.txt curve table (the lines between its header and "best F1").
    static func reportCounts(_ text: String) -> [[Int]] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let header = lines.firstIndex(where: { $0.hasPrefix("threshold ") && $0.contains("tp") }) else { return [] }
        return lines[(header + 1)...].prefix { !$0.hasPrefix("best F1") }.map { line in
            line.split(separator: " ").dropFirst().prefix(3).compactMap { Int($0) }
        }
    }

    @Test func reportCurveEqualsDetectCurve() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: DetectCLITests.executable), "build normlab first")
        let (_, dir) = try await NumPyCrossCheckTests.store()
        defer { TempFolder.remove(dir) }
        let db = dir + "/db.sqlite"
        func run(_ args: String...) throws -> (status: Int32, out: String, err: String) { try DetectCLITests.normlab(args) }
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

    /// A `.npy` equal to a prototype recorded for the run counts as that prototype (README, "`normlab
    /// prototype` and `normlab detect`"): `report` evaluates its test split as with its id, and so does `detect`.
    @Test func aFileEqualToARecordedPrototypeUsesItsSplit() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: DetectCLITests.executable), "build normlab first")
        let (_, dir) = try await NumPyCrossCheckTests.store()
        defer { TempFolder.remove(dir) }
        let db = dir + "/db.sqlite", file = dir + "/proto.npy"
        func run(_ args: String...) throws -> (status: Int32, out: String, err: String) { try DetectCLITests.normlab(args) }
        #expect(try run("prototype", "--db", db, "--run", "r", "--train-fraction", "0.75", "-o", file).out == "1\n")
        var texts: [String] = []
        for (name, prototype) in [("by-id", "1"), ("by-file", file)] {
            let report = try run("report", "--db", db, "--run", "r", "--prototype", prototype, "-o", dir + "/" + name)
            try #require(report.status == 0, "\(report.err)")
            texts.append(try String(contentsOfFile: dir + "/\(name)/report.txt", encoding: .utf8))
        }
        #expect(texts[1].contains("evaluated images: 9..<12"), "\(texts[1])")
        #expect(Self.reportCounts(texts[1]) == Self.reportCounts(texts[0]))
        let detect = try run("detect", "--db", db, "--run", "r", "--prototype", file, "-o", dir + "/curve.csv")
        #expect(detect.status == 0 && detect.err.contains("test split"), "\(detect.err)")
        #expect(try DetectCLITests.counts(dir + "/curve.csv") == Self.reportCounts(texts[1]))
    }

    /// The same in process, through `EvaluatedRun` as the server's report and curve routes use it:
    /// the report's curve, the sweep of the run's scores and NumPy's curve over every image agree.
    @Test func evaluatedRunHasOneCurve() async throws {
        let (store, dir) = try await NumPyCrossCheckTests.store()
        defer { TempFolder.remove(dir) }
        let run = try store.run(named: "r")
        let e = try EvaluatedRun.resolve(run: run, features: try store.features(of: run), catalog: store,
                                         prototypes: .arguments([NumPyCrossCheckTests.fixtures + "/prototype.npy"]), images: .testSplit(strict: false))
        #expect(e.images == 0..<12 && e.labels.count > 0)
        let thresholds = try Detection.parseThresholds("0.6:0.99:20")
        var options = RunReport.Options()
        options.thresholds = thresholds
        let report = try #require(try RunReport.compute(e, options: options).evaluation)
        let swept = Detection.sweep(try e.score()[0], labels: e.labels, thresholds: thresholds, unit: .token)
        #expect(report.curve == swept)
        #expect(swept.map { [$0.tp, $0.fp, $0.fn] } == (try DetectCLITests.expectedCounts("all_token")))
    }
}
