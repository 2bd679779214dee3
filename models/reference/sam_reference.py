#!/usr/bin/env python3
"""Reference SAM automatic mask generation with the FMA-WSSS modifications (spec §4, §8).

Independent of the Java code and of the bundle's TorchScript modules: it runs the Hugging Face
``SamModel`` of a bundle (``BUNDLE/hf/sam``) eagerly and re-implements the rest of SAM's
``SamAutomaticMaskGenerator`` (crops, point grids, filtering, NMS, small-region removal) from
scratch in NumPy/PyTorch/OpenCV, plus the three FMA changes (per-level IoU thresholds, level bonus
in the in-crop NMS, whole -> part -> subpart overlap filter).  No torchvision: NMS is our own,
stable one.  The Java equivalence tests write cases into a directory and run

    python models/reference/sam_reference.py --bundle BUNDLE --cases DIR

Each ``DIR/<id>.amg.json``::

    {"id": "a1", "image": "a1.npy",                     # uint8 [H, W, 3] RGB
     "settings": {"pointsPerSide": 32, "pointsPerBatch": 256, "predIouThresh": 0.86,
                  "levelIouOffsets": [0, 0, 0.1], "stabilityThresh": 0.92, "stabilityOffset": 1.0,
                  "boxNmsThresh": 0.7, "levelNmsBonus": [0, 0, 1], "cropNLayers": 1,
                  "cropNmsThresh": 0.7, "cropOverlapRatio": 0.3413333333, "cropPointDownscale": 2,
                  "minMaskRegionArea": 100, "overlapFilterThreshold": 0.3, "maskThreshold": 0.0}}

writes ``DIR/<id>.amg.ref.json`` = ``{"masks": [{"rle": {"size": [H, W], "counts": str},
"level": 0|1|2, "predictedIou": float, "stability": float}, ...]}`` in final generator order
(COCO compressed RLE, column-major, exactly as pycocotools writes it) and
``DIR/<id>.amg.embeddings.npz`` with ``crop<k>`` = SAM image embedding of crop ``k``
(float32 ``[1, C, 64, 64]``) for diagnostics.

Numeric conventions (the Java side must follow them to be pixel-identical):

* Point coordinates: SAM's ``apply_coords`` in float64 (``x * neww / w``, ``y * newh / h``), then
  rounded to float32, the dtype of the bundle's decoder input.
* Threshold filters compare float32 values against the threshold rounded to float32 (what torch
  does with a Python scalar): ``iou > f32(predIouThresh - levelIouOffsets[level])`` (difference
  taken in float64 first), ``stability >= f32(stabilityThresh)``, ``logit > f32(maskThreshold)``,
  and for the stability counts ``logit > f32(maskThreshold +/- stabilityOffset)``.
  Both filters are always applied (SAM skips them when the threshold is 0; we do not, so masks
  with ``iou <= threshold`` and empty masks, whose stability is 0/0 = NaN, are always dropped).
* Stability = ``float32(count(logit > thr + off)) / float32(count(logit > thr - off))``.
* NMS: box IoU in float32 (area ``(x1-x0)*(y1-y0)``, no +1), compared as float64 against the
  threshold (torchvision's C++ kernel compares ``float > double``); ``0/0`` IoU is NaN and never
  suppresses.  Scores are float32: ``iou + f32(levelNmsBonus[level])`` in the crop NMS,
  ``f32(1) / f32(crop area)`` in the cross-crop NMS, 1.0/0.0 in the small-region NMS.
* FMA filter ratio ``|m ∩ k| / |m|`` in float64, compared with ``< overlapFilterThreshold``.
* Point grid = ``np.linspace(1/(2n), 1 - 1/(2n), n)`` (``start + i * step``, last = stop exactly)
  times the crop's (w, h) in float64.
* Small regions: ``cv2.connectedComponentsWithStats(…, connectivity=8)``; "holes" are all
  components of the complement (also those touching the border); when every island is small the
  largest is kept, the lowest OpenCV label on equal sizes.
"""
from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from pycocotools import mask as mask_utils

SAM_INPUT_SIZE = 1024  # replaced by the model's config.vision_config.image_size in load_model()
PIXEL_MEAN = (123.675, 116.28, 103.53)
PIXEL_STD = (58.395, 57.12, 57.375)
CROP_EDGE_ATOL = 20.0
AMBIGUITY = 1e-5  # |logit - threshold| below this is reported as ambiguous (float noise between runtimes)
UPSCALE_CHUNK = 16  # masks upscaled at once (each needs a 1024x1024 float32 intermediate)

SUBPART, PART, WHOLE = 0, 1, 2

DEFAULT_SETTINGS = {
    "pointsPerSide": 32, "pointsPerBatch": 256, "predIouThresh": 0.86, "levelIouOffsets": [0.0, 0.0, 0.1],
    "stabilityThresh": 0.92, "stabilityOffset": 1.0, "boxNmsThresh": 0.7, "levelNmsBonus": [0.0, 0.0, 1.0],
    "cropNLayers": 1, "cropNmsThresh": 0.7, "cropOverlapRatio": 512 / 1500, "cropPointDownscale": 2,
    "minMaskRegionArea": 100, "overlapFilterThreshold": 0.3, "maskThreshold": 0.0,
}


# --------------------------------------------------------------------------------------------
# Crops and point grids
# --------------------------------------------------------------------------------------------

def build_point_grid(n_per_side: int) -> np.ndarray:
    """Regular grid in [0,1]^2: ``[n*n, 2]`` float64 (x, y), x varying fastest, offset 1/(2n)."""
    offset = 1.0 / (2 * n_per_side)
    side = np.linspace(offset, 1.0 - offset, n_per_side)
    xs = np.tile(side[None, :], (n_per_side, 1))
    ys = np.tile(side[:, None], (1, n_per_side))
    return np.stack([xs, ys], axis=-1).reshape(-1, 2)


def build_layer_point_grids(points_per_side: int, n_layers: int, downscale: int) -> List[np.ndarray]:
    """One normalised grid per crop layer; layer i has ``int(points_per_side / downscale**i)`` per side."""
    return [build_point_grid(int(points_per_side / (downscale ** i))) for i in range(n_layers + 1)]


def generate_crop_boxes(im_size: Tuple[int, int], n_layers: int, overlap_ratio: float
                        ) -> Tuple[List[List[int]], List[int]]:
    """SAM's crop boxes ``[x0, y0, x1, y1]`` (exclusive ends) and their layer indices.

    Layer 0 is the whole image; layer i (1-based) has ``(2**i)**2`` overlapping crops, listed
    with x0 in the outer loop and y0 in the inner loop.
    """
    im_h, im_w = im_size
    short_side = min(im_h, im_w)
    boxes: List[List[int]] = [[0, 0, im_w, im_h]]
    layers: List[int] = [0]

    def crop_len(orig_len: int, n_crops: int, overlap: int) -> int:
        return int(math.ceil((overlap * (n_crops - 1) + orig_len) / n_crops))

    for layer in range(1, n_layers + 1):
        n_per_side = 2 ** layer
        overlap = int(overlap_ratio * short_side * (2 / n_per_side))
        crop_w = crop_len(im_w, n_per_side, overlap)
        crop_h = crop_len(im_h, n_per_side, overlap)
        x0s = [int((crop_w - overlap) * i) for i in range(n_per_side)]
        y0s = [int((crop_h - overlap) * i) for i in range(n_per_side)]
        for x0, y0 in itertools.product(x0s, y0s):
            boxes.append([x0, y0, min(x0 + crop_w, im_w), min(y0 + crop_h, im_h)])
            layers.append(layer)
    return boxes, layers


def batch_ranges(n: int, batch_size: int) -> Iterator[Tuple[int, int]]:
    """``[start, end)`` of consecutive batches, as SAM's ``batch_iterator``."""
    for start in range(0, n, batch_size):
        yield start, min(start + batch_size, n)


# --------------------------------------------------------------------------------------------
# SAM preprocessing (ResizeLongestSide + normalise + pad) and mask upscaling
# --------------------------------------------------------------------------------------------

def preprocess_shape(h: int, w: int, target: Optional[int] = None) -> Tuple[int, int]:
    """``(newh, neww)`` with the long side = ``target``, rounded half up."""
    target = target or SAM_INPUT_SIZE
    scale = target * 1.0 / max(h, w)
    return int(h * scale + 0.5), int(w * scale + 0.5)


def preprocess_image(image: np.ndarray, target: Optional[int] = None) -> Tuple[torch.Tensor, Tuple[int, int]]:
    """uint8 ``[h, w, 3]`` RGB -> (float32 ``[1, 3, target, target]``, ``(newh, neww)``).

    Pillow bilinear resize of the uint8 image, ``(x - mean) / std`` in float32 on 0..255 values,
    then zero padding at the bottom/right (after normalising, so the padding is 0, not -mean/std).
    """
    h, w = image.shape[:2]
    target = target or SAM_INPUT_SIZE
    newh, neww = preprocess_shape(h, w, target)
    resized = Image.fromarray(np.ascontiguousarray(image), mode="RGB").resize((neww, newh), Image.Resampling.BILINEAR)
    x = torch.from_numpy(np.asarray(resized, dtype=np.uint8).copy()).permute(2, 0, 1)[None].float()
    mean = torch.tensor(PIXEL_MEAN, dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor(PIXEL_STD, dtype=torch.float32).view(1, 3, 1, 1)
    x = (x - mean) / std
    x = F.pad(x, (0, target - neww, 0, target - newh))
    return x, (newh, neww)


def transform_coords(points: np.ndarray, original_size: Tuple[int, int], target: Optional[int] = None) -> np.ndarray:
    """Pixel points ``[N, 2]`` (x, y) of an ``original_size`` image -> model input frame, float64."""
    old_h, old_w = original_size
    new_h, new_w = preprocess_shape(old_h, old_w, target)
    out = points.astype(np.float64).copy()
    out[:, 0] = out[:, 0] * (new_w / old_w)
    out[:, 1] = out[:, 1] * (new_h / old_h)
    return out


def upscale_logits(low_res: torch.Tensor, input_size: Tuple[int, int], original_size: Tuple[int, int],
                   target: Optional[int] = None) -> torch.Tensor:
    """SAM ``postprocess_masks``: ``[N, 1, 256, 256]`` -> ``[N, 1, h, w]`` float32 logits.

    Bilinear (align_corners=False) to ``target x target``, crop the un-padded ``input_size``,
    bilinear to ``original_size``.
    """
    target = target or SAM_INPUT_SIZE
    x = F.interpolate(low_res, (target, target), mode="bilinear", align_corners=False)
    x = x[..., : input_size[0], : input_size[1]]
    return F.interpolate(x, original_size, mode="bilinear", align_corners=False)


# --------------------------------------------------------------------------------------------
# Mask scores, boxes and crop handling
# --------------------------------------------------------------------------------------------

def stability_scores(logits: torch.Tensor, mask_threshold: float, offset: float) -> torch.Tensor:
    """``[N, h, w]`` logits -> float32 ``[N]`` = |logit > thr+off| / |logit > thr-off| (NaN if 0/0)."""
    high = (logits > (mask_threshold + offset)).sum(dim=(-1, -2))
    low = (logits > (mask_threshold - offset)).sum(dim=(-1, -2))
    return high.float() / low.float()


def masks_to_boxes(masks: np.ndarray) -> np.ndarray:
    """bool ``[N, h, w]`` -> int64 ``[N, 4]`` = (x0, y0, x1, y1) inclusive max indices; empty -> zeros."""
    n = masks.shape[0]
    boxes = np.zeros((n, 4), dtype=np.int64)
    for i in range(n):
        rows = np.flatnonzero(masks[i].any(axis=1))
        cols = np.flatnonzero(masks[i].any(axis=0))
        if rows.size and cols.size:
            boxes[i] = (cols[0], rows[0], cols[-1], rows[-1])
    return boxes


def is_box_near_crop_edge(boxes: np.ndarray, crop_box: Sequence[int], orig_box: Sequence[int],
                          atol: float = CROP_EDGE_ATOL) -> np.ndarray:
    """bool ``[N]``: a (crop-frame) box side is within ``atol`` of a crop side that is not within
    ``atol`` of the image side (SAM's ``is_box_near_crop_edge``; boxes are uncropped first)."""
    x0, y0 = crop_box[0], crop_box[1]
    uncropped = (boxes + np.array([x0, y0, x0, y0], dtype=np.int64)).astype(np.float64)
    near_crop = np.abs(uncropped - np.asarray(crop_box, dtype=np.float64)[None]) <= atol
    near_image = np.abs(uncropped - np.asarray(orig_box, dtype=np.float64)[None]) <= atol
    return np.any(near_crop & ~near_image, axis=1)


def uncrop_masks(masks: np.ndarray, crop_box: Sequence[int], orig_h: int, orig_w: int) -> np.ndarray:
    """bool ``[N, h, w]`` in crop frame -> bool ``[N, H, W]`` (False outside the crop)."""
    x0, y0, x1, y1 = crop_box
    out = np.zeros((masks.shape[0], orig_h, orig_w), dtype=bool)
    out[:, y0:y1, x0:x1] = masks
    return out


# --------------------------------------------------------------------------------------------
# NMS (stable, torchvision box IoU semantics)
# --------------------------------------------------------------------------------------------

def box_iou_one_to_many(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """float32 IoU of ``box [4]`` with ``boxes [M, 4]`` (area = (x1-x0)*(y1-y0), no +1).

    A zero union gives NaN (0/0), as torchvision."""
    b = box.astype(np.float32)
    bs = boxes.astype(np.float32)
    area_a = (b[2] - b[0]) * (b[3] - b[1])
    area_b = (bs[:, 2] - bs[:, 0]) * (bs[:, 3] - bs[:, 1])
    w = np.clip(np.minimum(b[2], bs[:, 2]) - np.maximum(b[0], bs[:, 0]), 0, None).astype(np.float32)
    h = np.clip(np.minimum(b[3], bs[:, 3]) - np.maximum(b[1], bs[:, 1]), 0, None).astype(np.float32)
    inter = w * h
    with np.errstate(divide="ignore", invalid="ignore"):
        return (inter / (area_a + area_b - inter)).astype(np.float32)


def stable_nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy NMS. ``boxes [N, 4]``, ``scores [N]`` -> kept indices (int64) in visiting order.

    Candidates are visited by score descending with a stable sort (equal scores keep their
    current order); one is kept unless its IoU with an already kept box is > ``iou_threshold``
    (float32 IoU compared in float64; NaN never suppresses).
    """
    order = np.argsort(-np.asarray(scores), kind="stable")
    kept: List[int] = []
    for idx in order:
        if kept:
            ious = box_iou_one_to_many(boxes[idx], boxes[np.asarray(kept)]).astype(np.float64)
            if np.any(ious > iou_threshold):
                continue
        kept.append(int(idx))
    return np.asarray(kept, dtype=np.int64)


# --------------------------------------------------------------------------------------------
# Mask records
# --------------------------------------------------------------------------------------------

@dataclass
class MaskSet:
    """Masks with their per-mask data, all indexed alike.

    masks bool ``[N, H, W]`` (full image frame unless noted), boxes int64 ``[N, 4]`` (x0, y0, x1, y1
    inclusive), iou float32 ``[N]``, stability float32 ``[N]``, level int64 ``[N]``,
    crop_box int64 ``[N, 4]`` (the crop each mask came from), ambiguous bool ``[N, H, W]`` (pixels
    whose logit is within ``AMBIGUITY`` of the mask threshold: another runtime's rounding may
    legitimately put them on the other side).
    """
    masks: np.ndarray
    boxes: np.ndarray
    iou: np.ndarray
    stability: np.ndarray
    level: np.ndarray
    crop_box: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), dtype=np.int64))
    ambiguous: np.ndarray = None

    def __post_init__(self):
        if self.ambiguous is None:
            self.ambiguous = np.zeros_like(self.masks, dtype=bool)

    @staticmethod
    def empty(h: int, w: int) -> "MaskSet":
        return MaskSet(np.zeros((0, h, w), dtype=bool), np.zeros((0, 4), dtype=np.int64),
                       np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.float32),
                       np.zeros(0, dtype=np.int64), np.zeros((0, 4), dtype=np.int64), np.zeros((0, h, w), dtype=bool))

    def __len__(self) -> int:
        return int(self.masks.shape[0])

    def take(self, idx) -> "MaskSet":
        """Select / reorder by an index array or boolean mask."""
        idx = np.asarray(idx)
        return MaskSet(self.masks[idx], self.boxes[idx], self.iou[idx], self.stability[idx],
                       self.level[idx], self.crop_box[idx], self.ambiguous[idx])

    @staticmethod
    def concat(parts: List["MaskSet"], h: int, w: int) -> "MaskSet":
        if not parts:
            return MaskSet.empty(h, w)
        return MaskSet(*(np.concatenate([getattr(p, name) for p in parts], axis=0)
                         for name in ("masks", "boxes", "iou", "stability", "level", "crop_box", "ambiguous")))


# --------------------------------------------------------------------------------------------
# Small-region removal (SAM postprocess_small_regions)
# --------------------------------------------------------------------------------------------

def remove_small_regions(mask: np.ndarray, area_thresh: float, mode: str) -> Tuple[np.ndarray, bool]:
    """bool ``[H, W]`` -> (cleaned mask, changed).

    ``holes``: fill 8-connected components of the complement smaller than ``area_thresh``;
    ``islands``: remove 8-connected components of the mask smaller than ``area_thresh`` (if all
    are small, keep the largest; the first one on equal sizes).
    """
    assert mode in ("holes", "islands")
    fill_holes = mode == "holes"
    working = (fill_holes ^ mask).astype(np.uint8)
    n_labels, regions, stats, _ = cv2.connectedComponentsWithStats(working, connectivity=8)
    sizes = stats[1:, cv2.CC_STAT_AREA]
    small = [i + 1 for i, s in enumerate(sizes) if s < area_thresh]
    if not small:
        return mask, False
    if fill_holes:
        keep_labels = [0] + small  # mask = background label 0 (the mask itself) + small holes
    else:
        keep_labels = [i for i in range(1, n_labels) if i not in small]
        if not keep_labels:
            keep_labels = [int(np.argmax(sizes)) + 1]
    return np.isin(regions, keep_labels), True


def postprocess_small_regions(data: MaskSet, min_area: int, nms_thresh: float) -> MaskSet:
    """Clean every mask (holes, then islands), NMS with score 1.0 unchanged / 0.0 changed on the
    recomputed boxes, replace the kept changed masks, reorder by the NMS output."""
    if len(data) == 0:
        return data
    cleaned = np.empty_like(data.masks)
    scores = np.empty(len(data), dtype=np.float32)
    for i in range(len(data)):
        mask, changed_holes = remove_small_regions(data.masks[i], min_area, "holes")
        mask, changed_islands = remove_small_regions(mask, min_area, "islands")
        cleaned[i] = mask
        scores[i] = 0.0 if (changed_holes or changed_islands) else 1.0
    boxes = masks_to_boxes(cleaned)
    keep = stable_nms(boxes, scores, nms_thresh)
    out = data.take(np.arange(len(data)))
    changed = scores == 0.0
    out.masks[changed] = cleaned[changed]
    out.boxes[changed] = boxes[changed]
    return out.take(keep)


# --------------------------------------------------------------------------------------------
# FMA overlap filter
# --------------------------------------------------------------------------------------------

def max_overlap_ratio(mask: np.ndarray, others: List[np.ndarray]) -> float:
    """max over ``others`` of |mask ∩ k| / |mask| in float64; 0 for an empty mask or no others."""
    area = int(mask.sum())
    if area == 0 or not others:
        return 0.0
    return max(int(np.logical_and(mask, k).sum()) / area for k in others)


def fma_overlap_filter(masks: np.ndarray, levels: np.ndarray, threshold: float) -> np.ndarray:
    """FMA's whole -> part -> subpart selection. ``masks`` bool ``[N, H, W]``, ``levels [N]`` ->
    indices: all wholes, then parts with max overlap ratio with kept wholes < ``threshold``, then
    subparts with max ratio with kept wholes and parts < ``threshold``; each group in input order.
    Masks of the same level are never compared."""
    wholes = [i for i in range(len(levels)) if levels[i] == WHOLE]
    parts: List[int] = []
    for i in (i for i in range(len(levels)) if levels[i] == PART):
        if max_overlap_ratio(masks[i], [masks[k] for k in wholes]) < threshold:
            parts.append(i)
    subparts: List[int] = []
    selected = [masks[k] for k in wholes + parts]
    for i in (i for i in range(len(levels)) if levels[i] == SUBPART):
        if max_overlap_ratio(masks[i], selected) < threshold:
            subparts.append(i)
    return np.asarray(wholes + parts + subparts, dtype=np.int64)


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------

@dataclass
class AmgSettings:
    points_per_side: int = 32
    points_per_batch: int = 256
    pred_iou_thresh: float = 0.86
    level_iou_offsets: Tuple[float, float, float] = (0.0, 0.0, 0.1)
    stability_thresh: float = 0.92
    stability_offset: float = 1.0
    box_nms_thresh: float = 0.7
    level_nms_bonus: Tuple[float, float, float] = (0.0, 0.0, 1.0)
    crop_n_layers: int = 1
    crop_nms_thresh: float = 0.7
    crop_overlap_ratio: float = 512 / 1500
    crop_point_downscale: int = 2
    min_mask_region_area: int = 100
    overlap_filter_threshold: float = 0.3
    mask_threshold: float = 0.0

    @staticmethod
    def from_json(d: Dict) -> "AmgSettings":
        s = {**DEFAULT_SETTINGS, **d}
        return AmgSettings(
            int(s["pointsPerSide"]), int(s["pointsPerBatch"]), float(s["predIouThresh"]),
            tuple(float(v) for v in s["levelIouOffsets"]), float(s["stabilityThresh"]),
            float(s["stabilityOffset"]), float(s["boxNmsThresh"]), tuple(float(v) for v in s["levelNmsBonus"]),
            int(s["cropNLayers"]), float(s["cropNmsThresh"]), float(s["cropOverlapRatio"]),
            int(s["cropPointDownscale"]), int(s["minMaskRegionArea"]), float(s["overlapFilterThreshold"]),
            float(s["maskThreshold"]))


@torch.no_grad()
def embed_image(model, image: np.ndarray) -> Tuple[torch.Tensor, Tuple[int, int]]:
    """uint8 ``[h, w, 3]`` -> (float32 ``[1, C, 64, 64]`` embedding, model input size ``(newh, neww)``)."""
    pixels, input_size = preprocess_image(image)
    return model.get_image_embeddings(pixels), input_size


@torch.no_grad()
def decode_points(model, embedding: torch.Tensor, coords: np.ndarray) -> Tuple[torch.Tensor, torch.Tensor]:
    """Single positive point per prompt. ``coords [Q, 2]`` (model input frame) ->
    (low-res logits ``[Q, 3, 256, 256]``, predicted IoU ``[Q, 3]``), multimask output."""
    points = torch.from_numpy(coords.astype(np.float32)).view(1, -1, 1, 2)
    labels = torch.ones(1, points.shape[1], 1, dtype=torch.int64)
    out = model(image_embeddings=embedding, input_points=points, input_labels=labels, multimask_output=True)
    return out.pred_masks[0], out.iou_scores[0]


def process_batch(model, embedding: torch.Tensor, coords: np.ndarray, input_size: Tuple[int, int],
                  crop_size: Tuple[int, int], crop_box: Sequence[int], orig_size: Tuple[int, int],
                  s: AmgSettings) -> MaskSet:
    """One batch of points of one crop -> the masks surviving the IoU, stability and crop-edge
    filters, uncropped to the full image. Masks are flattened point-major (point 0 levels 0,1,2, ...)."""
    low_res, iou = decode_points(model, embedding, coords)
    q = low_res.shape[0]
    low_res = low_res.reshape(q * 3, 1, *low_res.shape[-2:])
    iou = iou.reshape(q * 3).float()
    level = torch.arange(3).repeat(q)

    iou_thresholds = torch.tensor([s.pred_iou_thresh - off for off in s.level_iou_offsets], dtype=torch.float32)
    keep = (iou > iou_thresholds[level]).nonzero()[:, 0]
    low_res, iou, level = low_res[keep], iou[keep], level[keep]

    logits = torch.cat([upscale_logits(low_res[i:i + UPSCALE_CHUNK], input_size, crop_size)
                        for i in range(0, low_res.shape[0], UPSCALE_CHUNK)], dim=0)[:, 0] \
        if low_res.shape[0] else torch.zeros(0, *crop_size)
    stability = stability_scores(logits, s.mask_threshold, s.stability_offset)
    keep = (stability >= s.stability_thresh).nonzero()[:, 0]
    logits, iou, level, stability = logits[keep], iou[keep], level[keep], stability[keep]

    masks = (logits > s.mask_threshold).numpy()
    ambiguous = ((logits - s.mask_threshold).abs() < AMBIGUITY).numpy()
    boxes = masks_to_boxes(masks)
    orig_h, orig_w = orig_size
    edge = is_box_near_crop_edge(boxes, crop_box, [0, 0, orig_w, orig_h])
    keep_np = np.flatnonzero(~edge)
    return MaskSet(uncrop_masks(masks[keep_np], crop_box, orig_h, orig_w), boxes[keep_np],
                   iou.numpy()[keep_np], stability.numpy()[keep_np], level.numpy()[keep_np].astype(np.int64),
                   np.tile(np.asarray(crop_box, dtype=np.int64), (len(keep_np), 1)),
                   uncrop_masks(ambiguous[keep_np], crop_box, orig_h, orig_w))


def process_crop(model, image: np.ndarray, crop_box: Sequence[int], grid: np.ndarray,
                 s: AmgSettings) -> Tuple[MaskSet, torch.Tensor]:
    """All masks of one crop after the in-crop NMS (score iou + level bonus), boxes in image frame."""
    x0, y0, x1, y1 = crop_box
    crop = image[y0:y1, x0:x1, :]
    crop_size = crop.shape[:2]
    orig_size = image.shape[:2]
    embedding, input_size = embed_image(model, crop)
    points = grid * np.array(crop_size, dtype=np.float64)[None, ::-1]
    coords = transform_coords(points, crop_size)
    batches = [process_batch(model, embedding, coords[a:b], input_size, crop_size, crop_box, orig_size, s)
               for a, b in batch_ranges(len(coords), s.points_per_batch)]
    data = MaskSet.concat(batches, *orig_size)
    if len(data):
        bonus = np.asarray(s.level_nms_bonus, dtype=np.float32)[data.level]
        keep = stable_nms(data.boxes, data.iou + bonus, s.box_nms_thresh)
        data = data.take(keep)
        data.boxes = data.boxes + np.array([x0, y0, x0, y0], dtype=np.int64)
    return data, embedding


def generate_masks(model, image: np.ndarray, s: AmgSettings) -> Tuple[MaskSet, List[torch.Tensor]]:
    """The full FMA generator: uint8 ``[H, W, 3]`` -> final masks (in output order) and the crop embeddings."""
    h, w = image.shape[:2]
    crop_boxes, layers = generate_crop_boxes((h, w), s.crop_n_layers, s.crop_overlap_ratio)
    grids = build_layer_point_grids(s.points_per_side, s.crop_n_layers, s.crop_point_downscale)
    parts, embeddings = [], []
    for crop_box, layer in zip(crop_boxes, layers):
        data, embedding = process_crop(model, image, crop_box, grids[layer], s)
        parts.append(data)
        embeddings.append(embedding)
    data = MaskSet.concat(parts, h, w)

    if len(crop_boxes) > 1 and len(data):
        cb = data.crop_box
        areas = ((cb[:, 2] - cb[:, 0]) * (cb[:, 3] - cb[:, 1])).astype(np.float32)
        keep = stable_nms(data.boxes, np.float32(1.0) / areas, s.crop_nms_thresh)
        data = data.take(keep)

    if s.min_mask_region_area > 0:
        data = postprocess_small_regions(data, s.min_mask_region_area, max(s.box_nms_thresh, s.crop_nms_thresh))

    return data.take(fma_overlap_filter(data.masks, data.level, s.overlap_filter_threshold)), embeddings


def encode_rle(mask: np.ndarray) -> Dict:
    """bool ``[H, W]`` -> COCO compressed RLE ``{"size": [H, W], "counts": str}``."""
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(rle["size"][0]), int(rle["size"][1])], "counts": rle["counts"].decode("ascii")}


def load_model(bundle: Path):
    from transformers import SamModel
    global SAM_INPUT_SIZE
    model = SamModel.from_pretrained(str(bundle / "hf" / "sam"), attn_implementation="eager")
    SAM_INPUT_SIZE = int(model.config.vision_config.image_size)
    return model.float().eval()


def run_case(model, path: Path) -> int:
    case = json.loads(path.read_text())
    image = np.load(path.parent / case["image"])
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3, image.shape
    settings = AmgSettings.from_json(case.get("settings", {}))
    data, embeddings = generate_masks(model, image, settings)
    records = [{"rle": encode_rle(data.masks[i]), "ambiguous": encode_rle(data.ambiguous[i]), "level": int(data.level[i]),
                "predictedIou": float(data.iou[i]), "stability": float(data.stability[i])}
               for i in range(len(data))]
    (path.parent / f"{case['id']}.amg.ref.json").write_text(json.dumps({"masks": records}))
    np.savez(path.parent / f"{case['id']}.amg.embeddings.npz",
             **{f"crop{k}": e.numpy().astype(np.float32) for k, e in enumerate(embeddings)})
    return len(records)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", required=True, type=Path)
    parser.add_argument("--cases", required=True, type=Path)
    args = parser.parse_args(argv)
    paths = sorted(args.cases.glob("*.amg.json"))
    if not paths:
        print(f"no cases in {args.cases}", file=sys.stderr)
        return 2
    torch.set_grad_enabled(False)
    model = load_model(args.bundle)
    for path in paths:
        start = time.perf_counter()
        n = run_case(model, path)
        print(f"{path.name}: {n} masks in {time.perf_counter() - start:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
