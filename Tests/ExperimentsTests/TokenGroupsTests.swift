import Testing
@testable import Experiments

/// Both countings of experiment 2 by hand, on maps small enough to have empty groups.
@Suite struct TokenGroupsTests {
    /// A (C, H, W) map from per-token vectors given row by row.
    static func map(_ tokens: [[Float]], height: Int, width: Int) -> [Float] {
        let c = tokens[0].count
        var out = [Float](repeating: 0, count: c * height * width)
        for (t, v) in tokens.enumerated() { for k in 0..<c { out[k * height * width + t] = v[k] } }
        return out
    }

    static func sums(_ values: [Float], channels: Int, height: Int, width: Int, ring: Bool) -> GroupSums {
        var s = GroupSums(fullHeight: height)
        values.withUnsafeBufferPointer {
            s.add($0, channels: channels, height: height, width: width,
                  rows: ring ? 1..<(height - 1) : 0..<height, columns: ring ? 1..<(width - 1) : 0..<width)
        }
        return s
    }

    @Test func fourByFourLayerWithoutItsRing() {
        // The inside 2×2 of a 4×4 map: four corners, no border, no inside. Vectors of different lengths,
        // directions (1,0), (0,1), (1,0), (−1,0): Σu = (1, 1), |Σu|² = 2.
        let tokens: [[Float]] = (0..<16).map { t in
            switch t { case 5: [3, 0]; case 6: [0, 0.5]; case 9: [2, 0]; case 10: [-7, 0]; default: [1, 1] }
        }
        let s = Self.sums(Self.map(tokens, height: 4, width: 4), channels: 2, height: 4, width: 4, ring: true)
        let ref = s.referenceMeans, plain = s.plainMeans
        // Reference: corner/corner (2 − 4) / (16 − 4); border/border (0 − 8) / (64 − 8); other/other (0 − 4) / (16 − 4).
        #expect(abs(ref[0] - (-1.0 / 6)) < 1e-6)
        #expect(abs(ref[4] - (-1.0 / 7)) < 1e-6)
        #expect(abs(ref[8] - (-1.0 / 3)) < 1e-6)
        #expect(ref[1] == 0 && ref[5] == 0)
        // Plain: the six distinct pairs' cosines 0, 1, −1, 0, 0, −1 (each twice) over 12 ordered pairs.
        #expect(abs(plain[0] - (-1.0 / 6)) < 1e-6)
        for k in [1, 2, 3, 4, 5, 6, 7, 8] { #expect(plain[k].isNaN, "entry \(k) has no pairs") }
    }

    @Test func plainMeansAreMeansOverDistinctPairs() {
        // 5×5 map, inside 3×3: 4 corners, 4 borders, 1 inside. Plain means against an explicit pair loop;
        // the reference's border entries divide by the 5×5 grid's 12 border tokens instead of 4.
        var rng = SplitMix(seed: 7)
        let tokens: [[Float]] = (0..<25).map { _ in (0..<3).map { _ in Float(rng.next() * 2 - 1) } }
        let s = Self.sums(Self.map(tokens, height: 5, width: 5), channels: 3, height: 5, width: 5, ring: true)
        let inner = (1..<4).flatMap { r in (1..<4).map { c in (r, c) } }
        func group(_ p: (Int, Int)) -> Int {
            let re = p.0 == 1 || p.0 == 3, ce = p.1 == 1 || p.1 == 3
            return re && ce ? 0 : re || ce ? 1 : 2
        }
        func cos(_ a: [Float], _ b: [Float]) -> Double {
            let d = zip(a, b).reduce(0.0) { $0 + Double($1.0 * $1.1) }
            return d / (a.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot() * b.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot())
        }
        for i in 0..<3 { for j in 0..<3 {
            var sum = 0.0, n = 0
            for a in inner where group(a) == i { for b in inner where group(b) == j && (a.0, a.1) != (b.0, b.1) {
                sum += cos(tokens[a.0 * 5 + a.1], tokens[b.0 * 5 + b.1]); n += 1
            } }
            let plain = s.plainMeans[i * 3 + j]
            if n == 0 { #expect(plain.isNaN) } else { #expect(abs(Double(plain) - sum / Double(n)) < 1e-5, "(\(i), \(j))") }
        } }
        // Border/border in the reference's counting: (S − 12) / (144 − 12), S the same-group sum with self-pairs.
        var S = 0.0
        for a in inner where group(a) == 1 { for b in inner where group(b) == 1 { S += cos(tokens[a.0 * 5 + a.1], tokens[b.0 * 5 + b.1]) } }
        #expect(abs(Double(s.referenceMeans[4]) - (S - 12) / 132) < 1e-5)
    }

    @Test func slicesSelectATokenTwiceOnOneTokenSides() {
        // A 1×1 map: the four corner slices all select the one token (multiplicity 4), as torch indexing does.
        #expect(TokenGroup.corner.referenceMultiplicity(row: 0, column: 0, height: 1, width: 1) == 4)
        #expect(TokenGroup.border.referenceMultiplicity(row: 1, column: 0, height: 3, width: 1) == 2)
        #expect(TokenGroup.corner.referenceCount(n: 4) == 4 && TokenGroup.border.referenceCount(n: 4) == 8 && TokenGroup.other.referenceCount(n: 2) == 0)
    }
}

/// A tiny deterministic generator for test inputs (values in [0, 1)).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }
}
