#!/usr/bin/env python3
"""What a click costs with the Label Studio SAM example: the comparison side of ``./dev bench --clicks``.

label-studio-ml-backend's ``segment_anything_model`` / ``segment_anything_2_image`` examples answer
every smart-tool predict with ``predictor.set_image(image)`` followed by ``predictor.predict(...)``:
an image-encoder pass and a decode per click, nothing kept between clicks.  This script times that
per-click work on segment-anything's own modules (``segment_anything/modeling``, imported directly:
the package's ``__init__`` pulls in torchvision, which this environment does not install), with the
predictor's steps written out as ``SamPredictor`` does them (``ResizeLongestSide`` with a Pillow
bilinear resize, ``Sam.preprocess``, the encoder; ``apply_coords``, the prompt encoder, the mask
decoder, ``postprocess_masks``, the threshold).

    python models/bench/click_upstream.py --sam vit-b --image photo.jpg --clicks 3 \\
        [--segment-anything DIR] [--autocast bf16] [--threads N] [--out result.json]

``--segment-anything DIR``: a checkout of facebookresearch/segment-anything (the directory holding
``segment_anything/``).  Without it, the re-implementation of the original modules in
``models/reference/segment_anything_reference.py`` stands in (same architecture, written from the
original code, checked against it in the exporter tests).  Weights are random (seeded), real sizes.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import math
import sys
import time
import types
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = Path(__file__).resolve().parent
SIZES = {"vit-b": (768, 12, 12, (2, 5, 8, 11)), "vit-h": (1280, 32, 16, (7, 15, 23, 31))}


def build(sam_arch: str, segment_anything):
    embed, depth, heads, globals_ = SIZES[sam_arch]
    sys.path.insert(0, str(HERE.parent / "reference"))
    import segment_anything_reference as port

    if segment_anything is None:
        model, source = port.build_sam(embed, depth, heads, globals_), "models/reference/segment_anything_reference.py"
    else:
        package = types.ModuleType("segment_anything")
        package.__path__ = [str(Path(segment_anything) / "segment_anything")]
        sys.modules["segment_anything"] = package  # its __init__ (torchvision) is never run
        build_sam = importlib.import_module("segment_anything.build_sam")
        model = build_sam._build_sam(encoder_embed_dim=embed, encoder_depth=depth, encoder_num_heads=heads,
                                     encoder_global_attn_indexes=list(globals_), checkpoint=None)
        source = f"segment-anything ({segment_anything})"
    return port.randomise(model.eval(), 0), source


def set_image(model, image: np.ndarray):
    """``SamPredictor.set_image``: ResizeLongestSide (Pillow bilinear), ``Sam.preprocess`` (normalise, pad), encoder."""
    h, w = image.shape[:2]
    scale = 1024 / max(h, w)
    newh, neww = int(h * scale + 0.5), int(w * scale + 0.5)
    resized = np.asarray(Image.fromarray(image).resize((neww, newh), Image.Resampling.BILINEAR))
    pixels = torch.as_tensor(resized).permute(2, 0, 1).contiguous()[None].float()
    pixels = (pixels - model.pixel_mean) / model.pixel_std  # Sam.preprocess: normalise, then pad
    pixels = F.pad(pixels, (0, 1024 - neww, 0, 1024 - newh))
    return model.image_encoder(pixels), (newh, neww), (h, w)


def predict(model, embedding, input_size, original_size, point):
    """``SamPredictor.predict(point_coords, point_labels, multimask_output=True)``, the best mask kept."""
    h, w = original_size
    coords = torch.tensor([[point[0] * (input_size[1] / w), point[1] * (input_size[0] / h)]], dtype=torch.float)[None]
    labels = torch.ones(1, 1, dtype=torch.int)
    sparse, dense = model.prompt_encoder(points=(coords, labels), boxes=None, masks=None)
    low_res, iou = model.mask_decoder(image_embeddings=embedding, image_pe=model.prompt_encoder.get_dense_pe(),
                                      sparse_prompt_embeddings=sparse, dense_prompt_embeddings=dense,
                                      multimask_output=True)
    masks = F.interpolate(low_res, (1024, 1024), mode="bilinear", align_corners=False)
    masks = masks[..., : input_size[0], : input_size[1]]
    masks = F.interpolate(masks, original_size, mode="bilinear", align_corners=False) > 0.0
    return masks[0, int(iou[0].argmax())]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sam", choices=sorted(SIZES), default="vit-b")
    parser.add_argument("--image", required=True, type=Path)
    parser.add_argument("--clicks", type=int, default=3)
    parser.add_argument("--segment-anything", default=None)
    parser.add_argument("--autocast", choices=["none", "bf16"], default="none")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    model, source = build(args.sam, args.segment_anything)
    image = np.asarray(Image.open(args.image).convert("RGB"))
    h, w = image.shape[:2]
    precision = (torch.autocast("cpu", dtype=torch.bfloat16) if args.autocast == "bf16"
                 else contextlib.nullcontext())
    clicks = []
    with precision:
        for i in range(args.clicks + 1):  # the first is a warm-up
            point = (w * (0.3 + 0.4 * ((i * 37) % 11) / 10), h * (0.3 + 0.4 * ((i * 53) % 7) / 6))
            start = time.perf_counter()
            embedding, input_size, original_size = set_image(model, image)
            encoded = time.perf_counter()
            mask = predict(model, embedding, input_size, original_size, point)
            done = time.perf_counter()
            if i > 0:
                clicks.append({"seconds": done - start, "encoderSeconds": encoded - start, "decodeSeconds": done - encoded,
                               "area": int(mask.sum())})
    median = sorted(c["seconds"] for c in clicks)[len(clicks) // 2]
    result = {"implementation": "label-studio SAM example (set_image + predict per click)", "source": source,
              "sam": args.sam, "autocast": args.autocast, "torch": torch.__version__, "threads": torch.get_num_threads(),
              "image": [w, h], "clicks": clicks, "medianSeconds": median}
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
