"""``export.py import-prompts``: FMA-WSSS prompt-learner checkpoints -> prompt-set files.

The checkpoints are written as the official training script does (``torch.save`` of an
``OrderedDict`` holding only ``prompt_learner.ctx``, float32).  The class lists below are copied
from HAL-42/FMA-WSSS (``configs/patterns/voc_names/clip_es.py``, ``coco_names/clip_es.py``): the
order of the context rows, which must be the order of the service's built-in vocabularies.
"""
from __future__ import annotations

import hashlib
import json
import struct
from collections import OrderedDict

import pytest
import torch
from safetensors import safe_open

import export
from fma_export import fma_prompts as fp

VOC_FG = ['aeroplane', 'bicycle', 'bird avian', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair seat', 'cow',
          'diningtable', 'dog', 'horse', 'motorbike', 'person with clothes,people,human', 'pottedplant', 'sheep',
          'sofa', 'train', 'tvmonitor screen']
VOC_BG = ['ground', 'land', 'grass', 'tree', 'building', 'wall', 'sky', 'lake', 'water', 'river', 'sea', 'railway',
          'railroad', 'keyboard', 'helmet', 'cloud', 'house', 'mountain', 'ocean', 'road', 'rock', 'street', 'valley',
          'bridge', 'sign']
COCO_FG = ['person with clothes,people,human', 'bicycle', 'car', 'motorbike', 'aeroplane', 'bus', 'train', 'truck',
           'boat', 'traffic light', 'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird avian', 'cat', 'dog',
           'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe', 'backpack,bag', 'umbrella,parasol',
           'handbag,purse', 'necktie', 'suitcase', 'frisbee', 'skis', 'sknowboard', 'sports ball', 'kite',
           'baseball bat', 'glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle', 'wine glass', 'cup', 'fork',
           'knife', 'dessertspoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog',
           'pizza', 'donut', 'cake', 'chair seat', 'sofa', 'pottedplant', 'bed', 'diningtable', 'toilet',
           'tvmonitor screen', 'laptop', 'mouse', 'remote control', 'keyboard', 'cell phone', 'microwave', 'oven',
           'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hairdrier,blowdrier',
           'toothbrush']
COCO_BG = ['ground', 'land', 'grass', 'tree', 'building', 'wall', 'sky', 'lake', 'water', 'river', 'sea', 'railway',
           'railroad', 'helmet', 'cloud', 'house', 'mountain', 'ocean', 'road', 'rock', 'street', 'valley', 'bridge']


def official_checkpoint(path, shape, seed=0, key="prompt_learner.ctx", dtype=torch.float32):
    ctx = (0.0125 * torch.randn(shape, generator=torch.Generator().manual_seed(seed))).to(dtype)
    torch.save(OrderedDict([(key, ctx)]), path)
    return ctx


def read_prompt_set(path):
    with safe_open(str(path), "pt") as handle:
        metadata = handle.metadata()
        tensors = {k: handle.get_tensor(k) for k in handle.keys()}
    return tensors, metadata


def independent_checksum(text: str, tensors) -> str:
    digest = hashlib.sha256(text.encode("utf-8"))
    for name in sorted(tensors):
        digest.update(name.encode() + b"\x00")
        for dim in tensors[name].shape:
            digest.update(struct.pack("<i", dim))
        for value in tensors[name].flatten().tolist():
            digest.update(struct.pack("<f", value))
    return digest.hexdigest()


def test_builtin_vocabularies_are_in_the_official_order():
    for name, fg, bg in (("voc", VOC_FG, VOC_BG), ("coco", COCO_FG, COCO_BG)):
        vocabulary = fp.Vocabulary.load(name)
        assert [c["prompt"] for c in vocabulary.classes] == fg
        assert vocabulary.background == bg


def test_voc_segmentation_prompts(tmp_path):
    ctx = official_checkpoint(tmp_path / "final.pth", (45, 16, 24))
    out = tmp_path / "seg-voc-1.safetensors"
    assert export.main(["import-prompts", "--checkpoint", str(tmp_path / "final.pth"), "--vocabulary", "voc",
                        "--out", str(out)]) == 0
    tensors, metadata = read_prompt_set(out)
    assert torch.equal(tensors["fg_ctx"], ctx[:20]) and torch.equal(tensors["bg_ctx"], ctx[20:])
    description = json.loads(metadata["promptSet"])
    assert (description["id"], description["kind"], description["layout"], description["labelPosition"]) == \
        ("seg-voc-1", "segmentation", "voc", "start")
    assert description["contextTokens"] == 16 and description["sharedContext"] is False
    assert [c["name"] for c in description["classes"]][:3] == ["aeroplane", "bicycle", "bird"]
    assert {b["prompt"] for b in description["background"]} == {""}  # pure-context background prompts
    assert description["info"]["source"] == "final.pth"
    assert description["info"]["sourceSha256"] == hashlib.sha256((tmp_path / "final.pth").read_bytes()).hexdigest()
    assert metadata["sha256"] == independent_checksum(metadata["promptSet"], tensors)
    # Deterministic: the same checkpoint gives the same bytes.
    again = tmp_path / "again" / "seg-voc-1.safetensors"
    assert export.main(["import-prompts", "--checkpoint", str(tmp_path / "final.pth"), "--vocabulary", "voc",
                        "--out", str(again)]) == 0
    assert again.read_bytes() == out.read_bytes()


@pytest.mark.parametrize("kind,vocabulary,layout,label", [
    ("classification", "voc", "voc", "end"),
    ("classification", "coco", "coco", "end"),
    ("segmentation", "coco", "coco", "end"),
])
def test_shared_context_prompts(tmp_path, kind, vocabulary, layout, label):
    ctx = official_checkpoint(tmp_path / "final.pth", (16, 24), dtype=torch.float16)
    out = tmp_path / "p.safetensors"
    assert export.main(["import-prompts", "--checkpoint", str(tmp_path / "final.pth"), "--vocabulary", vocabulary,
                        "--kind", kind, "--id", "p-1", "--out", str(out)]) == 0
    tensors, metadata = read_prompt_set(out)
    assert list(tensors) == ["ctx"] and torch.equal(tensors["ctx"], ctx.float())
    description = json.loads(metadata["promptSet"])
    assert (description["kind"], description["layout"], description["labelPosition"]) == (kind, layout, label)
    assert [b["prompt"] for b in description["background"]] == [b["name"] for b in description["background"]]


def test_class_lists_are_checked(tmp_path):
    ctx = official_checkpoint(tmp_path / "c.pth", (16, 24))
    vocabulary = fp.Vocabulary.load("voc")
    # The official training list passes (fg_names + bg_names of the VOC classification config).
    fp.prompt_set_from_context(ctx, vocabulary, version="a", kind="classification", classes=VOC_FG + VOC_BG)
    renamed = VOC_FG[:2] + ["bird"] + ["sheep"] + VOC_FG[4:] + VOC_BG  # names match too, a swapped class does not
    with pytest.raises(fp.PromptImportError) as error:
        fp.prompt_set_from_context(ctx, vocabulary, version="a", kind="classification", classes=renamed)
    assert error.value.differences == ["class 3: checkpoint 'sheep', vocabulary 'boat' ('boat')"]
    with pytest.raises(fp.PromptImportError) as error:
        fp.prompt_set_from_context(ctx, vocabulary, version="a", kind="classification", classes=VOC_FG + VOC_BG[:-1])
    assert error.value.differences == ["count: the checkpoint's list has 44 entries, vocabulary voc has 20 classes + "
                                       "25 background prompts = 45"]
    # VOC segmentation: background prompts were trained as pure context (bg_names = [''] * 25).
    seg = torch.zeros(45, 16, 24)
    fp.prompt_set_from_context(seg, vocabulary, version="a", classes=VOC_FG + [""] * 25)
    with pytest.raises(fp.PromptImportError) as error:
        fp.prompt_set_from_context(seg, vocabulary, version="a", classes=VOC_FG + VOC_BG)
    assert len(error.value.differences) == 25 and error.value.differences[0] == "background 0: checkpoint 'ground', vocabulary ''"
    with pytest.raises(fp.PromptImportError) as error:
        fp.prompt_set_from_context(torch.zeros(40, 16, 24), vocabulary, version="a")
    assert error.value.differences == ["count: the checkpoint has 40 class-specific contexts, vocabulary voc needs "
                                       "20 classes + 25 background prompts = 45"]


def test_refusals(tmp_path):
    vocabulary = fp.Vocabulary.load("voc")
    with pytest.raises(fp.PromptImportError, match="--kind"):
        fp.prompt_set_from_context(torch.zeros(16, 24), vocabulary, version="a")
    with pytest.raises(fp.PromptImportError, match="VOC layout, not COCO"):
        fp.prompt_set_from_context(torch.zeros(45, 16, 24), vocabulary, version="a", layout="coco")
    with pytest.raises(fp.PromptImportError, match="segmentation prompts, not classification"):
        fp.prompt_set_from_context(torch.zeros(45, 16, 24), vocabulary, version="a", kind="classification")
    with pytest.raises(fp.PromptImportError, match="invalid version id"):
        fp.prompt_set_from_context(torch.zeros(45, 16, 24), vocabulary, version="../x")
    with pytest.raises(fp.PromptImportError, match="expected one 'prompt_learner.ctx'"):
        fp.find_context({"prompt_learner.ctx": torch.zeros(2, 3), "module.prompt_learner.ctx": torch.zeros(2, 3)})
    with pytest.raises(fp.PromptImportError, match="NaN"):
        fp.find_context({"prompt_learner.ctx": torch.tensor([[float("nan")]])})
    assert fp.find_context({"module.prompt_learner.ctx": torch.ones(2, 3)}).shape == (2, 3)  # DataParallel prefix
    # A pickle that is not a state dict of tensors is refused without running it.
    torch.save({"prompt_learner.ctx": [1.0, 2.0]}, tmp_path / "list.pth")
    (tmp_path / "cut.pth").write_bytes((tmp_path / "list.pth").read_bytes()[:40])
    for name in ("list.pth", "cut.pth"):
        assert export.main(["import-prompts", "--checkpoint", str(tmp_path / name), "--vocabulary", "voc",
                            "--kind", "classification", "--out", str(tmp_path / "x.safetensors")]) == 2
    assert not (tmp_path / "x.safetensors").exists()
