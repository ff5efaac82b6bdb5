import Foundation

/// The DDPM/DDIM training noise schedule as diffusers computes it in float32, bit for bit
/// (docs/reference-pipeline.md §1.6): `scaled_linear` betas from torch.linspace over sqrt(β), then ᾱ as a
/// cumulative product accumulated in float64, each entry rounded to float32.
public struct NoiseSchedule: Sendable {
    public let alphasCumprod: [Float]

    public enum ScheduleError: Error, CustomStringConvertible {
        case unsupported(String)
        case timestep(Int, Int)
        public var description: String {
            switch self {
            case .unsupported(let why): "scheduler config: \(why)"
            case .timestep(let t, let n): "timestep \(t) is outside 0…\(n - 1)"
            }
        }
    }

    /// `beta_schedule = "scaled_linear"` (the SD models) or `"linear"`.
    public init(betaStart: Double = 0.00085, betaEnd: Double = 0.012, steps: Int = 1000, schedule: String = "scaled_linear") throws {
        let betas: [Float]
        switch schedule {
        case "scaled_linear":
            betas = Self.linspace(Float(betaStart.squareRoot()), Float(betaEnd.squareRoot()), steps).map { $0 * $0 }
        case "linear":
            betas = Self.linspace(Float(betaStart), Float(betaEnd), steps)
        default:
            throw ScheduleError.unsupported("beta_schedule '\(schedule)' is not supported (scaled_linear, linear)")
        }
        var acc = 1.0
        alphasCumprod = betas.map { beta in
            acc *= Double(1 - beta)  // the running product stays in float64; each output is rounded
            return Float(acc)
        }
    }

    /// Reads `beta_start`, `beta_end`, `beta_schedule`, `num_train_timesteps` from a diffusers
    /// `scheduler_config.json` (sdhelper reinterprets any SD scheduler as DDIM; only betas matter).
    public init(configPath: String) throws {
        let c = try JSONValue.object(contentsOf: configPath)
        func number(_ k: String, _ d: Double) -> Double { if case .number(let v)? = c[k] { return v }; return d }
        if case .bool(true)? = c["rescale_betas_zero_snr"] { throw ScheduleError.unsupported("rescale_betas_zero_snr is not supported") }
        if let tb = c["trained_betas"], tb != .null { throw ScheduleError.unsupported("trained_betas is not supported") }
        var schedule = "scaled_linear"
        if case .string(let s)? = c["beta_schedule"] { schedule = s }
        // The step count sizes the schedule's tables, so it is bounded like every config value.
        guard let steps = (c["num_train_timesteps"] ?? .number(1000)).exactInt, (1...100_000).contains(steps) else {
            throw ScheduleError.unsupported("num_train_timesteps = \(c["num_train_timesteps"]!) is not an integer in the supported range 1…100000")
        }
        try self.init(betaStart: number("beta_start", 0.0001), betaEnd: number("beta_end", 0.02), steps: steps, schedule: schedule)
    }

    /// torch.linspace(start, end, n) in float32: start + step·i for the first half, end − step·(n−1−i)
    /// for the second, each a single fused multiply-add (as torch's compiled loop evaluates it).
    static func linspace(_ start: Float, _ end: Float, _ n: Int) -> [Float] {
        guard n > 1 else { return [start] }
        let step = (end - start) / Float(n - 1)
        let half = n / 2
        return (0..<n).map { i in
            i < half ? start.addingProduct(step, Float(i)) : end.addingProduct(-step, Float(n - 1 - i))
        }
    }

    /// `x_t = sqrt(ᾱ_t)·x + sqrt(1 − ᾱ_t)·noise`, each product rounded to float32 before the sum.
    public func addNoise(_ x: [Float], noise: [Float], timestep t: Int) throws -> [Float] {
        guard alphasCumprod.indices.contains(t) else { throw ScheduleError.timestep(t, alphasCumprod.count) }
        let a = alphasCumprod[t].squareRoot(), b = (1 - alphasCumprod[t]).squareRoot()
        return zip(x, noise).map { a * $0 + b * $1 }
    }

    /// EulerDiscreteScheduler's `scale_model_input` on a fresh scheduler (SD-Turbo):
    /// x / sqrt(σ² + 1) with σ = sqrt((1 − ᾱ_t) / ᾱ_t), all in float32.
    public func eulerInputScale(timestep t: Int) throws -> Float {
        guard alphasCumprod.indices.contains(t) else { throw ScheduleError.timestep(t, alphasCumprod.count) }
        let a = alphasCumprod[t]
        let sigma = ((1 - a) / a).squareRoot()
        return (sigma * sigma + 1).squareRoot()
    }
}
