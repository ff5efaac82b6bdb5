import Foundation
import NPYFormat
import TestSupport
@testable import LabelStore

/// Writes a small float32 (N, C, H, W) feature file: background 0.5, value `high` at planted tokens.
func writeFeatures(_ path: String, n: Int, c: Int, h: Int, w: Int, planted: [(Int, Int, Int)] = [], high: Float = 8) throws {
    var run = PlantedRun(count: n, channels: c, height: h, width: w, background: 0.5)
    for (i, x, y) in planted { run.plantToken(image: i, x: x, y: y, high) }
    try run.write(to: path)
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
