import Foundation
import GRDB

// MARK: - Reads: datasets and runs

extension LabelStore {
    public func dataset(named name: String) throws -> Dataset {
        try pool.read { db in try Self.dataset(db, named: name) }
    }

    static func dataset(_ db: Database, named name: String) throws -> Dataset {
        let sql = """
            SELECT d.id, d.name, d.root, (SELECT COUNT(*) FROM images i WHERE i.dataset_id = d.id) AS image_count
            FROM datasets d WHERE d.name = ?
            """
        guard let row = try Row.fetchOne(db, sql: sql, arguments: [name]) else { throw LabelStoreError.unknownDataset(name) }
        return Dataset(id: row["id"], name: row["name"], root: row["root"], imageCount: row["image_count"])
    }

    /// File names of a dataset's images in index order (nil for imageless entries).
    public func imageFiles(dataset id: Int64) throws -> [String?] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT file_name FROM images WHERE dataset_id = ? ORDER BY image_index", arguments: [id])
                .map { $0["file_name"] as String? }
        }
    }

    public func run(named name: String) throws -> Run {
        try pool.read { db in try Self.run(db, named: name) }
    }

    static func run(_ db: Database, named name: String) throws -> Run {
        let sql = """
            SELECT r.id, r.name, r.dataset_id, d.name AS dataset, r.position, r.image_count, r.channels, r.height, r.width,
                   r.feature_path, r.metadata, r.created_at, r.contents
            FROM runs r JOIN datasets d ON d.id = r.dataset_id WHERE r.name = ?
            """
        guard let row = try Row.fetchOne(db, sql: sql, arguments: [name]) else { throw LabelStoreError.unknownRun(name) }
        return Run(id: row["id"], name: row["name"], datasetID: row["dataset_id"], dataset: row["dataset"], position: row["position"],
                   imageCount: row["image_count"], channels: row["channels"], height: row["height"], width: row["width"],
                   featurePath: row["feature_path"], metadata: row["metadata"], createdAt: row["created_at"],
                   contents: RunContents(rawValue: row["contents"]) ?? .features)
    }

    /// Every run with its labeling progress, by name.
    public func runSummaries() throws -> [RunSummary] {
        try pool.read { db in
            let sql = """
                SELECT r.name, d.name AS dataset, r.position, r.image_count, r.channels, r.height, r.width, r.contents,
                  (SELECT COUNT(*) FROM (SELECT image_index FROM annotations a WHERE a.run_id = r.id
                                         UNION SELECT image_index FROM reviews v WHERE v.run_id = r.id AND v.reviewed = 1)) AS labeled,
                  (SELECT COUNT(DISTINCT image_index) FROM annotations a WHERE a.run_id = r.id) AS anomaly_images,
                  (SELECT COUNT(*) FROM annotations a WHERE a.run_id = r.id) AS annotations
                FROM runs r JOIN datasets d ON d.id = r.dataset_id ORDER BY r.name
                """
            return try Row.fetchAll(db, sql: sql).map { row in
                RunSummary(name: row["name"], dataset: row["dataset"], position: row["position"], imageCount: row["image_count"],
                           channels: row["channels"], gridHeight: row["height"], gridWidth: row["width"], labeledCount: row["labeled"],
                           anomalyImageCount: row["anomaly_images"], annotationCount: row["annotations"],
                           contents: RunContents(rawValue: row["contents"]) ?? .features)
            }
        }
    }

    /// A run's images with their labeling state, in index order, filtered.
    public func imageSummaries(run name: String, filter: ImageFilter = .all) throws -> [ImageSummary] {
        try pool.read { db in
            let run = try Self.run(db, named: name)
            var files = [String?](repeating: nil, count: run.imageCount)
            let images = try db.makeStatement(sql: "SELECT image_index, file_name FROM images WHERE dataset_id = ? AND image_index < ?")
            let (image, file) = try (images.column("image_index"), images.column("file_name"))
            let imageRows = try Row.fetchCursor(images, arguments: [run.datasetID, run.imageCount])
            while let row = try imageRows.next() { files[row[image] as Int] = row[file] }
            var counts = [Int](repeating: 0, count: run.imageCount)
            let annotations = try db.makeStatement(sql: "SELECT image_index, COUNT(*) AS n FROM annotations WHERE run_id = ? GROUP BY image_index")
            let (annotated, n) = try (annotations.column("image_index"), annotations.column("n"))
            let countRows = try Row.fetchCursor(annotations, arguments: [run.id])
            while let row = try countRows.next() {
                let i: Int = row[annotated]
                if i < run.imageCount { counts[i] = row[n] }
            }
            var reviewed = [Bool](repeating: false, count: run.imageCount)
            for index in try Int.fetchAll(db, sql: "SELECT image_index FROM reviews WHERE run_id = ? AND reviewed = 1",
                                          arguments: [run.id]) where index < run.imageCount {
                reviewed[index] = true
            }
            return (0..<run.imageCount).compactMap { i in
                let s = ImageSummary(index: i, fileName: files[i], labeled: counts[i] > 0 || reviewed[i],
                                     reviewed: reviewed[i], annotationCount: counts[i])
                return Self.keep(s, filter) ? s : nil
            }
        }
    }

    private static func keep(_ s: ImageSummary, _ filter: ImageFilter) -> Bool {
        switch filter {
        case .all: true
        case .labeled: s.labeled
        case .unlabeled: !s.labeled
        case .anomalies: s.annotationCount > 0
        }
    }
}
