import Foundation
import LabelStore
import NPYFormat

/// A small float32 (N, C, H, W) feature array with planted anomaly tokens, written as a real `.npy`
/// and imported into a real SQLite label store as a run.
public struct PlantedRun: Sendable {
    public let count: Int, channels: Int, height: Int, width: Int
    /// Row-major (N, C, H, W).
    public var values: [Float]

    /// Every token's channels set to `background` (one value per channel).
    public init(count: Int, channels: Int, height: Int, width: Int, background: [Float]) {
        precondition(background.count == channels, "one background value per channel")
        (self.count, self.channels, self.height, self.width) = (count, channels, height, width)
        values = [Float](repeating: 0, count: count * channels * height * width)
        for i in 0..<count { for y in 0..<height { for x in 0..<width { set(image: i, x: x, y: y, background) } } }
    }

    /// Every value `background`.
    public init(count: Int, channels: Int, height: Int, width: Int, background: Float) {
        self.init(count: count, channels: channels, height: height, width: width, values: [Float](repeating: background, count: count * channels * height * width))
    }

    /// A given background (noise, for instance), `count · channels · height · width` values.
    public init(count: Int, channels: Int, height: Int, width: Int, values: [Float]) {
        precondition(values.count == count * channels * height * width, "values must fill (N, C, H, W)")
        (self.count, self.channels, self.height, self.width, self.values) = (count, channels, height, width, values)
    }

    /// Token (x, y) of `image` gets `vector` (one value per channel).
    public mutating func set(image: Int, x: Int, y: Int, _ vector: [Float]) {
        for ch in 0..<channels { values[((image * channels + ch) * height + y) * width + x] = vector[ch] }
    }

    /// Token (x, y) of `image` gets `value` in every channel.
    public mutating func plantToken(image: Int, x: Int, y: Int, _ value: Float) {
        set(image: image, x: x, y: y, [Float](repeating: value, count: channels))
    }

    /// The 2×2 patch with upper-left token (x, y) of `image` gets `vector` in each of its 4 tokens.
    public mutating func plantPatch(image: Int, x: Int, y: Int, _ vector: [Float]) {
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] { set(image: image, x: x + dx, y: y + dy, vector) }
    }

    /// The same with `value` in every channel.
    public mutating func plantPatch(image: Int, x: Int, y: Int, _ value: Float) {
        plantPatch(image: image, x: x, y: y, [Float](repeating: value, count: channels))
    }

    public var shape: [Int] { [count, channels, height, width] }

    /// Imports the array into a fresh store `<folder>/planted.sqlite` as run `run`, through the same
    /// import a user runs; the run's features are `store.features(of: run)`.
    public func importedStore(folder: String, run: String = "planted") async throws -> (store: LabelStore, run: Run) {
        let store = try LabelStore(path: folder + "/planted.sqlite")
        try await importRun(into: store, folder: folder, run: run)
        return (store, try store.run(named: run))
    }

    /// Writes the array as a float32 `.npy` (what `normlab features import` reads).
    public func write(to path: String) throws {
        try NPY.write(values, shape: shape, to: path)
    }

    /// Writes `<folder>/<run>.npy` and imports it into `store` as run `run` of dataset `dataset`
    /// (default `<run>-ds`), keeping features and norms or (`keep: .norms`) only the norms.
    public func importRun(into store: LabelStore, folder: String, run: String, dataset: String? = nil,
                          keep: RunContents = .features) async throws {
        let file = folder + "/\(run).npy"
        try write(to: file)
        try await store.importFeatures(file: file, dataset: dataset ?? "\(run)-ds", run: run, keep: keep)
    }
}
