import ArgumentParser
import Detector
import Foundation
import LabelStore

/// `normlab detect … --at T --suggest`: records the detections at T as a suggestion set, to be
/// reviewed (accepted or rejected) in the labeler. `prototype` is what --prototype named: an
/// existing file, else a recorded prototype's id.
func recordSuggestions(_ store: LabelStore, run: Run, prototype: String, similarities sims: [[Float]], from: Int, at: Float?,
                       unit: Detection.Unit) throws {
    guard let at else { throw ValidationError("--suggest needs --at THRESHOLD") }
    let source: SuggestionPrototype = !FileManager.default.fileExists(atPath: prototype) && Int64(prototype) != nil
        ? .id(Int64(prototype)!) : .file(URL(fileURLWithPath: prototype).standardizedFileURL.path)
    let rows = Detection.suggestionRows(similarities: sims, from: from, width: run.width, height: run.height, threshold: at, unit: unit)
    let set = try store.createSuggestionSetNow(run: run.name, prototype: source, threshold: Double("\(at)") ?? Double(at), unit: unit.suggestionUnit, rows: rows)
    note("suggestion set \(set.id) of run '\(run.name)': \(set.counts.total) detection(s) at \(at), \(set.counts.pending) to review "
         + "(\(set.counts.rejected) rejected before, \(set.counts.accepted) accepted, \(set.counts.labeled) already labelled); review them in `normlab serve`")
}
