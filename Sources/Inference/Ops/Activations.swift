import Foundation

/// `y = x·scale + shift`, optionally followed by SiLU.
@inline(__always)
func affine(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, scale: Float, shift: Float, silu: Bool) {
    if silu {
        for i in 0..<count { y[i] = siluScalar(x[i] * scale + shift) }
    } else {
        for i in 0..<count { y[i] = x[i] * scale + shift }
    }
}

@inline(__always)
func siluScalar(_ x: Float) -> Float { x / (1 + fastExp(-x)) }

/// SiLU (`x·sigmoid(x)`) of a whole tensor.
public func silu(_ x: Tensor) -> Tensor {
    Tensor(uninitialized: x.shape) { y in
        x.data.withUnsafeBufferPointer { xb in
            for i in 0..<x.count { y[i] = siluScalar(xb[i]) }
        }
    }
}

/// Exact GELU, `0.5·x·(1 + erf(x/√2))` (PyTorch's default, `approximate='none'`).
@inline(__always)
func geluScalar(_ x: Float) -> Float { 0.5 * x * (1 + erff(x * 0.70710678118654752)) }

/// exp(x) for Float. Foundation's `expf` is correctly rounded enough for our tolerances;
/// this indirection is where a vectorised version plugs in.
@inline(__always)
func fastExp(_ x: Float) -> Float { expf(x) }
