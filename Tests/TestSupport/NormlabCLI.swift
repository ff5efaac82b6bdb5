import Foundation

/// The `normlab` executable that `swift test` builds beside the test bundle, or `$NORMLAB_BIN`.
public var normlabExecutable: String {
    if let path = ProcessInfo.processInfo.environment["NORMLAB_BIN"] { return path }
    // Linux: the test bundle is an executable in the build folder; macOS: a .xctest bundle there.
    let bundle = Bundle.main.bundleURL
    let folder = bundle.pathExtension == "xctest" ? bundle.deletingLastPathComponent() : bundle
    return folder.appendingPathComponent("normlab").path
}

/// What a finished `normlab` process left: exit status and its two output streams.
public struct ProcessResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs `normlab arguments…` to completion, standard output and standard error apart.
/// `executable` and `directory` default to the built binary and the current folder (the SLURM tests
/// run a copy of the binary that the cluster's nodes can reach).
public func runNormlab(_ arguments: [String], executable: String = normlabExecutable, directory: String? = nil) throws -> ProcessResult {
    let out = Pipe(), err = Pipe()
    let status = try launchNormlab(arguments, executable: executable, directory: directory, stdout: out, stderr: err) {
        (out.fileHandleForReading.readDataToEndOfFile(), err.fileHandleForReading.readDataToEndOfFile())
    }
    return ProcessResult(status: status.0, stdout: String(decoding: status.1.0, as: UTF8.self), stderr: String(decoding: status.1.1, as: UTF8.self))
}

/// Runs `normlab args…`; returns exit status and everything it printed, both streams in the order written.
public func normlab(_ args: String...) throws -> (status: Int32, output: String) { try normlab(args) }

public func normlab(_ args: [String]) throws -> (status: Int32, output: String) {
    let pipe = Pipe()
    let (status, data) = try launchNormlab(args, stdout: pipe, stderr: pipe) { pipe.fileHandleForReading.readDataToEndOfFile() }
    return (status, String(decoding: data, as: UTF8.self))
}

/// Starts `normlab arguments…` in the background and returns the running process, for a test that
/// interrupts, kills or talks to it. `stdout`/`stderr` take a `Pipe` or `FileHandle` (default: discarded);
/// `environment` is added to this process's.
public func startNormlab(_ arguments: [String], executable: String = normlabExecutable, directory: String? = nil,
                         environment: [String: String] = [:],
                         stdout: Any = FileHandle.nullDevice, stderr: Any = FileHandle.nullDevice) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    process.arguments = arguments
    if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    return process
}

/// Starts the process, reads its output with `read` (before waiting, so a full pipe cannot block
/// it), and waits for the exit.
private func launchNormlab<T>(_ arguments: [String], executable: String = normlabExecutable, directory: String? = nil,
                              stdout: Pipe, stderr: Pipe, read: () -> T) throws -> (Int32, T) {
    let process = try startNormlab(arguments, executable: executable, directory: directory, stdout: stdout, stderr: stderr)
    let output = read()
    process.waitUntilExit()
    return (process.terminationStatus, output)
}
