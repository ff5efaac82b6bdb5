import Foundation

/// Files for parsers that read from a path: one folder per fuzz process, rewritten for each input.
enum Scratch {
    static let folder: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("normlab-fuzz-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }()

    /// Writes `bytes` to `name` in the scratch folder (replacing it) and returns its path.
    static func write(_ bytes: some Sequence<UInt8>, name: String) throws -> String {
        let path = folder + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// An empty sub-folder of the scratch folder.
    static func emptyFolder(_ name: String) -> String {
        let path = folder + "/" + name
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// Repository files the targets use as fixed counterparts (weights, tokenizer files), found
/// through `NORMLAB_FUZZ_ROOT` (the repository root; Fuzz/run.sh sets it).
enum Repository {
    static let root = ProcessInfo.processInfo.environment["NORMLAB_FUZZ_ROOT"] ?? FileManager.default.currentDirectoryPath
    static func path(_ relative: String) -> String { root + "/" + relative }
}
