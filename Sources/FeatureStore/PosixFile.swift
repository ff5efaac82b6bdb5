#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A writable file descriptor with the few calls atomic, resumable writes need.
final class PosixFile {
    let path: String
    private(set) var fd: Int32

    init(path: String, flags: Int32) throws {
        self.path = path
        fd = open(path, flags | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FeatureStoreError.io(path, "cannot open: \(errnoText())") }
    }

    deinit { if fd >= 0 { close(fd) } }

    func resize(to size: Int) throws {
        guard ftruncate(fd, off_t(size)) == 0 else { throw FeatureStoreError.io(path, "cannot resize: \(errnoText())") }
    }

    /// Writes all of `bytes` at `offset` (pwrite may write less than asked; loop until done).
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw FeatureStoreError.io(path, "write failed: \(errnoText())") }
            done += n
        }
    }

    func read(count: Int, at offset: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, count, off_t(offset)) }
        guard n == count else { throw FeatureStoreError.io(path, "short read (\(n) of \(count) bytes)") }
        return buffer
    }

    func sync() throws {
        guard fsync(fd) == 0 else { throw FeatureStoreError.io(path, "fsync failed: \(errnoText())") }
    }
}

func errnoText() -> String { String(cString: strerror(errno)) }

/// Renames `from` over `to` (atomic on POSIX file systems).
func renameFile(_ from: String, _ to: String) throws {
    guard rename(from, to) == 0 else { throw FeatureStoreError.io(to, "cannot rename \(from): \(errnoText())") }
}

/// Syncs a directory so a rename, creation or removal inside it survives a crash of the machine.
public func syncDirectory(_ path: String) {
    let fd = open(path, O_RDONLY | O_DIRECTORY)
    guard fd >= 0 else { return }
    fsync(fd)
    close(fd)
}

/// Replaces `path` with `bytes` so that after a crash of the machine it holds either the old or the
/// new content, never a torn or empty file: a fsynced temporary file renamed over it, then the
/// folder synced.
public func writeFileDurably(_ bytes: [UInt8], to path: String) throws {
    let temp = path + ".tmp"
    let file = try PosixFile(path: temp, flags: O_WRONLY | O_CREAT | O_TRUNC)
    try bytes.withUnsafeBytes { try file.write($0, at: 0) }
    try file.sync()
    try renameFile(temp, path)
    syncDirectory(parentFolder(of: path))
}

/// The folder part of a path ("." for a bare name).
public func parentFolder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }
