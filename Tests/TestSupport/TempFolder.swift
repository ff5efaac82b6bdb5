import Foundation

/// A fresh folder under the system's temporary folder for one test, removed when the value goes away
/// (keep the value alive while the folder is used).
public final class TempFolder: @unchecked Sendable {
    public let path: String

    public init(_ prefix: String = "normlab-test") throws { path = try Self.create(prefix) }

    deinit { Self.remove(path) }

    public func file(_ name: String) -> String { path + "/" + name }

    /// A fresh folder's path, for a test that removes it itself (`defer { TempFolder.remove(dir) }`).
    public static func create(_ prefix: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    public static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }
}
