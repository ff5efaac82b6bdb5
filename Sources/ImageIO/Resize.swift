/// Pillow's `Image.resize(size, Image.BICUBIC)` for 8-bit images, reproduced step by step from
/// `libImaging/Resample.c` so prepared datasets match the paper's Python preprocessing byte for
/// byte: antialiased (the kernel widens by the scale when shrinking), a = −0.5, coefficients in
/// 22-bit fixed point, horizontal pass first, then vertical.
public enum PillowResize {
    static let precisionBits = 32 - 8 - 2

    static func bicubic(_ x: Double) -> Double {
        let a = -0.5, x = abs(x)
        if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0
    }

    /// Per output pixel: first input index, tap count, fixed-point weights (`ksize` each).
    struct Coefficients {
        var ksize: Int
        var bounds: [(min: Int, count: Int)]
        var weights: [Int32]
    }

    static func coefficients(inSize: Int, outSize: Int) -> Coefficients {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = 2.0 * filterScale
        let ksize = Int(support.rounded(.up)) * 2 + 1
        var bounds: [(Int, Int)] = [], weights = [Int32](repeating: 0, count: outSize * ksize)
        var k = [Double](repeating: 0, count: ksize)
        for xx in 0..<outSize {
            let center = (Double(xx) + 0.5) * scale
            let xmin = max(Int(center - support + 0.5), 0)
            let xmax = min(Int(center + support + 0.5), inSize) - xmin
            var total = 0.0
            for x in 0..<xmax {
                k[x] = bicubic((Double(x + xmin) - center + 0.5) / filterScale)
                total += k[x]
            }
            for x in 0..<xmax {
                let w = total != 0 ? k[x] / total : k[x]
                let scaled = w * Double(1 << precisionBits)
                weights[xx * ksize + x] = Int32(w < 0 ? (scaled - 0.5).rounded(.towardZero) : (scaled + 0.5).rounded(.towardZero))
            }
            bounds.append((xmin, xmax))
        }
        return Coefficients(ksize: ksize, bounds: bounds, weights: weights)
    }

    static func clip8(_ v: Int32) -> UInt8 {
        let s = v >> Int32(precisionBits)
        return s < 0 ? 0 : s > 255 ? 255 : UInt8(s)
    }

    public static func bicubic(_ img: Image8, width: Int, height: Int) -> Image8 {
        var out = img
        if width != img.width { out = horizontal(out, to: width) }
        if height != img.height { out = vertical(out, to: height) }
        return out
    }

    static func horizontal(_ img: Image8, to width: Int) -> Image8 {
        let c = coefficients(inSize: img.width, outSize: width), ch = img.channels
        var out = [UInt8](repeating: 0, count: width * img.height * ch)
        for y in 0..<img.height {
            for xx in 0..<width {
                let (xmin, count) = c.bounds[xx]
                for band in 0..<ch {
                    var ss: Int32 = 1 << Int32(precisionBits - 1)
                    for x in 0..<count {
                        ss &+= Int32(img.pixels[(y * img.width + xmin + x) * ch + band]) &* c.weights[xx * c.ksize + x]
                    }
                    out[(y * width + xx) * ch + band] = clip8(ss)
                }
            }
        }
        return Image8(width: width, height: img.height, channels: ch, pixels: out)
    }

    static func vertical(_ img: Image8, to height: Int) -> Image8 {
        let c = coefficients(inSize: img.height, outSize: height), ch = img.channels, w = img.width
        var out = [UInt8](repeating: 0, count: w * height * ch)
        for yy in 0..<height {
            let (ymin, count) = c.bounds[yy]
            for i in 0..<(w * ch) {
                var ss: Int32 = 1 << Int32(precisionBits - 1)
                for y in 0..<count {
                    ss &+= Int32(img.pixels[(ymin + y) * w * ch + i]) &* c.weights[yy * c.ksize + y]
                }
                out[yy * w * ch + i] = clip8(ss)
            }
        }
        return Image8(width: w, height: height, channels: ch, pixels: out)
    }
}
