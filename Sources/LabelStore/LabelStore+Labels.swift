import Foundation
import GRDB
import NPYFormat

// MARK: - Label files: export and import

extension LabelStore {
    /// A run's annotations of one kind as label rows, sorted lexicographically.
    public func labelRows(run name: String, kind: AnnotationKind = .patch2x2) throws -> [LabelRow] {
        try pool.read { db in
            let run = try Self.run(db, named: name)
            return try Row.fetchAll(db, sql: "SELECT image_index, x, y FROM annotations WHERE run_id = ? AND kind = ? ORDER BY image_index, x, y",
                                    arguments: [run.id, kind.rawValue]).map { LabelRow(image: $0["image_index"], x: $0["x"], y: $0["y"]) }
        }
    }

    /// The label file: int64 (N, 3) rows (image_index, x, y), byte-identical to `np.save`.
    /// An empty set is a (0, 3) int64 array, so readers never meet a special case.
    public func exportLabels(run name: String, kind: AnnotationKind = .patch2x2) throws -> Data {
        let rows = try labelRows(run: name, kind: kind)
        return NPY.encode(rows.flatMap { [Int64($0.image), Int64($0.x), Int64($0.y)] }, shape: [rows.count, 3])
    }

    /// Imports label rows (all or nothing). `reviewed` images are marked reviewed too (the
    /// original labeler's JSON files: a file exists = the image was looked at). With `snap`,
    /// odd patch coordinates are floored to even ones instead of refused.
    /// Returns how many annotations were new.
    @discardableResult
    public func importLabels(run name: String, kind: AnnotationKind, rows: [(source: String, row: LabelRow)], reviewed: [Int] = [],
                             snap: Bool = false, sourceName: String, by actor: Actor) async throws -> Int {
        try await pool.write { db in
            let run = try Self.run(db, named: name)
            var problems: [String] = []
            var clean: [LabelRow] = []
            for (where_, raw) in rows {
                var r = raw
                if snap, kind == .patch2x2 { r.x -= r.x & 1; r.y -= r.y & 1 }
                if !(0..<run.imageCount).contains(r.image) {
                    problems.append("\(where_): image \(r.image) is outside run '\(run.name)' (images 0…\(run.imageCount - 1))")
                } else if let p = kind.problem(x: r.x, y: r.y, width: run.width, height: run.height) {
                    problems.append("\(where_): image \(r.image): \(p)")
                } else {
                    clean.append(r)
                }
            }
            for i in reviewed where !(0..<run.imageCount).contains(i) {
                problems.append("image \(i) is outside run '\(run.name)' (images 0…\(run.imageCount - 1))")
            }
            guard problems.isEmpty else { throw LabelStoreError.badLabelRows(source: sourceName, problems: problems) }
            var added = 0
            for r in clean where try Self.insert(db, run: run.id, r, kind: kind, source: .import, actor: actor) { added += 1 }
            for i in reviewed { try Self.setReviewed(db, run: run, image: i, reviewed: true, source: .import, actor: actor) }
            return added
        }
    }

    /// CSV `image_index,file_name` for the images of a run's dataset (the `--with-names` index).
    public func nameIndexCSV(run name: String) throws -> String {
        let images = try imageSummaries(run: name)
        return "image_index,file_name\n" + images.map { "\($0.index),\(csvField($0.fileName ?? ""))\n" }.joined()
    }
}
