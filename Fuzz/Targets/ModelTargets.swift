import Foundation
import Inference
import SafeTensors

/// The tiny SD-1.5-style U-Net of the test fixtures: a config that passes its checks is built
/// against these weights, so a config claiming more than they hold must fail before allocating.
let tinyUNetWeights: SafeTensorsFile? = try? SafeTensorsFile(
    path: Repository.path("Tests/InferenceTests/Fixtures/unet/sd15_tiny/unet/diffusion_pytorch_model.safetensors"))

/// Model `config.json` files (U-Net, VAE, CLIP text encoder) and `scheduler_config.json`.
let configTarget = FuzzTarget(name: "config") { raw in
    let json = try JSONValue.object(Data(raw), file: "config.json")
    _ = try? VAEEncoder.Config(json: json)
    _ = try? CLIPTextModel.Config(json: json)
    _ = try? NoiseSchedule(configPath: try Scratch.write(raw, name: "scheduler_config.json"))
    let config = try UNetConfig(json: json)
    _ = config.allPositions
    guard let weights = tinyUNetWeights else { fatalError("fixture weights not found under \(Repository.root)") }
    try config.checkAgreement(with: weights)
    _ = try UNet(config: config, weights: weights)
}

/// Tokenizer folders: `vocab.json` NUL `merges.txt`, or (no NUL) a `tokenizer.json`.
let tokenizerFilesTarget = FuzzTarget(name: "tokenizer-files") { raw in
    let dir = Scratch.emptyFolder("tokenizer")
    if let nul = raw.firstIndex(of: 0) {
        _ = try Scratch.write(raw[..<nul], name: "tokenizer/vocab.json")
        _ = try Scratch.write(raw[(nul + 1)...], name: "tokenizer/merges.txt")
    } else {
        _ = try Scratch.write(raw, name: "tokenizer/tokenizer.json")
    }
    let tokenizer = try CLIPTokenizer(directory: dir)
    _ = try tokenizer.encode("a photo of a cat, <|endoftext|> 42 déjà-vu!")
}

/// The real CLIP vocabulary with both pad conventions (SD-1.5: <|endoftext|>, SD-2.1: "!").
let tokenizers: [CLIPTokenizer] = ["sd15", "sd21"].compactMap {
    let root = Repository.path("Tests/InferenceTests/Fixtures/tokenizer")
    return try? CLIPTokenizer(directory: "\(root)/\($0)", vocabularyDirectory: "\(root)/sd15")
}

/// Prompts: any text gives exactly 77 ids or a limit error.
let promptTarget = FuzzTarget(name: "prompt") { raw in
    guard tokenizers.count == 2 else { fatalError("tokenizer fixtures not found under \(Repository.root)") }
    let tokenizer = tokenizers[(raw.first ?? 0) % 2 == 0 ? 0 : 1]
    let ids = try tokenizer.encode(String(decoding: raw, as: UTF8.self))
    precondition(ids.count == 77 && ids.allSatisfy { (0...49407).contains($0) }, "bad token ids \(ids)")
}
