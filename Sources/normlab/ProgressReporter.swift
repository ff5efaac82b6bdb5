import Foundation

/// A progress bar with images/s and ETA on a terminal; plain log lines (every ~5 s) otherwise.
struct ProgressReporter {
    let total: Int
    var done: Int
    let label: String
    private let start = Date()
    private let startDone: Int
    private var lastLog = Date.distantPast
    private let terminal = isatty(STDERR_FILENO) != 0

    init(total: Int, done: Int, label: String) {
        self.total = total
        self.done = done
        self.label = label
        startDone = done
        if done > 0 { note("\(label): \(done) of \(total) already done") }
    }

    mutating func advance(by n: Int) {
        done += n
        let now = Date()
        guard terminal || now.timeIntervalSince(lastLog) >= 5 || done == total else { return }
        lastLog = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done - startDone) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let stats = String(format: "%d/%d  %.2f img/s  ETA %@", done, total, rate, Self.clock(eta))
        if terminal {
            let width = 30, filled = total > 0 ? width * done / total : width
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            FileHandle.standardError.write(Data("\r\(label) \(bar) \(stats)\u{1B}[K".utf8))
        } else {
            note("\(label): \(stats)")
        }
    }

    func finish() {
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
