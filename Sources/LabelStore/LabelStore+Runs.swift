import Foundation
import GRDB

// MARK: - Reads: datasets and runs

extension LabelStore {
    public func dataset(named name: String) throws -> Dataset {
        try pool.read { db in try Self.dataset(db, named: name) }
    }

    static func dataset(_ db: Database, named name: String) throws -> Dataset {
        let sql = """
            SELECT d.id, d.name, d.root, (SELECT COUNT(*) FROM images i WHERE i.dataset_id = d.id) AS n
            FROM datasets d WHERE d.name = ?
            """
        guard let row = try Row.fetchOne(db, sql: sql, arguments: [name]) else { throw LabelStoreError.unknownDataset(name) }
        return Dataset(id: row[0], name: row[1], root: row[2], imageCount: row[3])
    }

    /// File names of a dataset's images in index order (nil for imageless entries).
    public func imageFiles(dataset id: Int64) throws -> [String?] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT file_name FROM images WHERE dataset_id = ? ORDER BY image_index", arguments: [id])
                .map { $0[0] as String? }
        }
    }

    public func run(named name: String) throws -> Run {
        try pool.read { db in try Self.run(db, named: name) }
    }

    static func run(_ db: Database, named name: String) throws -> Run {
        let sql = """
            SELECT r.id, r.name, r.dataset_id, d.name, r.position, r.image_count, r.channels, r.height, r.width,
                   r.feature_path, r.metadata, r.created_at
            FROM runs r JOIN datasets d ON d.id = r.dataset_id WHERE r.name = ?
            """
        guard let row = try Row.fetchOne(db, sql: sql, arguments: [name]) else { throw LabelStoreError.unknownRun(name) }
        return Run(id: row[0], name: row[1], datasetID: row[2], dataset: row[3], position: row[4], imageCount: row[5],
                   channels: row[6], height: row[7], width: row[8], featurePath: row[9], metadata: row[10], createdAt: row[11])
    }

    /// Every run with its labeling progress, by name.
    public func runSummaries() throws -> [RunSummary] {
        try pool.read { db in
            let sql = """
                SELECT r.name, d.name, r.position, r.image_count, r.channels, r.height, r.width,
                  (SELECT COUNT(*) FROM (SELECT image_index FROM annotations a WHERE a.run_id = r.id
                                         UNION SELECT image_index FROM reviews v WHERE v.run_id = r.id AND v.reviewed = 1)),
                  (SELECT COUNT(DISTINCT image_index) FROM annotations a WHERE a.run_id = r.id),
                  (SELECT COUNT(*) FROM annotations a WHERE a.run_id = r.id)
                FROM runs r JOIN datasets d ON d.id = r.dataset_id ORDER BY r.name
                """
            return try Row.fetchAll(db, sql: sql).map { row in
                RunSummary(name: row[0], dataset: row[1], position: row[2], imageCount: row[3], channels: row[4],
                           gridHeight: row[5], gridWidth: row[6], labeledCount: row[7], anomalyImageCount: row[8],
                           annotationCount: row[9])
            }
        }
    }

    /// A run's images with their labeling state, in index order, filtered.
    public func imageSummaries(run name: String, filter: ImageFilter = .all) throws -> [ImageSummary] {
        try pool.read { db in
            let run = try Self.run(db, named: name)
            var files = [String?](repeating: nil, count: run.imageCount)
            for row in try Row.fetchAll(db, sql: "SELECT image_index, file_name FROM images WHERE dataset_id = ? AND image_index < ?",
                                        arguments: [run.datasetID, run.imageCount]) {
                files[row[0] as Int] = row[1]
            }
            var counts = [Int](repeating: 0, count: run.imageCount)
            for row in try Row.fetchAll(db, sql: "SELECT image_index, COUNT(*) FROM annotations WHERE run_id = ? GROUP BY image_index",
                                        arguments: [run.id]) where (row[0] as Int) < run.imageCount {
                counts[row[0] as Int] = row[1]
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
