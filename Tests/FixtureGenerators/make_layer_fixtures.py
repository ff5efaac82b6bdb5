#!/usr/bin/env python3
"""Golden layer lists for normlab's model description, from diffusers itself.

For the SD-1.5 and SD-2.1 U-Net configs (copies in Tests/InferenceTests/Fixtures/layers/) this builds
diffusers' UNet2DConditionModel on the meta device (no weights, no arithmetic), registers a forward
hook on every position normlab names (PyTorch module paths with bracketed indices, sdhelper's syntax)
and runs one forward pass. It records the order in which the hooks fire and each output's shape
(tuple outputs: element 0) for a square and a non-square latent, plus the layer list of the paper's
experiment code (`sd15_all_blocks` in run_experiments.py / plot.py of the paper's public repository,
copied verbatim below).

Run from the repository root:  ../refenv/bin/python Tests/FixtureGenerators/make_layer_fixtures.py
Writes Tests/InferenceTests/Fixtures/layers/layers.json. CI only reads the committed output.
"""
import json
import os

import torch
from diffusers import UNet2DConditionModel

from make_unet_fixtures import positions  # every hookable position name -> module

DIR = os.path.join(os.path.dirname(__file__), "..", "InferenceTests", "Fixtures", "layers")
LATENTS = [(64, 64), (60, 80)]

# The paper's layer list, verbatim (flattened in dict order as the paper's code does).
PAPER_BLOCKS = {
    'conv_in': ['conv_in'],
    'down_blocks[0]': ['down_blocks[0].resnets[0]', 'down_blocks[0].attentions[0]', 'down_blocks[0].resnets[1]',
                       'down_blocks[0].attentions[1]', 'down_blocks[0].downsamplers[0]'],
    'down_blocks[1]': ['down_blocks[1].resnets[0]', 'down_blocks[1].attentions[0]', 'down_blocks[1].resnets[1]',
                       'down_blocks[1].attentions[1]', 'down_blocks[1].downsamplers[0]'],
    'down_blocks[2]': ['down_blocks[2].resnets[0]', 'down_blocks[2].attentions[0]', 'down_blocks[2].resnets[1]',
                       'down_blocks[2].attentions[1]', 'down_blocks[2].downsamplers[0]'],
    'down_blocks[3]': ['down_blocks[3].resnets[0]', 'down_blocks[3].resnets[1]'],
    'mid_block': ['mid_block.resnets[0]', 'mid_block.attentions[0]', 'mid_block.resnets[1]'],
    'up_blocks[0]': ['up_blocks[0].resnets[0]', 'up_blocks[0].resnets[1]', 'up_blocks[0].upsamplers[0]'],
    'up_blocks[1]': ['up_blocks[1].resnets[0]', 'up_blocks[1].attentions[0]', 'up_blocks[1].resnets[1]',
                     'up_blocks[1].attentions[1]', 'up_blocks[1].resnets[2]', 'up_blocks[1].attentions[2]',
                     'up_blocks[1].upsamplers[0]'],
    'up_blocks[2]': ['up_blocks[2].resnets[0]', 'up_blocks[2].attentions[0]', 'up_blocks[2].resnets[1]',
                     'up_blocks[2].attentions[1]', 'up_blocks[2].resnets[2]', 'up_blocks[2].attentions[2]',
                     'up_blocks[2].upsamplers[0]'],
    'up_blocks[3]': ['up_blocks[3].resnets[0]', 'up_blocks[3].attentions[0]', 'up_blocks[3].resnets[1]',
                     'up_blocks[3].attentions[1]', 'up_blocks[3].resnets[2]', 'up_blocks[3].attentions[2]'],
    'conv_out': ['conv_out'],
}


def record(config, h, w):
    with torch.device("meta"):
        unet = UNet2DConditionModel.from_config(config)
        fired = []
        for name, module in positions(unet).items():
            def hook(_m, _i, o, name=name):
                t = o[0] if isinstance(o, tuple) else o
                fired.append([name, list(t.shape[1:])])
            module.register_forward_hook(hook)
        sample = torch.empty(1, config["in_channels"], h, w)
        context = torch.empty(1, 77, config["cross_attention_dim"])
        unet(sample, 50, encoder_hidden_states=context)
    return fired


def main():
    result = {"paper_layers": [b for blocks in PAPER_BLOCKS.values() for b in blocks], "models": {}}
    for model in ("sd15", "sd21"):
        with open(os.path.join(DIR, f"{model}_unet_config.json")) as f:
            config = json.load(f)
        result["models"][model] = [{"latent": [h, w], "hooks": record(config, h, w)} for h, w in LATENTS]
    with open(os.path.join(DIR, "layers.json"), "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
