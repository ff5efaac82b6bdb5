import Inference
import LabelStore

/// What an extraction tells its caller while it runs (the CLI prints it; other callers may ignore it).
public protocol ExtractionProgress: AnyObject {
    /// A run's staging folder from an earlier attempt with the same settings is reused.
    func resuming(run: String, done: Int, total: Int)
    /// The batches start: `done` of `total` images are already written.
    func started(total: Int, done: Int)
    /// A batch is written and durable.
    func finished(batch: Range<Int>)
    /// The batch loop ended (all done, or stopped on request).
    func ended()
    /// A position's run is complete and registered in the store.
    func registered(_ run: Run, at position: UNetPosition)
}
