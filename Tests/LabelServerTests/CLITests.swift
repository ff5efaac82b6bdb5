import Foundation
import TestSupport
import NPYFormat
import Testing
@testable import LabelStore

/// The commands as a user types them: exit codes, messages, and nothing half-written.
@Suite struct CLITests {
    @Test func importExportRoundTripAndErrors() throws {
        try #require(FileManager.default.isExecutableFile(atPath: normlabExecutable), "build normlab first")
        let dir = try TempFolder.create("normlab-cli")
        defer { TempFolder.remove(dir) }
        let db = dir + "/db.sqlite"
        try PlantedRun(count: 6, channels: 2, height: 4, width: 4, background: 0.25).write(to: dir + "/f.npy")
        try NPY.write([Float](repeating: 0.25, count: 6 * 2 * 4), shape: [6, 2, 4], to: dir + "/rank3.npy")
        try NPY.write([0, 2, 2, 5, 0, 0] as [Int64], shape: [2, 3], to: dir + "/good.npy")
        try NPY.write([0, 2, 2, 7, 0, 0, 1, 1, 0] as [Int64], shape: [3, 3], to: dir + "/bad.npy")

        #expect(try normlab("features", "import", "--db", db, "--dataset", "d", "--run", "r", dir + "/f.npy").status == 0)
        let rank = try normlab("features", "import", "--db", db, "--dataset", "d", "--run", "r2", dir + "/rank3.npy")
        #expect(rank.status != 0 && rank.output.contains("must have rank 4"))

        let bad = try normlab("labels", "import", "--db", db, "--run", "r", dir + "/bad.npy")
        #expect(bad.status != 0 && bad.output.contains("2 bad row(s), nothing imported")
                && bad.output.contains("row 1: image 7 is outside") && bad.output.contains("row 2: image 1: patch2x2 needs even"))
        #expect(try normlab("labels", "import", "--db", db, "--run", "r", dir + "/good.npy").status == 0)
        #expect(try normlab("labels", "export", "--db", db, "--run", "r", "-o", dir + "/out.npy", "--with-names").status == 0)
        #expect(FileManager.default.contents(atPath: dir + "/out.npy") == FileManager.default.contents(atPath: dir + "/good.npy"))
        #expect(try String(contentsOfFile: dir + "/out_names.csv", encoding: .utf8).hasPrefix("image_index,file_name\n0,\n"))

        let unknown = try normlab("labels", "export", "--db", db, "--run", "nope", "-o", dir + "/x.npy")
        #expect(unknown.status != 0 && unknown.output.contains("unknown run 'nope'"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/x.npy"))
        #expect(try LabelStore(path: db).runSummaries().map(\.name) == ["r"])
    }
}
