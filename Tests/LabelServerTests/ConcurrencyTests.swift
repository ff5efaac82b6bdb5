import Foundation
import GRDB
import Testing
@testable import LabelStore

/// Eight browsers labeling one run at once: nothing lost, nothing duplicated.
@Suite struct ConcurrencyTests {
    @Test func eightClientsNeitherLoseNorDuplicateAnnotations() async throws {
        try await withServer { s in
            // Every client adds the same 12 shared patches (racing on each) and 12 of its own, on
            // the 48×48 run; then each removes 3 of its own.
            let shared = (0..<12).map { (image: $0 % 2, x: 2 * $0, y: 0) }
            let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                for client in 0..<8 {
                    group.addTask {
                        var codes: [Int] = []
                        let own = (0..<12).map { (image: client % 2, x: 2 * $0, y: 2 + 2 * client) }
                        for (i, p) in zip(shared, own).flatMap({ [$0, $1] }).enumerated() {
                            let body = #"{"x":\#(p.x),"y":\#(p.y),"kind":"patch2x2","annotator":"client\#(client)"}"#
                            let reply = try await s.http.post("/api/runs/big/images/\(p.image)/annotations", body)
                            if i % 2 == 0 { codes.append(reply.status) } else { #expect(reply.status == 201) }
                        }
                        for p in own.prefix(3) {
                            let reply = try await s.http.delete("/api/runs/big/images/\(p.image)/annotations?x=\(p.x)&y=\(p.y)&kind=patch2x2")
                            #expect(reply.status == 204)
                        }
                        return codes
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            // Exactly one client created each shared patch; the other seven were told it existed.
            #expect(statuses.filter { $0 == 201 }.count == 12 && statuses.filter { $0 == 200 }.count == 84)
            let rows = try s.store.labelRows(run: "big")
            #expect(rows.count == 12 + 8 * 9 && Set(rows).count == rows.count)
            let adds = try await s.store.reader.read {
                try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM annotation_history WHERE action = 'add'")
            }
            #expect(adds == 12 + 8 * 12) // history: one 'add' per real insert
        }
    }
}
