#!/usr/bin/env python3
"""Reference segmentation evaluation with NumPy and pycocotools (for ``com.fmawsss.training.eval``
and ``com.fmawsss.training.data.CocoDataset``).

Two commands:

``miou``: reads an ``.npz`` with ``gt`` and ``pred`` (integer label maps of equal shape, any
number of images stacked; 255 in ``gt`` = ignore) and writes JSON with the confusion matrix, the
per-class IoU (``null`` where the union is empty), the mIoU over classes with a non-empty union
(``np.nanmean``, as the VOC/WSSS evaluation scripts do) and the pixel accuracy::

    python models/reference/miou_reference.py miou --arrays maps.npz --classes 21 --out m.json

The confusion matrix is computed the standard way,
``np.bincount(n * gt[k] + pred[k], minlength=n*n).reshape(n, n)`` with ``k = (gt >= 0) & (gt < n)``.

``coco-gt``: builds the semantic ground truth of every image of a COCO annotation file with
``pycocotools.coco.COCO``: a zero map painted with each annotation's ``annToMask`` in annotation
order, label = 1 + rank of the category id, 255 for ``iscrowd``; writes an ``.npz`` with members
``img<id>`` (uint8 [H, W])::

    python models/reference/miou_reference.py coco-gt --annotations instances.json --out gt.npz
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json

import numpy as np


def confusion(gt: np.ndarray, pred: np.ndarray, n: int) -> np.ndarray:
    k = (gt >= 0) & (gt < n)
    return np.bincount(n * gt[k].astype(np.int64) + pred[k].astype(np.int64), minlength=n * n).reshape(n, n)


def miou(args: argparse.Namespace) -> None:
    with np.load(args.arrays) as arrays:
        gt = arrays["gt"].astype(np.int64)
        pred = arrays["pred"].astype(np.int64)
    if gt.shape != pred.shape:
        raise SystemExit(f"gt {gt.shape} and pred {pred.shape} differ")
    n = args.classes
    hist = confusion(gt, pred, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.diag(hist) / (hist.sum(axis=1) + hist.sum(axis=0) - np.diag(hist))
        acc = np.diag(hist).sum() / hist.sum()
    out = {
        "hist": hist.tolist(),
        "iou": [None if np.isnan(v) else float(v) for v in iou],
        "miou": float(np.nanmean(iou)),
        "pixel_accuracy": float(acc),
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f)


def coco_gt(args: argparse.Namespace) -> None:
    from pycocotools.coco import COCO

    with contextlib.redirect_stdout(io.StringIO()):  # COCO() prints progress
        coco = COCO(args.annotations)
    label_of = {cat_id: rank + 1 for rank, cat_id in enumerate(sorted(coco.getCatIds()))}
    out = {}
    for img_id in coco.getImgIds():
        info = coco.imgs[img_id]
        labels = np.zeros((info["height"], info["width"]), dtype=np.uint8)
        for ann in coco.imgToAnns[img_id]:  # annotation-file order
            mask = coco.annToMask(ann).astype(bool)
            labels[mask] = 255 if ann.get("iscrowd", 0) else label_of[ann["category_id"]]
        out[f"img{img_id}"] = labels
    np.savez(args.out, **out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    m = commands.add_parser("miou", help="confusion matrix, IoU, mIoU, pixel accuracy")
    m.add_argument("--arrays", required=True, help=".npz with gt and pred")
    m.add_argument("--classes", required=True, type=int, help="number of classes incl. background")
    m.add_argument("--out", required=True, help="JSON file to write")
    m.set_defaults(run=miou)
    c = commands.add_parser("coco-gt", help="semantic ground truth of a COCO annotation file")
    c.add_argument("--annotations", required=True, help="instances_*.json")
    c.add_argument("--out", required=True, help=".npz to write")
    c.set_defaults(run=coco_gt)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
