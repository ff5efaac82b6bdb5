/// The training images' tokens, token-major (token × channels, tokens in (image, row, column) order as
/// the reference's `permute(0, 2, 3, 1).flatten(0, 2)`), so a shuffled batch is a gather of whole rows.
struct ProbeTokens: ~Copyable {
    let count: Int, channels: Int, width: Int, tokensPerImage: Int
    let rows: UnsafeMutableBufferPointer<Float>

    init(nchw: UnsafePointer<Float>, images: Int, channels: Int, width: Int, tokensPerImage: Int) {
        self.count = images * tokensPerImage
        self.channels = channels
        self.width = width
        self.tokensPerImage = tokensPerImage
        rows = .allocate(capacity: count * channels)
        for image in 0..<images {
            let offset = image * channels * tokensPerImage
            Self.transpose(nchw + offset, rows: channels, cols: tokensPerImage, into: rows.baseAddress! + offset)
        }
    }

    deinit { rows.deallocate() }

    var labels: ProbeLabels { ProbeLabels(width: width, tokensPerImage: tokensPerImage) }

    /// Row-major rows × cols → cols × rows, in cache-sized tiles.
    private static func transpose(_ src: UnsafePointer<Float>, rows: Int, cols: Int, into dst: UnsafeMutablePointer<Float>) {
        let tile = 32
        for r0 in stride(from: 0, to: rows, by: tile) {
            for c0 in stride(from: 0, to: cols, by: tile) {
                for r in r0..<min(r0 + tile, rows) {
                    for c in c0..<min(c0 + tile, cols) { dst[c * rows + r] = src[r * cols + c] }
                }
            }
        }
    }
}

/// The label of a training token: its (row, column) on the map, as the reference builds it with
/// `meshgrid(arange(h), arange(w), indexing='ij')` repeated per image.
struct ProbeLabels {
    let width: Int, tokensPerImage: Int

    func label(_ t: Int) -> (row: Int, column: Int) {
        let p = t % tokensPerImage
        return (p / width, p % width)
    }
}
