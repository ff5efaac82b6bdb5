/// A recorded mean anomaly token and how it was made.
public struct PrototypeRecord: Sendable, Equatable {
    public let id: Int64
    public let run: String            // the run whose labels and features were averaged
    public let tokens: String         // 'patch' or 'upper-left'
    public let trainFraction: Double
    public let trainImages: Int       // images 0..<trainImages were used
    public let labelCount: Int
    public let labelsSHA256: String
    public let tokenCount: Int
    public let vector: [Float]
    public let filePath: String?
    public let createdAt: String

    public init(id: Int64, run: String, tokens: String, trainFraction: Double, trainImages: Int, labelCount: Int, labelsSHA256: String,
                tokenCount: Int, vector: [Float], filePath: String?, createdAt: String) {
        self.id = id; self.run = run; self.tokens = tokens; self.trainFraction = trainFraction; self.trainImages = trainImages
        self.labelCount = labelCount; self.labelsSHA256 = labelsSHA256; self.tokenCount = tokenCount; self.vector = vector
        self.filePath = filePath; self.createdAt = createdAt
    }
}
