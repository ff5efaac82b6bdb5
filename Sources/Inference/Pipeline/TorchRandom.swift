import Foundation

/// PyTorch's CPU generator after `torch.manual_seed(seed)`, reproducing `torch.randn` (float32) bit
/// for bit: MT19937, the vectorised Box–Muller of contiguous tensors with ≥ 16 elements (torch's AVX2
/// kernel, which AVX-512 machines use too) and the scalar double-precision path with its cached
/// second value. `uniform_` (float32) and `randperm` draw from the same engine, so a sequence of
/// torch calls is reproduced by the same sequence of calls here. See docs/reference-pipeline.md §5.
public struct TorchGenerator: Sendable {
    private var state = [UInt32](repeating: 0, count: 624)
    private var position = 624
    /// The scalar path's cached `r·sin θ`, kept across calls like torch's `next_double_normal_sample`.
    private var cachedNormal: Double?

    public init(seed: UInt64) {
        state[0] = UInt32(truncatingIfNeeded: seed)
        for j in 1..<624 {
            state[j] = 1_812_433_253 &* (state[j - 1] ^ (state[j - 1] >> 30)) &+ UInt32(j)
        }
    }

    /// The next tempered 32-bit output of the Mersenne Twister.
    public mutating func nextUInt32() -> UInt32 {
        if position == 624 { twist() }
        var y = state[position]
        position += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    private mutating func twist() {
        for i in 0..<624 {
            let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
            state[i] = state[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1) != 0 ? 0x9908_B0DF : 0)
        }
        position = 0
    }

    /// 24-bit float uniform in [0, 1).
    mutating func uniformFloat() -> Float { Float(nextUInt32() & 0xFF_FFFF) * 0x1p-24 }

    /// 53-bit double uniform in [0, 1); the first draw is the high word.
    mutating func uniformDouble() -> Double {
        let hi = UInt64(nextUInt32()), lo = UInt64(nextUInt32())
        return Double(((hi << 32) | lo) & ((1 << 53) - 1)) * 0x1p-53
    }

    /// `tensor.uniform_(from, to)` on a float32 CPU tensor of `count` elements, in memory order. torch
    /// casts both bounds to float and evaluates `x·(to − from) + from` as one fused multiply-add (its
    /// AVX2 build contracts it), with `x` the 24-bit float uniform.
    public mutating func uniform(_ count: Int, from: Double, to: Double) -> [Float] {
        let low = Float(from), range = Float(to) - Float(from)
        return (0..<count).map { _ in low.addingProduct(uniformFloat(), range) }
    }

    /// `nn.Linear(inFeatures, outFeatures)`'s default initialisation: kaiming_uniform_ with a = √5 on
    /// the (out × in, row-major) weight, then uniform_(±1/√in) on the bias; the bounds in double as torch
    /// computes them in Python.
    public mutating func linearInit(inFeatures: Int, outFeatures: Int) -> (weight: [Float], bias: [Float]) {
        let gain = (2.0 / (1 + 5.0)).squareRoot()
        let weightBound = 3.0.squareRoot() * (gain / Double(inFeatures).squareRoot())
        let biasBound = 1 / Double(inFeatures).squareRoot()
        let weight = uniform(inFeatures * outFeatures, from: -weightBound, to: weightBound)
        return (weight, uniform(outFeatures, from: -biasBound, to: biasBound))
    }

    /// The largest `n` torch's CPU `randperm` shuffles with 32-bit draws; at and above it torch switches
    /// to a 64-bit inside-out shuffle, which this generator does not reproduce.
    public static let randpermLimit = Int(UInt32.max / 20)

    /// `torch.randperm(n)` on the CPU generator (n < `randpermLimit`): the identity, then for each
    /// i < n − 1 a swap of i with i + `random() % (n − i)`.
    public mutating func randperm(_ n: Int) -> [Int] {
        precondition(n < Self.randpermLimit, "randperm(\(n)) needs torch's 64-bit path")
        var perm = Array(0..<n)
        var i = 0
        while i < n - 1 {
            let z = Int(nextUInt32()) % (n - i)
            perm.swapAt(i, i + z)
            i += 1
        }
        return perm
    }

    /// `torch.randn(count)` into a freshly allocated contiguous tensor: the vector path for
    /// count ≥ 16, the scalar path below that. Values are in memory (C) order.
    public mutating func randn(_ count: Int) -> [Float] {
        count >= 16 ? randnVector(count) : randnScalar(count)
    }

    /// `torch.randn_like(t)` for a non-contiguous `t` (e.g. channels_last): always the scalar path,
    /// values in `t`'s memory order.
    public mutating func randnScalar(_ count: Int) -> [Float] {
        (0..<count).map { _ in
            if let cached = cachedNormal {
                cachedNormal = nil
                return Float(cached)
            }
            let u1 = uniformDouble(), u2 = uniformDouble()
            let r = (-2 * log1p(-u2)).squareRoot()
            let theta = 2 * Double.pi * u1
            cachedNormal = r * sin(theta)
            return Float(r * cos(theta))
        }
    }

    mutating func randnVector(_ n: Int) -> [Float] {
        var d = (0..<n).map { _ in uniformFloat() }
        var i = 0
        while i + 16 <= n {
            boxMuller16(&d, at: i)
            i += 16
        }
        if n % 16 != 0 {
            // torch re-draws the last 16 slots and transforms them again.
            for j in (n - 16)..<n { d[j] = uniformFloat() }
            boxMuller16(&d, at: n - 16)
        }
        return d
    }

    private func boxMuller16(_ d: inout [Float], at i: Int) {
        for j in 0..<8 {
            let u1 = 1 - d[i + j], u2 = d[i + j + 8]
            let radius = (-2 * AVXMath.log(u1)).squareRoot()
            let theta = Float(6.2831855) * u2
            let (s, c) = AVXMath.sincos(theta)
            d[i + j] = radius * c
            d[i + j + 8] = radius * s
        }
    }
}

/// The Cephes-style float32 log and sincos of avx_mathfun as torch's AVX2 `normal` kernel evaluates
/// them, including the multiply-adds GCC fuses (`addingProduct` is a correctly rounded FMA).
enum AVXMath {
    static func fma(_ a: Float, _ b: Float, _ c: Float) -> Float { c.addingProduct(a, b) }

    static func log(_ input: Float) -> Float {
        let x0 = max(input, Float(bitPattern: 0x0080_0000))
        let bits = x0.bitPattern
        var e = Float(Int32(bitPattern: bits >> 23) - 0x7F) + 1
        var x = Float(bitPattern: (bits & ~UInt32(0x7F80_0000)) | Float(0.5).bitPattern)
        let mask = x < 0.707106781186547524
        let tmp: Float = mask ? x : 0
        x = x - 1
        if mask { e = e - 1 }
        x = x + tmp
        let z = x * x
        let p: [Float] = [7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
                          -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1]
        var y = p[0]
        for k in 1..<9 { y = fma(y, x, p[k]) }
        y = y * x
        y = fma(y, z, e * Float(-2.12194440e-4))
        y = y - z * 0.5
        x = x + y
        return fma(e, 0.693359375, x)
    }

    /// (sin θ, cos θ) for θ ≥ 0.
    static func sincos(_ theta: Float) -> (Float, Float) {
        var j = Int32(theta * Float(1.27323954473516))  // truncation, like cvttps2dq
        j = (j + 1) & ~1
        let yj = Float(j)
        var x = fma(yj, -0.78515625, theta)
        x = fma(yj, -2.4187564849853515625e-4, x)
        x = fma(yj, -3.77489497744594108e-8, x)
        let z = x * x
        var c = fma(fma(Float(2.443315711809948e-5), z, Float(-1.388731625493765e-3)), z, Float(4.166664568298827e-2))
        c = c * z
        c = fma(c, z, -(z * 0.5))
        c = c + 1
        var s = fma(fma(Float(-1.9515295891e-4), z, Float(8.3321608736e-3)), z, Float(-1.6666654611e-1))
        s = s * z
        s = fma(s, x, x)
        var (sinv, cosv) = (j & 2) == 0 ? (s, c) : (c, s)
        if (j & 4) != 0 { sinv = -sinv }
        if ((j &- 2) & 4) == 0 { cosv = -cosv }
        return (sinv, cosv)
    }
}
