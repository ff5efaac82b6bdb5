import Foundation
import InputLimits

/// The CLIP byte-level BPE tokenizer as transformers' `CLIPTokenizer` applies it for Stable Diffusion
/// (docs/reference-pipeline.md §4.2): NFC + whitespace folding + lowercase, CLIP's pre-tokenising regex,
/// GPT-2 byte-to-unicode mapping, BPE by merge rank, then `[BOS] + ids[:75] + [EOS]` padded to 77.
public struct CLIPTokenizer: Sendable {
    public let bos = 49406
    public let eos = 49407
    public let padID: Int
    public let maxLength = 77
    let encoder: [String: Int]
    let ranks: [String: Int]            // "a b" → merge rank
    let specialTokens: [String: Int]    // added tokens split out before BPE
    let byteToChar: [Character]

    public struct LoadError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Loads `vocab.json` + `merges.txt` (the Hub layout) or `tokenizer.json` (transformers 5) from a
    /// tokenizer folder; the pad token comes from `special_tokens_map.json`/`tokenizer_config.json`
    /// unless given.
    public init(directory dir: String, padToken: String? = nil, vocabularyDirectory: String? = nil) throws {
        let vdir = vocabularyDirectory ?? dir
        let fm = FileManager.default
        var encoder: [String: Int]
        var merges: [String]
        if fm.fileExists(atPath: "\(vdir)/vocab.json") {
            encoder = Self.tokenIDs(try JSONValue.object(contentsOf: "\(vdir)/vocab.json"))
            let text = try String(contentsOfFile: "\(vdir)/merges.txt", encoding: .utf8)
            merges = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init).filter { !$0.hasPrefix("#version") }
        } else if fm.fileExists(atPath: "\(vdir)/tokenizer.json") {
            (encoder, merges) = try Self.readTokenizerJSON("\(vdir)/tokenizer.json")
        } else {
            throw LoadError(message: "\(vdir): no vocab.json/merges.txt or tokenizer.json (CLIP tokenizer files)")
        }
        guard encoder["<|startoftext|>"] == 49406, encoder["<|endoftext|>"] == 49407 else {
            throw LoadError(message: "\(vdir): not the CLIP vocabulary (<|startoftext|> must be 49406, <|endoftext|> 49407)")
        }
        self.encoder = encoder
        ranks = Dictionary(merges.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let pad = try padToken ?? Self.readPadToken(dir) ?? "<|endoftext|>"
        guard let padID = encoder[pad] else { throw LoadError(message: "pad token '\(pad)' is not in the vocabulary") }
        self.padID = padID
        var special = ["<|startoftext|>": 49406, "<|endoftext|>": 49407]
        // transformers registers a non-default pad token ("!" in SD-2.1) as an added token, so a literal
        // "!" in a prompt maps to its id directly instead of going through BPE.
        special[pad] = padID
        specialTokens = special
        byteToChar = Self.bytesToUnicode()
    }

    /// Token ids for one prompt: exactly 77, truncated and padded like `padding="max_length", truncation=True`.
    /// Prompts longer than `InputLimits.maxPromptBytes` are refused.
    public func encode(_ prompt: String) throws -> [Int] {
        guard prompt.utf8.count <= InputLimits.maxPromptBytes else {
            throw LimitError("prompt of \(prompt.utf8.count) bytes is over the limit of \(InputLimits.maxPromptBytes) (CLIP reads only \(maxLength - 2) tokens)")
        }
        var ids: [Int] = []
        // Words after the first 75 tokens cannot change the result, so encoding stops there.
        for (piece, isSpecial) in splitSpecial(prompt) where ids.count < maxLength - 2 {
            if isSpecial { ids.append(specialTokens[piece]!); continue }
            for word in pretokenize(normalize(piece)) where ids.count < maxLength - 2 { ids += bpe(word) }
        }
        let body = Array(ids.prefix(maxLength - 2))
        return [bos] + body + [eos] + Array(repeating: padID, count: maxLength - 2 - body.count)
    }

    func normalize(_ s: String) -> String {
        let nfc = s.precomposedStringWithCanonicalMapping
        let folded = nfc.replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression)
        return folded.lowercased()
    }

    /// Splits out the special tokens (longest first), keeping the text between them.
    func splitSpecial(_ s: String) -> [(String, Bool)] {
        var out: [(String, Bool)] = []
        var rest = Substring(s)
        let specials = specialTokens.keys.sorted { $0.count > $1.count }
        while !rest.isEmpty {
            var earliest: (Range<Substring.Index>, String)?
            for sp in specials {
                if let r = rest.range(of: sp), earliest == nil || r.lowerBound < earliest!.0.lowerBound { earliest = (r, sp) }
            }
            guard let (r, sp) = earliest else { out.append((String(rest), false)); break }
            if r.lowerBound > rest.startIndex { out.append((String(rest[..<r.lowerBound]), false)) }
            out.append((sp, true))
            rest = rest[r.upperBound...]
        }
        return out
    }

    static let pattern = try! NSRegularExpression(
        pattern: #"'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"#, options: [])

    func pretokenize(_ s: String) -> [String] {
        let ns = s as NSString
        return Self.pattern.matches(in: s, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range) }
    }

    /// Byte-level BPE of one pre-token: characters of its UTF-8 bytes, `</w>` on the last one,
    /// then repeatedly merge the adjacent pair with the lowest rank.
    func bpe(_ word: String) -> [Int] {
        var symbols = word.utf8.map { String(byteToChar[Int($0)]) }
        guard !symbols.isEmpty else { return [] }
        symbols[symbols.count - 1] += "</w>"
        while symbols.count > 1 {
            var best: (rank: Int, index: Int)?
            for i in 0..<(symbols.count - 1) {
                if let r = ranks[symbols[i] + " " + symbols[i + 1]], best == nil || r < best!.rank { best = (r, i) }
            }
            guard let (_, i) = best else { break }
            let merged = symbols[i] + symbols[i + 1]
            // Merge every occurrence of this pair, left to right (as the reference BPE does).
            var next: [String] = []
            var j = 0
            while j < symbols.count {
                if j < symbols.count - 1, symbols[j] == symbols[i], symbols[j + 1] == symbols[i + 1] {
                    next.append(merged)
                    j += 2
                } else {
                    next.append(symbols[j])
                    j += 1
                }
            }
            symbols = next
        }
        return symbols.map { encoder[$0] ?? eos }
    }

    /// GPT-2's table: printable bytes map to themselves, the others to U+0100 + n.
    static func bytesToUnicode() -> [Character] {
        let printable = Array(33...126) + Array(161...172) + Array(174...255)
        var table = [Character](repeating: " ", count: 256)
        var n = 0
        for b in 0..<256 {
            if printable.contains(b) {
                table[b] = Character(Unicode.Scalar(UInt32(b))!)
            } else {
                table[b] = Character(Unicode.Scalar(UInt32(256 + n))!)
                n += 1
            }
        }
        return table
    }

    static func readPadToken(_ dir: String) throws -> String? {
        for file in ["special_tokens_map.json", "tokenizer_config.json"] {
            let path = "\(dir)/\(file)"
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let obj = try JSONValue.object(contentsOf: path)
            switch obj["pad_token"] {
            case .string(let s)?: return s
            case .object(let o)?: if case .string(let s)? = o["content"] { return s }
            default: continue
            }
        }
        return nil
    }

    /// Token ids of a vocabulary object; entries that are not integers in 0…Int32.max are dropped
    /// (transformers' ids are int32), so every id can index an embedding table after its range check.
    static func tokenIDs(_ vocab: [String: JSONValue]) -> [String: Int] { vocab.compactMapValues(tokenID) }

    static func tokenID(_ value: JSONValue) -> Int? {
        guard let id = value.exactInt, (0...Int(Int32.max)).contains(id) else { return nil }
        return id
    }

    static func readTokenizerJSON(_ path: String) throws -> ([String: Int], [String]) {
        let obj = try JSONValue.object(contentsOf: path)
        guard case .object(let model)? = obj["model"], case .object(let vocab)? = model["vocab"],
              case .array(let mergeList)? = model["merges"] else {
            throw LoadError(message: "\(path): no model.vocab / model.merges")
        }
        let encoder = tokenIDs(vocab)
        let merges: [String] = mergeList.compactMap {
            switch $0 {
            case .string(let s): return s
            case .array(let pair): return pair.compactMap { if case .string(let s) = $0 { return s }; return nil }.joined(separator: " ")
            default: return nil
            }
        }
        var full = encoder
        if case .array(let added)? = obj["added_tokens"] {
            for case .object(let t) in added {
                if case .string(let s)? = t["content"], let id = t["id"].flatMap(tokenID) { full[s] = id }
            }
        }
        return (full, merges)
    }
}
