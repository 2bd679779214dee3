#!/usr/bin/env python3
"""Export a FMA-WSSS model bundle (docs/bundle-format.md).

Real models (needs the weights: a Hugging Face hub id with internet access, or a local directory):

    python models/export.py --clip openai/clip-vit-base-patch16 --sam facebook/sam-vit-huge --out bundles/vit-b16-sam-h
    python models/export.py --clip /data/hf/clip-vit-base-patch16 --sam /data/hf/sam-vit-huge --dtype fp16 --out bundles/gpu

An fp32 bundle also carries bf16 copies of the two heavy modules (``--no-bf16-variants`` leaves them
out); the service times both on its machine at the first start and runs the faster one whose outputs
stay within ``fma.dtype-max-error`` of fp32 (``fma.dtype=auto``; ``fp32`` or ``bf16`` force one).

The projects' own checkpoint files (docs/checkpoints.md): SAM's ``sam_vit_{b,l,h}_*.pth`` and OpenAI's
``ViT-B-16.pt`` (TorchScript archive or plain state dict); sizes are read from the tensor shapes:

    python models/export.py --clip ~/.cache/clip/ViT-B-16.pt --sam sam_vit_h_4b8939.pth --out bundles/vit-b16-sam-h

Learned prompts of the official FMA-WSSS training scripts -> a prompt-set file for the prompt store:

    python models/export.py import-prompts --checkpoint final.pth --vocabulary voc --id seg-voc-1 --out seg-voc-1.safetensors

Tiny random-weight bundle (same architectures, small widths; for tests and the demo):

    python models/export.py --tiny --seed 0 --out models/demo-bundle

Real-size random-weight bundle (the exact CLIP ViT-B/16 and SAM ViT-B/L/H architectures, seeded
random values, nothing downloaded; for benchmarks -- see models/fma_export/random_real.py). It
also holds the source weights under hf/ for models/bench/eager_pipeline.py:

    python models/export.py --random-weights --sam-arch vit-b --seed 0 --out bench/.bundles/clip-b16-sam-b
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fma_export.bundle import write_bundle  # noqa: E402

DEFAULT_CLIP = "openai/clip-vit-base-patch16"
DEFAULT_SAM = "facebook/sam-vit-huge"
CACHE_DIR = Path(__file__).resolve().parent / ".cache"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, type=Path, help="bundle directory to write")
    parser.add_argument("--clip", default=DEFAULT_CLIP,
                        help="CLIPModel hub id or local directory, or OpenAI's ViT-B-16.pt (TorchScript or state dict)")
    parser.add_argument("--clip-revision", default=None, help="hub revision (branch, tag or commit)")
    parser.add_argument("--sam", default=DEFAULT_SAM,
                        help="SamModel hub id or local directory, or segment-anything's sam_vit_*.pth")
    parser.add_argument("--sam-revision", default=None, help="hub revision (branch, tag or commit)")
    parser.add_argument("--tiny", action="store_true", help="seeded random-weight models of the same architectures")
    parser.add_argument("--random-weights", action="store_true",
                        help="seeded random-weight models at the real sizes (benchmarks)")
    parser.add_argument("--sam-arch", choices=["vit-b", "vit-l", "vit-h"], default=None,
                        help="SAM architecture of --random-weights (default vit-h); for a sam_vit_*.pth it is read "
                             "from the tensor shapes and, if given, must agree")
    parser.add_argument("--seed", type=int, default=0, help="seed of the tiny / random-weight models")
    parser.add_argument("--dtype", choices=["fp32", "fp16"], default="fp32", help="fp16 for GPU bundles")
    parser.add_argument("--bf16-variants", action=argparse.BooleanOptionalAction, default=None,
                        help="also store bf16 versions of the CLIP vision trunk and SAM image encoder (default: on for "
                             "fp32 bundles); the service measures both at its first start and runs the faster one "
                             "within its accuracy budget (fma.dtype=auto)")
    parser.add_argument("--force", action="store_true", help="replace an existing bundle directory")
    args = parser.parse_args(argv)
    if args.random_weights and args.sam_arch is None:
        args.sam_arch = "vit-h"
    return args


def _bpe_tokenizer_writer():
    from fma_export.tokenizer import locate_bpe_merges, write_tokenizer_json

    merges = locate_bpe_merges(CACHE_DIR)
    return lambda path: write_tokenizer_json(path, merges)


def _hub_tokenizer_writer(source: str, revision):
    def write(path: Path) -> None:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(source, revision=revision)
        tokenizer.backend_tokenizer.save(str(path))

    return write


def _revision(model, requested):
    return getattr(model.config, "_commit_hash", None) or requested


def _load_clip(args):
    """(model, source, revision, tokenizer writer) of ``--clip``: a local OpenAI file or a CLIPModel."""
    if Path(args.clip).is_file():
        from fma_export.original_checkpoints import SourceFile, clip_from_state_dict, describe_report, load_clip_checkpoint

        path = Path(args.clip)
        model, shapes, report = clip_from_state_dict(load_clip_checkpoint(path))
        print(f"CLIP {path.name}: ViT {shapes.vision_width}x{shapes.vision_layers}/{shapes.patch_size}, "
              f"text {shapes.width}x{shapes.layers}; {describe_report(report)}")
        source = SourceFile.of(path)
        # OpenAI's archive has no tokenizer.json; its tokenizer is the BPE we write ourselves.
        return model, source.name, source.sha256, _bpe_tokenizer_writer()
    from transformers import CLIPModel

    model = CLIPModel.from_pretrained(args.clip, revision=args.clip_revision, torch_dtype=torch.float32)
    return model, args.clip, _revision(model, args.clip_revision), _hub_tokenizer_writer(args.clip, args.clip_revision)


def _load_sam(args):
    """(model, source, revision) of ``--sam``: a local segment-anything file or a SamModel."""
    if Path(args.sam).is_file():
        from fma_export.original_checkpoints import SourceFile, describe_report, load_state_dict, sam_from_state_dict

        path = Path(args.sam)
        model, shapes, report = sam_from_state_dict(load_state_dict(path), args.sam_arch)
        print(f"SAM {path.name}: {shapes.arch() or 'custom'} (width {shapes.embed_dim}, depth {shapes.depth}, "
              f"input {shapes.image_size}); {describe_report(report)}")
        source = SourceFile.of(path)
        return model, source.name, source.sha256
    from transformers import SamModel

    model = SamModel.from_pretrained(args.sam, revision=args.sam_revision, torch_dtype=torch.float32)
    return model, args.sam, _revision(model, args.sam_revision)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["import-prompts"]:
        from fma_export.fma_prompts import main as import_prompts

        return import_prompts(argv[1:])
    args = parse_args(argv)
    dtype = torch.float16 if args.dtype == "fp16" else torch.float32
    if args.bf16_variants and dtype != torch.float32:
        print("--bf16-variants needs an fp32 bundle (--dtype fp32)", file=sys.stderr)
        return 2
    if args.bf16_variants is None:
        args.bf16_variants = dtype == torch.float32
    if args.tiny and args.random_weights:
        print("--tiny and --random-weights are exclusive", file=sys.stderr)
        return 2
    if args.random_weights:
        import time

        from fma_export.random_real import export_random_real

        start = time.perf_counter()
        out = export_random_real(
            args.out, arch=args.sam_arch, seed=args.seed, write_tokenizer=_bpe_tokenizer_writer(), dtype=dtype,
            force=args.force, bf16_variants=args.bf16_variants, log=lambda msg: print(f"[{time.perf_counter() - start:7.1f} s] {msg}", flush=True),
        )
        print(f"bundle written to {out} in {time.perf_counter() - start:.1f} s")
        return 0
    if args.tiny:
        from fma_export.tiny import tiny_clip, tiny_sam

        clip_model, sam_model = tiny_clip(args.seed), tiny_sam(args.seed)
        sources = dict(
            clip_source=f"tiny-random-clip-vit-b16:seed={args.seed}", clip_revision=None,
            sam_source=f"tiny-random-sam-vit:seed={args.seed}", sam_revision=None,
        )
        write_tokenizer = _bpe_tokenizer_writer()
    else:
        from fma_export.original_checkpoints import CheckpointError

        try:
            clip_model, clip_source, clip_revision, write_tokenizer = _load_clip(args)
            sam_model, sam_source, sam_revision = _load_sam(args)
        except CheckpointError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        sources = dict(clip_source=clip_source, clip_revision=clip_revision,
                       sam_source=sam_source, sam_revision=sam_revision)
    out = write_bundle(
        args.out, clip_model, sam_model, write_tokenizer=write_tokenizer, dtype=dtype,
        tiny=args.tiny, seed=args.seed if args.tiny else None, force=args.force, bf16_variants=args.bf16_variants,
        **sources,
    )
    print(f"bundle written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
