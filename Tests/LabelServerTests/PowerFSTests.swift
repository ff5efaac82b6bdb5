import FeatureStore
import Foundation
import PowerFS
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The power-loss layer itself (Tests/PowerFS): after a cut, data is there only if its file was
/// fsynced, and a new name, a rename or a new folder only if its folder was fsynced.
@Suite struct PowerFSTests {
    @Test func keepsOnlyWhatWasSynced() throws {
        let folder = try PowerLossFolder(name: "self")
        defer { folder.remove() }
        try "old".write(toFile: folder.backing + "/e", atomically: false, encoding: .utf8)
        try folder.mountLayer()
        try Self.write("durable", to: folder.path("a"), sync: true)
        syncDirectory(folder.mount)
        try Self.write("durable, then lost", to: folder.path("a"), sync: false)
        #expect(try String(contentsOfFile: folder.path("a"), encoding: .utf8) == "durable, then lost")
        try Self.write("data synced, name not", to: folder.path("c"), sync: true)
        try Self.write("new", to: folder.path("tmp"), sync: true)
        #expect(rename(folder.path("tmp"), folder.path("e")) == 0)
        #expect(mkdir(folder.path("f"), 0o755) == 0)
        try folder.cut(killing: [])

        #expect(try String(contentsOfFile: folder.path("a"), encoding: .utf8) == "durable")
        #expect(try String(contentsOfFile: folder.path("e"), encoding: .utf8) == "old")
        for lost in ["c", "tmp", "f"] { #expect(!FileManager.default.fileExists(atPath: folder.path(lost)), "\(lost) survived") }
        try folder.unmountCleanly()
    }

    /// Replaces `path`'s content with `text`; fsyncs it when `sync`.
    static func write(_ text: String, to path: String, sync: Bool) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw Failure("cannot open \(path)") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count, !sync || fsync(fd) == 0 else { throw Failure("cannot write \(path)") }
    }
}
