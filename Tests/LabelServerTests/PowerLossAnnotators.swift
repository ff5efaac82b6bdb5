import FeatureStore
import Foundation
import GRDB
import LoopbackHTTP
@testable import LabelStore

/// One annotator of the power-loss tests. It owns a few places (no other client touches them), so
/// the state each place must have after a cut is known exactly: the one of its last acknowledged
/// write, or, for the single write still unanswered when the power went, either state.
struct AnnotatorLog: Sendable {
    let client: Int
    /// Present (true) or absent after the last acknowledged write; places never written are absent.
    var acknowledged: [LabelRow: Bool] = [:]
    /// The write sent and not answered when the server died.
    var inFlight: LabelRow?
    /// Acknowledged writes, over all rounds.
    var acknowledgedCount = 0
    /// Places of writes the server refused (400): they must never appear.
    var refused: Set<LabelRow> = []
    var refusedWrites = 0
    /// Answers that were neither an acknowledgement nor the expected refusal.
    var unexpected: [String] = []

    /// Client k's places on run "r" (4 images of 32×32 tokens): image k % 4, one row of patches.
    var places: [LabelRow] { (0..<8).map { LabelRow(image: client % 4, x: 2 * $0, y: 2 * (client / 4)) } }
    /// Places the client only ever sends refused writes to.
    var refusedPlaces: [LabelRow] { (8..<10).map { LabelRow(image: client % 4, x: 2 * $0, y: 2 * (client / 4)) } }

    /// Toggles random places (and now and then sends a write the server must refuse) until the
    /// server stops answering.
    mutating func run(_ http: RawHTTP, seed: UInt64, acks: AckCounter) async {
        var rng = SplitMix(seed: seed)
        while true {
            let refuse = Int.random(in: 0..<10, using: &rng) == 0
            let place = refuse ? refusedPlaces.randomElement(using: &rng)! : places.randomElement(using: &rng)!
            let add = !(acknowledged[place] ?? false)
            if !refuse { inFlight = place }
            guard let reply = try? await send(http, place, add: add, refuse: refuse) else { return }
            record(reply.status, place: place, add: add, refuse: refuse)
            acks.add()
        }
    }

    private func send(_ http: RawHTTP, _ p: LabelRow, add: Bool, refuse: Bool) async throws -> HTTPReply {
        let path = "/api/runs/r/images/\(p.image)/annotations"
        if refuse { return try await http.post(path, #"{"x":\#(p.x),"y":\#(p.y),"kind":"circle","annotator":"c\#(client)"}"#) }
        if add { return try await http.post(path, #"{"x":\#(p.x),"y":\#(p.y),"annotator":"c\#(client)"}"#) }
        return try await http.delete(path + "?x=\(p.x)&y=\(p.y)&kind=patch2x2")
    }

    private mutating func record(_ status: Int, place: LabelRow, add: Bool, refuse: Bool) {
        inFlight = nil
        switch (refuse, add, status) {
        case (true, _, 400): refused.insert(place); refusedWrites += 1
        case (false, true, 200), (false, true, 201), (false, false, 204):
            acknowledged[place] = add
            acknowledgedCount += 1
        default: unexpected.append("client \(client): \(refuse ? "refused " : "")\(add ? "add" : "delete") \(place) answered \(status)")
        }
    }

    /// Compares the places with what the database holds after a cut; the in-flight write is
    /// settled by what the database says.
    mutating func check(_ stored: Set<LabelRow>) -> (lost: [String], refusedStored: [LabelRow]) {
        if let p = inFlight { acknowledged[p] = stored.contains(p); inFlight = nil }
        let lost = places.compactMap { p -> String? in
            let want = acknowledged[p] ?? false
            return stored.contains(p) == want ? nil : "\(p) should be \(want ? "present" : "absent")"
        }
        for p in places { acknowledged[p] = stored.contains(p) } // report each loss once
        return (lost, refusedPlaces.filter { stored.contains($0) })
    }
}

/// Counts answers across the clients, so a cut can wait for the first few.
final class AckCounter: @unchecked Sendable { // guarded by lock
    private let lock = NSLock()
    private var n = 0
    func add() { lock.withLock { n += 1 } }
    var count: Int { lock.withLock { n } }
}

/// What a database looks like after a cut.
struct AfterCut {
    var openError: String?
    var integrity: [String] = []
    var rows: Set<LabelRow> = []

    /// Opens the store (as normlab would after a reboot), checks it and reads run `run`'s rows.
    /// The store is closed again before this returns, so the next cut can unmount.
    static func inspect(db: String, run: String) -> AfterCut {
        do {
            let store = try LabelStore(path: db)
            let integrity = try store.reader.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
            return AfterCut(integrity: integrity, rows: Set(try store.labelRows(run: run)))
        } catch {
            return AfterCut(openError: "\(error)")
        }
    }

    var isSound: Bool { openError == nil && integrity == ["ok"] }
}
