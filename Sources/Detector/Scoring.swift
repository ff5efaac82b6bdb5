import CBLAS
import CKernels
import Dispatch
import Domain
import FeatureStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The cosine similarity of every token of the evaluated images `from..<from+images` to one prototype.
public struct SimilarityMap: Sendable, Equatable {
    public let from: Int
    public let images: Int
    public let width: Int, height: Int
    /// (images, H, W): token (x, y) of image `from + i` at `(i * height + y) * width + x`.
    public let values: [Float]

    public init(from: Int, images: Int, width: Int, height: Int, values: [Float]) {
        precondition(values.count == images * width * height)
        self.from = from; self.images = images; self.width = width; self.height = height; self.values = values
    }

    /// Image `index`'s (H, W) similarities (index counts from 0, not from `from`).
    public func image(_ index: Int) -> ArraySlice<Float> {
        let t = width * height, i = index - from
        return values[i * t ..< (i + 1) * t]
    }

    public var grid: TokenGrid { TokenGrid(width: width, height: height) }
    /// The scored images.
    public var imageRange: Range<Int> { from ..< from + images }

    /// One score per unit, laid out (images, unit rows, unit columns): a token's similarity, or a
    /// 2×2 patch's smallest (all four > t exactly when the smallest is > t).
    public func scores(_ unit: DetectionUnit) -> [Float] {
        unit == .token ? values : patchScores(imageRange)
    }

    /// The scores of one image (index counts from 0), laid out (unit rows, unit columns).
    public func scores(_ unit: DetectionUnit, image index: Int) -> [Float] {
        unit == .token ? Array(image(index)) : patchScores(index ..< index + 1)
    }

    private func patchScores(_ range: Range<Int>) -> [Float] {
        let patches = grid.patches, g = grid
        var out = [Float](repeating: 0, count: range.count * patches.tokens)
        values.withUnsafeBufferPointer { v in
            for (k, i) in range.enumerated() {
                let image = (i - from) * height * width
                for py in 0..<patches.height {
                    for px in 0..<patches.width {
                        out[(k * patches.height + py) * patches.width + px] = g.patchScore(corner: image + 2 * py * width + 2 * px) { v[$0] }
                    }
                }
            }
        }
        return out
    }
}

extension Detection {
    /// Cosine similarities of every token of images `from..<N` to each prototype, as torch's
    /// cosine_similarity defines it: a·b / (max(|a|, 1e-8) · max(|b|, 1e-8)), dot products in float32.
    ///
    /// Streams the memory-mapped float16 features block by block: each block (about `blockBytes` of
    /// float32: some tokens of one image, or several small images) is converted (F16C) into a
    /// C × columns matrix and multiplied with all K prototypes in one sgemm; |a| comes from the run's precomputed norms. Pages already scored are
    /// dropped from the mapping (the page cache keeps them), so memory stays flat at any run size.
    /// `progress(done)` is called now and then with the number of images scored.
    public static func score(features: FeatureReader, prototypes: [[Float]], from: Int, blockBytes: Int = 512 << 10,
                             threads: Int = 2, progress: (@Sendable (Int) -> Void)? = nil) throws -> [SimilarityMap] {
        guard (0..<features.shape.count).contains(from) else {
            throw Failure(description: "--from-index \(from) is past the last image (\(features.shape.count - 1))")
        }
        return try score(features: features, prototypes: prototypes, images: from ..< features.shape.count, blockBytes: blockBytes,
                         threads: threads, progress: progress)
    }

    /// The same for the images `images` (one image for a per-image view, the rest of the run for a sweep).
    public static func score(features: FeatureReader, prototypes: [[Float]], images: Range<Int>, blockBytes: Int = 512 << 10,
                             threads: Int = 2, progress: (@Sendable (Int) -> Void)? = nil) throws -> [SimilarityMap] {
        let s = features.shape
        guard !prototypes.isEmpty else { throw Failure(description: "no prototype given") }
        for p in prototypes where p.count != s.channels {
            throw Failure(description: "the prototype has \(p.count) channels, the run's features \(s.channels)")
        }
        guard !images.isEmpty, images.lowerBound >= 0, images.upperBound <= s.count else {
            throw Failure(description: "images \(images) are outside the run (images 0…\(s.count - 1))")
        }
        let from = images.lowerBound, end = images.upperBound
        let k = prototypes.count, t = s.tokensPerImage, n = end - from
        // Columns (tokens) per sgemm, so that the converted C × columns block stays in L2 between the
        // conversion and the sgemm: a block of one image's tokens, or several small images at once.
        let columns = max(1, blockBytes / (4 * s.channels))
        let tokenBlock = min(t, columns), chunk = max(1, min(n, columns / t))   // chunk: images per task
        let chunks = (n + chunk - 1) / chunk
        let workers = max(1, min(threads, chunks))
        let weights = prototypes.flatMap { $0 }                  // (K, C)
        let inverseNorms = prototypes.map { p in 1 / max(p.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot(), 1e-8) }
        let out = UnsafeMutableBufferPointer<Float>.allocate(capacity: k * n * t)   // (K, n, T)
        defer { out.deallocate() }
        let shared = UnsafeSendable((out, features.allFeatures, features.allNorms))
        if workers > 1 { nl_blas_single_threaded_begin() }  // one single-threaded sgemm per worker
        defer { if workers > 1 { nl_blas_single_threaded_end() } }
        Pages.adviseSequential(UnsafeRawBufferPointer(features.allFeatures))
        defer { Pages.release(UnsafeRawBufferPointer(features.allFeatures)) }   // what fault-around mapped beyond
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let (out, half, norms) = shared.value
            var matrix = [Float](repeating: 0, count: s.channels * chunk * tokenBlock)   // (C, columns)
            var dots = [Float](repeating: 0, count: k * chunk * tokenBlock)              // (K, columns)
            for c in stride(from: w, to: chunks, by: workers) {
                let first = from + c * chunk, b = min(chunk, end - first)
                let span = UnsafeBufferPointer(rebasing: half[first * s.valuesPerImage ..< (first + b) * s.valuesPerImage])
                for t0 in stride(from: 0, to: t, by: tokenBlock) {
                    let tb = min(tokenBlock, t - t0), cols = b * tb
                    matrix.withUnsafeMutableBufferPointer { m in
                        span.withMemoryRebound(to: UInt16.self) { src in
                            for j in 0..<b {  // image j's (C, tb) block goes to columns j·tb..<(j+1)·tb
                                nl_f16_to_f32(src.baseAddress! + j * s.valuesPerImage + t0, t, m.baseAddress! + j * tb, cols, s.channels, tb)
                            }
                        }
                        weights.withUnsafeBufferPointer { p in
                            dots.withUnsafeMutableBufferPointer { d in
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(k), Int32(cols), Int32(s.channels), 1,
                                            p.baseAddress!, Int32(s.channels), m.baseAddress!, Int32(cols), 0, d.baseAddress!, Int32(cols))
                            }
                        }
                    }
                    for p in 0..<k {
                        let inv = inverseNorms[p]
                        for j in 0..<b {
                            let token = (first + j) * t + t0, row = p * cols + j * tb, base = p * n * t + token - from * t
                            for i in 0..<tb { out[base + i] = Float(Double(dots[row + i]) * inv / Double(max(norms[token + i], 1e-8))) }
                        }
                    }
                }
                Pages.release(UnsafeRawBufferPointer(span))
                if w == 0, let progress { progress(min(n, (c + workers) * chunk)) }
            }
        }
        return (0..<k).map { p in
            SimilarityMap(from: from, images: n, width: s.width, height: s.height,
                          values: Array(UnsafeBufferPointer(rebasing: out[p * n * t ..< (p + 1) * n * t])))
        }
    }
}

/// Pointers handed to worker threads that write disjoint ranges.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Page-cache hints for the memory-mapped feature file.
enum Pages {
    private static let size = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Drops the whole pages inside `bytes` from this process's mapping. The file is mapped read-only
    /// and private, so nothing is lost: the pages stay in the page cache and fault back in when read
    /// again. Without this, resident memory grows by every page read (13 GB for a large run). (Also
    /// dropping the pages shared with a neighbour at the edges measured worse: 230 vs 112 MiB peak.)
    static func release(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        let start = (Int(bitPattern: base) + size - 1) / size * size, end = (Int(bitPattern: base) + bytes.count) / size * size
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_DONTNEED)
    }

    /// Reading straight through: lets the kernel read ahead further on a cold file.
    static func adviseSequential(_ bytes: UnsafeRawBufferPointer) {
        advise(bytes, MADV_SEQUENTIAL)
    }

    private static func advise(_ bytes: UnsafeRawBufferPointer, _ advice: Int32) {
        guard let base = bytes.baseAddress else { return }
        let start = (Int(bitPattern: base) + size - 1) / size * size
        let end = (Int(bitPattern: base) + bytes.count) / size * size
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, advice)
    }
}
