import Foundation
import GRDB
import ImageIO

// MARK: - Datasets

/// The paper's dataset preparation: skip images whose short side is under `minSide`, center-crop
/// to a square, resize to `size` × `size` (Pillow bicubic), saved as PNG beside the database.
public struct DatasetPreparation: Sendable {
    public var size: Int?
    public var minSide: Int?
    public init(size: Int?, minSide: Int?) {
        self.size = size
        self.minSide = minSide
    }
}

public struct DatasetAddResult: Sendable {
    public var dataset: Dataset
    /// Files left out by `minSide`, with their sizes.
    public var skipped: [String]
}

extension LabelStore {
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    /// Registers the images of `folder` (sorted file names, or the order of `listFile`) as
    /// dataset `name`; index 0…N−1 is the order label files refer to. All or nothing.
    public func addDataset(name: String, folder: String, listFile: String? = nil,
                           preparation: DatasetPreparation? = nil) async throws -> DatasetAddResult {
        try checkName(name, what: "dataset")
        if (try? dataset(named: name)) != nil { throw LabelStoreError.duplicateDataset(name) }
        let files = try Self.imageFileNames(folder: folder, listFile: listFile)
        if let preparation {
            return try await addPrepared(name: name, folder: folder, files: files, preparation: preparation)
        }
        let entries = try files.map { ($0, sha256Hex(try Self.bytes(folder + "/" + $0))) }
        let root = URL(fileURLWithPath: folder).standardizedFileURL.path
        return DatasetAddResult(dataset: try await insertDataset(name: name, root: root, entries: entries), skipped: [])
    }

    static func imageFileNames(folder: String, listFile: String?) throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw LabelStoreError.badInput("\(folder): not a folder")
        }
        if let listFile {
            let names = try String(contentsOfFile: listFile, encoding: .utf8).split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let missing = names.filter { !FileManager.default.fileExists(atPath: folder + "/" + $0) }
            guard missing.isEmpty else {
                throw LabelStoreError.badLabelRows(source: listFile, problems: missing.map { "\($0): no such file in \(folder)" })
            }
            guard Set(names).count == names.count else { throw LabelStoreError.badInput("\(listFile): lists a file twice") }
            return names
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
        guard !names.isEmpty else { throw LabelStoreError.badInput("\(folder): no .png/.jpg/.jpeg images") }
        // Byte-wise order, like Python's sorted(): independent of locale.
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    private func addPrepared(name: String, folder: String, files: [String], preparation: DatasetPreparation) async throws -> DatasetAddResult {
        let relative = ((path as NSString).lastPathComponent as NSString).deletingPathExtension + ".images/" + name
        let staging = resolve(relative + ".partial")
        defer { try? FileManager.default.removeItem(atPath: staging) }
        try? FileManager.default.removeItem(atPath: staging)
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        var entries: [(String, String)] = [], skipped: [String] = []
        for file in files {
            var img = try decodeImage(Self.bytes(folder + "/" + file), name: file)
            if let minSide = preparation.minSide, min(img.width, img.height) < minSide {
                skipped.append("\(file) (\(img.width)×\(img.height))"); continue
            }
            if let size = preparation.size { img = PillowResize.bicubic(img.centerSquare(), width: size, height: size) }
            let out = (file as NSString).deletingPathExtension + ".png"
            let png = try PNG.encode(img)
            try Data(png).write(to: URL(fileURLWithPath: staging + "/" + out))
            entries.append((out, sha256Hex(png)))
        }
        guard !entries.isEmpty else {
            throw LabelStoreError.badInput("\(folder): every image is smaller than --min-side \(preparation.minSide ?? 0); nothing to add")
        }
        guard Set(entries.map(\.0)).count == entries.count else {
            throw LabelStoreError.badInput("\(folder): two images share a base name (e.g. a.jpg and a.png); prepared files would collide")
        }
        try? FileManager.default.removeItem(atPath: resolve(relative)) // an orphan of an earlier crash
        try FileManager.default.moveItem(atPath: staging, toPath: resolve(relative))
        do {
            return DatasetAddResult(dataset: try await insertDataset(name: name, root: relative, entries: entries), skipped: skipped)
        } catch {
            try? FileManager.default.removeItem(atPath: resolve(relative))
            throw error
        }
    }

    private func insertDataset(name: String, root: String, entries: [(String, String)]) async throws -> Dataset {
        try await pool.write { db in
            if (try? Self.dataset(db, named: name)) != nil { throw LabelStoreError.duplicateDataset(name) }
            try db.execute(sql: "INSERT INTO datasets (name, root, created_at) VALUES (?, ?, ?)", arguments: [name, root, timestamp()])
            let id = db.lastInsertedRowID
            for (i, (file, hash)) in entries.enumerated() {
                try db.execute(sql: "INSERT INTO images (dataset_id, image_index, file_name, content_hash) VALUES (?, ?, ?, ?)",
                               arguments: [id, i, file, hash])
            }
            return try Self.dataset(db, named: name)
        }
    }

    /// The file of image `index` of a run's dataset, or nil when the dataset has no such image.
    public func imagePath(run: Run, index: Int) throws -> String? {
        try pool.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT d.root, i.file_name FROM images i JOIN datasets d ON d.id = i.dataset_id
                WHERE i.dataset_id = ? AND i.image_index = ?
                """, arguments: [run.datasetID, index])
            guard let row, let root = row["root"] as String?, let file = row["file_name"] as String? else { return nil }
            return resolve(root) + "/" + file
        }
    }
}
