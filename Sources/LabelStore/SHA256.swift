import CKernels

/// SHA-256 (FIPS 180-4) of a byte array, as lowercase hex: the images' content hashes and the label
/// sets of prototypes. The C kernel (SHA extensions when present) also hashes model weights.
func sha256Hex(_ message: [UInt8]) -> String {
    var ctx = nl_sha256_ctx()
    nl_sha256_init(&ctx, 1)
    message.withUnsafeBytes { nl_sha256_update(&ctx, $0.baseAddress, $0.count) }
    var digest = [UInt8](repeating: 0, count: 32)
    nl_sha256_final(&ctx, &digest)
    return digest.map { d in String(d, radix: 16).count == 1 ? "0" + String(d, radix: 16) : String(d, radix: 16) }.joined()
}
