import FeatureStore
import Foundation
import TestSupport
import NPYFormat
import Testing
@testable import LabelStore

@Suite struct FeatureImportTests {
    @Test func importStoresFloat16FeaturesAndFloat32Norms() async throws {
        let tmp = try TempFolder()
        let store = try LabelStore(path: tmp.file("db.sqlite"))
        try writeFeatures(tmp.file("f.npy"), n: 3, c: 4, h: 2, w: 3, planted: [(1, 2, 1)], high: 3)
        let run = try await store.importFeatures(file: tmp.file("f.npy"), dataset: "d", run: "r1")
        #expect(run.imageCount == 3 && run.channels == 4 && run.height == 2 && run.width == 3)
        let reader = try store.features(of: run)
        #expect(reader.shape == FeatureShape(count: 3, channels: 4, height: 2, width: 3))
        #expect(reader.norms(image: 0).allSatisfy { $0 == 1 }) // sqrt(4 · 0.5²)
        #expect(reader.norms(image: 1)[1 * 3 + 2] == 6)          // sqrt(4 · 3²)
        #expect(Float(reader.features(image: 1)[3 * 6 + 5]) == 3)
        // The files are plain .npy: the generic reader agrees.
        let norms = try NPY.readFloats(path: store.resolve(run.featurePath) + "/norms.npy")
        #expect(norms.shape == [3, 2, 3])
        #expect(try store.dataset(named: "d").imageCount == 3)
        let meta = try #require(run.decodedMetadata)
        #expect(meta.source == "import" && meta.sourceFile == "f.npy" && meta.normlabVersion == normlabVersion)
    }

    /// `--keep norms`: the folder holds norms.npy only, with the bytes a full import writes; the run
    /// says so in the store and in `runSummaries`, and opening its features is refused as a conflict.
    @Test func importKeepingOnlyNormsWritesTheFullImportsNorms() async throws {
        let tmp = try TempFolder()
        let store = try LabelStore(path: tmp.file("db.sqlite"))
        try writeFeatures(tmp.file("f.npy"), n: 3, c: 4, h: 2, w: 3, planted: [(1, 2, 1)], high: 3)
        let full = try await store.importFeatures(file: tmp.file("f.npy"), dataset: "d", run: "full")
        let norms = try await store.importFeatures(file: tmp.file("f.npy"), dataset: "d", run: "n", keep: .norms)
        #expect(full.contents == .features && norms.contents == .norms)
        #expect(try store.run(named: "n").contents == .norms)
        let folder = store.resolve(norms.featurePath)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["norms.npy"])
        let bytes = FileManager.default.contents(atPath: folder + "/norms.npy")
        #expect(bytes != nil && bytes == FileManager.default.contents(atPath: store.resolve(full.featurePath) + "/norms.npy"))
        #expect(norms.channels == 4 && norms.height == 2 && norms.width == 3)
        let reader = try store.norms(of: norms)   // kept alive: its buffers point into the mapping
        #expect(reader.norms(image: 1)[1 * 3 + 2] == 6)
        do {
            _ = try store.features(of: norms)
            Issue.record("a norms-only run's features were opened")
        } catch let e as LabelStoreError {
            #expect(e == .featuresNotKept(run: "n") && e.category == .conflict && "\(e)".contains("--keep norms"))
        }
        #expect(try store.runSummaries().map(\.contents) == [.features, .norms])
    }

    @Test func badFilesAreRefusedAndNothingIsStored() async throws {
        let tmp = try TempFolder()
        let store = try LabelStore(path: tmp.file("db.sqlite"))
        try writeFeatures(tmp.file("ok.npy"), n: 2, c: 2, h: 2, w: 2)
        try await store.importFeatures(file: tmp.file("ok.npy"), dataset: "d", run: "first")

        try NPY.write([Float](repeating: 1, count: 8), shape: [2, 2, 2], to: tmp.file("rank3.npy"))
        try writeFeatures(tmp.file("n3.npy"), n: 3, c: 2, h: 2, w: 2)
        var nan = [Float](repeating: 1, count: 16); nan[13] = .nan
        try NPY.write(nan, shape: [2, 2, 2, 2], to: tmp.file("nan.npy"))
        var inf = [Float](repeating: 1, count: 16); inf[2] = 1e6 // beyond float16
        try NPY.write(inf, shape: [2, 2, 2, 2], to: tmp.file("inf.npy"))
        let whole = try Data(contentsOf: URL(fileURLWithPath: tmp.file("ok.npy")))
        try whole.dropLast(10).write(to: URL(fileURLWithPath: tmp.file("short.npy")))

        let cases: [(String, String)] = [
            ("rank3.npy", "rank 4"), ("n3.npy", "holds 3 images but dataset 'd' has 2"),
            ("nan.npy", "value nan at image 1, channel 1, x=1, y=0"), ("inf.npy", "value 1000000.0 at image 0, channel 0, x=0, y=1"),
            ("short.npy", "truncated"),
        ]
        for (file, message) in cases {
            await #expect {
                try await store.importFeatures(file: tmp.file(file), dataset: "d", run: "second")
            } throws: { "\($0)".contains(message) }
        }
        #expect(try store.runSummaries().map(\.name) == ["first"])
        let folder = try FileManager.default.contentsOfDirectory(atPath: tmp.file("db.features"))
        #expect(folder == ["first"], "left behind: \(folder)")
    }

    @Test func duplicateRunAndBadNamesAreRefused() async throws {
        let tmp = try TempFolder()
        let store = try await storeWithRun(tmp, run: "r")
        await #expect { try await store.importFeatures(file: tmp.file("f.npy"), dataset: "x", run: "r") } throws: {
            "\($0)".contains("already exists")
        }
        await #expect { try await store.importFeatures(file: tmp.file("f.npy"), dataset: "x", run: "../up") } throws: {
            "\($0)".contains("bad run name")
        }
    }

    @Test func writerResumesAndPublishesAtomically() throws {
        let tmp = try TempFolder()
        let shape = FeatureShape(count: 3, channels: 2, height: 1, width: 2)
        let folder = tmp.file("run")
        let slot: [Float16] = [3, 0, 4, 1]
        do {
            let w = try FeatureWriter.create(folder: folder, shape: shape)
            try slot.withUnsafeBufferPointer { try w.write(image: 2, values: $0) }
            try w.sync()
            #expect(throws: FeatureStoreError.self) { try w.finish() }
        }
        #expect(throws: (any Error).self) { try FeatureReader(folder: folder) } // not published yet
        let w = try FeatureWriter.resume(folder: folder, shape: shape)
        #expect(w.missingImages == [0, 1])
        let floats: [Float] = [3, 0, 4, 1]
        try slot.withUnsafeBufferPointer { try w.write(image: 0, values: $0) }
        try floats.withUnsafeBufferPointer { try w.write(image: 1, floats: $0) }
        #expect(throws: FeatureStoreError.self) { try [Float](arrayLiteral: 1, .infinity, 0, 0).withUnsafeBufferPointer { try w.write(image: 1, floats: $0) } }
        try floats.withUnsafeBufferPointer { try w.write(image: 1, floats: $0) }
        try w.finish()
        let r = try FeatureReader(folder: folder)
        #expect(Array(r.norms(image: 2)) == [5, 1])
    }
}
