import SafeTensors

extension UNetConfig {
    /// Reads `files`' config and opens its weights, checking before any layer is built that the file
    /// holds the blocks, layers and channel counts the config describes. A config that claims more than
    /// its weights hold then fails by name instead of sizing buffers from the claim.
    public static func load(_ files: UNetFiles) throws -> (config: UNetConfig, weights: SafeTensorsFile) {
        let config = try UNetConfig(contentsOf: files.config)
        let weights = try SafeTensorsFile(path: files.weights)
        try config.checkAgreement(with: weights)
        return (config, weights)
    }

    /// Block and layer counts from the tensor names, channel counts from a few tensor shapes.
    /// Every other shape is checked as its tensor is loaded (`SafeTensorsFile.floats(_:shape:)`).
    public func checkAgreement(with file: SafeTensorsFile) throws {
        let names = Array(file.tensors.keys)
        func expect(_ prefix: String, count: Int, _ what: String) throws {
            let found = Self.indices(after: prefix, in: names)
            guard found == Set(0..<count) else {
                throw ConfigError(file: file.path, message: "the config implies \(count) \(what) (\(prefix)0…\(count - 1)) but the weights hold \(found.count)")
            }
        }
        func expectShape(_ name: String, _ shape: [Int]) throws { _ = try file.info(name, shape: shape) }
        let blocks = blockOutChannels.count
        try expect("down_blocks.", count: blocks, "down blocks")
        try expect("up_blocks.", count: blocks, "up blocks")
        try expectShape("conv_in.weight", [blockOutChannels[0], inChannels, convInKernel, convInKernel])
        try expectShape("conv_out.weight", [outChannels, blockOutChannels[0], convOutKernel, convOutKernel])
        for i in 0..<blocks {
            try expect("down_blocks.\(i).resnets.", count: layersPerBlock, "resnets in down block \(i) (layers_per_block)")
            try expect("up_blocks.\(i).resnets.", count: layersPerBlock + 1, "resnets in up block \(i) (layers_per_block + 1)")
            try expectShape("down_blocks.\(i).resnets.0.norm1.bias", [i == 0 ? blockOutChannels[0] : blockOutChannels[i - 1]])
            try expectShape("down_blocks.\(i).resnets.0.conv1.bias", [blockOutChannels[i]])
            if downBlocks[i] == .crossAttn {
                try expect("down_blocks.\(i).attentions.0.transformer_blocks.", count: transformerLayersPerBlock,
                           "transformer layers in down block \(i) (transformer_layers_per_block)")
                let toK = try file.info("down_blocks.\(i).attentions.0.transformer_blocks.0.attn2.to_k.weight")
                guard toK.shape.last == crossAttentionDim else {
                    throw ConfigError(file: file.path, message: "cross_attention_dim = \(crossAttentionDim) but attn2.to_k in down block \(i) takes \(toK.shape.last ?? 0)")
                }
            }
        }
    }

    /// The integers that follow `prefix` up to the next `.` in `names` ("down_blocks." → 0, 1, 2, 3).
    static func indices(after prefix: String, in names: [String]) -> Set<Int> {
        Set(names.compactMap { name in
            guard name.hasPrefix(prefix) else { return nil }
            return Int(name.dropFirst(prefix.count).prefix { $0 != "." })
        })
    }
}
