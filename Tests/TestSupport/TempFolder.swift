import Foundation

/// A fresh folder under the system's temporary folder for one test, removed when the value goes away
/// (keep the value alive while the folder is used).
public final class TempFolder: @unchecked Sendable {
    public let path: String

    public init(_ prefix: String = "normlab-test") throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    public func file(_ name: String) -> String { path + "/" + name }
}
