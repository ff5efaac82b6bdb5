import Foundation

/// What produced a run, stored as JSON in `runs.metadata` so a result can be traced to its model,
/// inputs and settings. Every field is optional: an import knows less than an extraction.
public struct RunMetadata: Codable, Sendable, Equatable {
    /// "import", "extract", "synthetic", …
    public var source: String?
    /// The imported file's name.
    public var sourceFile: String?
    /// Model identity (e.g. "stable-diffusion-v1-5") and a hash of its weights.
    public var model: String?
    public var modelHash: String?
    public var timestep: Int?
    public var seed: UInt64?
    public var prompt: String?
    public var batchSize: Int?
    /// Image preprocessing, e.g. "center-crop 512, bicubic".
    public var preprocessing: String?
    public var normlabVersion: String?
    /// Anything else worth keeping.
    public var extra: [String: String]?

    public init(source: String? = nil, sourceFile: String? = nil, model: String? = nil, modelHash: String? = nil,
                timestep: Int? = nil, seed: UInt64? = nil, prompt: String? = nil, batchSize: Int? = nil,
                preprocessing: String? = nil, extra: [String: String]? = nil) {
        self.source = source
        self.sourceFile = sourceFile
        self.model = model
        self.modelHash = modelHash
        self.timestep = timestep
        self.seed = seed
        self.prompt = prompt
        self.batchSize = batchSize
        self.preprocessing = preprocessing
        self.extra = extra
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

extension Run {
    /// The decoded `metadata` column.
    public var decodedMetadata: RunMetadata? {
        try? JSONDecoder().decode(RunMetadata.self, from: Data(metadata.utf8))
    }
}
