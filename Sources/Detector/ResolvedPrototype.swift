import Domain
import FeatureStore
import Foundation
import NPYFormat

/// How a `--prototype` argument names a prototype. The rule: an existing file wins (a float32 or
/// float16 (C,) .npy); otherwise an integer is the id of a recorded prototype.
public enum PrototypeArgument: Sendable, Equatable {
    case file(String)
    case id(Int64)

    public init(_ text: String) throws {
        if FileManager.default.fileExists(atPath: text) { self = .file(text); return }
        guard let id = Int64(text) else { throw Detection.Failure(description: "--prototype \(text): no such file, and not a prototype id") }
        self = .id(id)
    }
}

/// The mean anomaly token an evaluation compares with, and how it was made (messages and the report say so).
public struct ResolvedPrototype: Sendable {
    public let vector: [Float]
    /// How messages name it: the file as given, or "prototype 3 (run 'r')".
    public let label: String
    /// How the report describes it.
    public let description: String
    /// The recorded id when chosen by id or as the run's newest.
    public let id: Int64?
    /// Images 0..<trainImages of `sourceRun` were averaged (a recorded prototype, a file equal to one, or the
    /// mean of the run's labels).
    public let sourceRun: String?
    public let trainImages: Int?
    /// The recorded prototype: by id, the newest, or the one of the scanned run equal to a file.
    public let record: PrototypeRecord?
    /// The file it was read from.
    public let file: String?

    public init(vector: [Float], description: String, id: Int64?, sourceRun: String?, trainImages: Int?,
                label: String? = nil, record: PrototypeRecord? = nil, file: String? = nil) {
        self.vector = vector; self.description = description; self.id = id; self.sourceRun = sourceRun
        self.trainImages = trainImages; self.label = label ?? description; self.record = record; self.file = file
    }

    public init(recorded r: PrototypeRecord) {
        self.init(vector: r.vector,
                  description: "recorded prototype #\(r.id) of run '\(r.run)' (\(r.tokenCount) tokens, \(r.tokens), train fraction \(r.trainFraction): images 0..<\(r.trainImages), \(r.createdAt))",
                  id: r.id, sourceRun: r.run, trainImages: r.trainImages, label: "prototype \(r.id) (run '\(r.run)')", record: r)
    }

    /// A float32/float16 (C,) .npy; `match` is the recorded prototype of the scanned run with the same vector, if any.
    /// A file equal to a recorded prototype counts as that prototype (README, "`normlab prototype` and
    /// `normlab detect`"), so it brings that prototype's source run and split: `detect` and `report` both
    /// evaluate its test split.
    public init(file path: String, match: (([Float]) throws -> PrototypeRecord?)) throws {
        let (shape, values) = try NPY.readFloats(path: path)
        guard shape.count == 1 else { throw Detection.Failure(description: "\(path): a prototype must have shape (C,), found \(shape)") }
        let record = try match(values)
        let equal = record.map { " (equal to recorded prototype #\($0.id) of run '\($0.run)', images 0..<\($0.trainImages))" } ?? ""
        self.init(vector: values, description: "from \(path)" + equal, id: nil, sourceRun: record?.run, trainImages: record?.trainImages,
                  label: path, record: record, file: path)
    }

    /// First evaluated image by default: the test split when the prototype was averaged over part of
    /// this run, otherwise every image (a prototype from another run, a file, or all of this run's images).
    public func evaluationStart(run: Run) -> Int {
        TrainSplit.testStart(run: run, sourceRun: sourceRun, trainImages: trainImages) ?? 0
    }
}

/// The report's name for the type.
public typealias ReportPrototype = ResolvedPrototype
