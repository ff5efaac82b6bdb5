import CKernels
import Foundation
import Synchronization

/// A reusable work buffer for im2col columns. Buffers over 32 MB always come from fresh mmap'd
/// pages in glibc, so allocating them per convolution costs page faults on every call.
enum Scratch {
    private static let buffer = Mutex<[Float]>([])

    /// Runs `body` with at least `count` floats of scratch space (contents undefined).
    static func with(count: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) {
        buffer.withLock { b in
            if b.count < count { b = [Float](repeating: 0, count: count) }
            b.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
        }
    }
}

/// Keeps freed activation buffers in the heap instead of returning them to the OS, so that the
/// next layer's same-sized tensors do not page-fault again (glibc otherwise mmaps and unmaps
/// every buffer over its adaptive threshold). Process-wide; the CLI calls it once at start-up.
public func keepFreedMemoryForReuse() { nl_keep_freed_memory() }
