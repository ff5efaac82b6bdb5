/// A dense Float32 tensor in C order (NCHW for images, (batch, tokens, channels) for sequences).
public struct Tensor: Sendable {
    public var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "shape \(shape) does not hold \(data.count) values")
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, data: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    /// A tensor whose storage is filled by `body` (no zeroing pass; `body` must write every element).
    public init(uninitialized shape: [Int], _ body: (UnsafeMutablePointer<Float>) throws -> Void) rethrows {
        let n = shape.reduce(1, *)
        self.shape = shape
        self.data = try [Float](unsafeUninitializedCapacity: n) { buf, count in
            try body(buf.baseAddress!)
            count = n
        }
    }

    public var count: Int { data.count }

    // NCHW accessors.
    public var batch: Int { shape[0] }
    public var channels: Int { shape[1] }
    public var height: Int { shape[2] }
    public var width: Int { shape[3] }
}
