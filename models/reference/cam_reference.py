#!/usr/bin/env python3
"""Reference Softmax-GradCAM + CAA in plain PyTorch/NumPy/OpenCV (spec §4, §8).

Independent of the bundle's TorchScript modules and of tokenizer.json: it runs the Hugging Face
CLIP weights of a tiny bundle (``hf/clip``) eagerly, tokenises with the from-scratch reference BPE,
computes each class's gradient in its own backward pass (as CLIP-ES does) and builds the CAA box
mask with OpenCV's ``findContours``/``boundingRect``.  The Java equivalence tests write cases into
a directory and run this script over it:

    python models/reference/cam_reference.py --bundle BUNDLE --cases DIR

Each ``DIR/<id>.case.json``::

    {"id": "c1", "pixels": "c1.pixels.npy",            # [1,3,H,W] float32, CLIP-normalised
     "classes": [{"name": "dog", "prompt": "dog"}],     # present foreground classes, in order
     "background": [{"name": "ground", "prompt": "ground"}, ...],
     "prompts": {"kind": "manual", "template": "a clean origami {}."}
              | {"kind": "learned", "file": "set.safetensors"},
     "stream": "classification"|"segmentation", "layout": "voc"|"coco",
     "caa": {...}}                                      # optional override of the stream's constants

The stream constants are written out below from the spec (§8), independently of the Java code, so
a changed Java default fails the comparison.  ``DIR/<id>.boxmask.json`` cases (``{"id", "score":
"x.npy", "threshold"}``) only run the OpenCV box mask and write ``<id>.ref.npz`` with ``boxes``.

For learned prompts ``classes``/``background`` name entries of the prompt set (its metadata
``promptSet`` JSON lists ``classes`` and ``background`` with their prompt texts).  Writes
``DIR/<id>.ref.npz`` with ``logits [P+B]``, ``raw [P,h,w]``, ``score [P,h,w]``, ``boxes [P,h,w]``
(uint8) and ``refined [P,h,w]``, all float32 unless noted.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np
import torch
from safetensors import safe_open
from transformers import CLIPModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fma_export.reference_bpe import ReferenceClipTokenizer  # noqa: E402
from fma_export.tokenizer import locate_bpe_merges  # noqa: E402


# Spec §8: last-8-layer attention, one Sinkhorn pass, t = 2; box threshold and CAA input by stream.
STREAMS = {
    ("classification", "voc"): {"enabled": True, "layers": 8, "sinkhornPasses": 1, "power": 2, "boxThreshold": 0.4, "input": "score"},
    ("classification", "coco"): {"enabled": True, "layers": 8, "sinkhornPasses": 1, "power": 2, "boxThreshold": 0.6, "input": "score"},
    ("segmentation", "voc"): {"enabled": True, "layers": 8, "sinkhornPasses": 1, "power": 2, "boxThreshold": 0.5, "input": "raw"},
    ("segmentation", "coco"): {"enabled": False, "layers": 8, "sinkhornPasses": 1, "power": 2, "boxThreshold": 0.5, "input": "raw"},
}


# --- text side ------------------------------------------------------------------------------

def encode_from_embeddings(model: CLIPModel, embeds: torch.Tensor, eot: torch.Tensor) -> torch.Tensor:
    """HF text transformer from token embeddings ``[P,77,Dt]`` -> projected features ``[P,E]``."""
    text = model.text_model
    length = embeds.shape[1]
    x = embeds + text.embeddings.position_embedding.weight[:length].unsqueeze(0)
    causal = torch.full((length, length), float("-inf")).triu(1).view(1, 1, length, length)
    for layer in text.encoder.layers:
        out = layer(x, causal)
        x = out[0] if isinstance(out, tuple) else out
    x = text.final_layer_norm(x)
    return model.text_projection(x[torch.arange(x.shape[0]), eot])


def manual_features(model, tokenizer, texts, template):
    ids = torch.from_numpy(tokenizer.tokenize([template.format(t) for t in texts]))
    embeds = model.text_model.embeddings.token_embedding(ids)
    return encode_from_embeddings(model, embeds, ids.argmax(dim=-1))


def learned_prompt(model, tokenizer, context: torch.Tensor, text: str, label_first: bool):
    """CoOp splicing: tokenise ``"X X ... X <text>."`` and put the context vectors in place of the
    X tokens (label last) or right after the label tokens (label first)."""
    n = context.shape[0]
    ids = torch.from_numpy(tokenizer.tokenize(" ".join(["X"] * n) + " " + text + "."))
    embeds = model.text_model.embeddings.token_embedding(ids)[0]
    if label_first:
        name_len = len(tokenizer.encode(text))
        spliced = torch.cat([embeds[:1], embeds[1 + n:1 + n + name_len], context, embeds[1 + n + name_len:]])
    else:
        spliced = torch.cat([embeds[:1], context, embeds[1 + n:]])
    return spliced, int(ids[0].argmax())


def learned_features(model, tokenizer, path: Path, classes, background):
    with safe_open(str(path), framework="pt") as handle:
        meta = json.loads(handle.metadata()["promptSet"])
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    label_first = meta["labelPosition"] == "start"
    class_index = {c["name"]: i for i, c in enumerate(meta["classes"])}
    bg_index = {b["name"]: i for i, b in enumerate(meta["background"])}
    rows, eots = [], []
    for entry in classes:
        i = class_index[entry["name"]]
        ctx = tensors["ctx"] if meta["sharedContext"] else tensors["fg_ctx"][i]
        embeds, eot = learned_prompt(model, tokenizer, ctx, meta["classes"][i]["prompt"], label_first)
        rows.append(embeds), eots.append(eot)
    for entry in background:
        i = bg_index[entry["name"]]
        ctx = tensors["ctx"] if meta["sharedContext"] else tensors["bg_ctx"][i]
        # Background prompts are label-last in every layout (pure context when the text is empty).
        embeds, eot = learned_prompt(model, tokenizer, ctx, meta["background"][i]["prompt"], False)
        rows.append(embeds), eots.append(eot)
    return encode_from_embeddings(model, torch.stack(rows), torch.tensor(eots))


# --- image side ------------------------------------------------------------------------------

def embed_pixels(model: CLIPModel, pixels: torch.Tensor):
    """Patch + class embeddings with the 14x14 position table bilinearly resized to the patch grid
    (align_corners=False, spec §8), after the pre-LayerNorm -> (tokens ``[1, 1+h*w, D]``, (h, w))."""
    emb = model.vision_model.embeddings
    cfg = model.config.vision_config
    grid = cfg.image_size // cfg.patch_size
    h, w = pixels.shape[2] // cfg.patch_size, pixels.shape[3] // cfg.patch_size
    patches = emb.patch_embedding(pixels).flatten(2).transpose(1, 2)
    table = emb.position_embedding.weight
    pos = torch.nn.functional.interpolate(table[1:].T.reshape(1, -1, grid, grid), size=(h, w), mode="bilinear",
                                          align_corners=False).reshape(1, -1, h * w).transpose(1, 2)
    x = torch.cat([emb.class_embedding.expand(1, 1, -1), patches], dim=1)
    return model.vision_model.pre_layrnorm(x + torch.cat([table[:1].unsqueeze(0), pos], dim=1)), (h, w)


def vision_tokens(model: CLIPModel, pixels: torch.Tensor):
    """Residual stream entering the last block, and head-mean attention of every block but the last."""
    x, (h, w) = embed_pixels(model, pixels)
    maps = []
    for layer in model.vision_model.encoder.layers[:-1]:
        _, weights = layer.self_attn(layer.layer_norm1(x), attention_mask=None)
        maps.append(weights.mean(dim=1)[0])
        out = layer(x, None)
        x = out[0] if isinstance(out, tuple) else out
    return x, maps, (h, w)


def softmax_gradcam(model: CLIPModel, x, text, present: int, create_graph: bool = False):
    """Per present class: its own backward pass of the masked softmax score (mask = all ones over
    present foreground + background prompts). With ``create_graph`` the CAMs stay differentiable
    w.r.t. ``text`` (prompt training)."""
    last = model.vision_model.encoder.layers[-1]
    text_n = text / text.norm(dim=-1, keepdim=True)
    cams, logits, last_attn = [], None, None
    for target in range(present):
        feats = last.layer_norm1(x).detach().requires_grad_(True)
        attended, weights = last.self_attn(feats, attention_mask=None)
        last_attn = weights.mean(dim=1)[0].detach()
        h = x + attended
        h = h + last.mlp(last.layer_norm2(h))
        image = model.visual_projection(model.vision_model.post_layernorm(h)[:, 1:, :].mean(dim=1))
        image = image / image.norm(dim=-1, keepdim=True)
        logits = model.logit_scale.exp() * image @ text_n.T
        e = torch.exp(logits - logits.max())
        s = e / (e.sum() + 1e-5)
        (grad,) = torch.autograd.grad(s[0, target], feats, create_graph=create_graph)
        weights_k = grad[0, 1:, :].mean(dim=0)
        cams.append((feats.detach()[0, 1:, :] * weights_k).sum(dim=-1))
    stacked = torch.stack(cams)
    return (stacked if create_graph else stacked.detach()), logits[0].detach(), last_attn


def normalised_score(cam: np.ndarray) -> np.ndarray:
    """ReLU then min-max with eps 1e-7 (pytorch-grad-cam's scale_cam_image without resizing)."""
    score = np.maximum(cam, 0)
    score = score - score.min()
    return (score / (1e-7 + score.max())).astype(np.float32)


def box_mask(score: np.ndarray, threshold: float) -> np.ndarray:
    """CLIP-ES scoremap2bbox with multi-contour boxes, painted with the exclusive-end quirk."""
    height, width = score.shape
    gray = (score * 255).astype(np.uint8)
    _, binary = cv2.threshold(gray, int(threshold * gray.max()), 255, cv2.THRESH_BINARY)
    contours = cv2.findContours(binary, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)[0]
    mask = np.zeros((height, width), dtype=np.uint8)
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        mask[y:min(y + h, height - 1), x:min(x + w, width - 1)] = 1
    return mask


def affinity(maps, layers: int, passes: int, power: int) -> torch.Tensor:
    attn = torch.stack(maps[-layers:]).mean(dim=0)[1:, 1:].double()
    for _ in range(passes):
        attn = attn / attn.sum(dim=0, keepdim=True)
        attn = attn / attn.sum(dim=1, keepdim=True)
    attn = (attn + attn.T) / 2
    return torch.linalg.matrix_power(attn, power)


def run_case(model, tokenizer, case_path: Path) -> Path:
    case = json.loads(case_path.read_text())
    directory = case_path.parent
    pixels = torch.from_numpy(np.load(directory / case["pixels"])).float()
    prompts = case["prompts"]
    with torch.no_grad():
        if prompts["kind"] == "manual":
            texts = [c["prompt"] for c in case["classes"]] + [b["prompt"] for b in case["background"]]
            text = manual_features(model, tokenizer, texts, prompts["template"])
        else:
            text = learned_features(model, tokenizer, directory / prompts["file"], case["classes"], case["background"])
        x, maps, (h, w) = vision_tokens(model, pixels)
    present = len(case["classes"])
    raw, logits, last_attn = softmax_gradcam(model, x, text, present)
    caa = dict(STREAMS[(case["stream"], case["layout"])])
    caa.update(case.get("caa", {}))
    transition = affinity(maps + [last_attn], caa["layers"], caa["sinkhornPasses"], caa["power"])
    raw_np = raw.numpy().reshape(present, h, w).astype(np.float32)
    scores, boxes, refined = [], [], []
    for cam in raw_np:
        score = normalised_score(cam)
        mask = box_mask(score, caa["boxThreshold"])
        source = score if caa["input"] == "score" else cam
        if caa["enabled"]:
            masked = transition * torch.from_numpy(mask.reshape(1, -1)).double()
            refined.append((masked @ torch.from_numpy(source.reshape(-1, 1)).double()).numpy().reshape(h, w))
        else:
            refined.append(cam.astype(np.float64))
        scores.append(score), boxes.append(mask)
    out = directory / f"{case['id']}.ref.npz"
    np.savez(out, logits=logits.numpy().astype(np.float32), raw=raw_np, score=np.stack(scores),
             boxes=np.stack(boxes), refined=np.stack(refined).astype(np.float32))
    return out


def run_boxmask_case(case_path: Path) -> Path:
    case = json.loads(case_path.read_text())
    score = np.load(case_path.parent / case["score"]).astype(np.float32)
    out = case_path.parent / f"{case['id']}.ref.npz"
    np.savez(out, boxes=box_mask(score, case["threshold"]))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", required=True, type=Path, help="tiny bundle with hf/clip weights")
    parser.add_argument("--cases", required=True, type=Path, help="directory of <id>.case.json files")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    model = CLIPModel.from_pretrained(args.bundle / "hf" / "clip", attn_implementation="eager").eval()
    tokenizer = ReferenceClipTokenizer(locate_bpe_merges(Path(__file__).resolve().parents[1] / ".cache"))
    cases = sorted(args.cases.glob("*.case.json"))
    box_cases = sorted(args.cases.glob("*.boxmask.json"))
    if not cases and not box_cases:
        print(f"no *.case.json or *.boxmask.json in {args.cases}", file=sys.stderr)
        return 2
    for case_path in cases:
        print(run_case(model, tokenizer, case_path))
    for case_path in box_cases:
        print(run_boxmask_case(case_path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
