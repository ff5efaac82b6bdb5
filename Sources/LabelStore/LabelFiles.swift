import Foundation
import InputLimits
import NPYFormat

/// Reads label files from the outside world into rows, each with where it came from (for errors).
public enum LabelFiles {
    public typealias SourcedRow = (source: String, row: LabelRow)

    /// An int64 (N, 3) `.npy` of rows (image_index, x, y). Wrong dtype or shape is refused.
    public static func readNPY(path: String) throws -> [SourcedRow] {
        let header = try NPY.header(path: path)
        guard header.dtype == .int64 else {
            // The original notebook saved an empty label set as float64 (0,): accept exactly that.
            if header.count == 0 { return [] }
            throw LabelStoreError.badInput("\(path): label files must be int64 (<i8), found \(header.dtype.rawValue) with shape \(header.shape)")
        }
        guard header.shape.count == 2, header.shape[1] == 3 else {
            throw LabelStoreError.badInput("\(path): label files must have shape (N, 3) (rows image_index, x, y), found \(header.shape)")
        }
        let values = try NPY.readInt64(path: path).values
        return (0..<header.shape[0]).map { i in
            ("row \(i)", LabelRow(image: Int(values[3 * i]), x: Int(values[3 * i + 1]), y: Int(values[3 * i + 2])))
        }
    }

    /// The original labeler's folder: `norm_0042.json` = image 42, `[{"x": 8, "y": 30}, ...]`.
    /// Every file marks its image reviewed (an empty list: "looked at, no anomaly").
    public static func readJSONDirectory(path: String) throws -> (rows: [SourcedRow], reviewed: [Int]) {
        let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".json") }.sorted()
        guard !names.isEmpty else { throw LabelStoreError.badInput("\(path): no .json label files (norm_0042.json = image 42) in this folder") }
        var rows: [SourcedRow] = [], reviewed: [Int] = [], problems: [String] = []
        for name in names {
            guard let image = imageIndex(fileName: name) else {
                problems.append("\(name): file name is not norm_<index>.json"); continue
            }
            do {
                let entries = try parseJSONFile(path + "/" + name)
                reviewed.append(image)
                rows += entries.enumerated().map { ("\(name) entry \($0.offset)", LabelRow(image: image, x: $0.element.x, y: $0.element.y)) }
            } catch {
                problems.append("\(name): \(error)")
            }
        }
        guard problems.isEmpty else { throw LabelStoreError.badLabelRows(source: path, problems: problems) }
        return (rows, reviewed)
    }

    /// The original labeler's file name of image i: the notebook's `f"norm_{i:04d}"` plus an extension
    /// (`png` for the norm image, `json` for its labels).
    public static func fileName(image: Int, extension ext: String) -> String { String(format: "norm_%04d.", image) + ext }

    /// Writes the original labeler's folder: one `norm_XXXX.json` per image that has rows or is in
    /// `reviewed` (an empty list = "looked at, no anomaly"; no file = not looked at), the text exactly
    /// as its Flask app's `json.dump` writes it, rows by (x, y). `readJSONDirectory` reads it back.
    /// Other `.json` files already in `path` would be read back as labels, so they are refused
    /// before anything is written. Returns the number of files.
    @discardableResult
    public static func writeJSONDirectory(rows: [LabelRow], reviewed: [Int], to path: String) throws -> Int {
        let byImage = Dictionary(grouping: rows, by: \.image)
        let images = Set(byImage.keys).union(reviewed).sorted()
        let names = Set(images.map { fileName(image: $0, extension: "json") })
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let strays = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".json") && !names.contains($0) }.sorted()
        guard strays.isEmpty else {
            throw LabelStoreError.badInput("\(path) already holds \(strays.count) other .json file(s) (\(strays.prefix(3).joined(separator: ", "))…) that would be read back as labels; remove them or pick an empty folder")
        }
        for image in images {
            let text = jsonText((byImage[image] ?? []).sorted { ($0.x, $0.y) < ($1.x, $1.y) })
            try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + fileName(image: image, extension: "json")), options: .atomic)
        }
        return images.count
    }

    /// Python's `json.dump(labels, f)` of `[{"x": .., "y": ..}, ...]`: ", " and ": " separators, no newline.
    static func jsonText(_ rows: [LabelRow]) -> String {
        "[" + rows.map { "{\"x\": \($0.x), \"y\": \($0.y)}" }.joined(separator: ", ") + "]"
    }

    static func imageIndex(fileName: String) -> Int? {
        guard fileName.hasPrefix("norm_"), fileName.hasSuffix(".json") else { return nil }
        let digits = fileName.dropFirst(5).dropLast(5)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return Int(digits)
    }

    public struct Entry: Decodable, Equatable, Sendable { public var x: Int; public var y: Int }

    private static func parseJSONFile(_ path: String) throws -> [Entry] {
        try parseJSONEntries(Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// One `norm_XXXX.json` file's text: `[{"x": 8, "y": 30}, ...]`.
    public static func parseJSONEntries(_ data: Data) throws -> [Entry] {
        do { try InputLimits.checkJSONDepth(data, what: "label file") } catch { throw LabelStoreError.badInput("\(error)") }
        do {
            return try JSONDecoder().decode([Entry].self, from: data)
        } catch {
            throw LabelStoreError.badInput("not a JSON list of {\"x\": int, \"y\": int} objects")
        }
    }
}
