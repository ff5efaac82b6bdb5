import ArgumentParser
import Detector
import Foundation
import LabelStore

/// `normlab suggest`: detections at one threshold recorded as a suggestion set for review in the labeler.
struct SuggestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suggest",
        abstract: "Record the detections of a run at one threshold as suggestions to review in the labeler.",
        discussion: """
            Every image of the run (from --from-index) is scored against the prototype (torch's cosine
            similarity); a 2×2 patch at even coordinates whose 4 tokens are all strictly above --at (or, with
            --unit token, a single token) becomes a suggestion. In the labeler's Suggestions card the annotator
            accepts one (it becomes an annotation with source accepted-suggestion) or rejects it (recorded,
            never suggested again for this run). Places that are already labelled count as labelled.
            Unlike `detect`, suggestions cover every image by default: reviewing them also finds labels
            missed in the images a prototype was averaged over.
            Example: normlab suggest --run nyu --prototype 3 --at 0.8
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("run"), help: "The run to scan.") var runName: String
    @Option(help: "A recorded prototype id or a float32 (C,) .npy (default: the run's newest recorded prototype).") var prototype: String?
    @Option(help: "Threshold: similarity must be strictly greater.") var at: Float
    @Option(help: "patch (2×2 suggestions) or token.") var unit = Detection.Unit.patch
    @Option(help: "First image to scan.") var fromIndex = 0

    func run() async throws {
        let store = try database.open()
        let r = try store.run(named: runName)
        let features = try store.features(of: r)
        let recorded = try store.prototypes(run: runName)
        guard prototype != nil || !recorded.isEmpty else {
            throw ValidationError("run '\(runName)' has no recorded prototype; pass --prototype ID|FILE.npy (normlab prototype records one)")
        }
        let e = try EvaluatedRun.resolve(run: r, features: features, catalog: store,
                                         prototypes: prototype.map { EvaluatedRun.Prototypes.arguments([$0]) } ?? .newest(orLabelMean: false), images: .from(fromIndex))
        let proto = e.prototypes[0]
        guard proto.vector.count == r.channels else {
            throw ValidationError("\(proto.label) has \(proto.vector.count) channels, run '\(runName)' has \(r.channels)")
        }
        _ = try Detection.parseThresholds("\(at)")
        let found = Detection.suggestions(try e.score()[0], threshold: at, unit: unit)
        let set = try await store.createSuggestionSet(run: runName, prototypeID: proto.record?.id, prototypeFile: proto.record == nil ? proto.file : nil,
                                                      threshold: at, unit: unit, suggestions: found)
        note("suggestion set \(set.id) of run '\(runName)' (\(proto.label), > \(at), \(unit.rawValue) unit, images \(fromIndex)..<\(r.imageCount)): "
             + "\(set.total) suggestions, \(set.pending) to review, \(set.labelled) already labelled, \(set.rejected) rejected earlier")
        print(set.id)
    }
}
