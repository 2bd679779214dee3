#!/usr/bin/env python3
"""Times SAM's point decoder as Hugging Face runs it against ``FastPointDecoder`` (what the bundle
exports), on the same weights and points, eager PyTorch, and checks that both agree.

    python models/bench/decoder_ablation.py --bundle bench/.bundles/clip-b16-sam-b --points 64 --repeats 3

Prints one JSON line: per-implementation median milliseconds per point batch and the largest
difference of the mask logits.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
from transformers import SamModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fma_export.sam_fast_decoder import FastPointDecoder  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", required=True, type=Path)
    parser.add_argument("--points", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    model = SamModel.from_pretrained(str(args.bundle / "hf" / "sam")).eval()
    fast = FastPointDecoder(model).eval()
    size = model.config.vision_config.image_size
    grid = size // model.config.vision_config.patch_size
    generator = torch.Generator().manual_seed(0)
    embeddings = torch.randn(1, model.config.vision_config.output_channels, grid, grid, generator=generator)
    coords = torch.rand(args.points, 2, generator=generator) * size
    labels = torch.ones(args.points, dtype=torch.long)

    def reference():
        out = model(image_embeddings=embeddings, input_points=coords.view(1, -1, 1, 2),
                    input_labels=labels.view(1, -1, 1), multimask_output=True)
        return out.pred_masks[0], out.iou_scores[0]

    def optimised():
        return fast(embeddings, coords, labels)

    result = {"points": args.points, "threads": torch.get_num_threads()}
    outputs = {}
    with torch.inference_mode():
        for name, run in (("huggingface", reference), ("fastPointDecoder", optimised)):
            outputs[name] = run()  # warm-up
            samples = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                run()
                samples.append((time.perf_counter() - start) * 1000)
            result[name + "Ms"] = round(statistics.median(samples), 1)
    masks_ref, iou_ref = outputs["huggingface"]
    masks_fast, iou_fast = outputs["fastPointDecoder"]
    result["maxMaskDiff"] = float((masks_ref - masks_fast).abs().max())
    result["maxIouDiff"] = float((iou_ref - iou_fast).abs().max())
    result["ratio"] = round(result["fastPointDecoderMs"] / result["huggingfaceMs"], 3)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
