import TestSupport
import Foundation
import ImageIO
import NPYFormat
import Testing

/// The original labeler's formats, both ways, as a user runs them: `normlab norm-images` against the
/// notebook's formula computed by NumPy (Tests/FixtureGenerators/make_norm_image_fixtures.py), and the
/// `norm_XXXX.json` folder through export and import.
@Suite struct OriginalLabelerFormatTests {
    static let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/norm-images").path

    @Test func normImagesAreTheNotebooksBytes() throws {
        try #require(FileManager.default.isExecutableFile(atPath: normlabExecutable), "build normlab first")
        let dir = try TempFolder.create("normlab-norm-images")
        defer { TempFolder.remove(dir) }
        let db = dir + "/db.sqlite"
        #expect(try normlab("features", "import", "--db", db, "--dataset", "d", "--run", "r", Self.fixtures + "/features.npy").status == 0)
        let out = try normlab("norm-images", "--db", db, "--run", "r", "-o", dir + "/images")
        #expect(out.status == 0 && out.output.contains("wrote 3 norm image(s) of run 'r' (9×6 pixels)"), "\(out.output)")

        let header = try NPY.header(path: Self.fixtures + "/expected.npy")
        try #require(header.dtype == .uint8 && header.shape == [3, 6, 9])
        let expected = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/expected.npy"))[header.dataOffset...])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/images").sorted() == ["norm_0000.png", "norm_0001.png", "norm_0002.png"])
        for i in 0..<3 {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + String(format: "/images/norm_%04d.png", i))))
            #expect(bytes[24] == 8 && bytes[25] == 0, "image \(i): IHDR must say 8-bit gray (bit depth \(bytes[24]), colour type \(bytes[25]))")
            let image = try PNG.decodeRGB(bytes)
            #expect(image.width == 9 && image.height == 6)
            let gray = stride(from: 0, to: image.pixels.count, by: 3).map { image.pixels[$0] }
            #expect(gray == Array(expected[(i * 54)..<((i + 1) * 54)]), "image \(i)")
        }
        let unknown = try normlab("norm-images", "--db", db, "--run", "nope", "-o", dir + "/none")
        #expect(unknown.status != 0 && unknown.output.contains("unknown run 'nope'"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/none"))
    }

    @Test func jsonFolderRoundTrip() throws {
        try #require(FileManager.default.isExecutableFile(atPath: normlabExecutable), "build normlab first")
        let dir = try TempFolder.create("normlab-json-folder")
        defer { TempFolder.remove(dir) }
        try PlantedRun(count: 12, channels: 2, height: 6, width: 8, background: 0.25).write(to: dir + "/f.npy")
        // What the original labeler left: image 3 with two clicks, image 7 looked at with none.
        try FileManager.default.createDirectory(atPath: dir + "/original", withIntermediateDirectories: true)
        try #"[{"x": 6, "y": 2}, {"x": 0, "y": 4}]"#.write(toFile: dir + "/original/norm_0003.json", atomically: true, encoding: .utf8)
        try "[]".write(toFile: dir + "/original/norm_0007.json", atomically: true, encoding: .utf8)
        try NPY.write([0, 2, 2, 3, 4, 0, 11, 6, 4] as [Int64], shape: [3, 3], to: dir + "/more.npy")
        for db in ["a", "b"] {
            #expect(try normlab("features", "import", "--db", "\(dir)/\(db).sqlite", "--dataset", "d", "--run", "r", dir + "/f.npy").status == 0)
        }
        #expect(try normlab("labels", "import", "--db", dir + "/a.sqlite", "--run", "r", dir + "/original").status == 0)
        #expect(try normlab("labels", "import", "--db", dir + "/a.sqlite", "--run", "r", dir + "/more.npy").status == 0)

        let export = try normlab("labels", "export", "--db", dir + "/a.sqlite", "--run", "r", "--format", "json-folder", "-o", dir + "/out")
        #expect(export.status == 0 && export.output.contains("wrote 4 norm_XXXX.json file(s)"), "\(export.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/out").sorted()
                == ["norm_0000.json", "norm_0003.json", "norm_0007.json", "norm_0011.json"])
        // The Flask app's json.dump: ", " and ": " separators, no newline; rows by x, then y.
        #expect(try String(contentsOfFile: dir + "/out/norm_0003.json", encoding: .utf8) == #"[{"x": 0, "y": 4}, {"x": 4, "y": 0}, {"x": 6, "y": 2}]"#)
        #expect(try String(contentsOfFile: dir + "/out/norm_0007.json", encoding: .utf8) == "[]")

        #expect(try normlab("labels", "import", "--db", dir + "/b.sqlite", "--run", "r", dir + "/out").status == 0)
        for db in ["a", "b"] {
            #expect(try normlab("labels", "export", "--db", "\(dir)/\(db).sqlite", "--run", "r", "-o", "\(dir)/\(db).npy").status == 0)
            #expect(try normlab("labels", "export", "--db", "\(dir)/\(db).sqlite", "--run", "r", "--format", "json-folder", "-o", "\(dir)/\(db)-json").status == 0)
        }
        let a = FileManager.default.contents(atPath: dir + "/a.npy"), b = FileManager.default.contents(atPath: dir + "/b.npy")
        #expect(a != nil && a == b && a!.count == 128 + 5 * 24)
        for name in try FileManager.default.contentsOfDirectory(atPath: dir + "/out") {  // reviewed-without-labels survives too
            #expect(FileManager.default.contents(atPath: "\(dir)/b-json/\(name)") == FileManager.default.contents(atPath: "\(dir)/out/\(name)"), "\(name)")
        }

        // A folder with other label files would not read back as this run: refused, nothing written.
        try FileManager.default.createDirectory(atPath: dir + "/busy", withIntermediateDirectories: true)
        try "[]".write(toFile: dir + "/busy/norm_0005.json", atomically: true, encoding: .utf8)
        let busy = try normlab("labels", "export", "--db", dir + "/a.sqlite", "--run", "r", "--format", "json-folder", "-o", dir + "/busy")
        #expect(busy.status != 0 && busy.output.contains("other .json file(s) (norm_0005.json"), "\(busy.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/busy") == ["norm_0005.json"])
    }
}
