import Foundation
import Synchronization

/// Op-level accounting for benchmarks: FLOPs of every GEMM (2·m·n·k, the convention of torch's
/// FlopCounterMode) and, when enabled, wall time per op kind.
public enum Profile {
    public enum Kind: Int, CaseIterable, Sendable {
        case conv, linear, attention, norm, elementwise, copy
        public var name: String { ["conv", "linear", "attention", "norms", "elementwise", "copies"][rawValue] }
    }

    static let flops = Atomic<Int>(0)
    static let enabled = Atomic<Bool>(false)
    static let nanos = Mutex<[Int]>(Array(repeating: 0, count: Kind.allCases.count))
    static let kindFLOPs = Mutex<[Int]>(Array(repeating: 0, count: Kind.allCases.count))

    public static var totalFLOPs: Int { flops.load(ordering: .relaxed) }

    public static func reset(timing: Bool) {
        flops.store(0, ordering: .relaxed)
        enabled.store(timing, ordering: .relaxed)
        nanos.withLock { $0 = Array(repeating: 0, count: Kind.allCases.count) }
        kindFLOPs.withLock { $0 = Array(repeating: 0, count: Kind.allCases.count) }
    }

    /// Seconds and GEMM FLOPs per op kind since the last reset (only with timing on).
    public static var byKind: [(kind: Kind, seconds: Double, flops: Int)] {
        let n = nanos.withLock { $0 }
        let f = kindFLOPs.withLock { $0 }
        return Kind.allCases.map { ($0, Double(n[$0.rawValue]) / 1e9, f[$0.rawValue]) }
    }

    @inline(__always)
    static func countGEMM(m: Int, n: Int, k: Int) { flops.add(2 * m * n * k, ordering: .relaxed) }

    /// Runs `body`, charging its wall time to `kind` when timing is on. Nested calls charge the outermost.
    @inline(__always)
    static func time<T>(_ kind: Kind, _ body: () throws -> T) rethrows -> T {
        guard enabled.load(ordering: .relaxed) else { return try body() }
        let start = DispatchTime.now().uptimeNanoseconds
        let flops0 = totalFLOPs
        let r = try body()
        let elapsed = Int(DispatchTime.now().uptimeNanoseconds - start)
        let done = totalFLOPs - flops0
        nanos.withLock { $0[kind.rawValue] += elapsed }
        kindFLOPs.withLock { $0[kind.rawValue] += done }
        return r
    }
}
