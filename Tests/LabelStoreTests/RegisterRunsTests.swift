import FeatureStore
import Foundation
import TestSupport
import Testing
@testable import LabelStore

/// `registerRuns`: the positions of one extraction become runs in one transaction, or none does.
@Suite struct RegisterRunsTests {
    /// A finished feature folder of `n` images in the store's staging place for `run`.
    static func staged(_ store: LabelStore, _ tmp: TempFolder, run: String, n: Int = 3) throws -> RunRegistration {
        try writeFeatures(tmp.file(run + ".npy"), n: n, c: 2, h: 2, w: 2)
        let (staging, relative) = try store.stagingFolder(run: run)
        let shape = try FeatureImport.run(path: tmp.file(run + ".npy"), into: staging)
        return RunRegistration(name: run, dataset: "d", shape: shape, staging: staging, relative: relative, position: run, metadata: RunMetadata(source: "test"))
    }

    @Test func severalRunsAreRegisteredTogether() async throws {
        let tmp = try TempFolder()
        let store = try LabelStore(path: tmp.file("db.sqlite"))
        let runs = try await store.registerRuns([try Self.staged(store, tmp, run: "a"), try Self.staged(store, tmp, run: "b")])
        #expect(runs.map(\.name) == ["a", "b"] && runs.map(\.position) == ["a", "b"])
        for r in runs { #expect(try store.features(of: r).shape.count == 3) }
        #expect(try store.dataset(named: "d").imageCount == 3)
    }

    @Test func aFailureAtTheSecondRunRegistersNeitherAndKeepsTheFirstStaged() async throws {
        let tmp = try TempFolder()
        let store = try LabelStore(path: tmp.file("db.sqlite"))
        let first = try Self.staged(store, tmp, run: "a")
        // The second folder vanished before registration: its rename fails after the first one's succeeded.
        var second = try Self.staged(store, tmp, run: "b")
        try FileManager.default.removeItem(atPath: second.staging)
        await #expect(throws: (any Error).self) { try await store.registerRuns([first, second]) }
        #expect((try? store.run(named: "a")) == nil && (try? store.run(named: "b")) == nil)
        #expect((try? store.dataset(named: "d")) == nil, "the dataset created for the runs was rolled back too")
        #expect(FileManager.default.fileExists(atPath: first.staging + "/features.npy"), "the first folder was not moved back")
        #expect(!FileManager.default.fileExists(atPath: store.resolve(first.relative)))

        // Repaired, the same registration completes.
        second = try Self.staged(store, tmp, run: "b")
        let runs = try await store.registerRuns([first, second])
        #expect(try runs.count == 2 && store.features(of: runs[0]).shape.count == 3)
    }
}
