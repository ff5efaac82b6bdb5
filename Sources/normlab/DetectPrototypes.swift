import ArgumentParser
import Foundation
import LabelStore
import NPYFormat

/// A `--prototype` argument: a .npy file, or the id of a recorded prototype.
struct ResolvedPrototype {
    let label: String               // how messages name it
    let vector: [Float]
    /// The recorded prototype: by id, or the recorded prototype of the scanned run equal to the file.
    let record: PrototypeRecord?

    /// An existing file is read as float32/float16 (C,) .npy; otherwise an integer is a prototype id.
    init(_ argument: String, store: LabelStore, run: String) throws {
        if FileManager.default.fileExists(atPath: argument) {
            let (shape, values) = try NPY.readFloats(path: argument)
            guard shape.count == 1 else { throw DetectError("\(argument): a prototype must have shape (C,), found \(shape)") }
            label = argument
            vector = values
            record = try store.prototypes(run: run).first { $0.vector == values }
            return
        }
        guard let id = Int64(argument) else {
            throw DetectError("--prototype \(argument): no such file, and not a prototype id")
        }
        do {
            record = try store.prototype(id: id)
        } catch LabelStoreError.unknownPrototype {
            throw DetectError("--prototype \(argument): no such file, and no recorded prototype with id \(id) (normlab prototype --list shows them)")
        }
        label = "prototype \(id) (run '\(record!.run)')"
        vector = record!.vector
    }
}

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
