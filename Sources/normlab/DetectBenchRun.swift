import CKernels
import Domain
import FeatureStore
import Foundation
import NPYFormat

/// The generated run of `normlab bench detect` and the plain-read reference pass.
enum BenchRun {
    /// Writes features.npy and norms.npy into `folder` unless a run of this shape is already there.
    /// Returns true when an existing run was reused.
    ///
    /// 13 GB must be written in about disk time, so the backgrounds are 16 SyntheticFeatures noise
    /// images reused in turn (with their norms computed once); each image's anomaly tokens are then
    /// planted along one shared direction at 4–6× strength plus noise, and only their norms recomputed.
    static func prepare(folder: String, shape: FeatureShape, planted: [(image: Int, x: Int, y: Int)]) throws -> Bool {
        if let existing = try? FeatureReader(folder: folder), existing.shape == shape { return true }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let (c, t) = (shape.channels, shape.tokensPerImage)
        let pool = backgrounds(shape, count: 16)
        var rng = SplitMix(seed: 99)
        let direction = (0..<c).map { _ in rng.uniform() }
        let byImage = Dictionary(grouping: planted, by: \.image)
        let features = try Output(folder + "/" + FeatureFiles.features, header: NPYHeader(dtype: .float16, shape: [shape.count, c, shape.height, shape.width], dataOffset: 0))
        let norms = try Output(folder + "/" + FeatureFiles.norms, header: NPYHeader(dtype: .float32, shape: [shape.count, shape.height, shape.width], dataOffset: 0))
        var slot = [UInt16](repeating: 0, count: c * t), slotNorms = [Float](repeating: 0, count: t), token = [Float](repeating: 0, count: c)
        for image in 0..<shape.count {
            slot.withUnsafeMutableBufferPointer { $0.update(fromContentsOf: pool[image % pool.count].values) }
            slotNorms = pool[image % pool.count].norms
            for a in byImage[image] ?? [] {
                let strength = 4 + 2 * Float(rng.next() % 100) / 100
                for cell in TokenGrid.tokens(of: .patch2x2, x: a.x, y: a.y) {
                    let at = cell.y * shape.width + cell.x
                    for ch in 0..<c { token[ch] = strength * direction[ch] + 0.2 * rng.uniform() }
                    slot.withUnsafeMutableBufferPointer { s in
                        for ch in 0..<c { nl_f32_to_f16(&token[ch], s.baseAddress! + ch * t + at, 1) }
                        nl_f16_to_f32(s.baseAddress! + at, t, &token, 1, c, 1)  // the norm of the stored float16 values
                    }
                    slotNorms[at] = token.reduce(0) { $0 + $1 * $1 }.squareRoot()
                }
            }
            try slot.withUnsafeBytes { try features.append($0) }
            try slotNorms.withUnsafeBytes { try norms.append($0) }
        }
        return false
    }

    /// `count` noise images of SyntheticFeatures (no anomalies) as float16 bits, with their token norms.
    static func backgrounds(_ shape: FeatureShape, count: Int) -> [(values: [UInt16], norms: [Float])] {
        let one = FeatureShape(count: count, channels: shape.channels, height: shape.height, width: shape.width)
        let synthetic = SyntheticFeatures(shape: one, seed: 5, maxAnomaliesPerImage: 0)
        var slot = [Float16](repeating: 0, count: one.valuesPerImage)
        return (0..<count).map { image in
            synthetic.fill(image: image, into: &slot)
            var norms = [Float](repeating: 0, count: one.tokensPerImage)
            slot.withUnsafeBufferPointer { s in
                norms.withUnsafeMutableBufferPointer { tokenNorms(s, channels: one.channels, tokens: one.tokensPerImage, into: $0) }
            }
            return (slot.map(\.bitPattern), norms)
        }
    }

    /// A file written front to back: the .npy header, then appended data.
    final class Output {
        let fd: Int32
        let path: String
        init(_ path: String, header: NPYHeader) throws {
            self.path = path
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
            try header.encoded().withUnsafeBytes { try append($0) }
        }
        deinit { close(fd) }

        func append(_ bytes: UnsafeRawBufferPointer) throws {
            var done = 0
            while done < bytes.count {
                let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { throw CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: path]) }
                done += n
            }
        }
    }

    /// Seconds to read() the whole file into a 4 MiB buffer: the page-cache bandwidth the detector is measured against.
    static func readPass(_ path: String) throws -> Double {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path]) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4 << 20)
        let t0 = Date()
        var n = 0
        repeat { n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) } } while n > 0
        return Date().timeIntervalSince(t0)
    }

    /// Seconds to memcpy the whole memory-mapped file in 4 MiB pieces, dropping each piece from the mapping
    /// afterwards as the detector does: reading through page faults, without any arithmetic.
    static func mappedPass(_ features: FeatureReader) -> Double {
        let all = UnsafeRawBufferPointer(features.allFeatures)
        var buffer = [UInt8](repeating: 0, count: 4 << 20)
        let t0 = Date()
        buffer.withUnsafeMutableBytes { b in
            for start in stride(from: 0, to: all.count, by: b.count) {
                let piece = UnsafeRawBufferPointer(rebasing: all[start ..< min(all.count, start + b.count)])
                b.baseAddress!.copyMemory(from: piece.baseAddress!, byteCount: piece.count)
                let page = 4096, first = (Int(bitPattern: piece.baseAddress!) + page - 1) / page * page
                let end = (Int(bitPattern: piece.baseAddress!) + piece.count) / page * page
                if end > first { madvise(UnsafeMutableRawPointer(bitPattern: first), end - first, MADV_DONTNEED) }
            }
        }
        return Date().timeIntervalSince(t0)
    }
}
