/// (B, C, H, W) → (B, H·W, C): image to token matrix (token = y·W + x).
public func imageToTokens(_ x: Tensor) -> Tensor {
    let (b, c, hw) = (x.batch, x.channels, x.height * x.width)
    return Profile.time(.copy) {
        Tensor(uninitialized: [b, hw, c]) { y in
            x.data.withUnsafeBufferPointer { xb in
                for i in 0..<b { transpose(xb.baseAddress! + i * c * hw, rows: c, cols: hw, into: y + i * c * hw) }
            }
        }
    }
}

/// (B, H·W, C) → (B, C, H, W).
public func tokensToImage(_ x: Tensor, height: Int, width: Int) -> Tensor {
    let (b, hw, c) = (x.shape[0], x.shape[1], x.shape[2])
    precondition(hw == height * width)
    return Profile.time(.copy) {
        Tensor(uninitialized: [b, c, height, width]) { y in
            x.data.withUnsafeBufferPointer { xb in
                for i in 0..<b { transpose(xb.baseAddress! + i * c * hw, rows: hw, cols: c, into: y + i * c * hw) }
            }
        }
    }
}

/// Blocked out-of-place transpose of a rows × cols matrix.
func transpose(_ src: UnsafePointer<Float>, rows: Int, cols: Int, into dst: UnsafeMutablePointer<Float>) {
    let tile = 32
    var r0 = 0
    while r0 < rows {
        let r1 = min(rows, r0 + tile)
        var c0 = 0
        while c0 < cols {
            let c1 = min(cols, c0 + tile)
            for r in r0..<r1 {
                for c in c0..<c1 { dst[c * rows + r] = src[r * cols + c] }
            }
            c0 = c1
        }
        r0 = r1
    }
}

/// Concatenates two NCHW tensors along the channel axis (`torch.cat([a, b], dim=1)`).
public func concatChannels(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.batch == b.batch && a.height == b.height && a.width == b.width, "concat: \(a.shape) vs \(b.shape)")
    let (na, nb) = (a.count / a.batch, b.count / b.batch)
    return Profile.time(.copy) { Tensor(uninitialized: [a.batch, a.channels + b.channels, a.height, a.width]) { y in
        a.data.withUnsafeBufferPointer { ab in
            b.data.withUnsafeBufferPointer { bb in
                for i in 0..<a.batch {
                    (y + i * (na + nb)).update(from: ab.baseAddress! + i * na, count: na)
                    (y + i * (na + nb) + na).update(from: bb.baseAddress! + i * nb, count: nb)
                }
            }
        }
    } }
}

/// Nearest-neighbour resize to an explicit size, as `F.interpolate(mode="nearest")`:
/// src = min(floor(dst · Float(in/out)), in − 1), the scale computed in Float32.
public func upsampleNearest(_ x: Tensor, height oh: Int, width ow: Int) -> Tensor {
    let (h, w) = (x.height, x.width)
    let rowMap = nearestIndices(input: h, output: oh)
    let colMap = nearestIndices(input: w, output: ow)
    return Profile.time(.copy) { Tensor(uninitialized: [x.batch, x.channels, oh, ow]) { y in
        x.data.withUnsafeBufferPointer { xb in
            for plane in 0..<(x.batch * x.channels) {
                let src = xb.baseAddress! + plane * h * w
                let dst = y + plane * oh * ow
                for oy in 0..<oh {
                    let srow = src + rowMap[oy] * w
                    let drow = dst + oy * ow
                    for ox in 0..<ow { drow[ox] = srow[colMap[ox]] }
                }
            }
        }
    } }
}

func nearestIndices(input: Int, output: Int) -> [Int] {
    let scale = Float(input) / Float(output)
    return (0..<output).map { min(Int((Float($0) * scale).rounded(.down)), input - 1) }
}

/// In-place `a += b` (same shape).
func addInPlace(_ a: inout Tensor, _ b: Tensor) {
    precondition(a.count == b.count, "add: \(a.shape) vs \(b.shape)")
    Profile.time(.elementwise) { a.data.withUnsafeMutableBufferPointer { ab in
        b.data.withUnsafeBufferPointer { bb in
            for i in 0..<ab.count { ab[i] += bb[i] }
        }
    } }
}
