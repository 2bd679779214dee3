#!/usr/bin/env python3
"""Reference SAMS classification of quasi-superpixels and seed-map painting (spec §4, §8).

Independent of the Java code.  The Java equivalence tests write cases into a directory and run

    python models/reference/sams_reference.py --cases DIR

Each ``DIR/<id>.sams.json``::

    {"id": "s1", "masks": "s1.masks.json",   # {"masks": [{"rle", "level", "predictedIou", "stability"}]}
     "scores": "s1.scores.npy",              # float32 [C, h, w] per-class score maps (e.g. refined CAMs)
     "height": H, "width": W, "alpha": 0.6}

(the masks file has the schema of ``sam_reference.py``'s output, masks in generator order) and
writes ``DIR/<id>.sams.ref.npz`` with ``labels`` uint8 ``[H, W]`` (0 = background, c + 1 = class
c), ``confidence`` float32 ``[n_masks]`` and ``maskLabels`` int64 ``[n_masks]``.

Algorithm, all arithmetic in float32 (NumPy / torch float32, constants rounded to float32):

1. scores ``[C, h, w]`` -> bilinear (align_corners=False, torch ``F.interpolate``) to ``[C, H, W]``
   unless already that size, then ReLU.
2. per mask i and class c: ``mean = sum of the scores on the mask's pixels / area`` (area 0 ->
   0).  The sum is NumPy's float32 ``sum`` (pairwise summation over the pixels in row-major order).
3. per class, min-max over the masks: ``(v - min) / (max - min + 1e-7)``.
4. ``bg = (1 - max_c v_c) ** alpha`` (float32 ``pow``); scores ``[bg, class 0, class 1, ...]``;
   label = first index of the maximum (ties go to bg, then to the lower class); confidence =
   the winning score.
5. paint the masks sorted ascending by ``(level, confidence)`` with a stable sort (generator order
   breaks ties); later masks overwrite earlier ones; uncovered pixels are 0.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from pycocotools import mask as mask_utils

MINMAX_EPS = np.float32(1e-7)


def decode_rle(rle: Dict) -> np.ndarray:
    """COCO compressed RLE ``{"size": [H, W], "counts": str}`` -> bool ``[H, W]``."""
    counts = rle["counts"]
    coded = {"size": list(rle["size"]), "counts": counts.encode("ascii") if isinstance(counts, str) else counts}
    return mask_utils.decode(coded).astype(bool)


def upsample_scores(scores: np.ndarray, height: int, width: int) -> np.ndarray:
    """float32 ``[C, h, w]`` -> float32 ``[C, H, W]``: bilinear (align_corners=False) if the size
    differs, then ReLU."""
    x = torch.from_numpy(np.ascontiguousarray(scores, dtype=np.float32))
    if x.shape[0] == 0:
        return np.zeros((0, height, width), dtype=np.float32)
    if tuple(x.shape[-2:]) != (height, width):
        x = F.interpolate(x[None], (height, width), mode="bilinear", align_corners=False)[0]
    return torch.relu(x).numpy()


def mask_means(scores: np.ndarray, masks: Sequence[np.ndarray]) -> np.ndarray:
    """float32 ``[C, H, W]``, N bool ``[H, W]`` masks -> float32 ``[N, C]`` mean score per mask and
    class (0 for an empty mask)."""
    c = scores.shape[0]
    out = np.zeros((len(masks), c), dtype=np.float32)
    for i, mask in enumerate(masks):
        area = int(mask.sum())
        if area == 0:
            continue
        for k in range(c):
            out[i, k] = scores[k][mask].sum(dtype=np.float32) / np.float32(area)
    return out


def minmax_over_masks(values: np.ndarray) -> np.ndarray:
    """float32 ``[N, C]`` -> per-column ``(v - min) / (max - min + 1e-7)`` (float32)."""
    if values.shape[0] == 0:
        return values.astype(np.float32)
    lo = values.min(axis=0, keepdims=True)
    hi = values.max(axis=0, keepdims=True)
    return ((values - lo) / (hi - lo + MINMAX_EPS)).astype(np.float32)


def classify_masks(normalised: np.ndarray, alpha: float) -> Tuple[np.ndarray, np.ndarray]:
    """float32 ``[N, C]`` normalised class scores -> (labels int64 ``[N]`` (0 = bg, c + 1),
    confidence float32 ``[N]``).  ``bg = (1 - max_c) ** alpha``; ties go to the lower index (bg first).
    With no classes (C = 0) every mask is background with confidence 1."""
    n, c = normalised.shape
    top = normalised.max(axis=1) if c else np.zeros(n, dtype=np.float32)
    bg = np.power(np.float32(1.0) - top, np.float32(alpha)).astype(np.float32)
    table = np.concatenate([bg[:, None], normalised], axis=1).astype(np.float32)
    labels = np.argmax(table, axis=1).astype(np.int64)  # first maximum
    confidence = table[np.arange(n), labels].astype(np.float32)
    return labels, confidence


def paint_order(levels: Sequence[int], confidence: np.ndarray) -> List[int]:
    """Mask indices sorted ascending by (level, confidence), stable (generator order breaks ties)."""
    return sorted(range(len(levels)), key=lambda i: (int(levels[i]), float(confidence[i])))


def paint(masks: Sequence[np.ndarray], levels: Sequence[int], labels: np.ndarray, confidence: np.ndarray,
          height: int, width: int) -> np.ndarray:
    """Seed map uint8 ``[H, W]``: masks painted in ``paint_order``, later ones overwrite; rest 0."""
    out = np.zeros((height, width), dtype=np.uint8)
    for i in paint_order(levels, confidence):
        out[masks[i]] = labels[i]
    return out


def sams(masks: Sequence[np.ndarray], levels: Sequence[int], scores: np.ndarray, height: int, width: int,
         alpha: float) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Full SAMS: -> (labels uint8 ``[H, W]``, confidence float32 ``[N]``, mask labels int64 ``[N]``)."""
    if len(masks) == 0:
        return np.zeros((height, width), dtype=np.uint8), np.zeros(0, np.float32), np.zeros(0, np.int64)
    full = upsample_scores(scores, height, width)
    normalised = minmax_over_masks(mask_means(full, masks))
    mask_labels, confidence = classify_masks(normalised, alpha)
    return paint(masks, levels, mask_labels, confidence, height, width), confidence, mask_labels


def run_case(path: Path) -> int:
    case = json.loads(path.read_text())
    records = json.loads((path.parent / case["masks"]).read_text())["masks"]
    scores = np.load(path.parent / case["scores"]).astype(np.float32)
    height, width = int(case["height"]), int(case["width"])
    masks = [decode_rle(r["rle"]) for r in records]
    for m in masks:
        assert m.shape == (height, width), (m.shape, height, width)
    levels = [int(r["level"]) for r in records]
    labels, confidence, mask_labels = sams(masks, levels, scores, height, width, float(case.get("alpha", 0.6)))
    np.savez(path.parent / f"{case['id']}.sams.ref.npz", labels=labels, confidence=confidence, maskLabels=mask_labels)
    return len(records)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", required=True, type=Path)
    args = parser.parse_args(argv)
    paths = sorted(args.cases.glob("*.sams.json"))
    if not paths:
        print(f"no cases in {args.cases}", file=sys.stderr)
        return 2
    for path in paths:
        n = run_case(path)
        print(f"{path.name}: {n} masks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
