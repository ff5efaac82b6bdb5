/// An extraction run (representations of a dataset at one position), as stored.
public struct Run: Codable, Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var datasetID: Int64
    public var dataset: String
    public var position: String
    public var imageCount: Int
    public var channels: Int
    public var height: Int
    public var width: Int
    /// Feature folder, relative to the database's folder.
    public var featurePath: String
    /// JSON object: model identity/hash, timestep, seed, prompt, batch size, preprocessing, version.
    public var metadata: String
    public var createdAt: String
    /// What the run's folder holds: features and norms, or only the norms (`extract --keep norms`).
    public var contents: RunContents

    public init(id: Int64, name: String, datasetID: Int64, dataset: String, position: String, imageCount: Int, channels: Int,
                height: Int, width: Int, featurePath: String, metadata: String, createdAt: String, contents: RunContents = .features) {
        self.id = id; self.name = name; self.datasetID = datasetID; self.dataset = dataset; self.position = position
        self.imageCount = imageCount; self.channels = channels; self.height = height; self.width = width
        self.featurePath = featurePath; self.metadata = metadata; self.createdAt = createdAt; self.contents = contents
    }

    /// The run's token grid.
    public var grid: TokenGrid { TokenGrid(width: width, height: height) }
}

/// What a run keeps on disk (`normlab extract --keep`; the store's `runs.contents`). Norm maps, labeling and
/// the relative anomaly norms need only the norms; anything that scores or compares token vectors
/// (prototypes, detection, similarity, reports) needs the features.
public enum RunContents: String, Codable, Sendable, CaseIterable {
    /// `features.npy` (float16 tokens) and `norms.npy`.
    case features
    /// `norms.npy` only: about C/2 times smaller than the features (C channels of float16 against one float32).
    case norms
}
