"""Learned prompts of the official FMA-WSSS training scripts -> a prompt-set file (docs/checkpoints.md).

``HAL-42/FMA-WSSS`` (``src/tasks/train_coop/run.py``) saves ``torch.save(get_state(model))`` to
``checkpoints/{start,iter-N,final}.pth``, where ``get_state`` (``src/libs/coop/getters.py``) keeps only
the state-dict entries containing ``prompt_learner.ctx``: one tensor, the CoOp context of
``CoOpLearner`` (``src/libs/coop/prompt_learners.py``), float32:

* ``[M, D]`` -- one context shared by every prompt (``csc=False``), label at the end
  (``cls_token_pos='end'``): the classification prompts (VOC and COCO) and COCO's segmentation
  prompts;
* ``[G, M, D]`` -- class-specific contexts (``csc=True``), label first (``cls_token_pos='front'``):
  VOC's segmentation prompts; ``G`` = the 20 classes then 25 background prompts whose names are
  empty (``bg_names = [''] * 25``: pure context).

The rows follow the prompt learner's ``classnames`` = the config's ``fg_names + bg_names``; the
file stores no names.  The official lists (``configs/patterns/{voc,coco}_names/clip_es.py``) are
the order of our built-in vocabularies, which is assumed unless ``--classes`` gives the list the
training used; either way the list is checked against the vocabulary.

The output is the service's prompt-set file (``com.fmawsss.prompts.PromptSetFile``): safetensors
with contexts ``ctx`` or ``fg_ctx`` + ``bg_ctx`` and metadata ``promptSet`` (JSON description) and
``sha256``.  Import it with ``POST /v1/admin/prompts``, or upload the ``.pth`` itself to
``POST /v1/admin/prompts/imports`` (the service reads it in Java, with the same rules).

    python models/export.py import-prompts --checkpoint final.pth --vocabulary voc [--kind segmentation] \\
        --id seg-voc-1 --out seg-voc-1.safetensors
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import struct
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import torch
from torch import Tensor

from .original_checkpoints import SourceFile

CONTEXT_KEY = "prompt_learner.ctx"
FORMAT_VERSION = 1
VOCAB_DIR = Path(__file__).resolve().parents[2] / "src" / "main" / "resources" / "vocab"
VERSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
# PromptInfo keys (com.fmawsss.prompts.PromptInfo)
INFO_SOURCE = "source"
INFO_SOURCE_SHA256 = "sourceSha256"


class PromptImportError(ValueError):
    """The checkpoint cannot become a prompt set; ``differences`` lists class-list mismatches."""

    def __init__(self, message: str, differences: Optional[List[str]] = None):
        super().__init__(message if not differences else message + ":\n  " + "\n  ".join(differences))
        self.differences = differences or []


@dataclass(frozen=True)
class Vocabulary:
    name: str
    classes: List[Dict[str, str]]  # {"name", "prompt"}
    background: List[str]

    @staticmethod
    def load(name_or_path: str) -> "Vocabulary":
        path = Path(name_or_path)
        if not path.is_file():
            path = VOCAB_DIR / f"{name_or_path}.json"
        if not path.is_file():
            raise PromptImportError(f"unknown vocabulary {name_or_path!r} (built-in: voc, coco; or a vocabulary JSON file)")
        doc = json.loads(path.read_text(encoding="utf-8"))
        return Vocabulary(doc["name"], [{"name": c["name"], "prompt": c["prompt"]} for c in doc["classes"]],
                          list(doc["background"]))


def find_context(state: Dict[str, Tensor]) -> Tensor:
    """The one ``...prompt_learner.ctx`` tensor (a ``module.`` prefix of DataParallel is fine)."""
    keys = [k for k in state if k == CONTEXT_KEY or k.endswith("." + CONTEXT_KEY)]
    if len(keys) != 1:
        raise PromptImportError(f"expected one '{CONTEXT_KEY}' tensor in the checkpoint, found {len(keys)} "
                                f"(keys: {sorted(state)[:8]})")
    ctx = state[keys[0]]
    if ctx.dim() not in (2, 3) or ctx.numel() == 0:
        raise PromptImportError(f"'{keys[0]}' has shape {tuple(ctx.shape)}; expected [M, D] or [G, M, D]")
    if not torch.isfinite(ctx).all():
        raise PromptImportError(f"'{keys[0]}' holds NaN or infinite values")
    return ctx.detach().to(torch.float32).contiguous()


def _key(name: str) -> str:
    return name.strip().lower()


def class_differences(classes: Sequence[str], vocabulary: Vocabulary, pure_context_background: bool) -> List[str]:
    """Mismatches between the training's class list (foreground then background) and the vocabulary.

    A foreground entry matches a vocabulary class by its name or its prompt text (FMA-WSSS's lists
    hold the prompt texts, e.g. ``bird avian``); background entries must be empty in the VOC
    segmentation layout (pure context) and equal the vocabulary's background names otherwise.
    """
    expected_fg = len(vocabulary.classes)
    expected = expected_fg + len(vocabulary.background)
    out = []
    if len(classes) != expected:
        out.append(f"count: the checkpoint's list has {len(classes)} entries, vocabulary {vocabulary.name} has "
                   f"{expected_fg} classes + {len(vocabulary.background)} background prompts = {expected}")
    for i, given in enumerate(classes[:expected]):
        if i < expected_fg:
            entry = vocabulary.classes[i]
            if _key(given) not in (_key(entry["name"]), _key(entry["prompt"])):
                out.append(f"class {i}: checkpoint '{given}', vocabulary '{entry['name']}' ('{entry['prompt']}')")
        else:
            wanted = "" if pure_context_background else vocabulary.background[i - expected_fg]
            if _key(given) != _key(wanted):
                out.append(f"background {i - expected_fg}: checkpoint '{given}', vocabulary '{wanted}'")
    return out


@dataclass(frozen=True)
class PromptSetFile:
    """What ``com.fmawsss.prompts.PromptSetFile`` stores: contexts + JSON description."""

    tensors: Dict[str, Tensor]
    description: Dict

    def checksum(self, description_text: str) -> str:
        """SHA-256 of the description's UTF-8 bytes, then per tensor in name order: name, NUL,
        int32 LE dims, float32 LE values (PromptSetFile.checksum)."""
        digest = hashlib.sha256(description_text.encode("utf-8"))
        for name in sorted(self.tensors):
            tensor = self.tensors[name]
            digest.update(name.encode("utf-8") + b"\0")
            digest.update(struct.pack(f"<{tensor.dim()}i", *tensor.shape))
            digest.update(tensor.numpy().astype("<f4").tobytes())
        return digest.hexdigest()

    def to_bytes(self) -> bytes:
        """Safetensors laid out as ``com.fmawsss.tensors.Safetensors.write`` does: header JSON with
        ``__metadata__`` first and the tensors in name order, padded with spaces to 8 bytes, then
        the float32 data.  Deterministic (the ``safetensors`` package orders metadata by hash)."""
        text = json.dumps(self.description, ensure_ascii=False, separators=(",", ":"))
        header = {"__metadata__": {"promptSet": text, "sha256": self.checksum(text)}}
        blobs, offset = [], 0
        for name in sorted(self.tensors):
            blob = self.tensors[name].numpy().astype("<f4").tobytes()
            header[name] = {"dtype": "F32", "shape": list(self.tensors[name].shape), "data_offsets": [offset, offset + len(blob)]}
            blobs.append(blob)
            offset += len(blob)
        encoded = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        encoded += b" " * (-len(encoded) % 8)
        return struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs)

    def write(self, path: Path) -> None:
        data = self.to_bytes()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def prompt_set_from_context(ctx: Tensor, vocabulary: Vocabulary, *, version: str, kind: Optional[str] = None,
                            layout: Optional[str] = None, classes: Optional[Sequence[str]] = None,
                            info: Optional[Dict[str, str]] = None) -> PromptSetFile:
    """Lays a FMA-WSSS context out as a prompt set (rules in the module docstring)."""
    if not VERSION_ID.fullmatch(version):
        raise PromptImportError(f"invalid version id {version!r}: 1-128 of A-Z a-z 0-9 . _ -, starting with a letter or digit")
    shared = ctx.dim() == 2
    if shared:
        if kind is None:
            raise PromptImportError("a shared context [M, D] is either classification prompts or COCO-layout segmentation "
                                    "prompts: say which (--kind classification|segmentation)")
        default_layout = "coco" if (kind == "segmentation" or vocabulary.name == "coco") else "voc"
    else:
        if kind not in (None, "segmentation"):
            raise PromptImportError(f"class-specific contexts {tuple(ctx.shape)} are segmentation prompts, not {kind}")
        kind, default_layout = "segmentation", "voc"
    layout = layout or default_layout
    if kind == "segmentation" and layout != default_layout:
        raise PromptImportError(f"{'a shared' if shared else 'a class-specific'} segmentation context is the "
                                f"{default_layout.upper()} layout, not {layout.upper()}")
    label_first = kind == "segmentation" and layout == "voc"
    fg, bg = len(vocabulary.classes), len(vocabulary.background)
    names = list(classes) if classes is not None else (
        [c["prompt"] for c in vocabulary.classes] + ([""] * bg if label_first else list(vocabulary.background)))
    differences = class_differences(names, vocabulary, pure_context_background=label_first)
    if not shared and ctx.shape[0] != fg + bg:
        differences.insert(0, f"count: the checkpoint has {ctx.shape[0]} class-specific contexts, vocabulary "
                              f"{vocabulary.name} needs {fg} classes + {bg} background prompts = {fg + bg}")
    if differences:
        raise PromptImportError(f"the checkpoint's classes do not match vocabulary {vocabulary.name}", differences)
    tensors = {"ctx": ctx} if shared else {"fg_ctx": ctx[:fg].contiguous(), "bg_ctx": ctx[fg:].contiguous()}
    description = {
        "formatVersion": FORMAT_VERSION, "id": version, "kind": kind, "layout": layout,
        "contextTokens": int(ctx.shape[-2]), "labelPosition": "start" if label_first else "end",
        "sharedContext": shared, "vocabulary": vocabulary.name,
        "classes": [{"name": c["name"], "prompt": c["prompt"]} for c in vocabulary.classes],
        "background": [{"name": b, "prompt": "" if label_first else b} for b in vocabulary.background],
        "info": dict(sorted((info or {}).items())),
    }
    return PromptSetFile(tensors, description)


def _read_classes(path: Optional[Path]) -> Optional[List[str]]:
    if path is None:
        return None
    value = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PromptImportError(f"{path}: expected a JSON array of class names (fg_names + bg_names of the training config)")
    return value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="export.py import-prompts",
                                     description="Convert a FMA-WSSS prompt-learner checkpoint into a prompt-set file.")
    parser.add_argument("--checkpoint", required=True, type=Path, help="the .pth the FMA-WSSS training saved")
    parser.add_argument("--vocabulary", required=True, help="voc, coco or a vocabulary JSON file")
    parser.add_argument("--out", required=True, type=Path, help="prompt-set file to write (.safetensors)")
    parser.add_argument("--id", default=None, help="version id (default: the output file name without extension)")
    parser.add_argument("--kind", choices=["classification", "segmentation"], default=None,
                        help="needed for a shared context (classification or COCO-layout segmentation prompts)")
    parser.add_argument("--layout", choices=["voc", "coco"], default=None,
                        help="prompt layout (default: from the context's shape, else the vocabulary)")
    parser.add_argument("--classes", type=Path, default=None,
                        help="JSON array: the training's class list (fg_names + bg_names); default the official one")
    args = parser.parse_args(argv)
    try:
        from .original_checkpoints import CheckpointError, load_state_dict

        try:
            state = load_state_dict(args.checkpoint)
        except CheckpointError as exc:
            raise PromptImportError(str(exc)) from exc
        source = SourceFile.of(args.checkpoint)
        prompt_set = prompt_set_from_context(
            find_context(state), Vocabulary.load(args.vocabulary), version=args.id or args.out.name.split(".")[0],
            kind=args.kind, layout=args.layout, classes=_read_classes(args.classes),
            info={INFO_SOURCE: source.name, INFO_SOURCE_SHA256: source.sha256})
        prompt_set.write(args.out)
    except PromptImportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    d = prompt_set.description
    print(f"wrote {args.out}: {d['kind']} prompts, layout {d['layout']}, {d['contextTokens']} context tokens, "
          f"tensors {', '.join(f'{k} {list(v.shape)}' for k, v in sorted(prompt_set.tensors.items()))}")
    return 0
