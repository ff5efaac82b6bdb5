import Testing
@testable import Experiments

/// The region rule of experiment 1 by hand: rows int(y·s) ..< int(y·s) + max(1, int(2s)), s = H / H_ref,
/// cut at the map's edge like a Python slice.
@Suite struct AnomalyNormsTests {
    @Test func regionAtTheLabelGridItself() {
        // s = 1: the 2×2 patch whose upper-left token is the label.
        let r = AnomalyNorms.region(x: 3, y: 5, referenceHeight: 32, height: 32, width: 32)
        #expect(r.rows == 5..<7 && r.columns == 3..<5)
        // On the last row and column the slice is cut to one token.
        let edge = AnomalyNorms.region(x: 31, y: 31, referenceHeight: 32, height: 32, width: 32)
        #expect(edge.rows == 31..<32 && edge.columns == 31..<32)
    }

    @Test func regionOnCoarserMaps() {
        // s = 0.5: int(7·0.5) = 3, extent int(1.0) = 1.
        let half = AnomalyNorms.region(x: 7, y: 4, referenceHeight: 32, height: 16, width: 16)
        #expect(half.rows == 2..<3 && half.columns == 3..<4)
        // s = 0.25: extent int(0.5) = 0 → 1; int(30·0.25) = 7.
        let quarter = AnomalyNorms.region(x: 30, y: 1, referenceHeight: 32, height: 8, width: 8)
        #expect(quarter.rows == 0..<1 && quarter.columns == 7..<8)
    }

    @Test func regionOnFinerMaps() {
        // s = 2: int(5·2) = 10, extent 4.
        let r = AnomalyNorms.region(x: 5, y: 31, referenceHeight: 32, height: 64, width: 64)
        #expect(r.rows == 62..<64 && r.columns == 10..<14)
        // s = 1.5 (48 / 32): int(3·1.5) = 4, extent int(3.0) = 3.
        let odd = AnomalyNorms.region(x: 3, y: 3, referenceHeight: 32, height: 48, width: 48)
        #expect(odd.rows == 4..<7 && odd.columns == 4..<7)
    }

    @Test func regionOnNonSquareMaps() {
        // s comes from the heights only (as in the reference); columns use the same s and are cut at the width.
        let r = AnomalyNorms.region(x: 9, y: 2, referenceHeight: 8, height: 16, width: 20)
        #expect(r.rows == 4..<8 && r.columns == 18..<20)
    }

    @Test func relativeNormIsRegionMeanOverMapMean() {
        // 4×4 map of norms 1 except a 2×2 block of 5 at rows 1–2, columns 2–3: map mean (12 + 20) / 16 = 2.
        var norms = [Float](repeating: 1, count: 16)
        for (r, c) in [(1, 2), (1, 3), (2, 2), (2, 3)] { norms[r * 4 + c] = 5 }
        let v = norms.withUnsafeBufferPointer {
            AnomalyNorms.relativeNorm(norms: $0, height: 4, width: 4, x: 2, y: 1, referenceHeight: 4)
        }
        #expect(v == 2.5)
    }

    @Test func populationStandardDeviation() {
        let (mean, std) = AnomalyNorms.meanAndStd([[1, 2, 3, 4], [2, 2, 2, 2]])
        #expect(mean == [2.5, 2])
        #expect(abs(std[0] - 1.118033988749895) < 1e-12 && std[1] == 0)
    }
}
