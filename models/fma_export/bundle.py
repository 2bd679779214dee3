"""Writes a model bundle directory (docs/bundle-format.md): modules, tokenizer, HF weights, manifest.

The bundle is assembled in a temporary sibling directory and renamed into place at the end, so a
crashed export never leaves a half-written bundle behind.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import torch
import transformers

from .clip_modules import script_bf16_vision_trunk, script_clip_modules
from .sam_modules import trace_bf16_image_encoder, trace_bf16_mask_decoder, trace_sam_modules

FORMAT_VERSION = 1
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]
# Modules that get a bf16 variant (--bf16-variants, on by default for fp32 bundles): the three that
# carry nearly all the arithmetic, the CLIP vision trunk, the SAM image encoder and SAM's point
# decoder (its transformer and heads; its prompt encoder stays fp32). Softmax-GradCAM and the text
# encoder (prompt training differentiates through both), the interactive prompt decoder and the
# upscaler stay fp32.
BF16_VARIANTS = {
    "clip/vision_trunk.pt": "clip/vision_trunk.bf16.pt",
    "sam/image_encoder.pt": "sam/image_encoder.bf16.pt",
    "sam/mask_decoder.pt": "sam/mask_decoder.bf16.pt",
}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def clip_manifest(clip_model, source: str, revision) -> dict:
    vision = clip_model.config.vision_config
    text = clip_model.config.text_config
    return {
        "source": source,
        "revision": revision,
        "patchSize": int(vision.patch_size),
        "imageSize": int(vision.image_size),
        "visionWidth": int(vision.hidden_size),
        "visionLayers": int(vision.num_hidden_layers),
        "visionHeads": int(vision.num_attention_heads),
        "textWidth": int(text.hidden_size),
        "textLayers": int(text.num_hidden_layers),
        "textHeads": int(text.num_attention_heads),
        "embedDim": int(clip_model.config.projection_dim),
        "contextLength": int(text.max_position_embeddings),
        "vocabSize": int(text.vocab_size),
        "sotTokenId": int(text.bos_token_id),
        "eotTokenId": int(text.eos_token_id),
        "logitScale": float(clip_model.logit_scale.exp().item()),
        "imageMean": CLIP_MEAN,
        "imageStd": CLIP_STD,
    }


def sam_manifest(sam_model, source: str, revision) -> dict:
    vision = sam_model.config.vision_config
    grid = int(vision.image_size) // int(vision.patch_size)
    return {
        "source": source,
        "revision": revision,
        "inputSize": int(vision.image_size),
        "embeddingChannels": int(vision.output_channels),
        "embeddingSize": grid,
        "lowResMaskSize": 4 * grid,
        "maskThreshold": 0.0,
        "pixelMean": [123.675, 116.28, 103.53],
        "pixelStd": [58.395, 57.12, 57.375],
    }


def write_bundle(
    out: Path,
    clip_model,
    sam_model,
    *,
    clip_source: str,
    clip_revision,
    sam_source: str,
    sam_revision,
    write_tokenizer,
    dtype: torch.dtype = torch.float32,
    tiny: bool = False,
    seed=None,
    force: bool = False,
    bf16_variants: bool = False,
) -> Path:
    """Export everything into ``out`` atomically.  ``write_tokenizer(path)`` writes tokenizer.json.

    ``bf16_variants`` adds ``BF16_VARIANTS``: the same modules with bf16 weights and arithmetic
    behind the fp32 signature, listed under ``computeVariants`` in the manifest; the service loads
    them instead of the fp32 ones when ``fma.dtype`` resolves to bf16 (docs/bundle-format.md).
    """
    out = Path(out).resolve()
    if bf16_variants and dtype != torch.float32:
        raise ValueError("bf16 variants belong to fp32 bundles (their modules keep fp32 inputs and outputs)")
    if out.exists() and not force:
        raise FileExistsError(f"{out} exists; pass --force to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        clip_model = clip_model.eval()
        sam_model = sam_model.eval()
        modules = {}
        modules.update(script_clip_modules(clip_model, dtype))
        modules.update(trace_sam_modules(sam_model, dtype))
        if bf16_variants:
            modules[BF16_VARIANTS["clip/vision_trunk.pt"]] = script_bf16_vision_trunk(clip_model)
            modules[BF16_VARIANTS["sam/image_encoder.pt"]] = trace_bf16_image_encoder(sam_model)
            modules[BF16_VARIANTS["sam/mask_decoder.pt"]] = trace_bf16_mask_decoder(sam_model)
        for rel, module in modules.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            module.save(str(target))
        write_tokenizer(staging / "tokenizer.json")
        if tiny:
            clip_model.save_pretrained(staging / "hf" / "clip", safe_serialization=True)
            sam_model.save_pretrained(staging / "hf" / "sam", safe_serialization=True)
        files = {}
        for path in sorted(p for p in staging.rglob("*") if p.is_file()):
            rel = path.relative_to(staging).as_posix()
            files[rel] = {"sha256": sha256_of(path), "bytes": path.stat().st_size}
        manifest = {
            "formatVersion": FORMAT_VERSION,
            "createdAt": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "tiny": tiny,
            "dtype": "float16" if dtype == torch.float16 else "float32",
            "exporter": {"torch": torch.__version__, "transformers": transformers.__version__, "seed": seed},
            "clip": clip_manifest(clip_model, clip_source, clip_revision),
            "sam": sam_manifest(sam_model, sam_source, sam_revision),
            "files": files,
        }
        if bf16_variants:
            manifest["computeVariants"] = {"bfloat16": dict(BF16_VARIANTS)}
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        _replace_dir(staging, out)
        return out
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _replace_dir(staging: Path, out: Path) -> None:
    """Move ``staging`` to ``out``; an existing ``out`` is swapped out first and deleted after."""
    if out.exists():
        retired = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.rename(out, retired)
        os.rename(staging, out)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.rename(staging, out)
