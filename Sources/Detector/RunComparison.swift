import Domain

/// The anomaly sets of several runs over the same dataset (other timestep, seed, batch size or model),
/// compared pair by pair: `normlab compare`.
///
/// An anomaly is a label row (image, x, y) of one kind: a 2×2 patch (its upper-left token) or a point.
/// Two anomalies of different runs match when they are in the same image and their positions differ
/// by at most `tolerance` tokens in x and in y (Chebyshev distance; patches sit on even coordinates, so
/// for patches ±1 is the exact match and ±2 also reaches the 8 neighbouring patches). Matching is
/// one-to-one: `matched` is the largest number of pairs in which no anomaly is used twice (a maximum
/// bipartite matching per image), so it is symmetric and at tolerance 0 it is the size of the
/// intersection. Jaccard = matched / (|A| + |B| − matched), the set Jaccard index at tolerance 0.
public struct RunComparison: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// One run's anomalies.
    public struct Member: Sendable, Equatable {
        public let name: String
        public let rows: [LabelRow]
        public init(name: String, rows: [LabelRow]) { self.name = name; self.rows = Array(Set(rows)).sorted() }
        /// Images with ≥ 1 anomaly.
        public var images: Set<Int> { Set(rows.map(\.image)) }
    }

    /// Runs `a` and `b` (indices into `members`, a < b) compared.
    public struct Pair: Sendable, Equatable {
        public let a: Int, b: Int
        public let countA: Int, countB: Int, matched: Int
        public let imagesA: Int, imagesB: Int, imagesBoth: Int
        /// nil when both runs have no anomaly.
        public var jaccard: Double? { countA + countB == 0 ? nil : Double(matched) / Double(countA + countB - matched) }
    }

    public let members: [Member]
    public let pairs: [Pair]
    /// Images of the dataset (the denominator of the image shares).
    public let imageCount: Int
    public let tolerance: Int
    public let kind: AnnotationKind
    /// Where the anomalies came from: "labels" or "detections … at T", for the outputs.
    public let source: String

    public static let tolerances = 0...2

    public init(members: [Member], imageCount: Int, tolerance: Int, kind: AnnotationKind, source: String) throws {
        guard members.count >= 2 else { throw Failure(description: "compare needs at least 2 runs, got \(members.count)") }
        guard Self.tolerances.contains(tolerance) else { throw Failure(description: "--tolerance \(tolerance): expected 0, 1 or 2 (tokens)") }
        if let name = Self.firstRepeated(members.map(\.name)) { throw Failure(description: "run '\(name)' is named twice") }
        self.members = members; self.imageCount = imageCount; self.tolerance = tolerance; self.kind = kind; self.source = source
        var pairs: [Pair] = []
        for i in members.indices {
            for j in members.indices where j > i { pairs.append(Self.pair(members, i, j, tolerance: tolerance)) }
        }
        self.pairs = pairs
    }

    /// The pair of members i and j in either order.
    public func pair(_ i: Int, _ j: Int) -> Pair? { pairs.first { ($0.a, $0.b) == (min(i, j), max(i, j)) } }

    /// Refuses runs that do not share a dataset and a token grid, naming both.
    public static func checkComparable(_ runs: [Run]) throws {
        guard let first = runs.first else { return }
        for r in runs.dropFirst() {
            if r.datasetID != first.datasetID || r.imageCount != first.imageCount {
                throw Failure(description: "run '\(first.name)' (dataset '\(first.dataset)', \(first.imageCount) images) and run '\(r.name)' "
                                  + "(dataset '\(r.dataset)', \(r.imageCount) images) are not over the same dataset; only runs of one dataset can be compared")
            }
            if r.grid != first.grid {
                throw Failure(description: "run '\(first.name)' has a \(first.width)×\(first.height) token grid and run '\(r.name)' a "
                                  + "\(r.width)×\(r.height) grid; positions can only be compared on the same grid")
            }
        }
    }

    static func pair(_ m: [Member], _ i: Int, _ j: Int, tolerance: Int) -> Pair {
        let a = m[i], b = m[j]
        let ia = a.images, ib = b.images
        return Pair(a: i, b: j, countA: a.rows.count, countB: b.rows.count, matched: matchCount(a.rows, b.rows, tolerance: tolerance),
                    imagesA: ia.count, imagesB: ib.count, imagesBoth: ia.intersection(ib).count)
    }

    static func firstRepeated(_ names: [String]) -> String? {
        var seen = Set<String>()
        return names.first { !seen.insert($0).inserted }
    }
}

extension RunComparison {
    /// The size of a maximum one-to-one matching between `a` and `b` (see the type's comment).
    public static func matchCount(_ a: [LabelRow], _ b: [LabelRow], tolerance: Int) -> Int {
        let byImage = Dictionary(grouping: Set(b), by: \.image)
        var total = 0
        for (image, left) in Dictionary(grouping: Set(a), by: \.image) {
            guard let right = byImage[image] else { continue }
            total += maximumMatching(left.sorted(), right.sorted()) { abs($0.x - $1.x) <= tolerance && abs($0.y - $1.y) <= tolerance }
        }
        return total
    }

    /// Kuhn's augmenting paths: the anomalies of one image are few (a handful), so O(V·E) is nothing.
    static func maximumMatching(_ left: [LabelRow], _ right: [LabelRow], near: (LabelRow, LabelRow) -> Bool) -> Int {
        let edges = left.map { l in right.indices.filter { near(l, right[$0]) } }
        var owner = [Int?](repeating: nil, count: right.count)
        func augment(_ l: Int, _ visited: inout [Bool]) -> Bool {
            for r in edges[l] where !visited[r] {
                visited[r] = true
                if owner[r] == nil || augment(owner[r]!, &visited) { owner[r] = l; return true }
            }
            return false
        }
        var count = 0
        for l in left.indices {
            var visited = [Bool](repeating: false, count: right.count)
            if augment(l, &visited) { count += 1 }
        }
        return count
    }
}
