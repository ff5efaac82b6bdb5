import Inference

/// The paper's positional-embedding linear probe (`run_position_estimation` in its
/// `run_experiments.py`): per layer a linear classifier from one token's channels to its row and
/// column, trained with Adam on the tokens of the first images and tested on the rest.
public enum PositionProbe {
    /// The coarse grids accuracy is reported for: a prediction counts when it falls into the label's
    /// cell of a `grid × grid` partition of the map.
    public static let grids = [8, 16, 32, 64]

    /// One layer: `features` is images × channels × height × width float32 (NCHW, the layer's output);
    /// the first `trainImages` images train, the rest test (the reference uses `int(0.8·N)`). Maps
    /// must be square, as the reference's `view(-1, w, 2)` layout assumes. Advances `generator`
    /// exactly as the reference does for one layer: `nn.Linear`'s initialisation, then one
    /// `randperm` over the training tokens per epoch. Returns accuracies[epoch][grid] (test accuracy
    /// after each epoch, grids as in `grids`); `progress` is called after each epoch with its index.
    public static func run(features: UnsafeBufferPointer<Float>, images: Int, channels: Int, height: Int,
                           width: Int, trainImages: Int, epochs: Int, batchSize: Int,
                           generator: inout TorchGenerator,
                           progress: (Int) -> Void = { _ in }) throws -> [[Float]] {
        try validate(count: features.count, images: images, channels: channels, height: height, width: width,
                     trainImages: trainImages, epochs: epochs, batchSize: batchSize)
        let hw = height * width
        var classifier = ProbeClassifier(channels: channels, side: height, generator: &generator)
        let train = ProbeTokens(nchw: features.baseAddress!, images: trainImages, channels: channels,
                                width: width, tokensPerImage: hw)
        let test = UnsafeBufferPointer(rebasing: features[(trainImages * channels * hw)...])
        var accuracies: [[Float]] = []
        for epoch in 0..<epochs {
            let order = generator.randperm(train.count)
            classifier.trainEpoch(on: train, order: order, batchSize: batchSize)
            accuracies.append(ProbeAccuracy.evaluate(classifier, nchw: test, images: images - trainImages,
                                                     height: height, width: width, grids: grids))
            progress(epoch)
        }
        return accuracies
    }

    /// The reference's split: `int(0.8·N)` training images.
    public static func trainImages(of images: Int) -> Int { images * 4 / 5 }

    static func validate(count: Int, images: Int, channels: Int, height: Int, width: Int, trainImages: Int,
                         epochs: Int, batchSize: Int) throws {
        guard images > 0, channels > 0, height > 0, width > 0, epochs >= 0, batchSize > 0 else {
            throw PositionProbeError.settings(
                "images \(images), channels \(channels), map \(height)×\(width), epochs \(epochs), batch size \(batchSize)")
        }
        let (perImage, o1) = channels.multipliedReportingOverflow(by: height * width)
        let (expected, o2) = perImage.multipliedReportingOverflow(by: images)
        guard !o1, !o2, expected == count else {
            throw PositionProbeError.shape(expected: "\(images)×\(channels)×\(height)×\(width)", count: count)
        }
        guard height == width else { throw PositionProbeError.notSquare(height: height, width: width) }
        guard trainImages >= 1, trainImages < images else {
            throw PositionProbeError.split(images: images, trainImages: trainImages)
        }
        guard trainImages * height * width < TorchGenerator.randpermLimit else {
            throw PositionProbeError.tooManyTokens(trainImages * height * width)
        }
    }
}

/// Why the probe refuses its input; each case names the offending numbers.
public enum PositionProbeError: Error, CustomStringConvertible {
    case settings(String)
    case shape(expected: String, count: Int)
    case notSquare(height: Int, width: Int)
    case split(images: Int, trainImages: Int)
    case tooManyTokens(Int)

    public var description: String {
        switch self {
        case .settings(let s): "position probe: every size must be positive (\(s))"
        case .shape(let expected, let count):
            "position probe: features hold \(count) values, expected \(expected) (images × channels × height × width)"
        case .notSquare(let h, let w):
            "position probe: the layer's map is \(h)×\(w); the probe needs square maps (the reference's `view(-1, w, 2)` layout)"
        case .split(let n, let t):
            "position probe: \(t) training images of \(n) leaves no training or no test image (needs at least 2 images)"
        case .tooManyTokens(let n):
            "position probe: \(n) training tokens; torch's randperm switches to another shuffle at \(TorchGenerator.randpermLimit), which is not reproduced"
        }
    }
}
