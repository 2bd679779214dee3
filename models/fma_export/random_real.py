"""Seeded random-weight CLIP ViT-B/16 and SAM ViT-B/L/H at the **real sizes**, for benchmarks.

The architectures are exactly those of the released checkpoints (``openai/clip-vit-base-patch16``,
``facebook/sam-vit-{base,large,huge}``), so every tensor shape, FLOP and byte is the real one; only
the values are random.  Nothing is downloaded: the configs are written out below and the
tokenizer comes from the local BPE merges (as ``--tiny``).

Initialisation: ``tiny._randomise`` -- every matrix / conv kernel ``N(0, 1/fan_in)``
(fan_in = elements of one output row), LayerNorm weights ``1 + N(0, 0.1^2)``, other vectors
``N(0, 0.05^2)``.  With pre-LayerNorm blocks this keeps the residual stream at O(sqrt(depth)) and
every LayerNorm input sane at depth 32.  Hugging Face's own init would not do: it initialises
SAM's encoder near zero (``initializer_range`` 1e-10) and gives degenerate, identical masks.

SAM's random Fourier point/image encoding keeps its official ``N(0, 1)`` init (with
``1/sqrt(fan_in)`` every point prompt would look alike and all masks would be duplicates); the
encoder's absolute position embedding is a smooth random field (an 8x8 grid of ``N(0, 1)``
vectors, bicubically upsampled), and the decoder's transposed-convolution taps are equal within
each 2x2 kernel (no checkerboard texture in the masks).  Two
SAM output heads are then rescaled (``calibrate_sam_heads``: one seeded decoder pass on a random
embedding, no image encoder run) so that the automatic mask generator sees value ranges like the
released SAM's, which is what makes the benchmark's filter pass rates (predicted IoU > 0.86,
stability >= 0.92) and therefore the amount of post-processing realistic:

* the last layer of each hypernetwork MLP is scaled so that the low-res mask logits have a
  standard deviation of ``MASK_LOGIT_STD`` (with unit-scale random weights they are ~1 and no
  mask is ever stable; see the constant for the choice);
* the last layer of the IoU head is scaled to a spread of ``IOU_STD`` across point prompts around
  a mean of ``IOU_MEAN`` for every output (released SAM predicts IoUs of ~0.5..1.0; raw random
  outputs are ~-0.5 +- 0.2).

Both are plain multiplications / bias choices of random weights (seeded, deterministic); they do
not change any shape or cost.  The CLIP logit scale is the released one, exp = 100.

Limitation: the random decoder has no notion of "the object under the point"; its masks follow
image content and the smooth position field all over the image, so their bounding boxes cover most
of it and box NMS at IoU 0.7 keeps few of them (coffee.jpg, SAM ViT-B, 8x8 grid, official
thresholds: 192 candidates, 121 after the IoU filter, 56 after stability, 6 after NMS, 3 final;
with ``boxNmsThresh`` 1.0: 56 after NMS, 29 final).
"""
from __future__ import annotations

import copy
import json
import math
import os
import shutil
from pathlib import Path
from typing import Callable, Dict, Optional

import torch
from transformers import CLIPConfig, CLIPModel, SamConfig, SamModel

from .tiny import _randomise

CLIP_LOGIT_SCALE = 100.0

# openai/clip-vit-base-patch16
CLIP_B16 = {
    "text_config": {
        "hidden_size": 512, "intermediate_size": 2048, "num_hidden_layers": 12, "num_attention_heads": 8,
        "max_position_embeddings": 77, "vocab_size": 49408, "projection_dim": 512, "hidden_act": "quick_gelu",
        "layer_norm_eps": 1e-5,
    },
    "vision_config": {
        "hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12, "num_attention_heads": 12,
        "image_size": 224, "patch_size": 16, "projection_dim": 512, "hidden_act": "quick_gelu",
        "layer_norm_eps": 1e-5,
    },
    "projection_dim": 512,
    "logit_scale_init_value": math.log(CLIP_LOGIT_SCALE),
}

# facebook/sam-vit-{base,large,huge}: vision encoders; prompt encoder and mask decoder are the
# Hugging Face defaults, which are the released ones (hidden 256, decoder MLP 2048, 2 layers, 8
# heads, IoU head depth 3 / width 256, 16 mask-input channels).
SAM_VISION = {
    "vit-b": {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "global_attn_indexes": [2, 5, 8, 11]},
    "vit-l": {"hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16, "global_attn_indexes": [5, 11, 17, 23]},
    "vit-h": {"hidden_size": 1280, "num_hidden_layers": 32, "num_attention_heads": 16, "global_attn_indexes": [7, 15, 23, 31]},
}
SAM_ARCHS = tuple(SAM_VISION)

# Target std of the decoder's mask logits on the calibration probe. With 20 (about the released
# model's range) the random logit fields are so smooth that only near-full masks are stable; 100
# gives sharp-enough mask edges that ~30 % of the candidates of coffee.jpg pass the official
# predicted-IoU and stability thresholds (SAM ViT-B, 8x8 grid), with areas from 0 to 100 %.
MASK_LOGIT_STD = 100.0
POS_EMBED_GRID = 8
POS_EMBED_STD = 1.0
IOU_MEAN = 0.85
IOU_STD = 0.08


def clip_config_dict(overrides: Optional[Dict] = None) -> Dict:
    """The CLIP ViT-B/16 config (``overrides`` = ``{"text_config": {...}, "vision_config": {...}}``
    merged in, for shrunken test variants)."""
    cfg = copy.deepcopy(CLIP_B16)
    for key, value in (overrides or {}).items():
        if isinstance(value, dict):
            cfg[key].update(value)
        else:
            cfg[key] = value
    return cfg


def sam_config_dict(arch: str = "vit-h", overrides: Optional[Dict] = None) -> Dict:
    """The SAM config of ``arch`` (vit-b / vit-l / vit-h); ``overrides`` as in ``clip_config_dict``."""
    if arch not in SAM_VISION:
        raise ValueError(f"unknown SAM architecture {arch!r}; expected one of {', '.join(SAM_ARCHS)}")
    vision = dict(SAM_VISION[arch])
    vision.update({
        "output_channels": 256, "image_size": 1024, "patch_size": 16, "window_size": 14,
        "mlp_dim": 4 * vision["hidden_size"], "num_pos_feats": 128, "hidden_act": "gelu", "layer_norm_eps": 1e-6,
        "qkv_bias": True, "use_abs_pos": True, "use_rel_pos": True,
    })
    cfg = {"vision_config": vision, "prompt_encoder_config": {}, "mask_decoder_config": {}}
    for key, value in (overrides or {}).items():
        cfg[key].update(value)
    if "mlp_dim" not in (overrides or {}).get("vision_config", {}):
        cfg["vision_config"]["mlp_dim"] = 4 * cfg["vision_config"]["hidden_size"]
    return cfg


def random_clip(seed: int = 0, overrides: Optional[Dict] = None) -> CLIPModel:
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = CLIPModel(CLIPConfig(**clip_config_dict(overrides))).eval()
    _randomise(model, generator)
    with torch.no_grad():
        model.logit_scale.fill_(math.log(CLIP_LOGIT_SCALE))
    return model


def calibrate_sam_heads(model: SamModel, seed: int = 0, points: int = 8, mask_logit_std: float = MASK_LOGIT_STD,
                        iou_mean: float = IOU_MEAN, iou_std: float = IOU_STD) -> Dict[str, float]:
    """Rescale the (already random) last layers of the hypernetwork MLPs and of the IoU head so the
    decoder's outputs have the released model's value ranges (see the module docstring).

    Empirical and seeded: one decoder pass over ``points`` random point prompts on a seeded
    ``N(0, 1)`` image embedding (the encoder's neck ends in a LayerNorm, so real embeddings have
    unit variance as well); no image encoder run is needed.  Hypernetwork MLPs: weights and biases
    times ``mask_logit_std / std(logits)``.  IoU head: weights times ``iou_std / s`` (``s`` = std of
    the raw predictions across points, pooled over the outputs), biases set so each output's mean
    is ``iou_mean``.  Returns the measured raw statistics and the factors.
    """
    generator = torch.Generator().manual_seed(seed + 2)
    vision = model.config.vision_config
    size = int(vision.image_size)
    grid = size // int(vision.patch_size)
    embedding = torch.randn(1, int(vision.output_channels), grid, grid, generator=generator)
    coords = (torch.rand(1, points, 1, 2, generator=generator) * size)
    labels = torch.ones(1, points, 1, dtype=torch.long)
    decoder = model.mask_decoder
    head = decoder.iou_prediction_head.proj_out
    captured = {}
    hook = head.register_forward_hook(lambda module, args, output: captured.__setitem__("iou", output.detach()))
    try:
        with torch.no_grad():
            out = model(image_embeddings=embedding, input_points=coords, input_labels=labels, multimask_output=True)
    finally:
        hook.remove()
    logit_std = float(out.pred_masks.std())
    raw = captured["iou"].reshape(-1, captured["iou"].shape[-1])  # [points, 1 + multimask outputs]
    spread = float(raw.std(dim=0).pow(2).mean().sqrt())
    mask_scale = mask_logit_std / logit_std
    iou_scale = iou_std / spread
    with torch.no_grad():
        for mlp in decoder.output_hypernetworks_mlps:
            mlp.proj_out.weight.mul_(mask_scale)
            mlp.proj_out.bias.mul_(mask_scale)
        without_bias = raw - head.bias
        head.weight.mul_(iou_scale)
        head.bias.copy_(iou_mean - iou_scale * without_bias.mean(dim=0))
    return {"rawLogitStd": logit_std, "rawIouSpread": spread, "maskScale": mask_scale, "iouScale": iou_scale}


def random_sam(arch: str = "vit-h", seed: int = 0, overrides: Optional[Dict] = None, calibrate: bool = True) -> SamModel:
    generator = torch.Generator().manual_seed(seed + 1)
    torch.manual_seed(seed + 1)
    model = SamModel(SamConfig(**sam_config_dict(arch, overrides))).eval()
    _randomise(model, generator)
    with torch.no_grad():
        # SAM's random Fourier features keep their official N(0, 1) init (``PositionEmbeddingRandom``
        # with scale 1, loaded as such from the released checkpoints); the 1/sqrt(fan_in) of
        # _randomise would make every point prompt look alike.
        pe = model.shared_image_embedding.positional_embedding
        pe.copy_(torch.randn(pe.shape, generator=generator))
        # A smooth absolute position embedding (the released one is learned and smooth); without
        # it the random encoder's output is dominated by one common vector and masks are all or
        # nothing.
        pos = model.vision_encoder.pos_embed
        if pos is not None:
            low = torch.randn(1, pos.shape[-1], POS_EMBED_GRID, POS_EMBED_GRID, generator=generator)
            smooth = torch.nn.functional.interpolate(low, size=tuple(pos.shape[1:3]), mode="bicubic", align_corners=False)
            pos.copy_((smooth / smooth.std() * POS_EMBED_STD).permute(0, 2, 3, 1))
        # The decoder's 2x2 stride-2 transposed convolutions with independent random taps paint a
        # 4x4-periodic texture into every mask (thousands of 1-pixel islands); equal taps (scaled by
        # 2 to keep the 1/fan_in variance) make them a learned-looking nearest-neighbour upsampling.
        decoder = model.mask_decoder
        for conv in (decoder.upscale_conv1, decoder.upscale_conv2):
            conv.weight.copy_(conv.weight.mean(dim=(2, 3), keepdim=True).expand_as(conv.weight) * 2)
    if calibrate:
        calibrate_sam_heads(model, seed)
    return model


def source_ids(arch: str, seed: int) -> Dict[str, str]:
    return {"clip_source": f"random-clip-vit-b16:seed={seed}", "sam_source": f"random-sam-{arch}:seed={seed}"}


def export_random_real(out: Path, *, arch: str, seed: int, write_tokenizer: Callable[[Path], None],
                       dtype: torch.dtype = torch.float32, force: bool = False, bf16_variants: bool = False,
                       clip_overrides: Optional[Dict] = None, sam_overrides: Optional[Dict] = None,
                       log: Callable[[str], None] = lambda s: None) -> Path:
    """Write a real-size random-weight bundle to ``out``: the usual modules + tokenizer, the source
    weights in Hugging Face format under ``hf/`` (for ``models/bench/eager_pipeline.py``), and
    ``"randomWeights": true`` in the manifest (``"tiny": false``: the shapes are the real ones).

    ``write_bundle`` does not write ``hf/`` for non-tiny bundles, so the bundle is first written to
    a hidden sibling, completed there (``hf/``, manifest field, checksums of the added files) and
    only then renamed into place -- still atomic.
    """
    from .bundle import _replace_dir, sha256_of, write_bundle

    out = Path(out).resolve()
    if out.exists() and not force:
        raise FileExistsError(f"{out} exists; pass --force to replace it")
    clip_model = random_clip(seed, clip_overrides)
    sam_model = random_sam(arch, seed, sam_overrides)
    log(f"models built: clip {sum(p.numel() for p in clip_model.parameters()) / 1e6:.1f}M params, "
        f"sam {sum(p.numel() for p in sam_model.parameters()) / 1e6:.1f}M params")
    staging = out.with_name(f".{out.name}.random-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        write_bundle(staging, clip_model, sam_model, clip_revision=None, sam_revision=None,
                     write_tokenizer=write_tokenizer, dtype=dtype, tiny=False, seed=seed, force=True,
                     bf16_variants=bf16_variants, **source_ids(arch, seed))
        log("modules written")
        clip_model.save_pretrained(staging / "hf" / "clip", safe_serialization=True)
        sam_model.save_pretrained(staging / "hf" / "sam", safe_serialization=True)
        manifest_path = staging / "manifest.json"
        manifest = json.loads(manifest_path.read_text())
        manifest["randomWeights"] = True
        files = {}
        for path in sorted(p for p in staging.rglob("*") if p.is_file() and p.name != "manifest.json"):
            rel = path.relative_to(staging).as_posix()
            known = manifest["files"].get(rel)
            files[rel] = known if known is not None else {"sha256": sha256_of(path), "bytes": path.stat().st_size}
        manifest["files"] = files
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
        _replace_dir(staging, out)
        return out
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
