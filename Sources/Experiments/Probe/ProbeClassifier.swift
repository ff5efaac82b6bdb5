import CBLAS
import CKernels
import Inference

/// `nn.Linear(channels, 2·side)` read as two heads of `side` classes (row, column), trained with
/// cross-entropy and Adam as the reference trains it. Torch's output `2k + c` (the `view(-1, w, 2)`
/// layout: class k of coordinate c) is stored at row `c·side + k` here, so each head's logits are
/// contiguous for the softmax; the initialisation is drawn in torch's order and permuted.
struct ProbeClassifier {
    let channels: Int, side: Int
    /// (2·side) × channels, row-major, head-major rows.
    private(set) var weight: [Float]
    private(set) var bias: [Float]
    private var weightAdam: Adam, biasAdam: Adam

    init(channels: Int, side: Int, generator: inout TorchGenerator) {
        self.channels = channels
        self.side = side
        let (w, b) = generator.linearInit(inFeatures: channels, outFeatures: 2 * side)
        weight = [Float](repeating: 0, count: w.count)
        bias = [Float](repeating: 0, count: b.count)
        for k in 0..<side {
            for c in 0..<2 {
                let row = c * side + k, torchRow = 2 * k + c
                bias[row] = b[torchRow]
                for i in 0..<channels { weight[row * channels + i] = w[torchRow * channels + i] }
            }
        }
        weightAdam = Adam(count: weight.count)
        biasAdam = Adam(count: bias.count)
    }

    /// A classifier with given head-major parameters (tests set them by hand).
    init(channels: Int, side: Int, weight: [Float], bias: [Float]) {
        precondition(weight.count == 2 * side * channels && bias.count == 2 * side)
        (self.channels, self.side, self.weight, self.bias) = (channels, side, weight, bias)
        weightAdam = Adam(count: weight.count)
        biasAdam = Adam(count: bias.count)
    }

    /// logits[t][0 ..< 2·side] = weight · x_t + bias for `count` tokens of `x`: token-major rows
    /// (stride `channels`), or with `channelMajor` one image's channels × count block of an NCHW array.
    func logits(_ x: UnsafePointer<Float>, count: Int, channelMajor: Bool = false, into out: UnsafeMutablePointer<Float>) {
        let outputs = 2 * side
        for t in 0..<count { for j in 0..<outputs { out[t * outputs + j] = bias[j] } }
        weight.withUnsafeBufferPointer { w in
            cblas_sgemm(CblasRowMajor, channelMajor ? CblasTrans : CblasNoTrans, CblasTrans, Int32(count), Int32(outputs),
                        Int32(channels), 1, x, Int32(channelMajor ? count : channels), w.baseAddress!, Int32(channels),
                        1, out, Int32(outputs))
        }
    }

    /// One epoch of minibatch steps over `tokens` in `order` (the epoch's randperm), the last batch short.
    mutating func trainEpoch(on tokens: borrowing ProbeTokens, order: [Int], batchSize: Int) {
        let outputs = 2 * side
        var x = [Float](repeating: 0, count: batchSize * channels)
        var g = [Float](repeating: 0, count: batchSize * outputs)
        var gradW = [Float](repeating: 0, count: weight.count), gradB = [Float](repeating: 0, count: bias.count)
        let rows = tokens.rows.baseAddress!, labels = tokens.labels
        for start in stride(from: 0, to: order.count, by: batchSize) {
            let batch = order[start..<min(start + batchSize, order.count)]
            x.withUnsafeMutableBufferPointer { x in
                g.withUnsafeMutableBufferPointer { g in
                    for (r, t) in batch.enumerated() {
                        (x.baseAddress! + r * channels).update(from: rows + t * channels, count: channels)
                    }
                    logits(x.baseAddress!, count: batch.count, into: g.baseAddress!)
                    crossEntropyGradient(g.baseAddress!, batch: batch, labels: labels)
                    gradients(x: x.baseAddress!, g: g.baseAddress!, count: batch.count, weight: &gradW, bias: &gradB)
                }
            }
            weightAdam.step(&weight, gradient: gradW)
            biasAdam.step(&bias, gradient: gradB)
        }
    }

    /// Turns the logits in `g` into d(loss)/d(logits): the loss is the mean over the batch's 2·B
    /// (token, coordinate) pairs of −log softmax at the label, so the gradient is (p − onehot) / 2B.
    private func crossEntropyGradient(_ g: UnsafeMutablePointer<Float>, batch: ArraySlice<Int>, labels: ProbeLabels) {
        nl_softmax_rows(g, batch.count * 2, side)
        let scale = 1 / Float(2 * batch.count)
        for i in 0..<(batch.count * 2 * side) { g[i] *= scale }
        for (r, t) in batch.enumerated() {
            let (row, column) = labels.label(t)
            g[r * 2 * side + row] -= scale
            g[r * 2 * side + side + column] -= scale
        }
    }

    /// d(loss)/d(weight) = gᵀ·x and d(loss)/d(bias) = Σ_rows g.
    private func gradients(x: UnsafePointer<Float>, g: UnsafePointer<Float>, count: Int,
                           weight gradW: inout [Float], bias gradB: inout [Float]) {
        let outputs = 2 * side
        gradW.withUnsafeMutableBufferPointer { gw in
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(outputs), Int32(channels), Int32(count), 1,
                        g, Int32(outputs), x, Int32(channels), 0, gw.baseAddress!, Int32(channels))
        }
        for j in 0..<outputs { gradB[j] = 0 }
        for r in 0..<count { for j in 0..<outputs { gradB[j] += g[r * outputs + j] } }
    }
}
