/// Experiment 2, token-group similarity (the paper's `run_token_group_similarities`): the mean cosine
/// similarity between the corner, border and inner tokens of a map, from per-group sums of unit vectors
/// (Σ_{a∈G, b∈G'} u_a·u_b = (Σ_G u)·(Σ_G' u)), never the N⁴ similarity tensor.
public enum TokenGroup: Int, CaseIterable, Sendable {
    case corner, border, other

    /// How often the reference's slices of group `self` select token (r, c) of an h×w map: corners
    /// `(0|-1, 0|-1)`, borders `(1:-1, 0)`, `(1:-1, -1)`, `(0, 1:-1)`, `(-1, 1:-1)`, inside `(1:-1, 1:-1)`.
    /// On maps of at least 2×2 this is 0 or 1; on a one-token side the slices select a token twice.
    func referenceMultiplicity(row r: Int, column c: Int, height h: Int, width w: Int) -> Int {
        let rowEnds = (r == 0 ? 1 : 0) + (r == h - 1 ? 1 : 0), colEnds = (c == 0 ? 1 : 0) + (c == w - 1 ? 1 : 0)
        let rowInside = r >= 1 && r < h - 1, colInside = c >= 1 && c < w - 1
        switch self {
        case .corner: return rowEnds * colEnds
        case .border: return (rowInside ? colEnds : 0) + (colInside ? rowEnds : 0)
        case .other: return rowInside && colInside ? 1 : 0
        }
    }

    /// The group token (r, c) belongs to as a set: the 4 corners, the rest of the outer ring, the inside.
    static func plain(row r: Int, column c: Int, height h: Int, width w: Int) -> TokenGroup {
        let rowEdge = r == 0 || r == h - 1, colEdge = c == 0 || c == w - 1
        return rowEdge && colEdge ? .corner : rowEdge || colEdge ? .border : .other
    }

    /// Tokens of the group on the uncropped n×n grid the reference counts pairs on (`torch.ones((n,n,n,n))`
    /// sliced by the group's slices; `1:-1` of n has max(0, n−2) entries).
    func referenceCount(n: Int) -> Int {
        switch self {
        case .corner: 4
        case .border: 4 * max(0, n - 2)
        case .other: max(0, n - 2) * max(0, n - 2)
        }
    }
}

/// The sums over images one layer's 3×3 group matrices need, for one branch (cropped image or cropped
/// representation). Codable: a resumed run continues from the sums of the finished batches.
public struct GroupSums: Codable, Sendable, Equatable {
    /// Σ_images (U_i·U_j), U_g the sum of unit vectors over the reference's slices of group g (3×3, row-major).
    public var reference = [Double](repeating: 0, count: 9)
    /// Σ_images (V_i·V_j), V_g the sum over the group's tokens as a set.
    public var plain = [Double](repeating: 0, count: 9)
    /// Σ_images Σ_{t∈g} u_t·u_t: the self-pairs inside `plain`'s diagonal.
    public var plainSelf = [Double](repeating: 0, count: 3)
    /// Tokens per group as a set, on the (cropped) map the sums are over.
    public var plainTokens = [0, 0, 0]
    public var images = 0
    /// Height of the uncropped map, whose grid the reference's counting uses.
    public var fullHeight = 0

    public init(fullHeight: Int) { self.fullHeight = fullHeight }

    /// Adds one image's map, `values` (C, H, W) with the rows and columns `rows`×`columns` taken (the
    /// whole map, or the map without its outer ring).
    mutating func add(_ values: UnsafeBufferPointer<Float>, channels: Int, height: Int, width: Int,
                      rows: Range<Int>, columns: Range<Int>) {
        let (h, w) = (rows.count, columns.count)
        var u = [[Double]](repeating: [Double](repeating: 0, count: channels), count: 3)
        var v = u
        var unit = [Float](repeating: 0, count: channels)
        var tokens = [0, 0, 0]
        for (r, row) in rows.enumerated() {
            for (c, col) in columns.enumerated() {
                let t = row * width + col
                var squares: Float = 0
                for k in 0..<channels { squares += values[k * height * width + t] * values[k * height * width + t] }
                let norm = squares.squareRoot()
                var selfDot = 0.0
                for k in 0..<channels {
                    unit[k] = values[k * height * width + t] / norm
                    selfDot += Double(unit[k]) * Double(unit[k])
                }
                let g = TokenGroup.plain(row: r, column: c, height: h, width: w).rawValue
                tokens[g] += 1
                plainSelf[g] += selfDot
                for k in 0..<channels { v[g][k] += Double(unit[k]) }
                for group in TokenGroup.allCases {
                    let m = group.referenceMultiplicity(row: r, column: c, height: h, width: w)
                    if m > 0 { for k in 0..<channels { u[group.rawValue][k] += Double(m) * Double(unit[k]) } }
                }
            }
        }
        for i in 0..<3 {
            for j in 0..<3 {
                reference[i * 3 + j] += zip(u[i], u[j]).reduce(0) { $0 + $1.0 * $1.1 }
                plain[i * 3 + j] += zip(v[i], v[j]).reduce(0) { $0 + $1.0 * $1.1 }
            }
        }
        plainTokens = tokens
        images += 1
    }

    /// The reference's 3×3 matrix: sums over the cropped maps divided by the pair counts of the uncropped
    /// n×n grid, minus its self-pair count on the diagonal (so an empty group gives a finite number).
    public var referenceMeans: [Float] {
        let n = fullHeight, N = Double(images)
        return (0..<9).map { k in
            let (i, j) = (k / 3, k % 3)
            let count = Double(TokenGroup(rawValue: i)!.referenceCount(n: n) * TokenGroup(rawValue: j)!.referenceCount(n: n)) * N
            let selfPairs = i == j ? Double(TokenGroup(rawValue: i)!.referenceCount(n: n)) * N : 0
            return Float((reference[k] - selfPairs) / (count - selfPairs))
        }
    }

    /// Plain means over distinct token pairs of the map the sums are over; NaN for a group without pairs.
    public var plainMeans: [Float] {
        let N = Double(images)
        return (0..<9).map { k in
            let (i, j) = (k / 3, k % 3)
            let pairs = Double(plainTokens[i] * (plainTokens[j] - (i == j ? 1 : 0))) * N
            let sum = plain[k] - (i == j ? plainSelf[i] : 0)
            return pairs > 0 ? Float(sum / pairs) : .nan
        }
    }
}
