import Foundation
import TestSupport
import Testing
@testable import LabelStore

@Suite struct PrototypeRecordTests {
    @Test func recordsAndReadsBackAPrototype() async throws {
        let tmp = try TempFolder()
        let store = try await storeWithRun(tmp)
        let labels: [(row: LabelRow, kind: AnnotationKind)] = [(LabelRow(image: 1, x: 2, y: 0), .patch2x2), (LabelRow(image: 0, x: 3, y: 1), .point)]
        let p = NewPrototype(run: "r", tokens: "patch", trainFraction: 0.5, trainImages: 2, labels: labels, tokenCount: 5,
                             vector: [1.5, -0.25], filePath: "proto.npy")
        let id = try await store.recordPrototype(p)
        let back = try store.prototype(id: id)
        #expect(back.vector == [1.5, -0.25] && back.run == "r" && back.trainImages == 2 && back.labelCount == 2 && back.tokenCount == 5)
        #expect(back.labelsSHA256 == sha256Hex(Array("0,3,1,point\n1,2,0,patch2x2\n".utf8)))
        #expect(try store.prototypes(run: "r").map(\.id) == [id])
        // The same labels in another order are the same label set.
        #expect(NewPrototype(run: "r", tokens: "patch", trainFraction: 0.5, trainImages: 2, labels: labels.reversed(), tokenCount: 5,
                             vector: [0, 0], filePath: nil).labelsSHA256 == back.labelsSHA256)
    }

    @Test func refusesUnknownIdsAndWrongChannelCounts() async throws {
        let tmp = try TempFolder()
        let store = try await storeWithRun(tmp)
        #expect(throws: LabelStoreError.unknownPrototype(42)) { try store.prototype(id: 42) }
        let bad = NewPrototype(run: "r", tokens: "patch", trainFraction: 1, trainImages: 4, labels: [(LabelRow(image: 0, x: 0, y: 0), .point)],
                               tokenCount: 1, vector: [1, 2, 3], filePath: nil)
        await #expect(throws: LabelStoreError.badInput("prototype has 3 channels, run 'r' 2")) { try await store.recordPrototype(bad) }
    }
}
