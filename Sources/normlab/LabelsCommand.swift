import ArgumentParser
import Foundation
import LabelStore

struct LabelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labels", abstract: "Export and import labels as NumPy files.", subcommands: [LabelsExport.self, LabelsImport.self])
}

/// `normlab labels export --run R [--kind K] -o FILE.npy [--with-names]`.
struct LabelsExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a run's labels as int64 (N, 3) rows (image_index, x, y), sorted, byte-identical to np.save.",
        discussion: "An empty label set is written as a (0, 3) int64 array.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "The run.") var run: String
    @Option(help: "patch2x2 or point.") var kind: AnnotationKind = .patch2x2
    @Option(name: .shortAndLong, help: "Output .npy file.") var output: String
    @Flag(help: "Also write <output without .npy>_names.csv: image_index,file_name.") var withNames = false

    func run() async throws {
        let store = try database.open()
        let data = try store.exportLabels(run: run, kind: kind)
        try data.write(to: URL(fileURLWithPath: output), options: .atomic)
        if withNames {
            let csv = (output.hasSuffix(".npy") ? String(output.dropLast(4)) : output) + "_names.csv"
            try store.nameIndexCSV(run: run).write(toFile: csv, atomically: true, encoding: .utf8)
            note("wrote \(csv)")
        }
        note("wrote \(output): \((data.count - 128) / 24) \(kind.rawValue) label(s) of run '\(run)'")
    }
}

/// `normlab labels import --run R [--kind K] [--snap] FILE.npy|DIR`.
struct LabelsImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import labels: an int64 (N, 3) .npy, or a folder of the original labeler's norm_0042.json files.",
        discussion: """
            All or nothing: rows outside the grid or the run, odd patch coordinates, unknown images, a wrong dtype
            or shape are listed and nothing is imported. JSON files also mark their image reviewed (an empty list
            means "looked at, no anomaly"). Existing annotations are kept.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "The run.") var run: String
    @Option(help: "patch2x2 or point.") var kind: AnnotationKind = .patch2x2
    @Flag(help: "Floor odd patch coordinates to even ones instead of refusing them.") var snap = false
    @Option(help: "Annotator recorded for the imported labels (default: $USER).") var annotator: String?
    @Argument(help: "A .npy file or a folder of norm_<index>.json files.") var source: String

    func run() async throws {
        let store = try database.open()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDir) else {
            throw LabelStoreError.badInput("\(source): no such file or folder")
        }
        let (rows, reviewed) = isDir.boolValue ? try LabelFiles.readJSONDirectory(path: source) : (try LabelFiles.readNPY(path: source), [])
        let added = try await store.importLabels(run: run, kind: kind, rows: rows, reviewed: reviewed, snap: snap,
                                                 sourceName: source, by: .cli(annotator: annotator))
        note("imported \(rows.count) row(s) into run '\(run)': \(added) new, \(rows.count - added) already present"
             + (reviewed.isEmpty ? "" : "; \(reviewed.count) image(s) marked reviewed"))
    }
}
