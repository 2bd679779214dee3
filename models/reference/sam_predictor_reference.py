#!/usr/bin/env python3
"""Reference answer to one interactive click, as segment-anything's ``SamPredictor`` gives it.

Independent of the Java code and of the bundle's TorchScript modules: it runs the Hugging Face
``SamModel`` of a bundle (``BUNDLE/hf/sam``) eagerly, with ``SamPredictor``'s steps written out
(``set_image``: ResizeLongestSide + normalise + pad, the encoder; ``predict``: ``apply_coords`` /
``apply_boxes`` on the clicks and box, the prompt encoder and mask decoder, ``postprocess_masks``,
the threshold).  Both ``multimask_output=False`` (SAM's single-mask output, the token a tool shows
for several clicks) and ``True`` (the three multimask outputs) are computed, so all four masks of
the service's answer can be compared.  The Java equivalence tests write cases into a directory:

    python models/reference/sam_predictor_reference.py --bundle BUNDLE --cases DIR

Each ``DIR/<id>.click.json``::

    {"image": "<id>.npy",                  # uint8 [H, W, 3] RGB, upright (EXIF already applied)
     "points": [[x, y, 1], [x, y, 0]],     # image pixels; 1 positive, 0 negative
     "box": [x1, y1, x2, y2] | null}

writes ``DIR/<id>.click.ref.json`` = ``{"masks": [<COCO compressed RLE> x 4], "ambiguous": [RLE x 4],
"iou": [4 floats], "stability": [4 floats]}``, mask 0 the single-mask output, 1-3 the multimask
outputs; ``ambiguous`` marks the pixels whose logit is within 1e-4 of the threshold.
Conventions: those of ``sam_reference.py`` (coordinates scaled in float64 and rounded to float32,
``logit > 0`` masks, stability ``|logit > 1| / |logit > -1|``).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

import sam_reference as ref

AMBIGUOUS = 1e-4  # |logit| below which a pixel's side of the threshold is float noise


@torch.no_grad()
def predict(model, image: np.ndarray, points, box):
    """``SamPredictor.set_image`` + ``predict`` for both multimask settings -> (logits [4, H, W], iou [4])."""
    h, w = image.shape[:2]
    embedding, input_size = ref.embed_image(model, image)
    kwargs = {}
    if points:
        coords = ref.transform_coords(np.array([p[:2] for p in points], dtype=np.float64), (h, w)).astype(np.float32)
        kwargs["input_points"] = torch.from_numpy(coords).view(1, 1, -1, 2)
        kwargs["input_labels"] = torch.tensor([int(p[2]) for p in points], dtype=torch.int64).view(1, 1, -1)
    if box is not None:
        corners = ref.transform_coords(np.array(box, dtype=np.float64).reshape(2, 2), (h, w)).astype(np.float32)
        kwargs["input_boxes"] = torch.from_numpy(corners).reshape(1, 1, 4)
    single = model(image_embeddings=embedding, multimask_output=False, **kwargs)
    multi = model(image_embeddings=embedding, multimask_output=True, **kwargs)
    low_res = torch.cat([single.pred_masks[0, 0], multi.pred_masks[0, 0]], dim=0)  # [4, 256, 256]
    iou = torch.cat([single.iou_scores[0, 0], multi.iou_scores[0, 0]], dim=0)
    logits = ref.upscale_logits(low_res[:, None], input_size, (h, w))[:, 0]
    return logits, iou


def run_case(model, path: Path) -> None:
    case = json.loads(path.read_text())
    image = np.load(path.parent / case["image"])
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3, image.shape
    logits, iou = predict(model, image, case.get("points") or [], case.get("box"))
    stability = ref.stability_scores(logits, 0.0, 1.0)
    masks = [ref.encode_rle((logits[k] > 0).numpy()) for k in range(4)]
    # Pixels within float noise of the threshold may fall either way between two runtimes.
    ambiguous = [ref.encode_rle((logits[k].abs() < AMBIGUOUS).numpy()) for k in range(4)]
    out = {"masks": masks, "ambiguous": ambiguous, "iou": [float(v) for v in iou],
           "stability": [float(v) for v in stability]}
    path.with_name(path.name.replace(".click.json", ".click.ref.json")).write_text(json.dumps(out))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", required=True, type=Path)
    parser.add_argument("--cases", required=True, type=Path)
    args = parser.parse_args(argv)
    paths = sorted(args.cases.glob("*.click.json"))
    if not paths:
        print(f"no cases in {args.cases}", file=sys.stderr)
        return 2
    torch.set_grad_enabled(False)
    model = ref.load_model(args.bundle)
    for path in paths:
        run_case(model, path)
        print(f"{path.name}: done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
