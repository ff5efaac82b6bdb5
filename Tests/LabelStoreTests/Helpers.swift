import Foundation
import NPYFormat
@testable import LabelStore

/// A fresh folder under /tmp for one test, removed when the value goes away.
final class TempFolder: @unchecked Sendable {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("normlab-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
}

/// Writes a small float32 (N, C, H, W) feature file: background 0.5, value `high` at planted tokens.
func writeFeatures(_ path: String, n: Int, c: Int, h: Int, w: Int, planted: [(Int, Int, Int)] = [], high: Float = 8) throws {
    var values = [Float](repeating: 0.5, count: n * c * h * w)
    for (i, x, y) in planted {
        for ch in 0..<c { values[((i * c + ch) * h + y) * w + x] = high }
    }
    try NPY.write(values, shape: [n, c, h, w], to: path)
}

/// A store with one imported run of `n` images on an h × w grid.
func storeWithRun(_ tmp: TempFolder, run: String = "r", n: Int = 4, c: Int = 2, h: Int = 6, w: Int = 8) async throws -> LabelStore {
    let store = try LabelStore(path: tmp.file("labels.sqlite"))
    try writeFeatures(tmp.file("f.npy"), n: n, c: c, h: h, w: w)
    try await store.importFeatures(file: tmp.file("f.npy"), dataset: "ds-\(run)", run: run)
    return store
}

let tester = Actor(annotator: "tester", origin: "test")

/// The fixtures copied from shared/data (see Fixtures/README.md).
func fixture(_ name: String) -> String {
    Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil)!.path
}

/// The package's root folder (for migrations/).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
