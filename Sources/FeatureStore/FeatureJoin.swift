#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NPYFormat

/// Joins published feature folders that hold consecutive image slices of one run (the shards of a
/// sharded extraction) into one folder, byte for byte what a single `FeatureWriter` would have written:
/// the headers for the whole count, then every part's data in order. Written to the partial names,
/// fsynced, then renamed, like `FeatureWriter.finish()`.
public enum FeatureJoin {
    /// Returns the joined shape. Every part must have the same channels, height and width.
    @discardableResult
    public static func join(_ parts: [FeatureReader], into folder: String) throws -> FeatureShape {
        guard let first = parts.first?.shape else { throw FeatureStoreError.inconsistent(folder, "nothing to join") }
        for p in parts where (p.shape.channels, p.shape.height, p.shape.width) != (first.channels, first.height, first.width) {
            throw FeatureStoreError.inconsistent(p.folder, "shape \(p.shape) does not match \(parts[0].folder)'s \(first)")
        }
        let shape = FeatureShape(count: parts.reduce(0) { $0 + $1.shape.count }, channels: first.channels,
                                 height: first.height, width: first.width)
        try makeDirectory(folder)
        try write(FeatureFiles.features, in: folder, header: NPYHeader(dtype: .float16, shape: [shape.count, shape.channels, shape.height, shape.width], dataOffset: 0),
                  parts: parts.map { UnsafeRawBufferPointer($0.allFeatures) })
        try joinNorms(parts.map(\.normReader), into: folder)
        return shape
    }

    /// Joins only the norms (the slices of a run that keeps only its norms). Returns (count, height, width).
    @discardableResult
    public static func joinNorms(_ parts: [NormReader], into folder: String) throws -> (count: Int, height: Int, width: Int) {
        guard let first = parts.first else { throw FeatureStoreError.inconsistent(folder, "nothing to join") }
        for p in parts where (p.height, p.width) != (first.height, first.width) {
            throw FeatureStoreError.inconsistent(p.folder, "token grid \(p.height)×\(p.width) does not match \(first.folder)'s \(first.height)×\(first.width)")
        }
        let count = parts.reduce(0) { $0 + $1.count }
        try makeDirectory(folder)
        try write(FeatureFiles.norms, in: folder, header: NPYHeader(dtype: .float32, shape: [count, first.height, first.width], dataOffset: 0),
                  parts: parts.map { UnsafeRawBufferPointer($0.allNorms) })
        syncDirectory(folder)
        return (count, first.height, first.width)
    }

    private static func write(_ name: String, in folder: String, header: NPYHeader, parts: [UnsafeRawBufferPointer]) throws {
        let partial = folder + "/" + name + FeatureFiles.partialSuffix
        let file = try PosixFile(path: partial, flags: O_WRONLY | O_CREAT | O_TRUNC)
        try file.write(header: header)
        var offset = header.encoded().count
        for bytes in parts {
            try file.write(bytes, at: offset)
            offset += bytes.count
        }
        try file.sync()
        try renameFile(partial, folder + "/" + name)
    }
}
