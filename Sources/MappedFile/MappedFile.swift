#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of a whole file. Weight and feature files are gigabytes:
/// mapping them lets the OS page in only what is read, and never copies the file whole.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let count: Int
    private let base: UnsafeMutableRawPointer?

    public enum Failure: Error, CustomStringConvertible {
        case cannotOpen(String, String)
        case cannotMap(String, String)
        public var description: String {
            switch self {
            case .cannotOpen(let p, let why): "\(p): cannot open: \(why)"
            case .cannotMap(let p, let why): "\(p): cannot memory-map: \(why)"
            }
        }
    }

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw Failure.cannotOpen(path, String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Failure.cannotOpen(path, String(cString: strerror(errno))) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw Failure.cannotOpen(path, "not a regular file") }
        count = Int(st.st_size)
        if count == 0 {
            base = nil
            return
        }
        let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else { throw Failure.cannotMap(path, String(cString: strerror(errno))) }
        base = p
    }

    deinit {
        if let base { munmap(base, count) }
    }

    /// The file's bytes; valid while this object lives.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Drops the pages holding `range` from this process's resident set once a caller has copied what
    /// it needs from them. The mapping is private and never written, so the bytes stay valid: a later
    /// read faults them in again from the page cache or the file. Loading a model that copies each
    /// tensor into its own array then holds one tensor's file pages at a time, not the whole file
    /// beside the copies. Pages shared with a neighbouring range are dropped too (rounded outwards),
    /// which costs at most a re-read.
    public func release(_ range: Range<Int>) {
        guard let base, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let lower = max(0, range.lowerBound) / page * page
        let upper = min(count, (range.upperBound + page - 1) / page * page)
        guard upper > lower else { return }
        _ = madvise(base + lower, upper - lower, Int32(MADV_DONTNEED))
    }
}
