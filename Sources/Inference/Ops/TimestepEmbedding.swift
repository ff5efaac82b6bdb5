import Foundation

/// diffusers' `get_timestep_embedding`: `dim/2` frequencies exp(−ln(10000)·k/(dim/2 − shift)),
/// computed in Float32 like torch, then [sin, cos] (or [cos, sin] with `flipSinToCos`).
public func timestepEmbedding(_ timesteps: [Float], dim: Int, flipSinToCos: Bool, freqShift: Float) -> Tensor {
    let half = dim / 2
    let logMax = Float(-log(10000.0))
    let freqs = (0..<half).map { k in Float(exp(Double(logMax * Float(k) / (Float(half) - freqShift)))) }
    var out = [Float](repeating: 0, count: timesteps.count * dim)
    for (b, t) in timesteps.enumerated() {
        for k in 0..<half {
            let a = Double(t * freqs[k])
            let (s, c) = (Float(sin(a)), Float(cos(a)))
            out[b * dim + k] = flipSinToCos ? c : s
            out[b * dim + half + k] = flipSinToCos ? s : c
        }
    }
    return Tensor(shape: [timesteps.count, dim], data: out)
}
