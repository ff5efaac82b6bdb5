import FeatureStore
import LabelStore

/// Open feature files by run (memory-mapped once, shared by all requests), with each run's
/// largest norm for `scale=run`.
actor FeatureCache {
    private let store: LabelStore
    private var readers: [String: (run: Run, reader: FeatureReader)] = [:]
    private var maxima: [String: Float] = [:]

    init(store: LabelStore) { self.store = store }

    func reader(run name: String) throws -> (run: Run, reader: FeatureReader) {
        if let hit = readers[name] { return hit }
        let run = try store.run(named: name)
        let entry = (run, try store.features(of: run))
        readers[name] = entry
        return entry
    }

    func runMaximum(run name: String) throws -> Float {
        if let m = maxima[name] { return m }
        let m = try reader(run: name).reader.maximumNorm()
        maxima[name] = m
        return m
    }
}
