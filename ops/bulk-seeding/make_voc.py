"""Writes a synthetic VOC2012-layout dataset for the seed-batch benchmark.

VOC-sized JPEGs (500x375, quality 90) of coloured ellipses and boxes on a textured background, a
SegmentationClass PNG per image (labels 0 background, 1-20 classes) and
ImageSets/Segmentation/<split>.txt. Deterministic for a given seed.

With --balance N the ids are picked so that each of N seed-batch shards gets COUNT / N images
(shards hash ids, which is lumpy for a dozen images; real datasets split within a few percent).

usage: python make_voc.py OUT_DIR COUNT [--seed N] [--split NAME] [--balance SHARDS]
"""
import argparse
import hashlib
import os

import cv2
import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("count", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--split", default="train")
    parser.add_argument("--balance", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    for sub in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
        os.makedirs(os.path.join(args.out, sub), exist_ok=True)
    ids = []
    per_shard = [0] * args.balance
    candidate = 0
    while len(ids) < args.count:
        image_id = f"2026_{candidate:06d}"
        candidate += 1
        shard = shard_of(image_id, args.balance)
        if per_shard[shard] >= -(-args.count // args.balance):
            continue
        per_shard[shard] += 1
        h, w = 375, 500
        noise = rng.normal(0, 12, (h, w, 3))
        base = np.array(rng.integers(40, 200, 3), dtype=np.float64)
        image = np.clip(base + noise, 0, 255).astype(np.uint8)
        labels = np.zeros((h, w), np.uint8)
        for _ in range(int(rng.integers(1, 4))):
            label = int(rng.integers(1, 21))
            colour = tuple(int(c) for c in rng.integers(0, 256, 3))
            centre = (int(rng.integers(60, w - 60)), int(rng.integers(60, h - 60)))
            axes = (int(rng.integers(30, 140)), int(rng.integers(30, 110)))
            if rng.random() < 0.5:
                cv2.ellipse(image, centre, axes, float(rng.integers(0, 180)), 0, 360, colour, -1)
                cv2.ellipse(labels, centre, axes, 0, 0, 360, label, -1)
            else:
                p0 = (centre[0] - axes[0], centre[1] - axes[1])
                p1 = (centre[0] + axes[0], centre[1] + axes[1])
                cv2.rectangle(image, p0, p1, colour, -1)
                cv2.rectangle(labels, p0, p1, label, -1)
        cv2.imwrite(os.path.join(args.out, "JPEGImages", image_id + ".jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, 90])
        cv2.imwrite(os.path.join(args.out, "SegmentationClass", image_id + ".png"), labels)
        ids.append(image_id)
    with open(os.path.join(args.out, "ImageSets", "Segmentation", args.split + ".txt"), "w") as f:
        f.write("\n".join(ids) + "\n")


def shard_of(image_id, shards):
    """The seed-batch shard of an id (com.fmawsss.batch.ShardAssignment)."""
    return int.from_bytes(hashlib.sha256(image_id.encode("utf-8")).digest()[:8], "big") % shards


if __name__ == "__main__":
    main()
