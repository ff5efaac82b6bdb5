import Foundation
import GRDB

/// Reads the label store's SQLite file directly (read-only), independent of the server's code,
/// so the browser test checks what was really committed to disk.
struct LabelDatabase {
    struct Annotation: Hashable, CustomStringConvertible {
        let image: Int, x: Int, y: Int, kind: String, annotator: String
        var description: String { "\(kind)@\(image):(\(x),\(y)) by \(annotator)" }
    }

    let queue: DatabaseQueue

    init(_ url: URL) throws {
        var configuration = Configuration()
        configuration.readonly = true
        queue = try DatabaseQueue(path: url.path, configuration: configuration)
    }

    func annotations(run: String) throws -> Set<Annotation> {
        try queue.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT a.image_index, a.x, a.y, a.kind, a.annotator
                FROM annotations a JOIN runs r ON r.id = a.run_id
                WHERE r.name = ?
                """, arguments: [run])
            return Set(rows.map {
                Annotation(image: $0[0], x: $0[1], y: $0[2], kind: $0[3], annotator: $0[4])
            })
        }
    }

    /// (action, annotator) of the append-only history of `run`, oldest first.
    func history(run: String) throws -> [[String]] {
        try queue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT h.action, h.annotator FROM annotation_history h JOIN runs r ON r.id = h.run_id
                WHERE r.name = ? ORDER BY h.id
                """, arguments: [run]).map { [$0[0], $0[1]] }
        }
    }

    /// Image indices of `run` marked "reviewed" (looked at), whatever their annotations.
    func reviewedImages(run: String) throws -> Set<Int> {
        try queue.read { db in
            Set(try Int.fetchAll(db, sql: """
                SELECT v.image_index FROM reviews v JOIN runs r ON r.id = v.run_id
                WHERE r.name = ? AND v.reviewed = 1
                """, arguments: [run]))
        }
    }
}
