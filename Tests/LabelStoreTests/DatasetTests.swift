import Foundation
import TestSupport
import ImageIO
import Testing
@testable import LabelStore

@Suite struct DatasetTests {
    static let imageFixtures = packageRoot + "/Tests/ImageIOTests/Fixtures"

    @Test func sha256MatchesTheStandardVectors() {
        #expect(sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(sha256Hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func addsImagesInSortedOrderOrListOrder() async throws {
        let tmp = try TempFolder()
        let dir = tmp.file("imgs")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for name in ["b.png", "a.jpg", "C.png", "notes.txt"] {
            try FileManager.default.copyItem(atPath: Self.imageFixtures + (name.hasSuffix("jpg") ? "/source.jpg" : "/source.png"), toPath: dir + "/" + name)
        }
        let store = try LabelStore(path: tmp.file("db.sqlite"))
        let sorted = try await store.addDataset(name: "sorted", folder: dir)
        #expect(try store.imageFiles(dataset: sorted.dataset.id) == ["C.png", "a.jpg", "b.png"]) // byte order, like Python
        try "b.png\na.jpg\n".write(toFile: tmp.file("list.txt"), atomically: true, encoding: .utf8)
        let listed = try await store.addDataset(name: "listed", folder: dir, listFile: tmp.file("list.txt"))
        #expect(try store.imageFiles(dataset: listed.dataset.id) == ["b.png", "a.jpg"])
        try "b.png\nmissing.png\n".write(toFile: tmp.file("bad.txt"), atomically: true, encoding: .utf8)
        await #expect { try await store.addDataset(name: "bad", folder: dir, listFile: tmp.file("bad.txt")) } throws: {
            "\($0)".contains("missing.png: no such file")
        }
        await #expect(throws: LabelStoreError.duplicateDataset("sorted")) { try await store.addDataset(name: "sorted", folder: dir) }
    }

    /// --center-crop-resize reproduces the paper's Pillow preprocessing pixel for pixel.
    @Test func preparedImagesMatchPillow() async throws {
        let tmp = try TempFolder()
        let dir = tmp.file("imgs")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.imageFixtures + "/source.jpg", toPath: dir + "/photo.jpg")
        let store = try LabelStore(path: tmp.file("db.sqlite"))
        let result = try await store.addDataset(name: "prep", folder: dir, preparation: DatasetPreparation(size: 32, minSide: 50))
        #expect(result.skipped.isEmpty && result.dataset.imageCount == 1)
        let prepared = tmp.file("db.images/prep/photo.png")
        let img = try PNG.decodeRGB([UInt8](try Data(contentsOf: URL(fileURLWithPath: prepared))))
        #expect(img.pixels == [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.imageFixtures + "/source_jpg_32.raw"))))
        await #expect { try await store.addDataset(name: "small", folder: dir, preparation: DatasetPreparation(size: 32, minSide: 60)) } throws: {
            "\($0)".contains("smaller than --min-side 60")
        }
        #expect((try? store.dataset(named: "small")) == nil)
    }
}
