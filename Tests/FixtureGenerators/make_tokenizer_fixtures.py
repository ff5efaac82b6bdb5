#!/usr/bin/env python3
"""CLIP tokenizer fixtures: tokenizer folders built from OpenAI's BPE merges (shipped in the
open-clip-torch wheel, MIT licence) the way the SD repositories lay them out, and the token ids
transformers' CLIPTokenizer gives for a set of prompts, for SD-1.5 (pad = <|endoftext|>) and SD-2.1
(pad = "!").

    ../refenv/bin/pip download --no-deps -d /tmp/oc open-clip-torch==3.3.0
    ../refenv/bin/python Tests/FixtureGenerators/make_tokenizer_fixtures.py /tmp/oc/open_clip_torch-3.3.0-py3-none-any.whl
"""
import gzip
import io
import json
import os
import sys
import zipfile

from transformers import CLIPTokenizer

OUT = os.path.join(os.path.dirname(__file__), "..", "InferenceTests", "Fixtures", "tokenizer")
PROMPTS = ["", "a photo of a cat", "A PHOTO of a Cat!!", "wow!! 42 cats, 3.5 dogs & 7% birds?", "naïve café",
           "em—dash and “quotes”", "日本語のテキスト", "tab\tand\nnewline   spaces", "it's they're we've I'm you'll he'd",
           "<|startoftext|>literal special<|endoftext|>", "x" * 5 + " " + " ".join(["word"] * 100)]


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]


def main(wheel):
    with zipfile.ZipFile(wheel) as z:
        text = gzip.decompress(z.read("open_clip/bpe_simple_vocab_16e6.txt.gz")).decode("utf-8")
    merges = [tuple(m.split()) for m in text.split("\n")[1:49152 - 256 - 2 + 1]]
    vocab = bytes_to_unicode()
    vocab = vocab + [v + "</w>" for v in vocab] + ["".join(m) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
    encoder = {tok: i for i, tok in enumerate(vocab)}
    assert len(encoder) == 49408
    results = {}
    for name, pad in (("sd15", "<|endoftext|>"), ("sd21", "!")):
        d = os.path.join(OUT, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "vocab.json"), "w", encoding="utf-8") as f:
            json.dump(encoder, f, ensure_ascii=False)
        with open(os.path.join(d, "merges.txt"), "w", encoding="utf-8") as f:
            f.write("#version: 0.2\n" + "\n".join(" ".join(m) for m in merges) + "\n")
        with open(os.path.join(d, "special_tokens_map.json"), "w") as f:
            json.dump({"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "pad_token": pad,
                       "unk_token": "<|endoftext|>"}, f)
        with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
            json.dump({"model_max_length": 77, "pad_token": pad, "bos_token": "<|startoftext|>",
                       "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
                       "tokenizer_class": "CLIPTokenizer"}, f)
        tok = CLIPTokenizer.from_pretrained(d)
        results[name] = [tok(p, padding="max_length", max_length=77, truncation=True).input_ids for p in PROMPTS]
    # One copy of the 1.4 MB vocabulary is enough: the SD-2.1 folder differs only in its pad token.
    for f in ("vocab.json", "merges.txt"):
        os.remove(os.path.join(OUT, "sd21", f))
    with open(os.path.join(OUT, "expected_ids.json"), "w", encoding="utf-8") as f:
        json.dump({"prompts": PROMPTS, "ids": results}, f, ensure_ascii=False)
    print("sd15 empty:", results["sd15"][0][:4], "sd21 empty:", results["sd21"][0][:4])


if __name__ == "__main__":
    main(sys.argv[1])
