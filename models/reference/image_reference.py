#!/usr/bin/env python3
"""Pillow reference for the Java image code: resizing and decoding.

    python models/reference/image_reference.py --cases DIR

``DIR/<id>.resize.json`` = ``{"id", "input": "x.npy" (uint8 [H,W,3]), "width", "height",
"filter": "bicubic"|"bilinear"}`` -> ``<id>.ref.npy`` = ``Image.fromarray(x).resize((width, height),
filter)`` as uint8 ``[height, width, 3]``.

``DIR/<id>.decode.json`` = ``{"id", "image": "/path/photo.jpg"}`` -> ``<id>.ref.npy`` = the image
decoded by Pillow (libjpeg / libpng), converted to RGB, uint8 ``[H, W, 3]``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

FILTERS = {"bicubic": Image.Resampling.BICUBIC, "bilinear": Image.Resampling.BILINEAR}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", required=True, type=Path)
    args = parser.parse_args(argv)
    done = 0
    for path in sorted(args.cases.glob("*.resize.json")):
        case = json.loads(path.read_text())
        image = Image.fromarray(np.load(path.parent / case["input"]), mode="RGB")
        resized = image.resize((case["width"], case["height"]), FILTERS[case["filter"]])
        np.save(path.parent / f"{case['id']}.ref.npy", np.asarray(resized, dtype=np.uint8))
        done += 1
    for path in sorted(args.cases.glob("*.decode.json")):
        case = json.loads(path.read_text())
        with Image.open(case["image"]) as image:
            np.save(path.parent / f"{case['id']}.ref.npy", np.asarray(image.convert("RGB"), dtype=np.uint8))
        done += 1
    if done == 0:
        print(f"no cases in {args.cases}", file=sys.stderr)
        return 2
    print(f"{done} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
