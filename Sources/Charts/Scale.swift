import Foundation

/// Maps a data interval onto a pixel interval (either direction: y axes run bottom to top).
public struct LinearScale: Sendable {
    public let domain: ClosedRange<Double>
    public let range: (Double, Double)

    public init(domain: ClosedRange<Double>, range: (Double, Double)) {
        // A zero-width domain would divide by zero; widen it symmetrically.
        self.domain = domain.lowerBound < domain.upperBound ? domain : (domain.lowerBound - 1)...(domain.upperBound + 1)
        self.range = range
    }

    public func callAsFunction(_ v: Double) -> Double {
        let t = (v - domain.lowerBound) / (domain.upperBound - domain.lowerBound)
        return range.0 + t * (range.1 - range.0)
    }
}

/// "Nice" axis ticks: steps of 1, 2 or 5 × 10^k, about `count` of them, covering [lo, hi].
public struct Ticks: Sendable, Equatable {
    public let values: [Double]
    public let step: Double

    public init(_ lo: Double, _ hi: Double, count: Int = 5) {
        let (a, b) = lo < hi ? (lo, hi) : (lo - 1, lo + 1)
        let rough = (b - a) / Double(max(1, count))
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough * 0.999 } ?? 10 * magnitude
        // The 1e-9 slack keeps 0.6 / 0.1 = 5.999… from adding a tick below the data.
        let first = (a / step + 1e-9).rounded(.down), last = (b / step - 1e-9).rounded(.up)
        // Integer multiples of the step, so 0.1 + 0.2 style drift never reaches the labels.
        values = stride(from: first, through: last, by: 1).map { $0 * step }
        self.step = step
    }

    public var lower: Double { values.first ?? 0 }
    public var upper: Double { values.last ?? 1 }

    /// Label text with just enough decimals for the step.
    public func label(_ v: Double) -> String {
        let decimals = max(0, Int(-(log10(step)).rounded(.down)))
        let s = String(format: "%.\(decimals)f", v)
        return s.hasPrefix("-") && Double(s) == 0 ? String(s.dropFirst()) : s
    }
}

/// Chart colours. Orange/green/purple are the thesis figure's (all detections, TP, FN).
public enum Palette {
    public static let ink = "#222222"
    public static let grid = "#e3e3e3"
    public static let axis = "#555555"
    public static let orange = "#f28e2b"
    public static let green = "#2ca02c"
    public static let purple = "#9467bd"
    public static let blue = "#1f77b4"
    public static let red = "#d62728"
    public static let gray = "#7f7f7f"

    /// Viridis at t ∈ [0, 1] as a CSS colour.
    public static func viridis(_ t: Double) -> String {
        let rgb = viridisRGB(t)
        return hex(Int(rgb[0]), Int(rgb[1]), Int(rgb[2]))
    }

    /// Viridis at t ∈ [0, 1] as 8-bit RGB, from a degree-6 polynomial fit of matplotlib's table (max
    /// error about 1/255): close enough for a display colour map, without shipping the table.
    public static func viridisRGB(_ t: Double) -> [UInt8] {
        let t = min(1, max(0, t.isFinite ? t : 0))
        let c: [[Double]] = [
            [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
            [0.1050930431085774, 1.404613529898575, 1.384590162594685],
            [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
            [-4.634230498983486, -5.799100973351585, -19.33244095627987],
            [6.228269936347081, 14.17993336680509, 56.69055260068105],
            [4.776384997670288, -13.74514537774601, -65.35303263337234],
            [-5.435455855934631, 4.645852612178535, 26.3124352495832],
        ]
        return (0..<3).map { ch in UInt8(max(0, min(255, (c.reversed().reduce(0.0) { $0 * t + $1[ch] } * 255).rounded()))) }
    }

    /// The diverging colour map for cosine similarities, fixed to [-1, 1] so maps of different images
    /// and tokens compare: -1 dark blue, 0 white-gray (#f7f7f7), +1 dark red. It is matplotlib's `RdBu_r`:
    /// linear interpolation between ColorBrewer's eleven RdBu colours, reversed.
    public static func diverging(_ v: Double) -> String {
        let rgb = divergingRGB(v)
        return hex(Int(rgb[0]), Int(rgb[1]), Int(rgb[2]))
    }

    /// `diverging` as 8-bit RGB; values outside [-1, 1] are clamped, NaN is 0.
    public static func divergingRGB(_ v: Double) -> [UInt8] {
        let t = (min(1, max(-1, v.isFinite ? v : 0)) + 1) / 2 * Double(rdBu.count - 1)
        let i = min(rdBu.count - 2, Int(t)), f = t - Double(i)
        return (0..<3).map { ch in UInt8((Double(rdBu[i][ch]) * (1 - f) + Double(rdBu[i + 1][ch]) * f).rounded()) }
    }

    /// ColorBrewer RdBu, from blue (-1) to red (+1).
    private static let rdBu: [[Int]] = [
        [5, 48, 97], [33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240], [247, 247, 247],
        [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43], [103, 0, 31],
    ]

    /// Gray level for t ∈ [0, 1] (black to white).
    public static func gray(_ t: Double) -> String {
        let v = Int((min(1, max(0, t.isFinite ? t : 0)) * 255).rounded(.down))
        return hex(v, v, v)
    }

    static func hex(_ r: Int, _ g: Int, _ b: Int) -> String { String(format: "#%02x%02x%02x", r, g, b) }
}

/// Maps a positive data interval onto a pixel interval logarithmically (equal ratios, equal distances).
public struct LogScale: Sendable {
    let linear: LinearScale

    public init(domain: ClosedRange<Double>, range: (Double, Double)) {
        precondition(domain.lowerBound > 0, "a log scale needs a positive domain")
        linear = LinearScale(domain: log10(domain.lowerBound)...log10(domain.upperBound), range: range)
    }

    /// Pixel position of `v`; nil for a value a log axis cannot show (≤ 0, NaN).
    public func callAsFunction(_ v: Double) -> Double? { v > 0 && v.isFinite ? linear(log10(v)) : nil }
}
