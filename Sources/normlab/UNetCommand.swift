import ArgumentParser
import Foundation
import Inference
import NPYFormat

/// `normlab unet`: one U-Net forward pass on saved inputs, outputs saved per position.
struct UNetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unet",
        abstract: "Run a diffusers U-Net on a latent and save the outputs of chosen blocks/layers as .npy.",
        discussion: """
            Positions use PyTorch module paths with bracketed indices, e.g. conv_in, down_blocks[2],
            down_blocks[0].attentions[1], mid_block.resnets[0], up_blocks[1], up_blocks[1].upsamplers[0],
            conv_out. Each output has the semantics of a forward hook on that submodule (for a tuple
            output, element 0) and is written as OUTDIR/<position>.npy (float32). The forward pass
            stops after the last requested position.

            Example:
              normlab unet --model ./stable-diffusion-v1-5 --latent lat.npy --timestep 50 \\
                --context ctx.npy --positions up_blocks[1],mid_block --out ./reprs
            """)

    @Option(help: "A diffusers pipeline folder (with unet/) or a folder holding config.json and the weights.")
    var model: String

    @Option(help: "Latent, float32 .npy of shape (1, 4, h, w) (a batch B is accepted too).")
    var latent: String

    @Option(help: "Integer timestep (0…999).")
    var timestep: Int

    @Option(help: "Text embedding, float32 .npy of shape (1, 77, cross_attention_dim).")
    var context: String

    @Option(help: "Comma-separated positions to save.")
    var positions: String

    @Option(help: "Output folder (created if missing).")
    var out: String

    func run() throws {
        keepFreedMemoryForReuse()
        let unet = try UNet(modelDirectory: model)
        let wanted = try parsePositions(positions, model: unet)
        let x = try loadTensor(latent, rank: 4, what: "latent")
        let ctx = try loadTensor(context, rank: 3, what: "context")
        let outputs = try unet(x, timestep: timestep, context: ctx, positions: wanted)
        try writePositions(outputs, order: wanted, to: out)
    }
}

func loadTensor(_ path: String, rank: Int, what: String) throws -> Tensor {
    let (shape, values) = try NPY.readFloats(path: path)
    guard shape.count == rank else {
        throw ValidationError("\(path): \(what) must have \(rank) dimensions, found shape \(shape)")
    }
    return Tensor(shape: shape, data: values)
}

/// Writes OUTDIR/<position>.npy (float32, hook shapes) for each requested position, in request order.
func writePositions(_ outputs: [UNetPosition: Tensor], order: [UNetPosition], to out: String) throws {
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    for p in order {
        let t = outputs[p]!
        let path = (out as NSString).appendingPathComponent("\(p).npy")
        try NPY.write(t.data, shape: t.shape, to: path)
        print("\(path)  \(t.shape)")
    }
}
