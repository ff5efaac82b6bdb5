import ArgumentParser
import Foundation
import LabelStore

struct LabelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labels", abstract: "Export and import labels as NumPy files or the original labeler's norm_XXXX.json folders.", subcommands: [LabelsExport.self, LabelsImport.self])
}

/// `normlab labels export --run R [--kind K] [--format npy|json-folder] -o FILE.npy|DIR [--with-names]`.
struct LabelsExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a run's labels as an int64 (N, 3) .npy (image_index, x, y), or as the original labeler's norm_XXXX.json folder.",
        discussion: """
            npy (default): sorted rows, byte-identical to np.save; an empty label set is a (0, 3) int64 array.
            json-folder: -o is a folder; one norm_0042.json per image with labels or marked reviewed, holding
            [{"x": 8, "y": 30}, ...] exactly as the original Flask labeler writes it (an empty list: looked at, no
            anomaly). Put the folder beside `normlab norm-images` output to continue in the original labeler;
            `normlab labels import --run R DIR` reads it back.

            Examples:
              normlab labels export --run sd15 -o labels.npy --with-names
              normlab labels export --run sd15 --format json-folder -o images/
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case npy, jsonFolder = "json-folder" }

    @OptionGroup var database: DatabaseOptions
    @Option(help: "The run.") var run: String
    @Option(help: "patch2x2 or point.") var kind: AnnotationKind = .patch2x2
    @Option(help: "npy or json-folder.") var format: Format = .npy
    @Option(name: .shortAndLong, help: "Output .npy file, or folder for json-folder.") var output: String
    @Flag(help: "Also write <output without .npy>_names.csv: image_index,file_name (npy only).") var withNames = false

    func run() async throws {
        let store = try database.open()
        if format == .jsonFolder {
            guard !withNames else { throw ValidationError("--with-names is for --format npy") }
            let rows = try store.labelRows(run: run, kind: kind)
            let reviewed = try store.imageSummaries(run: run).filter(\.reviewed).map(\.index)
            let files = try LabelFiles.writeJSONDirectory(rows: rows, reviewed: reviewed, to: output)
            note("wrote \(files) norm_XXXX.json file(s) to \(output)/: \(rows.count) \(kind.rawValue) label(s) of run '\(run)'")
            return
        }
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
