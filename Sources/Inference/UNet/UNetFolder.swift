import Foundation
import SafeTensors

/// Locates a pipeline component's `config.json` and weights: `DIR/<subfolder>/…` or `DIR/…` directly.
public struct ModelFiles: Sendable {
    public let config: String
    public let weights: String

    public init(directory dir: String, subfolder: String, weightNames: [String]) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw ConfigError(file: dir, message: "model folder not found")
        }
        for folder in [(dir as NSString).appendingPathComponent(subfolder), dir] {
            let config = (folder as NSString).appendingPathComponent("config.json")
            guard fm.fileExists(atPath: config) else { continue }
            for name in weightNames {
                let weights = (folder as NSString).appendingPathComponent(name)
                if fm.fileExists(atPath: weights) {
                    self.config = config
                    self.weights = weights
                    return
                }
            }
            throw ConfigError(file: folder, message: "has config.json but no \(weightNames.joined(separator: " or "))")
        }
        throw ConfigError(file: dir, message: "not a diffusers model folder: expected \(subfolder)/config.json (or config.json) with \(weightNames.joined(separator: " or "))")
    }
}

/// Locates a U-Net's `config.json` and weights in a diffusers pipeline folder (`DIR/unet/…`) or in a
/// folder that holds them directly. The fp32 file is preferred over the `.fp16` variant.
public struct UNetFiles: Sendable {
    public let config: String
    public let weights: String

    static let weightNames = ["diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors"]

    public init(modelDirectory dir: String) throws {
        let files = try ModelFiles(directory: dir, subfolder: "unet", weightNames: Self.weightNames)
        config = files.config
        weights = files.weights
    }
}

extension UNet {
    /// Loads a U-Net from a diffusers folder. The config's counts are checked against the weight file
    /// first, then every weight's shape as it is loaded. `upTo` (comma-separated position names) loads
    /// only the layers a pass to those positions runs.
    public init(modelDirectory dir: String, upTo names: String? = nil) throws {
        let (config, weights) = try UNetConfig.load(UNetFiles(modelDirectory: dir))
        try self.init(config: config, weights: weights, upTo: names.map { try config.positions(list: $0) })
    }
}
