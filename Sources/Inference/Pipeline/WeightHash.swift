import CKernels
import Foundation

/// SHA-256 of model weight files: the identity an extraction run records. The SHA extensions hash
/// about 1.5–2 GB/s, so even SD-1.5's 4 GB of fp32 weights cost a few seconds once per run.
public enum WeightHash {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Lowercase hex SHA-256 of `data` (`hardware: false` forces the portable code path).
    public static func sha256(_ data: UnsafeRawBufferPointer, hardware: Bool = true) -> String {
        var ctx = nl_sha256_ctx()
        nl_sha256_init(&ctx, hardware ? 1 : 0)
        nl_sha256_update(&ctx, data.baseAddress, data.count)
        return finish(&ctx)
    }

    /// Lowercase hex SHA-256 of a file's bytes, read in 8 MiB chunks (memory stays flat).
    public static func sha256(file path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw Failure(description: "\(path): cannot open for hashing") }
        defer { try? handle.close() }
        var ctx = nl_sha256_ctx()
        nl_sha256_init(&ctx, 1)
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 8 << 20) ?? Data() } catch {
                throw Failure(description: "\(path): read failed while hashing: \(error.localizedDescription)")
            }
            if chunk.isEmpty { break }
            chunk.withUnsafeBytes { nl_sha256_update(&ctx, $0.baseAddress, $0.count) }
        }
        return finish(&ctx)
    }

    private static func finish(_ ctx: inout nl_sha256_ctx) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        nl_sha256_final(&ctx, &digest)
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
