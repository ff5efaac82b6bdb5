/// 2-D cross-correlation with zero padding (PyTorch `nn.Conv2d`, groups = 1, dilation = 1),
/// computed as im2col + one sgemm per image.
public struct Conv2d: Sendable {
    public let weight: [Float]  // (out, in, kh, kw)
    public let bias: [Float]?   // (out)
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let stride: Int
    /// Zero padding on each side: top, left, bottom, right (the VAE pads only bottom/right).
    public let padding: (top: Int, left: Int, bottom: Int, right: Int)

    public init(weight: [Float], bias: [Float]?, inChannels: Int, outChannels: Int, kernel: Int,
                stride: Int = 1, padding: Int? = nil) {
        let p = padding ?? kernel / 2
        self.init(weight: weight, bias: bias, inChannels: inChannels, outChannels: outChannels, kernel: kernel,
                  stride: stride, padding: (p, p, p, p))
    }

    public init(weight: [Float], bias: [Float]?, inChannels: Int, outChannels: Int, kernel: Int,
                stride: Int, padding: (top: Int, left: Int, bottom: Int, right: Int)) {
        precondition(weight.count == outChannels * inChannels * kernel * kernel)
        self.weight = weight
        self.bias = bias
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
    }

    public func outputSize(height h: Int, width w: Int) -> (Int, Int) {
        ((h + padding.top + padding.bottom - kernel) / stride + 1,
         (w + padding.left + padding.right - kernel) / stride + 1)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.channels == inChannels, "Conv2d expects \(inChannels) channels, got \(x.shape)")
        let (h, w) = (x.height, x.width)
        let (oh, ow) = outputSize(height: h, width: w)
        let k = inChannels * kernel * kernel
        let pointwise = kernel == 1 && stride == 1 && padding == (0, 0, 0, 0)
        return Profile.time(.conv) { Tensor(uninitialized: [x.batch, outChannels, oh, ow]) { y in
            x.data.withUnsafeBufferPointer { xb in
                for b in 0..<x.batch {
                    let src = xb.baseAddress! + b * inChannels * h * w
                    let dst = y + b * outChannels * oh * ow
                    if pointwise {
                        multiply(src, into: dst, pixels: oh * ow)
                    } else if usesWinograd(height: h, width: w) {
                        winograd(src, height: h, width: w, into: dst)
                    } else if usesShiftedTaps(height: h, width: w) {
                        shiftedTaps(src, height: h, width: w, into: dst)
                    } else if k * oh * ow <= Self.maxColumnFloats {
                        Scratch.with(count: k * oh * ow) { col in
                            im2col(src, height: h, width: w, outHeight: oh, outWidth: ow, into: col)
                            multiply(col, into: dst, pixels: oh * ow)
                        }
                    } else {
                        // Large images (the VAE at full resolution): bands of output rows, so the column
                        // buffer stays bounded (a 512² image with 128 channels would need 1.2 GB at once).
                        let band = max(1, Self.maxColumnFloats / (k * ow))
                        Scratch.with(count: k * band * ow) { col in
                            var row0 = 0
                            while row0 < oh {
                                let rows = min(band, oh - row0)
                                im2col(src, height: h, width: w, outHeight: oh, outWidth: ow, rows: row0..<(row0 + rows), into: col)
                                multiply(col, into: dst + row0 * ow, pixels: rows * ow, ldc: oh * ow)
                                row0 += rows
                            }
                        }
                    }
                }
            }
        } }
    }

    /// Largest im2col buffer (floats) built at once: 64 MB.
    static let maxColumnFloats = 16 << 20

    /// y (out × pixels, row stride `ldc`) = bias + W (out × k) · columns (k × pixels).
    private func multiply(_ columns: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, pixels: Int, ldc: Int? = nil) {
        let ldc = ldc ?? pixels
        var beta: Float = 0
        if let bias {
            for o in 0..<outChannels { (y + o * ldc).update(repeating: bias[o], count: pixels) }
            beta = 1
        }
        let k = inChannels * kernel * kernel
        weight.withUnsafeBufferPointer { wb in
            gemm(m: outChannels, n: pixels, k: k, wb.baseAddress!, lda: k, columns, ldb: pixels,
                 beta: beta, y, ldc: ldc)
        }
    }

    /// Row (c, u, v) of the column matrix holds x[c, oy·s − top + u, ox·s − left + v] for every output pixel.
    /// `rows` restricts the output rows (a band); the band's columns are stored contiguously.
    private func im2col(_ x: UnsafePointer<Float>, height h: Int, width w: Int, outHeight oh: Int, outWidth ow: Int,
                        rows: Range<Int>? = nil, into col: UnsafeMutablePointer<Float>) {
        if rows == nil, stride == 1, padding == (kernel / 2, kernel / 2, kernel / 2, kernel / 2), oh == h, ow == w {
            return im2colSame(x, height: h, width: w, into: col)
        }
        let band = rows ?? 0..<oh
        let s = stride
        for c in 0..<inChannels {
            let plane = x + c * h * w
            for u in 0..<kernel {
                for v in 0..<kernel {
                    let row = col + ((c * kernel + u) * kernel + v) * band.count * ow
                    // Output columns whose input column lies inside the image: ix = ox·s − left + v ∈ [0, w).
                    let first = max(0, (padding.left - v + s - 1) / s)
                    let last = min(ow, floorDiv(w - 1 + padding.left - v, s) + 1)
                    for oy in band {
                        let iy = oy * s - padding.top + u
                        let out = row + (oy - band.lowerBound) * ow
                        guard iy >= 0, iy < h, first < last else {
                            out.update(repeating: 0, count: ow)
                            continue
                        }
                        if first > 0 { out.update(repeating: 0, count: first) }
                        if last < ow { (out + last).update(repeating: 0, count: ow - last) }
                        let inRow = plane + iy * w - padding.left + v
                        if s == 1 {
                            (out + first).update(from: inRow + first, count: last - first)
                        } else {
                            for ox in first..<last { out[ox] = inRow[ox * s] }
                        }
                    }
                }
            }
        }
    }
}

extension Conv2d {
    /// Fast path for stride-1 "same" convolutions (every 3×3 conv of the U-Net but the
    /// downsamplers): row (c, u, v) is the whole plane shifted by (u − p)·w + (v − p), copied in
    /// one piece, with the rows and columns that fall outside the image zeroed afterwards.
    fileprivate func im2colSame(_ x: UnsafePointer<Float>, height h: Int, width w: Int, into col: UnsafeMutablePointer<Float>) {
        let p = kernel / 2, n = h * w
        for c in 0..<inChannels {
            let plane = x + c * n
            for u in 0..<kernel {
                for v in 0..<kernel {
                    let row = col + ((c * kernel + u) * kernel + v) * n
                    let shift = (u - p) * w + (v - p)
                    // Output pixel i reads plane[i + shift] where that index exists.
                    let lo = max(0, -shift), hi = min(n, n - shift)
                    if lo > 0 { row.update(repeating: 0, count: lo) }
                    if hi < n { (row + hi).update(repeating: 0, count: n - hi) }
                    if hi > lo { (row + lo).update(from: plane + lo + shift, count: hi - lo) }
                    // Rows whose source row is outside the image.
                    let dy = u - p
                    if dy < 0 { row.update(repeating: 0, count: min(n, -dy * w)) }
                    if dy > 0 { (row + max(0, n - dy * w)).update(repeating: 0, count: min(n, dy * w)) }
                    // Columns whose source column is outside the image (the shifted copy wrapped them).
                    let dx = v - p
                    if dx != 0 {
                        for y in 0..<h {
                            let r = row + y * w
                            if dx < 0 { for x in 0..<min(w, -dx) { r[x] = 0 } }
                            else { for x in max(0, w - dx)..<w { r[x] = 0 } }
                        }
                    }
                }
            }
        }
    }
}

@inline(__always)
func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
