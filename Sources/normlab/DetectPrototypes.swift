import ArgumentParser
import Foundation

/// The CLI's progress line, fed from the detector's worker thread.
final class SharedProgress: @unchecked Sendable {
    private var reporter: ProgressReporter
    private let lock = NSLock()

    init(total: Int, label: String) { reporter = ProgressReporter(total: total, done: 0, label: label) }

    /// For `Detection.score(progress:)`.
    var callback: @Sendable (Int) -> Void { { done in self.set(done) } }

    func set(_ done: Int) {
        lock.withLock { if done > reporter.done { reporter.advance(by: done - reporter.done) } }
    }

    func finish() {
        lock.withLock { reporter.finish() }
    }
}

/// A detect/prototype failure that is not a usage error (printed without the usage line).
struct DetectError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
