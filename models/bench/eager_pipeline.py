#!/usr/bin/env python3
"""The FMA-WSSS pipeline in plain PyTorch eager, timed per stage: the Python side of the benchmark.

    python models/bench/eager_pipeline.py --bundle bench/.bundles/clip-b16-sam-b \\
        --workload bench/workload.json --out results.json [--stages sam_encode,amg_decode] [--repeats N]

It runs the same weights as the Java service (the bundle's ``hf/clip`` and ``hf/sam``, written by
``export.py --random-weights`` or ``--tiny``) with Hugging Face ``CLIPModel`` / ``SamModel``, fp32,
CPU, batch 1, torch's default thread settings, the way the official code runs the pipeline:
CLIP-ES (``clip_text.py`` / ``generate_cams_voc12.py``) for the CAMs and CAA, SAM's
``SamAutomaticMaskGenerator`` as modified by FMA-WSSS (``SamAuto``: per-level IoU-threshold and
NMS score offsets, whole -> part -> subpart "rock-sand-water" filter) for the quasi-superpixels,
and FMA-WSSS's ``gather_anns`` / ``sort_anns`` / ``scatter_anns`` for SAMS.

Stages (the keys are the contract with the Java harness, ``com.fmawsss.bench``):

``clip_gradcam_{1,3,6}``  decoded RGB image -> CLIP-ES preprocessing (PIL bicubic stretch to
    multiples of 16, normalise) -> vision forward with bilinearly interpolated position
    embeddings, collecting the head-mean attention of every block -> image-text logits -> masked
    softmax over present + background prompts -> Softmax-GradCAM with one last-block forward and
    one backward per class (as CLIP-ES's pytorch-grad-cam loop) -> raw CAMs on the patch grid.
``caa``          attention of the last 8 blocks -> 1 Sinkhorn pass, symmetrise, power 2; OpenCV box
    masks at 0.4 of the normalised score; refined CAMs.  3-class set; the attention maps come from
    the (untimed) forward of the 3-class run, only the CAA part is timed.
``sam_encode``   SAM preprocessing (PIL bilinear resize of the long side to 1024, normalise, pad) +
    image encoder.
``amg_decode``   the whole automatic mask generation minus the encoder time inside it (``amg_total``
    is reported too): point grid, decoder per ``pointsPerBatch`` points, ``postprocess_masks`` of
    *all* 3 masks of every point to the crop size (official ``predict_torch(return_logits=True)``),
    IoU filter (``iou + levelIouOffset > predIouThresh``), stability, threshold, boxes, crop-edge
    filter, uncrop, RLE (``mask_to_rle_pytorch``), in-crop NMS scored ``iou + levelNmsBonus``, crop
    NMS when several crops, small-region removal (decode RLE, OpenCV holes/islands, NMS, re-encode),
    the whole -> part -> subpart overlap filter, RLE -> binary masks.
``sams``         final masks + refined 3-class CAMs -> bilinear upsampling, ReLU, per-mask means,
    min-max per class, ``bg = (1 - max)^alpha``, argmax, painting by (level, confidence).
``end_to_end``   encoded image bytes -> PIL decode -> all of the above for ``seedClasses`` -> seed
    map.  Text features are precomputed once before any timing (CLIP-ES builds its zero-shot
    classifier at start-up), as for every stage.

Output JSON: ``{"implementation": "pytorch-eager", "torch", "threads", "bundle", "stages": {name:
{"samplesMs", "medianMs", "p90Ms", "gflop"}}, "endToEnd": {...}, "counts": {...}, "peakRssMb", ...}``.
``gflop`` is what PyTorch's flop counter (``torch.utils.flop_counter``) counts in one extra, untimed call of
the stage (``--no-flops`` skips it); the Java report divides it by each side's median time.

Deviations from the official code, and why:

* **NMS**: torchvision is not available, so ``batched_nms`` (all boxes in one category) is our own
  vectorised equivalent: the full pairwise IoU matrix in float32 with torchvision's CPU-kernel
  formula (``inter / (area_i + area_j - inter)``, areas ``(x1-x0)*(y1-y0)``), compared in float64
  with the threshold, stable descending score order (torchvision's CPU kernel sorts stably), then
  the greedy sweep over the precomputed matrix.  Same kept indices in the same order.
* **Attention implementation**: ``attn_implementation="eager"`` for both models: CLIP-ES needs the
  attention weights (OpenAI CLIP's ``nn.MultiheadAttention`` computes them explicitly), and
  segment-anything's ViT computes attention with explicit matmuls + decomposed relative positions.
  ``--sam-attn sdpa`` switches SAM to PyTorch's fused kernel for comparison.
* **Model wrappers**: Hugging Face modules instead of OpenAI ``clip`` / ``segment_anything``
  (same architectures and weights as the Java bundle; the originals are not installed).  Point
  coordinates enter the prompt encoder as float32 (the official predictor passes float64 and casts
  inside the positional encoding; the bundle's decoder takes float32).
* **CLIP trunk** runs under ``no_grad`` with frozen parameters and the CAM gradient is
  ``torch.autograd.grad`` w.r.t. the last block's LayerNorm output only; pytorch-grad-cam calls
  ``loss.backward(retain_graph=True)``, which also accumulates parameter gradients of the last
  block -- wasted work we do not reproduce.  Attention weights come from the same forward pass
  (no second attention call per block, unlike ``reference/cam_reference.vision_tokens``).
* **CAA**: the transition matrix (Sinkhorn, symmetrise, power) is computed once per image; CLIP-ES
  recomputes it inside the per-class loop although it does not depend on the class.
* **Overlap filter**: FMA's ``rock_sand_water`` computes the pairwise intersections with the
  broadcast ``(mask1[:, None] & mask2[None]).sum((2, 3))``, a GPU idiom that is very slow on a CPU
  (a bool -> int64 reduction over N1 x N2 x H x W elements).  By default we compute the same
  integers as a float32 matrix product of the flattened masks (exact below 2^24 pixels);
  ``--overlap broadcast`` runs the original formulation (chunked to ``RSW_CHUNK_BYTES``; the
  original has ``chunk_size=0``).  We do not ``deepcopy`` the mask data per level (pure Python
  overhead of the original).
* **Filters with threshold 0** are skipped, as in SAM (``if self.pred_iou_thresh > 0``), whereas
  ``reference/sam_reference.py`` always applies them; the workloads use positive thresholds.
* **SAMS** per-mask means use FMA's ``gather_anns`` broadcast (``(arr[:, None] * masks[None]).sum
  / areas``); min-max, background, argmax and painting reuse ``reference/sams_reference.py``.

``models/tests/test_eager_pipeline.py`` runs the whole pipeline on the tiny demo bundle and checks
that its final masks equal ``reference/sam_reference.generate_masks`` (same count, same RLEs).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import io
import json
import math
import os
import platform
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import flop_registry
from PIL import Image

MODELS = Path(__file__).resolve().parents[1]
if str(MODELS) not in sys.path:
    sys.path.insert(0, str(MODELS))

from fma_export.reference_bpe import ReferenceClipTokenizer  # noqa: E402
from fma_export.tokenizer import locate_bpe_merges  # noqa: E402
from reference import cam_reference as camref  # noqa: E402
from reference import sam_reference as samref  # noqa: E402
from reference import sams_reference as samsref  # noqa: E402

STAGES = ("clip_gradcam_1", "clip_gradcam_3", "clip_gradcam_6", "caa", "sam_encode", "amg_decode", "sams",
          "end_to_end")
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
RSW_CHUNK_BYTES = 256 << 20
CROP_EDGE_ATOL = 20.0


# ============================================================================================
# CLIP-ES: preprocessing, vision forward, Softmax-GradCAM, CAA
# ============================================================================================

def clip_preprocess(image: Image.Image, patch: int) -> torch.Tensor:
    """CLIP-ES ``_transform_resize``: bicubic stretch to ceil16(H) x ceil16(W) (torchvision's
    ``Resize`` on a PIL image = PIL bicubic), ``ToTensor``, ``Normalize``."""
    w, h = image.size
    new_h = int(math.ceil(h / patch) * patch)
    new_w = int(math.ceil(w / patch) * patch)
    resized = image.resize((new_w, new_h), Image.Resampling.BICUBIC)
    x = torch.from_numpy(np.asarray(resized, dtype=np.uint8).copy()).permute(2, 0, 1).float().div_(255.0)
    mean = torch.tensor(CLIP_MEAN).view(3, 1, 1)
    std = torch.tensor(CLIP_STD).view(3, 1, 1)
    return ((x - mean) / std).unsqueeze(0)


def vision_forward(model, pixels: torch.Tensor):
    """Residual stream entering the last block and the head-mean attention of every earlier block,
    in one pass (CLIP-ES ``encode_image`` with bilinearly upsampled position embeddings)."""
    x, (h, w) = camref.embed_pixels(model, pixels)
    maps = []
    for layer in model.vision_model.encoder.layers[:-1]:
        attended, weights = layer.self_attn(layer.layer_norm1(x), attention_mask=None)
        maps.append(weights.mean(dim=1)[0])
        x = x + attended
        x = x + layer.mlp(layer.layer_norm2(x))
    return x, maps, (h, w)


@dataclass
class CamResult:
    raw: torch.Tensor          # [P, h, w] raw Softmax-GradCAMs
    logits: torch.Tensor       # [P + B]
    maps: List[torch.Tensor]   # head-mean attention of every block, [1+N, 1+N]
    grid: Tuple[int, int]


def clip_gradcam(model, image: Image.Image, text: torch.Tensor, present: int) -> CamResult:
    pixels = clip_preprocess(image, model.config.vision_config.patch_size)
    with torch.no_grad():
        x, maps, (h, w) = vision_forward(model, pixels)
    raw, logits, last_attn = camref.softmax_gradcam(model, x, text, present)
    return CamResult(raw.reshape(present, h, w), logits, maps + [last_attn], (h, w))


def caa_refine(cams: CamResult, caa: Dict) -> np.ndarray:
    """CLIP-ES / FMA class-aware attention affinity, float32 -> refined CAMs ``[P, h, w]``."""
    h, w = cams.grid
    with torch.inference_mode():
        attn = torch.stack(cams.maps[-int(caa["layers"]):]).mean(dim=0)[1:, 1:].float()
        for _ in range(int(caa["sinkhornPasses"])):
            attn = attn / attn.sum(dim=0, keepdim=True)
            attn = attn / attn.sum(dim=1, keepdim=True)
        attn = (attn + attn.T) / 2
        trans = torch.linalg.matrix_power(attn, int(caa["power"]))
        refined = []
        for cam in cams.raw.numpy():
            score = camref.normalised_score(cam)
            box = torch.from_numpy(camref.box_mask(score, float(caa["boxThreshold"]))).float()
            source = torch.from_numpy(score if caa.get("input", "score") == "score" else cam.astype(np.float32))
            refined.append(((trans * box.reshape(1, -1)) @ source.reshape(-1, 1)).reshape(h, w))
        return torch.stack(refined).numpy()


# ============================================================================================
# SAM automatic mask generation, official segment-anything / FMA SamAuto style
# ============================================================================================

def batched_mask_to_box(masks: torch.Tensor) -> torch.Tensor:
    """segment-anything ``batched_mask_to_box``: bool ``[N, H, W]`` -> int64 ``[N, 4]`` XYXY
    (inclusive max), zeros for empty masks."""
    if masks.numel() == 0:
        return torch.zeros(masks.shape[0], 4, dtype=torch.int64)
    h, w = masks.shape[-2:]
    in_height = masks.amax(dim=-1)
    in_height_coords = in_height * torch.arange(h)[None, :]
    bottom = in_height_coords.amax(dim=-1)
    top = (in_height_coords + h * (~in_height)).amin(dim=-1)
    in_width = masks.amax(dim=-2)
    in_width_coords = in_width * torch.arange(w)[None, :]
    right = in_width_coords.amax(dim=-1)
    left = (in_width_coords + w * (~in_width)).amin(dim=-1)
    empty = (right < left) | (bottom < top)
    return torch.stack([left, top, right, bottom], dim=-1) * (~empty).unsqueeze(-1)


def nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """``torchvision.ops.batched_nms`` with a single category (see the module docstring)."""
    n = boxes.shape[0]
    if n == 0:
        return torch.zeros(0, dtype=torch.int64)
    order = torch.sort(scores, descending=True, stable=True).indices
    b = boxes[order].float()
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    lt = torch.maximum(b[:, None, :2], b[None, :, :2])
    rb = torch.minimum(b[:, None, 2:], b[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    over = ((inter / (area[:, None] + area[None, :] - inter)).double() > iou_threshold).numpy()
    removed = np.zeros(n, dtype=bool)
    keep = []
    for i in range(n):
        if removed[i]:
            continue
        keep.append(i)
        removed |= over[i]
    return order[torch.as_tensor(keep, dtype=torch.int64)]


def is_box_near_crop_edge(boxes: torch.Tensor, crop_box: Sequence[int], orig_box: Sequence[int],
                          atol: float = CROP_EDGE_ATOL) -> torch.Tensor:
    crop_t = torch.as_tensor(crop_box, dtype=torch.float)
    orig_t = torch.as_tensor(orig_box, dtype=torch.float)
    x0, y0 = crop_box[0], crop_box[1]
    boxes = (boxes + torch.tensor([[x0, y0, x0, y0]])).float()
    near_crop = torch.isclose(boxes, crop_t[None, :], atol=atol, rtol=0)
    near_image = torch.isclose(boxes, orig_t[None, :], atol=atol, rtol=0)
    return torch.any(near_crop & ~near_image, dim=1)


def uncrop_masks(masks: torch.Tensor, crop_box: Sequence[int], orig_h: int, orig_w: int) -> torch.Tensor:
    x0, y0, x1, y1 = crop_box
    if x0 == 0 and y0 == 0 and x1 == orig_w and y1 == orig_h:
        return masks
    pad_x, pad_y = orig_w - (x1 - x0), orig_h - (y1 - y0)
    return F.pad(masks, (x0, pad_x - x0, y0, pad_y - y0), value=0)


def mask_to_rle(tensor: torch.Tensor) -> List[Dict]:
    """segment-anything ``mask_to_rle_pytorch``: bool ``[B, H, W]`` -> uncompressed column-major RLEs."""
    b, h, w = tensor.shape
    tensor = tensor.permute(0, 2, 1).flatten(1)
    diff = tensor[:, 1:] ^ tensor[:, :-1]
    change = diff.nonzero()
    out = []
    for i in range(b):
        idx = change[change[:, 0] == i, 1]
        idx = torch.cat([torch.tensor([0], dtype=idx.dtype), idx + 1, torch.tensor([h * w], dtype=idx.dtype)])
        runs = idx[1:] - idx[:-1]
        counts = [] if tensor[i, 0] == 0 else [0]
        counts.extend(runs.tolist())
        out.append({"size": [h, w], "counts": counts})
    return out


def rle_to_mask(rle: Dict) -> np.ndarray:
    """segment-anything ``rle_to_mask``."""
    h, w = rle["size"]
    mask = np.empty(h * w, dtype=bool)
    idx = 0
    parity = False
    for count in rle["counts"]:
        mask[idx: idx + count] = parity
        idx += count
        parity ^= True
    return mask.reshape(w, h).transpose()


def area_from_rle(rle: Dict) -> int:
    return int(sum(rle["counts"][1::2]))


class MaskData:
    """segment-anything ``MaskData``: named per-mask columns (tensors, arrays or lists)."""

    def __init__(self, **kwargs):
        self._stats = dict(kwargs)

    def __getitem__(self, key):
        return self._stats[key]

    def __setitem__(self, key, value):
        self._stats[key] = value

    def __delitem__(self, key):
        del self._stats[key]

    def __contains__(self, key):
        return key in self._stats

    def __len__(self):
        return len(self._stats["rles"]) if "rles" in self._stats else len(next(iter(self._stats.values())))

    def filter(self, keep) -> None:
        if isinstance(keep, torch.Tensor) and keep.dtype == torch.bool:
            idx = keep.nonzero()[:, 0]
        else:
            idx = torch.as_tensor(keep, dtype=torch.int64)
        for k, v in self._stats.items():
            if v is None:
                continue
            if isinstance(v, torch.Tensor):
                self._stats[k] = v[idx]
            elif isinstance(v, np.ndarray):
                self._stats[k] = v[idx.numpy()]
            elif isinstance(v, list):
                self._stats[k] = [v[i] for i in idx.tolist()]
            else:
                raise TypeError(f"MaskData key {k} has unsupported type {type(v)}")

    def cat(self, other: "MaskData") -> None:
        for k, v in other._stats.items():
            if k not in self._stats or self._stats[k] is None:
                self._stats[k] = v if not isinstance(v, list) else list(v)
            elif isinstance(v, torch.Tensor):
                self._stats[k] = torch.cat([self._stats[k], v], dim=0)
            elif isinstance(v, np.ndarray):
                self._stats[k] = np.concatenate([self._stats[k], v], axis=0)
            else:
                self._stats[k] = self._stats[k] + v

    def to_numpy(self) -> None:
        for k, v in self._stats.items():
            if isinstance(v, torch.Tensor):
                self._stats[k] = v.numpy()


@dataclass
class AmgResult:
    masks: List[np.ndarray]          # final binary masks [H, W], generator order
    levels: np.ndarray               # int64 [N], 0 subpart, 1 part, 2 whole
    iou: np.ndarray
    stability: np.ndarray
    rles: List[Dict]
    encoder_ms: float
    counts: Dict[str, int]
    diagnostics: Dict[str, np.ndarray] = field(default_factory=dict)


class EagerAmg:
    """``SamAutomaticMaskGenerator`` with FMA-WSSS's ``SamAuto`` changes, on a Hugging Face SamModel."""

    def __init__(self, model, settings: samref.AmgSettings, overlap: str = "matmul"):
        self.model = model
        self.s = settings
        self.overlap = overlap
        self.input_size = int(model.config.vision_config.image_size)
        self.grids = samref.build_layer_point_grids(settings.points_per_side, settings.crop_n_layers,
                                                    settings.crop_point_downscale)
        self.thresh_offset = torch.tensor(settings.level_iou_offsets, dtype=torch.float)
        self.nms_offset = torch.tensor(settings.level_nms_bonus, dtype=torch.float)

    # --- predictor ---------------------------------------------------------------------------
    def set_image(self, image: np.ndarray) -> Tuple[torch.Tensor, Tuple[int, int]]:
        """``SamPredictor.set_image``: PIL bilinear resize of the long side, normalise, pad, encode."""
        pixels, input_size = samref.preprocess_image(image, self.input_size)
        return self.model.get_image_embeddings(pixels), input_size

    def predict_torch(self, embedding, coords: torch.Tensor, input_size, original_size):
        """Decoder for ``Q`` single-point prompts + ``postprocess_masks`` of all 3 masks each."""
        q = coords.shape[0]
        out = self.model(image_embeddings=embedding, input_points=coords.view(1, q, 1, 2),
                         input_labels=torch.ones(1, q, 1, dtype=torch.int64), multimask_output=True)
        low_res, iou = out.pred_masks[0], out.iou_scores[0]
        s = self.input_size
        masks = F.interpolate(low_res, (s, s), mode="bilinear", align_corners=False)
        masks = masks[..., : input_size[0], : input_size[1]]
        masks = F.interpolate(masks, original_size, mode="bilinear", align_corners=False)
        return masks, iou

    # --- AMG ---------------------------------------------------------------------------------
    def process_batch(self, embedding, input_size, points: np.ndarray, im_size, crop_box, orig_size,
                      counts: Dict[str, int], diag: Dict[str, list]) -> MaskData:
        orig_h, orig_w = orig_size
        transformed = samref.transform_coords(points, im_size, self.input_size)
        in_points = torch.as_tensor(transformed.astype(np.float32))
        masks, iou_preds = self.predict_torch(embedding, in_points, input_size, im_size)
        data = MaskData(
            masks=masks.flatten(0, 1),
            iou_preds=iou_preds.flatten(0, 1),
            iou_preds_thresh=(iou_preds + self.thresh_offset[None, :]).flatten(0, 1),
            iou_preds_nms=(iou_preds + self.nms_offset[None, :]).flatten(0, 1),
            points=torch.as_tensor(points.repeat(masks.shape[1], axis=0)),
            level=torch.tensor([0, 1, 2], dtype=torch.int64).expand_as(iou_preds).flatten(0, 1),
        )
        del masks
        counts["candidates"] += len(data["iou_preds"])
        diag["iou"].append(data["iou_preds"].clone())
        diag["iou_level"].append(data["level"].clone())
        if self.s.pred_iou_thresh > 0.0:
            data.filter(data["iou_preds_thresh"] > self.s.pred_iou_thresh)
        counts["afterIou"] += len(data["iou_preds"])
        m = data["masks"]
        high = (m > (self.s.mask_threshold + self.s.stability_offset)).sum(-1, dtype=torch.int16).sum(-1, dtype=torch.int32)
        low = (m > (self.s.mask_threshold - self.s.stability_offset)).sum(-1, dtype=torch.int16).sum(-1, dtype=torch.int32)
        data["stability_score"] = high / low
        diag["stability"].append(data["stability_score"].clone())
        if self.s.stability_thresh > 0.0:
            data.filter(data["stability_score"] >= self.s.stability_thresh)
        counts["afterStability"] += len(data["iou_preds"])
        data["masks"] = data["masks"] > self.s.mask_threshold
        data["boxes"] = batched_mask_to_box(data["masks"])
        keep = ~is_box_near_crop_edge(data["boxes"], crop_box, [0, 0, orig_w, orig_h])
        if not torch.all(keep):
            data.filter(keep)
        counts["afterCropEdge"] += len(data["iou_preds"])
        data["masks"] = uncrop_masks(data["masks"], crop_box, orig_h, orig_w)
        data["rles"] = mask_to_rle(data["masks"])
        del data["masks"]
        return data

    def process_crop(self, image, crop_box, layer, orig_size, counts, diag, timer) -> MaskData:
        x0, y0, x1, y1 = crop_box
        cropped = image[y0:y1, x0:x1, :]
        im_size = cropped.shape[:2]
        start = time.perf_counter()
        embedding, input_size = self.set_image(cropped)
        timer["encoder"] += time.perf_counter() - start
        points_for_image = self.grids[layer] * np.array(im_size)[None, ::-1]
        data = MaskData()
        for a, b in samref.batch_ranges(len(points_for_image), self.s.points_per_batch):
            data.cat(self.process_batch(embedding, input_size, points_for_image[a:b], im_size, crop_box, orig_size,
                                        counts, diag))
        if "rles" not in data or len(data["rles"]) == 0:
            return data
        keep = nms(data["boxes"].float(), data["iou_preds_nms"], self.s.box_nms_thresh)
        data.filter(keep)
        data["boxes"] = data["boxes"] + torch.tensor([[x0, y0, x0, y0]])
        data["points"] = data["points"] + torch.tensor([[x0, y0]])
        data["crop_boxes"] = torch.tensor([crop_box for _ in range(len(data["rles"]))])
        counts["afterNms"] += len(data["rles"])
        return data

    def generate_masks(self, image: np.ndarray, counts, diag, timer) -> MaskData:
        orig_size = image.shape[:2]
        crop_boxes, layers = samref.generate_crop_boxes(orig_size, self.s.crop_n_layers, self.s.crop_overlap_ratio)
        data = MaskData()
        for crop_box, layer in zip(crop_boxes, layers):
            data.cat(self.process_crop(image, crop_box, layer, orig_size, counts, diag, timer))
        if "rles" not in data:
            return data
        if len(crop_boxes) > 1 and len(data):
            cb = data["crop_boxes"]
            scores = 1 / ((cb[:, 2] - cb[:, 0]) * (cb[:, 3] - cb[:, 1]))
            data.filter(nms(data["boxes"].float(), scores, self.s.crop_nms_thresh))
        counts["afterCropNms"] = len(data)
        data.to_numpy()
        return data

    def postprocess_small_regions(self, data: MaskData, min_area: int, nms_thresh: float) -> MaskData:
        if len(data["rles"]) == 0:
            return data
        new_masks, scores = [], []
        for rle in data["rles"]:
            mask = rle_to_mask(rle)
            mask, changed = samref.remove_small_regions(mask, min_area, "holes")
            unchanged = not changed
            mask, changed = samref.remove_small_regions(mask, min_area, "islands")
            unchanged = unchanged and not changed
            new_masks.append(torch.as_tensor(mask).unsqueeze(0))
            scores.append(float(unchanged))
        masks = torch.cat(new_masks, dim=0)
        boxes = batched_mask_to_box(masks)
        keep = nms(boxes.float(), torch.as_tensor(scores), nms_thresh)
        for i in keep.tolist():
            if scores[i] == 0.0:
                data["rles"][i] = mask_to_rle(masks[i].unsqueeze(0))[0]
                data["boxes"][i] = boxes[i].numpy()
        data.filter(keep)
        return data

    def rock_sand_water(self, data: MaskData) -> MaskData:
        """FMA-WSSS's whole -> part -> subpart filter (``SamAuto.rock_sand_water``)."""
        if len(data["rles"]) == 0:
            return data
        groups = []
        for level in (2, 1, 0):
            idx = np.flatnonzero(data["level"] == level)
            masks = torch.as_tensor(np.array([rle_to_mask(data["rles"][i]) for i in idx]), dtype=torch.bool)
            groups.append((idx, masks))
        kept_idx, kept_masks = None, None
        for idx, masks in groups:
            if kept_idx is None or len(kept_idx) == 0:
                kept_idx, kept_masks = idx, masks
                continue
            if len(idx) == 0:
                continue
            inter = self._intersections(masks, kept_masks)
            areas = masks.sum(dim=(1, 2), dtype=torch.long)
            max_recall = (inter.float() / areas[:, None]).amax(dim=1)
            sel = (max_recall < self.s.overlap_filter_threshold).numpy()
            kept_idx = np.concatenate([kept_idx, idx[sel]])
            kept_masks = torch.cat([kept_masks, masks[torch.from_numpy(sel)]], dim=0)
        data.filter(torch.as_tensor(kept_idx, dtype=torch.int64))
        return data

    def _intersections(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """``|a_i & b_j|`` as int64 ``[len(a), len(b)]``."""
        if self.overlap == "broadcast":
            per_row = max(1, b.numel())
            chunk = max(1, RSW_CHUNK_BYTES // per_row)
            return torch.cat([(a[i:i + chunk, None] & b[None]).sum(dim=(2, 3), dtype=torch.long)
                              for i in range(0, a.shape[0], chunk)], dim=0)
        # Exact: 0/1 products summed in float32 are integers below 2^24 for images up to 16.7 MP.
        return (a.flatten(1).float() @ b.flatten(1).float().T).round().long()

    def generate(self, image: np.ndarray) -> AmgResult:
        counts = {k: 0 for k in ("candidates", "afterIou", "afterStability", "afterCropEdge", "afterNms")}
        diag = {"iou": [], "iou_level": [], "stability": []}
        timer = {"encoder": 0.0}
        with torch.inference_mode():
            data = self.generate_masks(image, counts, diag, timer)
            if "rles" not in data:
                data = MaskData(rles=[], level=np.zeros(0, np.int64), iou_preds=np.zeros(0, np.float32),
                                stability_score=np.zeros(0, np.float32), boxes=np.zeros((0, 4), np.int64))
            if self.s.min_mask_region_area > 0:
                data = self.postprocess_small_regions(data, self.s.min_mask_region_area,
                                                      max(self.s.box_nms_thresh, self.s.crop_nms_thresh))
            counts["afterSmallRegions"] = len(data["rles"])
            data = self.rock_sand_water(data)
            masks = [rle_to_mask(rle) for rle in data["rles"]]
            # The annotation records of SamAutomaticMaskGenerator.generate (cheap, kept for fidelity).
            _ = [{"area": area_from_rle(rle), "bbox": [int(b[0]), int(b[1]), int(b[2] - b[0]), int(b[3] - b[1])]}
                 for rle, b in zip(data["rles"], data["boxes"])]
        counts["final"] = len(masks)
        diagnostics = {k: (torch.cat(v).numpy() if v else np.zeros(0)) for k, v in diag.items()}
        return AmgResult(masks, np.asarray(data["level"], dtype=np.int64), np.asarray(data["iou_preds"]),
                         np.asarray(data["stability_score"]), data["rles"], timer["encoder"] * 1000.0, counts,
                         diagnostics)


# ============================================================================================
# SAMS
# ============================================================================================

def sams_seed(masks: List[np.ndarray], levels: np.ndarray, refined: np.ndarray, height: int, width: int,
              alpha: float) -> np.ndarray:
    if not masks:
        return np.zeros((height, width), dtype=np.uint8)
    with torch.inference_mode():
        full = torch.from_numpy(samsref.upsample_scores(refined, height, width))
        stacked = torch.from_numpy(np.stack(masks))
        areas = stacked.sum(dim=(1, 2), dtype=torch.int32)
        means = ((full[:, None] * stacked[None]).sum(dim=(2, 3)) / areas[None, :]).T.contiguous().numpy()
    normalised = samsref.minmax_over_masks(means)
    labels, confidence = samsref.classify_masks(normalised, alpha)
    return samsref.paint(masks, levels, labels, confidence, height, width)


# ============================================================================================
# Harness
# ============================================================================================

def load_models(bundle: Path, sam_attn: str = "eager"):
    from transformers import CLIPModel, SamModel

    clip = CLIPModel.from_pretrained(str(bundle / "hf" / "clip"), attn_implementation="eager").float().eval()
    sam = SamModel.from_pretrained(str(bundle / "hf" / "sam"), attn_implementation=sam_attn).float().eval()
    for p in list(clip.parameters()) + list(sam.parameters()):
        p.requires_grad_(False)
    return clip, sam


def resolve(path: str, workload_path: Path) -> Path:
    p = Path(path)
    if p.is_absolute():
        return p
    for base in (workload_path.resolve().parent.parent, Path.cwd(), workload_path.resolve().parent):
        if (base / p).exists():
            return base / p
    raise FileNotFoundError(path)


class Pipeline:
    def __init__(self, bundle: Path, workload: Dict, workload_path: Path, amg_override: Optional[Dict] = None,
                 sam_attn: str = "eager", overlap: str = "matmul"):
        self.bundle = bundle
        self.workload = workload
        self.clip, self.sam = load_models(bundle, sam_attn)
        self.image_path = resolve(workload["image"], workload_path)
        self.image_bytes = self.image_path.read_bytes()
        self.pil = decode(self.image_bytes)
        self.rgb = np.asarray(self.pil, dtype=np.uint8)
        vocab = json.loads(resolve(workload["vocabulary"], workload_path).read_text())
        prompts = {c["name"]: c["prompt"] for c in vocab["classes"]}
        background = [b if isinstance(b, str) else b["prompt"] for b in vocab["background"]]
        tokenizer = ReferenceClipTokenizer(locate_bpe_merges(MODELS / ".cache"))
        self.text = {}
        with torch.no_grad():
            for key, names in workload["classSets"].items():
                feats = camref.manual_features(self.clip, tokenizer, [prompts[n] for n in names] + background,
                                               workload["promptTemplate"])
                self.text[key] = (feats / feats.norm(dim=-1, keepdim=True), len(names))
        amg = dict(workload["amg"])
        amg.update(amg_override or {})
        self.amg_settings = samref.AmgSettings.from_json(amg)
        self.amg = EagerAmg(self.sam, self.amg_settings, overlap)
        self.caa_cfg = workload["caa"]
        self.alpha = float(workload["alpha"])
        self.seed_key = str(workload["seedClasses"])
        self._cams: Dict[str, CamResult] = {}
        self._refined: Optional[np.ndarray] = None
        self._amg: Optional[AmgResult] = None

    # stage bodies ------------------------------------------------------------------------------
    def cams(self, key: str, image: Optional[Image.Image] = None) -> CamResult:
        text, present = self.text[key]
        result = clip_gradcam(self.clip, image if image is not None else self.pil, text, present)
        self._cams[key] = result
        return result

    def caa(self, cams: Optional[CamResult] = None) -> np.ndarray:
        cams = cams or self._cams.get(self.seed_key) or self.cams(self.seed_key)
        self._refined = caa_refine(cams, self.caa_cfg)
        return self._refined

    def sam_encode(self) -> torch.Tensor:
        with torch.inference_mode():
            return self.amg.set_image(self.rgb)[0]

    def generate(self, rgb: Optional[np.ndarray] = None) -> AmgResult:
        self._amg = self.amg.generate(self.rgb if rgb is None else rgb)
        return self._amg

    def sams(self, amg: Optional[AmgResult] = None, refined: Optional[np.ndarray] = None) -> np.ndarray:
        amg = amg or self._amg or self.generate()
        refined = refined if refined is not None else (self._refined if self._refined is not None else self.caa())
        h, w = self.rgb.shape[:2]
        return sams_seed(amg.masks, amg.levels, refined, h, w, self.alpha)

    def end_to_end(self, data: bytes) -> np.ndarray:
        pil = decode(data)
        rgb = np.asarray(pil, dtype=np.uint8)
        text, present = self.text[self.seed_key]
        cams = clip_gradcam(self.clip, pil, text, present)
        refined = caa_refine(cams, self.caa_cfg)
        amg = self.amg.generate(rgb)
        return sams_seed(amg.masks, amg.levels, refined, rgb.shape[0], rgb.shape[1], self.alpha)


def decode(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as im:
        return im.convert("RGB")


def summary(samples_ms: List[float]) -> Dict:
    arr = np.asarray(samples_ms, dtype=np.float64)
    return {"samplesMs": [round(float(v), 3) for v in arr], "medianMs": round(float(np.median(arr)), 3),
            "p90Ms": round(float(np.percentile(arr, 90)), 3)}


def timed(fn: Callable[[], object], warmup: int, repeats: int) -> List[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000.0)
    return samples


def quantiles(values: np.ndarray) -> Dict:
    v = np.asarray(values, dtype=np.float64)
    finite = v[np.isfinite(v)]
    out = {"n": int(v.size), "nonFinite": int(v.size - finite.size)}
    if finite.size:
        qs = np.quantile(finite, [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0])
        out.update({k: round(float(q), 4) for k, q in zip(("min", "p10", "p25", "p50", "p75", "p90", "max"), qs)})
    return out


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


class _FlopCount(TorchDispatchMode):
    """PyTorch's flop counter (``torch.utils.flop_counter``'s formulas for matrix products,
    convolutions and attention, forward and backward; 2 per multiply-add) without the module
    tracking of ``FlopCounterMode``, whose hooks break ``torch.autograd.grad`` with explicit inputs
    (CLIP-ES's GradCAM)."""

    def __init__(self):
        super().__init__()
        self.total = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        formula = flop_registry.get(func._overloadpacket)
        if formula is not None:
            self.total += formula(*args, **kwargs, out_val=out)
        return out


def gflop(fn: Callable[[], object]) -> float:
    """Floating-point operations of one untimed call of ``fn``, in GFLOP.  Python dispatch modes do
    not see operators on inference tensors, so the stages' ``inference_mode`` blocks run as
    ``no_grad`` for the count (the same operators, without the inference-tensor shortcut)."""
    real = torch.inference_mode
    torch.inference_mode = torch.no_grad
    try:
        with _FlopCount() as counter:
            fn()
    finally:
        torch.inference_mode = real
    return round(counter.total / 1e9, 6)


def count_flops(pipeline: Pipeline, results: Dict, end_to_end: Optional[Dict]) -> None:
    """Adds ``gflop`` to every timed stage (one extra, untimed pass each)."""
    for key in ("1", "3", "6"):
        if f"clip_gradcam_{key}" in results:
            results[f"clip_gradcam_{key}"]["gflop"] = gflop(lambda: pipeline.cams(key))
    if "caa" in results:
        cams = pipeline._cams.get(pipeline.seed_key) or pipeline.cams(pipeline.seed_key)
        results["caa"]["gflop"] = gflop(lambda: pipeline.caa(cams))
    encode = gflop(pipeline.sam_encode) if {"sam_encode", "amg_decode"} & set(results) else 0.0
    if "sam_encode" in results:
        results["sam_encode"]["gflop"] = encode
    if "amg_decode" in results:
        total = gflop(pipeline.generate)
        results["amg_total"]["gflop"] = total
        results["amg_encoder"]["gflop"] = encode
        results["amg_decode"]["gflop"] = round(total - encode, 6)
    if "sams" in results:
        amg = pipeline._amg or pipeline.generate()
        refined = pipeline._refined if pipeline._refined is not None else pipeline.caa()
        results["sams"]["gflop"] = gflop(lambda: pipeline.sams(amg, refined))
    if end_to_end is not None:
        end_to_end["gflop"] = gflop(lambda: pipeline.end_to_end(pipeline.image_bytes))


def run(pipeline: Pipeline, stages: Sequence[str], warmup: int, stage_repeats: int, e2e_repeats: int,
        log: Callable[[str], None] = lambda s: None, flops: bool = True) -> Dict:
    results: Dict[str, Dict] = {}
    counts: Dict = {}
    end_to_end = None
    for key in ("1", "3", "6"):
        name = f"clip_gradcam_{key}"
        if name in stages:
            results[name] = summary(timed(lambda: pipeline.cams(key), warmup, stage_repeats))
            log(f"{name}: {results[name]['medianMs']:.1f} ms")
    if "caa" in stages:
        cams = pipeline._cams.get(pipeline.seed_key) or pipeline.cams(pipeline.seed_key)
        results["caa"] = summary(timed(lambda: pipeline.caa(cams), warmup, stage_repeats))
        log(f"caa: {results['caa']['medianMs']:.1f} ms")
    if "sam_encode" in stages:
        results["sam_encode"] = summary(timed(pipeline.sam_encode, warmup, stage_repeats))
        log(f"sam_encode: {results['sam_encode']['medianMs']:.1f} ms")
    if "amg_decode" in stages:
        for _ in range(warmup):
            pipeline.generate()
        totals, decodes, encoders = [], [], []
        for _ in range(stage_repeats):
            start = time.perf_counter()
            amg = pipeline.generate()
            total = (time.perf_counter() - start) * 1000.0
            totals.append(total)
            encoders.append(amg.encoder_ms)
            decodes.append(total - amg.encoder_ms)
        results["amg_decode"] = summary(decodes)
        results["amg_total"] = summary(totals)
        results["amg_encoder"] = summary(encoders)
        amg = pipeline._amg
        counts["amg"] = amg.counts
        levels = amg.diagnostics["iou_level"]
        counts["predictedIou"] = {f"level{l}": quantiles(amg.diagnostics["iou"][levels == l]) for l in range(3)}
        counts["stabilityAfterIouFilter"] = quantiles(amg.diagnostics["stability"])
        counts["finalLevels"] = {f"level{l}": int((amg.levels == l).sum()) for l in range(3)}
        log(f"amg_decode: {results['amg_decode']['medianMs']:.1f} ms (total {results['amg_total']['medianMs']:.1f} ms); "
            f"counts {amg.counts}")
    if "sams" in stages:
        amg = pipeline._amg or pipeline.generate()
        refined = pipeline._refined if pipeline._refined is not None else pipeline.caa()
        results["sams"] = summary(timed(lambda: pipeline.sams(amg, refined), warmup, stage_repeats))
        counts.setdefault("amg", amg.counts)
        log(f"sams: {results['sams']['medianMs']:.1f} ms")
    if "end_to_end" in stages:
        end_to_end = summary(timed(lambda: pipeline.end_to_end(pipeline.image_bytes), warmup, e2e_repeats))
        log(f"end_to_end: {end_to_end['medianMs']:.1f} ms")
    if flops:
        count_flops(pipeline, results, end_to_end)
        log("FLOPs counted: " + ", ".join(f"{k} {v['gflop']:.1f}" for k, v in results.items() if "gflop" in v))
    h, w = pipeline.rgb.shape[:2]
    cams = pipeline._cams.get(pipeline.seed_key)
    if cams is not None:
        counts["clipLogits"] = [round(float(v), 3) for v in cams.logits]
    return {
        "implementation": "pytorch-eager",
        "torch": torch.__version__,
        "transformers": __import__("transformers").__version__,
        "threads": torch.get_num_threads(),
        "interopThreads": torch.get_num_interop_threads(),
        "cpu": cpu_model(),
        "allocator": os.environ.get("LD_PRELOAD") or "glibc",
        "date": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "bundle": str(pipeline.bundle),
        "image": {"path": str(pipeline.image_path), "height": h, "width": w},
        "samAttention": pipeline.sam.config._attn_implementation,
        "overlap": pipeline.amg.overlap,
        "amgSettings": {k: getattr(pipeline.amg_settings, k) for k in pipeline.amg_settings.__dataclass_fields__},
        "repeats": {"warmup": warmup, "stages": stage_repeats, "endToEnd": e2e_repeats},
        "stages": results,
        "endToEnd": end_to_end,
        "counts": counts,
        "peakRssMb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
    }


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", required=True, type=Path, help="bundle with hf/clip and hf/sam")
    parser.add_argument("--workload", required=True, type=Path, help="bench/workload.json")
    parser.add_argument("--out", required=True, type=Path, help="results JSON to write")
    parser.add_argument("--stages", default=",".join(STAGES),
                        help=f"comma-separated subset of {', '.join(STAGES)} (default: all)")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs per stage and end to end (overrides the workload)")
    parser.add_argument("--warmup", type=int, default=None, help="untimed runs per stage (overrides the workload)")
    parser.add_argument("--amg", default=None, help="JSON object overriding workload AMG settings, e.g. '{\"predIouThresh\": 0.5}'")
    parser.add_argument("--sam-attn", choices=["eager", "sdpa"], default="eager", help="SAM attention implementation")
    parser.add_argument("--overlap", choices=["matmul", "broadcast"], default="matmul",
                        help="intersection areas of the whole/part/subpart filter (see the module docstring)")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's default)")
    parser.add_argument("--no-flops", action="store_true", help="skip the untimed FLOP-counting pass of every stage")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        print(f"unknown stages {unknown}; expected some of {', '.join(STAGES)}", file=sys.stderr)
        return 2
    if args.threads:
        torch.set_num_threads(args.threads)
    workload = json.loads(args.workload.read_text())
    reps = workload.get("repeats", {})
    warmup = args.warmup if args.warmup is not None else int(reps.get("warmup", 1))
    stage_repeats = args.repeats if args.repeats is not None else int(reps.get("stages", 3))
    e2e_repeats = args.repeats if args.repeats is not None else int(reps.get("endToEnd", 3))
    start = time.perf_counter()
    log = lambda msg: print(f"[{time.perf_counter() - start:7.1f} s] {msg}", flush=True)  # noqa: E731
    pipeline = Pipeline(args.bundle, workload, args.workload, json.loads(args.amg) if args.amg else None, args.sam_attn,
                        args.overlap)
    log("models loaded, text features computed")
    result = run(pipeline, stages, warmup, stage_repeats, e2e_repeats, log, flops=not args.no_flops)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    log(f"results written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
