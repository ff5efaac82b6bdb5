import FeatureStore
import LabelStore

/// Open feature files by run (memory-mapped once, shared by all requests), with each run's
/// largest norm for `scale=run`. Norms are opened for every run; features only for a run that keeps
/// them (a norms-only run answers 409 on the routes that need its token vectors).
actor FeatureCache {
    private let store: LabelStore
    private var readers: [String: (run: Run, reader: FeatureReader)] = [:]
    private var normReaders: [String: (run: Run, reader: NormReader)] = [:]
    private var maxima: [String: Float] = [:]

    init(store: LabelStore) { self.store = store }

    /// The run's features (and norms); `LabelStoreError.featuresNotKept` for a norms-only run.
    func reader(run name: String) async throws -> (run: Run, reader: FeatureReader) {
        if let hit = readers[name] { return hit }
        let entry = try await store.reading { s in
            let run = try s.run(named: name)
            return (run, try s.features(of: run))
        }
        // Another request may have opened it meanwhile (the actor is re-entered while awaiting): keep the first.
        if let hit = readers[name] { return hit }
        readers[name] = entry
        return entry
    }

    /// The run's token norms, for any run.
    func norms(run name: String) async throws -> (run: Run, reader: NormReader) {
        if let hit = normReaders[name] { return hit }
        let entry = try await store.reading { s in
            let run = try s.run(named: name)
            return (run, try s.norms(of: run))
        }
        if let hit = normReaders[name] { return hit }
        normReaders[name] = entry
        return entry
    }

    /// A pass over every norm of the run, once, off the server's threads.
    func runMaximum(run name: String) async throws -> Float {
        if let m = maxima[name] { return m }
        let reader = try await norms(run: name).reader
        let m = try await offloaded { reader.maximumNorm() }
        maxima[name] = m
        return m
    }
}
