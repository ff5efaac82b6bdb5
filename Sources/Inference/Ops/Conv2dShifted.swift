import CBLAS
import Foundation

/// 3×3 stride-1 "same" convolutions of large images without im2col: the input is copied once into
/// a zero-padded (H+2)×(W+2) layout, and the output is the sum of nine GEMMs, one per kernel tap,
/// each reading the padded planes shifted by that tap. The output is computed on an H×(W+2) grid
/// (two wasted columns per row) in bands of rows that stay in cache across the nine GEMMs.
/// At the VAE's 512² × 128-channel layers this ran 1.2–1.3× faster than im2col + GEMM, whose
/// 1.2 GB column matrix has to go through memory twice (BENCHMARKS.md).
extension Conv2d {
    /// Smallest image (pixels) that takes this path; below it im2col's single large-K GEMM wins.
    /// (In an A/B on SD-1.5 sizes, also taking this path at 64² made the U-Net slower, the VAE no faster.)
    static let shiftedTapsMinPixels = 128 * 128

    /// Output rows per band: 16 rows of a 512-wide, 128-channel output are 4 MB.
    static let shiftedBandRows = 16

    func usesShiftedTaps(height h: Int, width w: Int) -> Bool {
        kernel == 3 && stride == 1 && padding == (1, 1, 1, 1) && h * w >= Self.shiftedTapsMinPixels
    }

    /// `conv(silu?(norm(x)))` (every resnet's norm → SiLU → conv): on the shifted-taps path the
    /// normalisation is applied while padding, saving a full pass over the activation.
    public func callAsFunction(_ x: Tensor, normalizedBy norm: GroupNorm, silu: Bool) -> Tensor {
        let winograd = x.channels == inChannels && usesWinograd(height: x.height, width: x.width)
        guard x.channels == inChannels, winograd || usesShiftedTaps(height: x.height, width: x.width) else { return self(norm(x, silu: silu)) }
        let folded = norm.channelAffine(x)
        let (h, w) = (x.height, x.width)
        return Profile.time(.conv) { Tensor(uninitialized: [x.batch, outChannels, h, w]) { y in
            x.data.withUnsafeBufferPointer { xb in
                for b in 0..<x.batch {
                    let input = Array(folded[(b * inChannels)..<((b + 1) * inChannels)])
                    let (src, dst) = (xb.baseAddress! + b * inChannels * h * w, y + b * outChannels * h * w)
                    if winograd {
                        self.winograd(src, height: h, width: w, into: dst, transform: (input, silu))
                    } else {
                        shiftedTaps(src, height: h, width: w, into: dst, transform: (input, silu))
                    }
                }
            }
        } }
    }

    /// `transform`: per input channel x·scale + shift (then SiLU), applied while padding.
    func shiftedTaps(_ x: UnsafePointer<Float>, height h: Int, width w: Int, into y: UnsafeMutablePointer<Float>,
                     transform: (affine: [(scale: Float, shift: Float)], silu: Bool)? = nil) {
        let (cin, cout) = (inChannels, outChannels)
        let wp = w + 2, plane = (h + 2) * wp
        let bandRows = min(h, Self.shiftedBandRows)
        let tapsCount = 9 * cout * cin, padded = cin * plane, band = cout * bandRows * wp
        Scratch.with(count: tapsCount + padded + band) { scratch in
            let taps = scratch, xp = scratch + tapsCount, acc = xp + padded
            repackTaps(into: taps)
            pad(x, height: h, width: w, transform: transform, into: xp)
            var row0 = 0
            while row0 < h {
                let rows = min(bandRows, h - row0), n = rows * wp
                for o in 0..<cout { (acc + o * n).update(repeating: bias?[o] ?? 0, count: n) }
                for t in 0..<9 {
                    // Output (oy, ox) of tap (u, v) reads padded (oy + u, ox + v): a shift by u·(W+2) + v.
                    let shifted = xp + (row0 + t / 3) * wp + t % 3
                    gemm(m: cout, n: n, k: cin, taps + t * cout * cin, lda: cin, shifted, ldb: plane, beta: 1, acc, ldc: n, counted: false)
                }
                for o in 0..<cout {
                    for r in 0..<rows {
                        (y + o * h * w + (row0 + r) * w).update(from: acc + o * n + r * wp, count: w)
                    }
                }
                row0 += rows
            }
        }
        // Count the convolution's own arithmetic, not the wasted border columns.
        Profile.countGEMM(m: cout, n: h * w, k: 9 * cin)
    }

    /// weight (out, in, 3, 3) → taps (9, out, in): one out × in matrix per kernel tap.
    private func repackTaps(into taps: UnsafeMutablePointer<Float>) {
        let (cin, cout) = (inChannels, outChannels)
        weight.withUnsafeBufferPointer { wb in
            for o in 0..<cout {
                for c in 0..<cin {
                    let src = wb.baseAddress! + (o * cin + c) * 9
                    for t in 0..<9 { taps[(t * cout + o) * cin + c] = src[t] }
                }
            }
        }
    }

    /// (C, H, W) → (C, H+2, W+2) with a zero border, optionally normalised on the way.
    private func pad(_ x: UnsafePointer<Float>, height h: Int, width w: Int,
                     transform: (affine: [(scale: Float, shift: Float)], silu: Bool)?, into xp: UnsafeMutablePointer<Float>) {
        let wp = w + 2, plane = (h + 2) * wp
        for c in 0..<inChannels {
            let p = xp + c * plane
            p.update(repeating: 0, count: wp)
            (p + (h + 1) * wp).update(repeating: 0, count: wp)
            for r in 0..<h {
                let row = p + (r + 1) * wp
                row[0] = 0
                row[wp - 1] = 0
                if let transform {
                    let f = transform.affine[c]
                    affine(x + c * h * w + r * w, row + 1, count: w, scale: f.scale, shift: f.shift, silu: transform.silu)
                } else {
                    (row + 1).update(from: x + c * h * w + r * w, count: w)
                }
            }
        }
    }
}
