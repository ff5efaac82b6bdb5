import Foundation

/// torch.optim.Adam with the probe's settings (lr 1e-3, β 0.9/0.999, eps 1e-8, no weight decay), in
/// torch's order of operations: `m.lerp_(g, 1 − β1)`, `v.mul_(β2).addcmul_(g, g, 1 − β2)`, then
/// `p.addcdiv_(m, √v / √(1 − β2ᵗ) + eps, −lr / (1 − β1ᵗ))` with the bias corrections in double.
struct Adam {
    static let learningRate = 1e-3, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8
    private var m: [Float], v: [Float]
    private var t = 0

    init(count: Int) {
        m = [Float](repeating: 0, count: count)
        v = [Float](repeating: 0, count: count)
    }

    mutating func step(_ parameters: inout [Float], gradient: [Float]) {
        t += 1
        let stepSize = Float(-(Self.learningRate / (1 - pow(Self.beta1, Double(t)))))
        let correction2 = Float((1 - pow(Self.beta2, Double(t))).squareRoot())
        let w1 = Float(1 - Self.beta1), b2 = Float(Self.beta2), w2 = Float(1 - Self.beta2), eps = Float(Self.epsilon)
        for i in parameters.indices {
            let g = gradient[i]
            m[i] = m[i].addingProduct(w1, g - m[i])  // torch's vectorised lerp is a fused multiply-add
            v[i] = v[i] * b2 + w2 * g * g
            let denominator = v[i].squareRoot() / correction2 + eps
            parameters[i] += stepSize * m[i] / denominator
        }
    }
}
