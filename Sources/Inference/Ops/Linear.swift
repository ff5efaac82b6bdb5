/// `y = x · Wᵀ + b` over the last axis; W is (out, in) as in PyTorch.
public struct Linear: Sendable {
    public let weight: [Float]  // (out, in)
    public let bias: [Float]?   // (out)
    public let inFeatures: Int
    public let outFeatures: Int

    public init(weight: [Float], bias: [Float]?, inFeatures: Int, outFeatures: Int) {
        precondition(weight.count == inFeatures * outFeatures)
        self.weight = weight
        self.bias = bias
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }

    /// Applies the layer to `rows` vectors of length `inFeatures` stored contiguously.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.shape.last == inFeatures, "Linear expects last dim \(inFeatures), got \(x.shape)")
        let rows = x.count / inFeatures
        var shape = x.shape
        shape[shape.count - 1] = outFeatures
        return Profile.time(.linear) { Tensor(uninitialized: shape) { y in apply(x.data, rows: rows, into: y) } }
    }

    func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        let beta: Float
        if let bias {
            for r in 0..<rows { (y + r * outFeatures).update(from: bias, count: outFeatures) }
            beta = 1
        } else {
            beta = 0
        }
        weight.withUnsafeBufferPointer { w in
            gemm(transB: true, m: rows, n: outFeatures, k: inFeatures, x, lda: inFeatures,
                 w.baseAddress!, ldb: inFeatures, beta: beta, y, ldc: outFeatures)
        }
    }
}
