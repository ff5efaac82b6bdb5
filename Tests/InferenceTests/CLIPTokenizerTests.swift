import Foundation
import Testing
@testable import Inference

/// Token ids against transformers' CLIPTokenizer (Tests/FixtureGenerators/make_tokenizer_fixtures.py):
/// empty prompt, punctuation, digits, unicode, whitespace, contractions, literal special tokens and
/// a prompt over 77 tokens, for the SD-1.5 and SD-2.1 pad conventions.
@Suite struct CLIPTokenizerTests {
    @Test(arguments: ["sd15", "sd21"])
    func idsMatchTransformers(_ model: String) throws {
        let root = try Fixture.root() + "/tokenizer"
        guard case .object(let expected) = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: "\(root)/expected_ids.json"))),
              case .array(let prompts)? = expected["prompts"], case .object(let ids)? = expected["ids"], case .array(let rows)? = ids[model] else {
            Issue.record("bad expected_ids.json"); return
        }
        let tok = try CLIPTokenizer(directory: "\(root)/\(model)", vocabularyDirectory: "\(root)/sd15")
        for (p, row) in zip(prompts, rows) {
            guard case .string(let prompt) = p, case .array(let want) = row else { continue }
            let wantIDs = want.compactMap { if case .number(let n) = $0 { return Int(n) }; return nil }
            #expect(try tok.encode(prompt) == wantIDs, "\(model): \(prompt.debugDescription)")
        }
    }
}
