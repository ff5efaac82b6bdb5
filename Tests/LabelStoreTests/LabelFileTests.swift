import Foundation
import TestSupport
import NPYFormat
import Testing
@testable import LabelStore

@Suite struct LabelFileTests {
    static let realFiles = ["high_norm_anomalies_sd15.npy", "high_norm_anomalies_imagenet_subset_step50_seed42_heavy_only.npy"]

    @Test(arguments: realFiles)
    func realLabelFilesRoundTripByteForByte(_ name: String) async throws {
        let tmp = try TempFolder()
        let store = try await storeWithRun(tmp, run: "imagenet", n: 500, c: 1, h: 32, w: 32)
        let rows = try LabelFiles.readNPY(path: fixture(name))
        #expect(try await store.importLabels(run: "imagenet", kind: .patch2x2, rows: rows, sourceName: name, by: tester) == rows.count)
        let original = try Data(contentsOf: URL(fileURLWithPath: fixture(name)))
        #expect(try store.exportLabels(run: "imagenet") == original)
    }

    @Test func emptyExportIsAnInt64ZeroByThreeArray() async throws {
        let tmp = try TempFolder()
        let store = try await storeWithRun(tmp)
        let data = try store.exportLabels(run: "r", kind: .point)
        try data.write(to: URL(fileURLWithPath: tmp.file("e.npy")))
        let h = try NPY.header(path: tmp.file("e.npy"))
        #expect(h.dtype == .int64 && h.shape == [0, 3] && data.count == 128)
    }

    @Test func badRowsAreListedAndNothingIsImported() async throws {
        let tmp = try TempFolder()
        let store = try await storeWithRun(tmp) // 4 images, 8 wide, 6 high
        let rows: [Int64] = [0, 2, 2, /**/ 1, 3, 2, /**/ 9, 0, 0, /**/ 2, 6, 4, /**/ 3, 6, 5]
        try NPY.write(rows, shape: [5, 3], to: tmp.file("bad.npy"))
        let parsed = try LabelFiles.readNPY(path: tmp.file("bad.npy"))
        await #expect {
            try await store.importLabels(run: "r", kind: .patch2x2, rows: parsed, sourceName: "bad.npy", by: tester)
        } throws: { error in
            let text = "\(error)"
            return text.contains("3 bad row(s)") && text.contains("row 1: image 1: patch2x2 needs even")
                && text.contains("row 2: image 9 is outside") && text.contains("row 4: image 3: patch2x2 at x=6, y=5 does not fit the 8×6 grid")
                && !text.contains("row 0") && !text.contains("row 3")
        }
        #expect(try store.labelRows(run: "r").isEmpty)
        // --snap floors odd coordinates; the out-of-range image still blocks everything.
        let snappable = parsed.filter { $0.row.image != 9 }
        #expect(try await store.importLabels(run: "r", kind: .patch2x2, rows: snappable, snap: true, sourceName: "bad.npy", by: tester) == 4)
        #expect(try store.labelRows(run: "r") == [.init(image: 0, x: 2, y: 2), .init(image: 1, x: 2, y: 2), .init(image: 2, x: 6, y: 4), .init(image: 3, x: 6, y: 4)])
    }

    @Test func wrongDtypeOrShapeIsRefused() throws {
        let tmp = try TempFolder()
        try NPY.write([Float](repeating: 0, count: 6), shape: [2, 3], to: tmp.file("f.npy"))
        try NPY.write([Int64](repeating: 0, count: 4), shape: [2, 2], to: tmp.file("s.npy"))
        #expect { try LabelFiles.readNPY(path: tmp.file("f.npy")) } throws: { "\($0)".contains("must be int64") }
        #expect { try LabelFiles.readNPY(path: tmp.file("s.npy")) } throws: { "\($0)".contains("shape (N, 3)") }
    }

    @Test func originalLabelerJSONFolderImports() async throws {
        let tmp = try TempFolder()
        let store = try await storeWithRun(tmp)
        let dir = tmp.file("json")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try #"[{"x": 4, "y": 2}, {"x": 0, "y": 0}]"#.write(toFile: dir + "/norm_0001.json", atomically: true, encoding: .utf8)
        try "[]".write(toFile: dir + "/norm_0003.json", atomically: true, encoding: .utf8)
        let (rows, reviewed) = try LabelFiles.readJSONDirectory(path: dir)
        try await store.importLabels(run: "r", kind: .patch2x2, rows: rows, reviewed: reviewed, sourceName: dir, by: tester)
        #expect(try store.labelRows(run: "r") == [.init(image: 1, x: 0, y: 0), .init(image: 1, x: 4, y: 2)])
        let images = try store.imageSummaries(run: "r")
        #expect(images.map(\.labeled) == [false, true, false, true])
        #expect(images[3].reviewed && images[3].annotationCount == 0)

        try "{oops".write(toFile: dir + "/norm_0002.json", atomically: true, encoding: .utf8)
        try "[]".write(toFile: dir + "/notes.json", atomically: true, encoding: .utf8)
        #expect { try LabelFiles.readJSONDirectory(path: dir) } throws: {
            "\($0)".contains("norm_0002.json: not a JSON list") && "\($0)".contains("notes.json: file name is not norm_<index>.json")
        }
    }

    @Test func annotationsValidateAndToggle() async throws {
        let tmp = try TempFolder()
        let store = try await storeWithRun(tmp) // 8 wide, 6 high
        #expect(try await store.addAnnotation(run: "r", image: 0, x: 6, y: 4, kind: .patch2x2, by: tester).created)
        #expect(try await store.addAnnotation(run: "r", image: 0, x: 6, y: 4, kind: .patch2x2, by: tester).created == false)
        #expect(try await store.addAnnotation(run: "r", image: 0, x: 7, y: 5, kind: .point, by: tester).created)
        for (x, y, kind) in [(8, 0, AnnotationKind.point), (6, 6, .point), (7, 0, .patch2x2), (0, 5, .patch2x2), (-2, 0, .patch2x2)] {
            await #expect(throws: LabelStoreError.self) {
                try await store.addAnnotation(run: "r", image: 0, x: x, y: y, kind: kind, by: tester)
            }
        }
        await #expect(throws: LabelStoreError.imageOutOfRange(run: "r", index: 4, count: 4)) {
            try await store.addAnnotation(run: "r", image: 4, x: 0, y: 0, kind: .point, by: tester)
        }
        #expect(try await store.removeAnnotation(run: "r", image: 0, x: 6, y: 4, kind: .patch2x2, by: tester))
        #expect(try await store.removeAnnotation(run: "r", image: 0, x: 6, y: 4, kind: .patch2x2, by: tester) == false)
        #expect(try store.annotations(run: "r", image: 0).map(\.kind) == [.point])
        let history = try await store.reader.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM annotation_history") }
        #expect(history == 3) // add, add, remove: no-op calls leave no trace
    }
}
