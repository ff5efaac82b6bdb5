import Foundation
import TestSupport
import Testing

/// Short runs of the labeling benchmarks: the in-process server and the `serve` child process
/// both stop normally, with nothing logged as an error.
@Suite struct BenchCLITests {
    @Test func labelingBenchStopsItsServerWithoutAnError() throws {
        try #require(FileManager.default.isExecutableFile(atPath: normlabExecutable), "build normlab first: \(normlabExecutable) missing")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("normlab-bench-\(UUID().uuidString)").path
        let (status, output) = try normlab("bench", "labeling", "--toggles", "6", "--rounds", "1", "--images", "60", "--folder", folder)
        #expect(status == 0, "\(output)")
        #expect(output.contains("grouped commits") && output.contains("a commit per write"))
        #expect(!output.lowercased().contains("error"), "\(output)")
    }

    @Test func soakStopsServeWithSIGTERMAndCleanStderr() throws {
        try #require(FileManager.default.isExecutableFile(atPath: normlabExecutable), "build normlab first: \(normlabExecutable) missing")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("normlab-soak-\(UUID().uuidString)").path
        let (status, output) = try normlab("bench", "soak", "--minutes", "0.05", "--window", "1", "--clients", "2", "--images", "60",
                                           "--folder", folder)
        #expect(status == 0, "\(output)")
        #expect(output.contains("stderr empty") && output.contains("all writes: n="), "\(output)")
        #expect(!output.lowercased().contains("error"), "\(output)")
    }
}
