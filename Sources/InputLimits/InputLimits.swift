/// The bounds normlab puts on what a file or request from outside may make it allocate or compute.
/// Every parser of outside data checks against these before allocating; the README's "Limits"
/// section lists them, and the fuzz targets in `Fuzz/` exercise them.
public enum InputLimits {
    /// Rank of an `.npy` or safetensors array (numpy's own NPY_MAXDIMS is 64).
    public static let maxRank = 64
    /// Length of an `.npy` header dict (numpy's `np.load` refuses longer ones by default: max_header_size).
    public static let maxNPYHeaderBytes = 10_000
    /// An array read whole into memory (labels, prototypes, latents, text embeddings); bigger
    /// arrays (features) are memory-mapped instead.
    public static let maxInMemoryArrayBytes = 1 << 32
    /// Nesting depth of any JSON document (configs, tokenizer files, label folders, API bodies).
    public static let maxJSONDepth = 64
    /// Pixels of a decoded image: Pillow's DecompressionBombError threshold (2 × MAX_IMAGE_PIXELS).
    public static let maxImagePixels = 178_956_970
    /// Thresholds of one detection sweep (`--thresholds`, the API's `thresholds=`): `a:b:n` sizes a table by n.
    public static let maxThresholds = 10_000
    /// A prompt's UTF-8 length; CLIP reads only its first 75 tokens, and BPE is quadratic in a word's length.
    public static let maxPromptBytes = 4096
}

/// A limit of `InputLimits` that an input exceeds; the message names the limit and its value.
public struct LimitError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension InputLimits {
    /// The product of `dims` times `elementSize`, or nil when it does not fit in an `Int`.
    /// Shapes from files multiply to the byte counts that size buffers and bounds checks, so an
    /// overflow must be refused before any of them is used.
    public static func checkedByteCount(_ dims: [Int], elementSize: Int = 1) -> Int? {
        var total = elementSize
        for d in dims {
            guard d >= 0 else { return nil }
            let (p, overflow) = total.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            total = p
        }
        return total
    }

    /// Throws when `bytes` (JSON text) nests arrays/objects deeper than `maxJSONDepth`. A linear scan
    /// that skips strings, run before a recursive decoder sees the document.
    public static func checkJSONDepth(_ bytes: some Sequence<UInt8>, what: String) throws {
        var depth = 0, inString = false, escaped = false
        for b in bytes {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > maxJSONDepth { throw LimitError("\(what): JSON nested deeper than the limit of \(maxJSONDepth) levels") }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
    }
}
