import Domain
import Extraction
import ImageIO
import Inference

/// The shapes an experiment run works with, from the image size and the U-Net's layout (never from a
/// second list): each layer's (C, H, W), its token size in pixels (image width ÷ map width, as the
/// reference computes it), the label grids, and the checks that refuse inputs the experiments cannot use.
struct ExperimentGeometry {
    let imageWidth: Int, imageHeight: Int
    let shapes: [UNetPosition: [Int]]
    let tokenSize: [UNetPosition: Int]
    /// The distinct token sizes, ascending: one cropped-image pass each.
    let tokenSizes: [Int]
    let layers: [UNetPosition]
    /// The patch labels' grid (`up_blocks[1].upsamplers[0]`); nil when the U-Net has none.
    let labelGridPosition: UNetPosition?
    /// The point labels' grid (`conv_in`).
    let pointGrid: (height: Int, width: Int)

    init(unet: UNet, layers: [UNetPosition], imageWidth: Int, imageHeight: Int) throws {
        guard imageWidth % 8 == 0, imageHeight % 8 == 0 else {
            throw ExperimentError("the images are \(imageWidth)×\(imageHeight); sides must be multiples of 8 (prepare them with `normlab dataset add --center-crop-resize 512`)")
        }
        (self.imageWidth, self.imageHeight, self.layers) = (imageWidth, imageHeight, layers)
        let all = unet.config.layout.outputShapes(latentHeight: imageHeight / 8, latentWidth: imageWidth / 8, channels: unet.config.inChannels)
        shapes = all
        tokenSize = Dictionary(uniqueKeysWithValues: layers.map { ($0, imageWidth / all[$0]![2]) })
        tokenSizes = Set(tokenSize.values).sorted()
        labelGridPosition = try? ExperimentLayers.labelGrid(unet: unet)
        let convInPosition = try unet.position(named: "conv_in")
        let convIn = all[convInPosition]!
        pointGrid = (convIn[1], convIn[2])
    }

    var labelGrid: (height: Int, width: Int) {
        let s = shapes[labelGridPosition!]!
        return (s[1], s[2])
    }

    /// Decodes an image at its native size, as registered.
    static func load(_ path: String) throws -> Image8 { try ImagePreparation().load(path) }

    /// The size every image has; images of different sizes are refused with the sizes named.
    static func commonSize(of paths: [String]) throws -> (width: Int, height: Int) {
        var seen: [String: (count: Int, example: String)] = [:]
        var order: [String] = []
        for path in paths {
            let img = try load(path)
            let key = "\(img.width)×\(img.height)"
            if seen[key] == nil { order.append(key) }
            seen[key, default: (0, path)].count += 1
        }
        guard order.count == 1 else {
            let list = order.map { "\($0) (\(seen[$0]!.count) image\(seen[$0]!.count == 1 ? "" : "s"), e.g. \(seen[$0]!.example))" }.joined(separator: ", ")
            throw ExperimentError("the dataset's images have different sizes: \(list); the experiments batch them like the reference, which needs one size (prepare them with `normlab dataset add --center-crop-resize 512`)")
        }
        let parts = order[0].split(separator: "×").map { Int($0)! }
        return (parts[0], parts[1])
    }

    /// Labels must name an image of the dataset and a cell of their grid.
    func check(_ rows: [LabelRow], grid: (height: Int, width: Int), name: String, imageCount: Int) throws {
        for (i, r) in rows.enumerated() {
            guard (0..<imageCount).contains(r.image) else {
                throw ExperimentError("\(name) row \(i) (\(r.image), \(r.x), \(r.y)): image \(r.image) is not in the dataset (\(imageCount) images)")
            }
            guard (0..<grid.width).contains(r.x), (0..<grid.height).contains(r.y) else {
                throw ExperimentError("\(name) row \(i) (\(r.image), \(r.x), \(r.y)): (x, y) is outside the \(grid.width)×\(grid.height) grid of \(name == "--labels" ? "up_blocks[1].upsamplers[0]" : "conv_in") for \(imageWidth)×\(imageHeight) images")
            }
        }
    }

    /// Token groups need an inside: every map at least 3×3, and a cropped image the pipeline can take.
    func checkTokenGroups() throws {
        for p in layers {
            let (h, w) = (shapes[p]![1], shapes[p]![2])
            guard h >= 3, w >= 3 else {
                throw ExperimentError("layer \(p) has a \(h)×\(w) map at \(imageWidth)×\(imageHeight); token-group similarity needs at least 3×3 tokens (use larger images or leave the layer out with --positions)")
            }
            let t = tokenSize[p]!
            let (cw, ch) = (imageWidth - 2 * t, imageHeight - 2 * t)
            guard cw > 0, ch > 0, cw % 8 == 0, ch % 8 == 0 else {
                throw ExperimentError("layer \(p): cropping one token (\(t) px) from every side of \(imageWidth)×\(imageHeight) images gives \(cw)×\(ch), which the pipeline cannot take (sides must be positive multiples of 8)")
            }
        }
    }

    /// The probe trains on the first int(0.8·N) images and tests on the rest: both must be non-empty.
    func checkProbe(images n: Int) throws {
        let train = Int(0.8 * Double(n))
        guard train >= 1, n - train >= 1 else {
            throw ExperimentError("experiment 'position' trains on the first int(0.8·N) images and tests on the rest; \(n) images leave \(train) for training and \(n - train) for testing (use at least 2)")
        }
    }

    /// The reference's `img.crop((t, t, w − t, h − t))`.
    func crop(_ img: Image8, token t: Int) throws -> Image8 {
        img.cropped(left: t, top: t, width: img.width - 2 * t, height: img.height - 2 * t)
    }
}
