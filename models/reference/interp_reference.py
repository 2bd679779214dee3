#!/usr/bin/env python3
"""Reference bilinear resampling of score maps (for ``com.fmawsss.sams.ScoreMaps``).

For every ``DIR/<id>.interp.json`` = ``{"id", "input": "<id>.npy" (float32 [C, h, w]),
"height": H, "width": W}`` writes ``DIR/<id>.interp.ref.npy`` (float32 [C, H, W]) computed with
``torch.nn.functional.interpolate(mode="bilinear", align_corners=False)`` on float32, the
resampling FMA-WSSS applies to CAMs before SAMS (spec §8).

    python models/reference/interp_reference.py --cases DIR
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", required=True, type=Path)
    args = parser.parse_args()

    cases = sorted(args.cases.glob("*.interp.json"))
    if not cases:
        raise SystemExit(f"no *.interp.json cases in {args.cases}")
    for path in cases:
        case = json.loads(path.read_text(encoding="utf-8"))
        x = np.load(args.cases / case["input"])
        assert x.dtype == np.float32 and x.ndim == 3, (x.dtype, x.shape)
        with torch.no_grad():
            y = F.interpolate(torch.from_numpy(x)[None], size=(case["height"], case["width"]),
                              mode="bilinear", align_corners=False)[0]
        np.save(args.cases / f"{case['id']}.interp.ref.npy", y.numpy().astype(np.float32))
        print(f"{case['id']}: {tuple(x.shape)} -> {tuple(y.shape)}")


if __name__ == "__main__":
    main()
