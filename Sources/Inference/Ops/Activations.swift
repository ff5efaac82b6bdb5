import CKernels
import Foundation

/// `y = x·scale + shift`, optionally followed by SiLU (vectorised C kernel).
@inline(__always)
func affine(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, scale: Float, shift: Float, silu: Bool) {
    nl_affine(x, y, count, scale, shift, silu ? 1 : 0)
}

/// SiLU (`x·sigmoid(x)`) of a whole tensor.
public func silu(_ x: Tensor) -> Tensor {
    Profile.time(.elementwise) {
        Tensor(uninitialized: x.shape) { y in
            x.data.withUnsafeBufferPointer { nl_affine($0.baseAddress!, y, x.count, 1, 0, 1) }
        }
    }
}
