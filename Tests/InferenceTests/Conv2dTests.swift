import Foundation
import Testing
@testable import Inference

/// Convolutions against a direct (naive) evaluation, including images large enough that im2col runs in
/// bands of output rows (k · pixels over `Conv2d.maxColumnFloats`), as the VAE does at 512².
@Suite struct Conv2dTests {
    static func random(_ n: Int, seed: UInt64) -> [Float] { try! RandomWeights(seed: seed).floats("x", shape: [n, 1]) }

    static func naive(_ conv: Conv2d, _ x: Tensor) -> [Float] {
        let (oh, ow) = conv.outputSize(height: x.height, width: x.width)
        var y = [Float](repeating: 0, count: conv.outChannels * oh * ow)
        let k = conv.kernel
        for o in 0..<conv.outChannels {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var acc = Double(conv.bias?[o] ?? 0)
                    for c in 0..<conv.inChannels {
                        for u in 0..<k {
                            for v in 0..<k {
                                let iy = oy * conv.stride - conv.padding.top + u, ix = ox * conv.stride - conv.padding.left + v
                                guard iy >= 0, iy < x.height, ix >= 0, ix < x.width else { continue }
                                acc += Double(conv.weight[((o * conv.inChannels + c) * k + u) * k + v]) * Double(x.data[(c * x.height + iy) * x.width + ix])
                            }
                        }
                    }
                    y[(o * oh + oy) * ow + ox] = Float(acc)
                }
            }
        }
        return y
    }

    @Test(arguments: [(1, (1, 1, 1, 1)), (2, (0, 0, 1, 1)), (1, (0, 2, 1, 0))])
    func bandedAndWholeMatchDirectEvaluation(stride: Int, padding: (Int, Int, Int, Int)) {
        let (cin, cout, h, w) = (64, 3, 200, 190)
        let conv = Conv2d(weight: Self.random(cout * cin * 9, seed: 1), bias: Self.random(cout, seed: 2), inChannels: cin,
                          outChannels: cout, kernel: 3, stride: stride, padding: padding)
        let x = Tensor(shape: [1, cin, h, w], data: Self.random(cin * h * w, seed: 3))
        let (oh, ow) = conv.outputSize(height: h, width: w)
        #expect(cin * 9 * oh * ow > Conv2d.maxColumnFloats || stride == 2)
        let got = conv(x), want = Self.naive(conv, x)
        let c = Compare(got.data, want)
        #expect(got.shape == [1, cout, oh, ow])
        #expect(c.maxAbsDiff <= 1e-5 * c.maxAbsRef, "stride \(stride) padding \(padding): \(c.maxAbsDiff)")
    }

    /// The nine-shifted-GEMM path of large 3×3 "same" convolutions (the VAE at full resolution): a
    /// batch of two, a height that is not a multiple of the band, with and without bias.
    @Test(arguments: [true, false])
    func shiftedTapsMatchDirectEvaluation(withBias: Bool) {
        let (cin, cout, h, w) = (5, 7, 37, 450)
        let conv = Conv2d(weight: Self.random(cout * cin * 9, seed: 4), bias: withBias ? Self.random(cout, seed: 5) : nil,
                          inChannels: cin, outChannels: cout, kernel: 3)
        #expect(conv.usesShiftedTaps(height: h, width: w))
        #expect(!conv.usesShiftedTaps(height: 64, width: 64))
        let x = Tensor(shape: [2, cin, h, w], data: Self.random(2 * cin * h * w, seed: 6))
        let got = conv(x)
        #expect(got.shape == [2, cout, h, w])
        Self.expectEachImageMatchesNaive(conv, x, got)
    }

    /// norm → SiLU → conv fused into the padding copy gives what the three separate steps give.
    @Test func normalizationFusedIntoPaddingMatchesSeparateSteps() {
        let (cin, cout, h, w) = (6, 4, 130, 129)
        let conv = Conv2d(weight: Self.random(cout * cin * 9, seed: 7), bias: Self.random(cout, seed: 8), inChannels: cin,
                          outChannels: cout, kernel: 3)
        let norm = GroupNorm(groups: 3, channels: cin, eps: 1e-6, gamma: Self.random(cin, seed: 9), beta: Self.random(cin, seed: 10))
        let x = Tensor(shape: [2, cin, h, w], data: Self.random(2 * cin * h * w, seed: 11).map { 3 * $0 + 1 })
        #expect(conv.usesShiftedTaps(height: h, width: w))
        let fused = conv(x, normalizedBy: norm, silu: true), separate = conv(norm(x, silu: true))
        let c = Compare(fused.data, separate.data)
        #expect(fused.shape == separate.shape && c.maxAbsDiff <= 1e-6 * c.maxAbsRef, "\(c.maxAbsDiff)")
    }

    /// Runs the Winograd path directly (whatever image sizes `usesWinograd` picks it for), image by image.
    static func winograd(_ conv: Conv2d, _ x: Tensor, norm: GroupNorm? = nil, tile: Conv2d.WinogradTile? = nil) -> Tensor {
        let (cin, cout, h, w) = (x.channels, conv.outChannels, x.height, x.width)
        let affine = norm?.channelAffine(x)
        return Tensor(uninitialized: [x.batch, cout, h, w]) { y in
            x.data.withUnsafeBufferPointer { xb in
                for b in 0..<x.batch {
                    let transform = affine.map { (affine: Array($0[(b * cin)..<((b + 1) * cin)]), silu: true) }
                    conv.winograd(xb.baseAddress! + b * cin * h * w, height: h, width: w, into: y + b * cout * h * w, transform: transform,
                                  tile: tile)
                }
            }
        }
    }

    /// Winograd F(2×2, 3×3) and F(4×4, 3×3): odd sides (partial tiles at the right and bottom), a batch of
    /// two, with and without bias, and an image large enough to be transformed in several bands of tile rows.
    @Test(arguments: [Conv2d.WinogradTile.f2, .f4], [(17, 23, 33, 10, true), (8, 8, 8, 5, false), (200, 200, 64, 3, true)])
    func winogradMatchesDirectEvaluation(tile: Conv2d.WinogradTile, shape: (h: Int, w: Int, cin: Int, cout: Int, withBias: Bool)) {
        let (h, w, cin, cout) = (shape.h, shape.w, shape.cin, shape.cout)
        let conv = Conv2d(weight: Self.random(cout * cin * 9, seed: 12), bias: shape.withBias ? Self.random(cout, seed: 13) : nil,
                          inChannels: cin, outChannels: cout, kernel: 3)
        let (m, planes) = (tile.rawValue, tile.alpha * tile.alpha)
        #expect(h < 200 || (h + m - 1) / m > Conv2d.winogradBandFloats / (planes * (cin + cout) * ((w + m - 1) / m)))
        let x = Tensor(shape: [2, cin, h, w], data: Self.random(2 * cin * h * w, seed: 14))
        let got = Self.winograd(conv, x, tile: tile)
        Self.expectEachImageMatchesNaive(conv, x, got)
    }

    /// F(4×4, 3×3) with GroupNorm → SiLU inside its input transform, against a direct evaluation (Double) of
    /// the convolution of the separately normalised input: sides that are not multiples of 4 (one of them
    /// shorter than a tile), channel counts that do not divide evenly between the two workers.
    @Test(arguments: [(13, 10, 7, 5), (3, 22, 9, 6), (37, 41, 35, 17)])
    func winograd4WithFusedNormMatchesDirectEvaluation(h: Int, w: Int, cin: Int, cout: Int) {
        let conv = Conv2d(weight: Self.random(cout * cin * 9, seed: 24), bias: Self.random(cout, seed: 25), inChannels: cin,
                          outChannels: cout, kernel: 3)
        let groups = cin % 7 == 0 ? 7 : (cin % 5 == 0 ? 5 : 3)
        let norm = GroupNorm(groups: groups, channels: cin, eps: 1e-6, gamma: Self.random(cin, seed: 26), beta: Self.random(cin, seed: 27))
        let x = Tensor(shape: [2, cin, h, w], data: Self.random(2 * cin * h * w, seed: 28).map { 3 * $0 + 1 })
        let got = Self.winograd(conv, x, norm: norm, tile: .f4)
        Self.expectEachImageMatchesNaive(conv, norm(x, silu: true), got)
    }

    /// GroupNorm → SiLU applied inside the Winograd input transform gives what the separate steps give,
    /// and `conv(x, normalizedBy:)` takes that path where `usesWinograd` says so.
    @Test func normalizationFusedIntoWinogradMatchesSeparateSteps() {
        let (cin, cout, h, w) = (6, 4, 21, 18)
        let conv = Conv2d(weight: Self.random(cout * cin * 9, seed: 15), bias: Self.random(cout, seed: 16), inChannels: cin,
                          outChannels: cout, kernel: 3)
        let norm = GroupNorm(groups: 3, channels: cin, eps: 1e-6, gamma: Self.random(cin, seed: 17), beta: Self.random(cin, seed: 18))
        let x = Tensor(shape: [2, cin, h, w], data: Self.random(2 * cin * h * w, seed: 19).map { 3 * $0 + 1 })
        let fused = Self.winograd(conv, x, norm: norm), separate = Self.winograd(conv, norm(x, silu: true))
        let c = Compare(fused.data, separate.data)
        #expect(c.maxAbsDiff <= 1e-6 * c.maxAbsRef, "\(c.maxAbsDiff)")
        let (wide, wideOut) = (320, 128)  // as many input channels as F(2×2) needs at 32×32
        let wideConv = Conv2d(weight: Self.random(wideOut * wide * 9, seed: 20), bias: nil, inChannels: wide, outChannels: wideOut, kernel: 3)
        let wideNorm = GroupNorm(groups: 32, channels: wide, eps: 1e-6, gamma: Self.random(wide, seed: 21), beta: Self.random(wide, seed: 22))
        let big = Tensor(shape: [1, wide, 32, 32], data: Self.random(wide * 32 * 32, seed: 23))
        #expect(wideConv.usesWinograd(height: 32, width: 32) && !wideConv.usesWinograd(height: 16, width: 16))
        let viaCall = wideConv(big, normalizedBy: wideNorm, silu: true), direct = Self.winograd(wideConv, big, norm: wideNorm)
        #expect(viaCall.data == direct.data)
        #expect(wideConv.winogradTile(height: 128, width: 130) == .f4 && wideConv.winogradTile(height: 64, width: 64) == .f2)
    }

    /// Each image of the batch `x` through `conv` (result `got`) against direct evaluation, within 1e-5 of max |ref|.
    static func expectEachImageMatchesNaive(_ conv: Conv2d, _ x: Tensor, _ got: Tensor) {
        let (cin, h, w, cout) = (x.channels, x.height, x.width, got.channels)
        for b in 0..<x.batch {
            let one = Tensor(shape: [1, cin, h, w], data: Array(x.data[(b * cin * h * w)..<((b + 1) * cin * h * w)]))
            let c = Compare(Array(got.data[(b * cout * got.height * got.width)..<((b + 1) * cout * got.height * got.width)]), naive(conv, one))
            #expect(c.maxAbsDiff <= 1e-5 * c.maxAbsRef, "\(h)×\(w) image \(b): \(c.maxAbsDiff) of \(c.maxAbsRef)")
        }
    }
}
