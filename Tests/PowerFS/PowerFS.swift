import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A folder whose files survive a simulated power cut only as far as they were fsynced: `powerfs.c`
/// (beside this file, a FUSE passthrough compiled on first use) mounted at `mount` over `backing`.
///
/// A cut SIGKILLs the given processes, tells the layer to drop what was not durable, unmounts it
/// and mounts it afresh: what the next process reads is what a machine would find after a reboot.
/// Set up files that must exist before the experiment in `backing` before `mount()` (they count
/// as durable), and keep no file under `mount` open in the test process across a cut.
public final class PowerLossFolder: @unchecked Sendable { // used from one test task at a time
    public let root: String
    public let backing: String
    public let mount: String
    private var daemon: Process?
    /// Power cuts made so far.
    public private(set) var cuts = 0

    public init(name: String) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("powerfs-\(name)-\(UUID().uuidString)").path
        backing = root + "/backing"
        mount = root + "/mnt"
        for folder in [backing, mount] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
    }

    /// `mount/relative`.
    public func path(_ relative: String) -> String { mount + "/" + relative }

    /// Mounts the layer and waits until the kernel lists it.
    public func mountLayer() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try PowerFSBinary.path.get())
        p.arguments = [backing, mount]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        daemon = p
        let deadline = Date().addingTimeInterval(10)
        while !Self.isMounted(mount) {
            guard p.isRunning else { throw PowerFSError("powerfs exited with \(p.terminationStatus) before mounting \(mount) (is /dev/fuse usable?)") }
            guard Date() < deadline else { throw PowerFSError("powerfs did not mount \(mount) within 10 s") }
            usleep(20_000)
        }
    }

    /// The power cut: `processes` die first (SIGKILL), then the layer forgets everything not
    /// fsynced and is mounted again over what was.
    public func cut(killing processes: [Process]) throws {
        for p in processes where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        for p in processes { p.waitUntilExit() }
        try unmount(signal: SIGUSR1)
        cuts += 1
        try mountLayer()
    }

    /// A clean shutdown: everything written reaches the backing folder.
    public func unmountCleanly() throws { try unmount(signal: nil) }

    /// Unmounts (if mounted) and deletes every folder.
    public func remove() {
        try? unmount(signal: nil)
        try? FileManager.default.removeItem(atPath: root)
    }

    private func unmount(signal: Int32?) throws {
        guard let p = daemon else { return }
        daemon = nil
        if let signal { kill(p.processIdentifier, signal) }
        // Lazy: the kernel detaches the mount now and ends the connection when the last user is gone.
        guard umount2(mount, Int32(MNT_DETACH)) == 0 else { throw PowerFSError("umount \(mount): \(String(cString: strerror(errno)))") }
        let deadline = Date().addingTimeInterval(10)
        while p.isRunning {
            guard Date() < deadline else { kill(p.processIdentifier, SIGKILL); throw PowerFSError("powerfs did not exit after unmount") }
            usleep(10_000)
        }
        guard p.terminationStatus == 0 else { throw PowerFSError("powerfs exited with status \(p.terminationStatus)") }
    }

    static func isMounted(_ path: String) -> Bool {
        guard let table = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return false }
        return table.split(separator: "\n").contains { $0.split(separator: " ").dropFirst(4).first.map(String.init) == path }
    }
}

/// The layer's executable, compiled once per test process from `powerfs.c` with the system's
/// libfuse3 (Debian packages fuse3 and libfuse3-dev, installed by `.ci/setup`).
enum PowerFSBinary {
    static let path = Result<String, any Error> {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("powerfs.c").path
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("powerfs-\(getpid())").path
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/bin/sh")
        cc.arguments = ["-c", "cc -O2 -Wall -o \"$1\" \"$2\" $(pkg-config --cflags --libs fuse3) 2>&1", "sh", output, source]
        let pipe = Pipe()
        cc.standardOutput = pipe
        do { try cc.run() } catch { throw PowerFSError("cannot run cc: \(error)") }
        let log = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        cc.waitUntilExit()
        guard cc.terminationStatus == 0 else {
            throw PowerFSError("compiling \(source) failed (install fuse3 and libfuse3-dev: bash .ci/setup):\n\(log)")
        }
        return output
    }
}

public struct PowerFSError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
