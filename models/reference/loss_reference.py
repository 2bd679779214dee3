#!/usr/bin/env python3
"""Reference MCL / CAL losses and their gradients w.r.t. the learned prompt contexts (spec §4, §8).

Plain PyTorch over the tiny bundle's HF CLIP weights, prompts spliced as in cam_reference.py,
Softmax-GradCAM with one ``create_graph=True`` backward per class, CAMs resized with
``F.interpolate(bilinear, align_corners=False)``.

    python models/reference/loss_reference.py --bundle BUNDLE --cases DIR

``DIR/<id>.loss.json`` = ``{"id", "promptSet": "p.safetensors", "kind": "mcl"|"cal",
"pixels": "x.npy" (float32 [B,3,H,W], CLIP-normalised), "positives": [[class names], ...],
"labels": "l.npy" (uint8 [B,H,W], CAL only: i+1 = i-th positive of that image, 0 background,
255 ignore)}`` -> ``DIR/<id>.loss.npz`` with ``loss`` and ``grad_<tensor>`` per context tensor.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import safe_open
from transformers import CLIPModel

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cam_reference as cams  # noqa: E402
from fma_export.reference_bpe import ReferenceClipTokenizer  # noqa: E402
from fma_export.tokenizer import locate_bpe_merges  # noqa: E402


def text_features(model, tokenizer, meta, params, class_names, background=True):
    """Prompts of the named classes (+ all background prompts) -> projected features ``[K, E]``."""
    label_first = meta["labelPosition"] == "start"
    index = {c["name"]: i for i, c in enumerate(meta["classes"])}
    rows, eots = [], []
    for name in class_names:
        i = index[name]
        ctx = params["ctx"] if meta["sharedContext"] else params["fg_ctx"][i]
        e, eot = cams.learned_prompt(model, tokenizer, ctx, meta["classes"][i]["prompt"], label_first)
        rows.append(e), eots.append(eot)
    if background:
        for j, b in enumerate(meta["background"]):
            ctx = params["ctx"] if meta["sharedContext"] else params["bg_ctx"][j]
            e, eot = cams.learned_prompt(model, tokenizer, ctx, b["prompt"], False)
            rows.append(e), eots.append(eot)
    return cams.encode_from_embeddings(model, torch.stack(rows), torch.tensor(eots))


def image_features(model, x):
    last = model.vision_model.encoder.layers[-1]
    out = last(x, None)
    out = out[0] if isinstance(out, tuple) else out
    return model.visual_projection(model.vision_model.post_layernorm(out)[:, 1:, :].mean(dim=1))


def mcl(model, tokenizer, meta, params, pixels, positives):
    names = [c["name"] for c in meta["classes"]]
    text = text_features(model, tokenizer, meta, params, names, background=False)
    text = text / text.norm(dim=-1, keepdim=True)
    terms = []
    for b in range(pixels.shape[0]):
        with torch.no_grad():
            x, _, _ = cams.vision_tokens(model, pixels[b:b + 1])
            image = image_features(model, x)
            image = image / image.norm(dim=-1, keepdim=True)
        logits = (model.logit_scale.exp() * image @ text.T)[0]
        present = [names.index(n) for n in positives[b]]
        negatives = [c for c in range(len(names)) if c not in present]
        if not present or not negatives:
            continue
        for c in present:
            terms.append(torch.logsumexp(torch.cat([logits[c:c + 1], logits[negatives]]), 0) - logits[c])
    return torch.stack(terms).mean()


def cal(model, tokenizer, meta, params, pixels, positives, labels):
    total, valid_total = 0.0, 0
    h, w = labels.shape[1:]
    for b in range(pixels.shape[0]):
        with torch.no_grad():
            x, _, (gh, gw) = cams.vision_tokens(model, pixels[b:b + 1])
        text = text_features(model, tokenizer, meta, params, positives[b])
        label = torch.from_numpy(labels[b].astype(np.int64))
        valid = (label != 255).float()
        class_cams, _, _ = cams.softmax_gradcam(model, x, text, len(positives[b]), create_graph=True)
        for c in range(len(positives[b])):
            cam = class_cams[c].reshape(1, 1, gh, gw)
            up = F.interpolate(cam, size=(h, w), mode="bilinear", align_corners=False)[0, 0]
            d = (label == c + 1).float()
            max_fg = up[d > 0].max().clamp(min=0).detach()
            total = total + ((max_fg - up).abs() * d).sum() + (up.clamp(min=0) * (valid - d).clamp(min=0)).sum()
            valid_total += int(valid.sum().item())
    return total / valid_total


def run_case(model, tokenizer, path: Path) -> Path:
    case = json.loads(path.read_text())
    directory = path.parent
    with safe_open(str(directory / case["promptSet"]), framework="pt") as handle:
        meta = json.loads(handle.metadata()["promptSet"])
        params = {k: handle.get_tensor(k).clone().requires_grad_(True) for k in handle.keys()}
    pixels = torch.from_numpy(np.load(directory / case["pixels"])).float()
    if case["kind"] == "mcl":
        loss = mcl(model, tokenizer, meta, params, pixels, case["positives"])
    else:
        loss = cal(model, tokenizer, meta, params, pixels, case["positives"], np.load(directory / case["labels"]))
    names = list(params)
    grads = torch.autograd.grad(loss, [params[n] for n in names], allow_unused=True)
    out = directory / f"{case['id']}.loss.npz"
    np.savez(out, loss=np.float32(loss.item()),
             **{f"grad_{n}": (g if g is not None else torch.zeros_like(params[n])).numpy().astype(np.float32)
                for n, g in zip(names, grads)})
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", required=True, type=Path)
    parser.add_argument("--cases", required=True, type=Path)
    args = parser.parse_args(argv)
    model = CLIPModel.from_pretrained(args.bundle / "hf" / "clip", attn_implementation="eager").eval()
    for p in model.parameters():
        p.requires_grad_(False)
    tokenizer = ReferenceClipTokenizer(locate_bpe_merges(Path(__file__).resolve().parents[1] / ".cache"))
    cases = sorted(args.cases.glob("*.loss.json"))
    if not cases:
        print(f"no *.loss.json in {args.cases}", file=sys.stderr)
        return 2
    for case in cases:
        print(run_case(model, tokenizer, case))
    return 0


if __name__ == "__main__":
    sys.exit(main())
