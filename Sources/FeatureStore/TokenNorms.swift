/// Per-token L2 norms of one image's features laid out (C, H, W), float16 (the feature store) or float32
/// (a layer's output while it is produced).
///
/// Accumulates channel plane by channel plane so the inner loop runs over contiguous memory
/// (and vectorises); the sum is kept in float32, as the feature store documents.
@inlinable
public func tokenNorms<Element: BinaryFloatingPoint>(_ values: UnsafeBufferPointer<Element>, channels: Int, tokens: Int,
                       into norms: UnsafeMutableBufferPointer<Float>) {
    precondition(values.count == channels * tokens && norms.count == tokens)
    norms.update(repeating: 0)
    for c in 0..<channels {
        let plane = c * tokens
        for t in 0..<tokens {
            let v = Float(values[plane + t])
            norms[t] += v * v
        }
    }
    for t in 0..<tokens { norms[t] = norms[t].squareRoot() }
}
