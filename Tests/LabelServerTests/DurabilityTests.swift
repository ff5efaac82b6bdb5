import Foundation
import TestSupport
import Testing
@testable import LabelStore
#if canImport(Glibc)
import Glibc
#endif

/// An acknowledged write survives `kill -9` of the real `normlab serve` process.
@Suite struct DurabilityTests {
    @Test func acknowledgedWritesSurviveKill9() async throws {
        let tmp = try TempFolder.create("normlab-kill")
        defer { TempFolder.remove(tmp) }
        let db = tmp + "/db.sqlite"
        do {
            let store = try LabelStore(path: db)
            try await TestServer.importRun(store, folder: tmp, name: "r", n: 4, c: 2, h: 32, w: 32)
        }
        try #require(FileManager.default.isExecutableFile(atPath: normlabExecutable), "build normlab first: \(normlabExecutable) missing")
        let (process, port) = try await startServe(db: db, web: tmp)
        let http = RawHTTP(port: port)
        var acknowledged: [LabelRow] = []
        for i in 0..<40 {
            let row = LabelRow(image: i % 4, x: 2 * (i % 16), y: 2 * (i / 16))
            let reply = try await http.post("/api/runs/r/images/\(row.image)/annotations", #"{"x":\#(row.x),"y":\#(row.y)}"#)
            if reply.status == 201 { acknowledged.append(row) }
        }
        _ = try await http.put("/api/runs/r/images/3/reviewed", #"{"reviewed":true}"#)
        kill(process.processIdentifier, SIGKILL) // right after the last acknowledgement
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        let reopened = try LabelStore(path: db)
        #expect(acknowledged.count == 40)
        #expect(try reopened.labelRows(run: "r") == acknowledged.sorted())
        #expect(try reopened.isReviewed(run: "r", image: 3))
    }
}
