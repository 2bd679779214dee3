"""Seeded random-weight CLIP and SAM models with the real architectures but small widths/depths.

Used for tests and for the demo bundle.  The vision tower keeps 10 blocks so that CAA's "last 8
layers" is a real choice; the text tower keeps the real 49,408-token vocabulary and 77 positions.
"""
from __future__ import annotations

import math

import torch
from transformers import CLIPConfig, CLIPModel, SamConfig, SamModel

# Random 16-d image/text features have a cosine spread about ten times wider than real CLIP's, so
# the released logit scale (100) would saturate the softmax and zero every CAM; 10 keeps the tiny
# model's logit spread (about +-2) close to what the real model produces.
TINY_LOGIT_SCALE = 10.0

TINY_CLIP = {
    "text_config": {
        "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
        "max_position_embeddings": 77, "vocab_size": 49408, "projection_dim": 16, "hidden_act": "quick_gelu",
    },
    "vision_config": {
        "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 10, "num_attention_heads": 2,
        "image_size": 224, "patch_size": 16, "projection_dim": 16, "hidden_act": "quick_gelu",
    },
    "projection_dim": 16,
    "logit_scale_init_value": math.log(TINY_LOGIT_SCALE),
}

# SAM input size of the tiny model. The real models use 1024 (64x64 embedding, 256x256 mask logits);
# the tiny one uses 256 (16x16, 64x64): same architecture and code paths, but the per-point mask
# decoder (which repeats the image embedding for every prompt) is 16x cheaper, which keeps the test
# suite and the demo fast on a CPU.
TINY_SAM_INPUT = 256

TINY_SAM = {
    "vision_config": {
        "hidden_size": 32, "output_channels": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
        "image_size": TINY_SAM_INPUT, "patch_size": 16, "window_size": 14, "global_attn_indexes": [1],
        "num_pos_feats": 16, "mlp_dim": 64,
    },
    "prompt_encoder_config": {"hidden_size": 32, "image_size": TINY_SAM_INPUT, "patch_size": 16, "mask_input_channels": 16},
    "mask_decoder_config": {
        "hidden_size": 32, "mlp_dim": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
        "iou_head_hidden_dim": 32,
    },
}


def _randomise(model: torch.nn.Module, generator: torch.Generator) -> None:
    """Give every parameter a non-trivial random value (HF initialises SAM's encoder near zero and
    LayerNorms to the identity, which would hide bugs in equivalence tests)."""
    with torch.no_grad():
        for name, param in sorted(model.named_parameters()):
            if param.dim() >= 2:
                fan_in = max(1, param[0].numel())
                param.copy_(torch.randn(param.shape, generator=generator) / math.sqrt(fan_in))
            elif param.dim() == 1 and name.endswith("weight"):
                param.copy_(1.0 + 0.1 * torch.randn(param.shape, generator=generator))
            elif param.dim() == 1:
                param.copy_(0.05 * torch.randn(param.shape, generator=generator))


def tiny_clip(seed: int = 0) -> CLIPModel:
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = CLIPModel(CLIPConfig(**TINY_CLIP)).eval()
    _randomise(model, generator)
    with torch.no_grad():
        model.logit_scale.fill_(math.log(TINY_LOGIT_SCALE))
    return model


def tiny_sam(seed: int = 0) -> SamModel:
    generator = torch.Generator().manual_seed(seed + 1)
    torch.manual_seed(seed + 1)
    model = SamModel(SamConfig(**TINY_SAM)).eval()
    _randomise(model, generator)
    return model
