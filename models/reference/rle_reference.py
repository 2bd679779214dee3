#!/usr/bin/env python3
"""Reference COCO run-length encoding with pycocotools (for ``com.fmawsss.masks.CocoRle``).

Reads stacks of ``uint8`` masks ``[N, H, W]`` (every member of an ``.npz``; one stack per mask
size) and writes JSON with the same member names::

    {"<member>": [{"size": [H, W], "counts": "<compressed string>", "area": <int>}, ...], ...}

with ``pycocotools.mask.encode(np.asfortranarray(mask))`` per mask, exactly what COCO tooling
produces, so the Java test can compare strings character for character.

    python models/reference/rle_reference.py --masks masks.npz --out rle.json
"""
from __future__ import annotations

import argparse
import json

import numpy as np
from pycocotools import mask as mask_utils


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--masks", required=True, help=".npz of uint8 [N, H, W] stacks")
    parser.add_argument("--out", required=True, help="JSON file to write")
    args = parser.parse_args()

    out = {}
    with np.load(args.masks) as archive:
        for name in archive.files:
            masks = archive[name]
            if masks.dtype != np.uint8 or masks.ndim != 3:
                raise SystemExit(f"{name}: expected uint8 [N, H, W], got {masks.dtype} {masks.shape}")
            out[name] = [encode(mask) for mask in masks]
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f)


def encode(mask: np.ndarray) -> dict:
    rle = mask_utils.encode(np.asfortranarray(mask))
    # pycocotools must decode its own string back to the mask; guards the script itself.
    assert np.array_equal(mask_utils.decode(rle), mask)
    return {
        "size": [int(v) for v in rle["size"]],
        "counts": rle["counts"].decode("ascii"),
        "area": int(mask_utils.area(rle)),
    }


if __name__ == "__main__":
    main()
