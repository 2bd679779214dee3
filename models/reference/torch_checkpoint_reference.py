#!/usr/bin/env python3
"""Checkpoint files for the Java ``.pth`` reader (``com.fmawsss.tensors.TorchCheckpoint``) and the
FMA-WSSS prompt import, written by real ``torch.save`` -- plus damaged and hostile variants.

    python models/reference/torch_checkpoint_reference.py --out DIR

writes ``DIR/<case>.pth`` and ``DIR/cases.json``::

    {"<case>": {"expect": "ok", "tensors": ["<name>", ...], "shapes": [[dims], ...], "torchLoads": true},
     "<case>": {"expect": "refused", "message": "<fragment of the Java error>", "torchLoads": false}, ...}

For an accepted case the expected values come from ``torch.load(weights_only=True)`` of the file
itself (``<case>.npz``, float32, one member per tensor, named like the tensor; the shapes in
``cases.json``, since ``.npy`` readers differ on 0-d arrays), so the Java side is
checked against PyTorch's own reader.  ``torchLoads`` tells whether PyTorch's ``weights_only``
loader accepts the file: the Java reader accepts a subset (float32/16/bf16 tensors in a dict,
pickle protocol 2) and must refuse everything else.  The hostile pickles would create
``DIR/pwned`` if they were ever executed.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import pickle
import warnings
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
import torch._utils


class Storage:
    """Stands for a storage in a forged pickle (written through ``persistent_id``)."""

    def __init__(self, kind, key: str, numel: int, location: str = "cpu"):
        self.pid = ("storage", kind, key, location, numel)


class Tensor:
    """Pickles as ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())``."""

    def __init__(self, storage: Storage, offset: int, size, stride):
        self.args = (storage, offset, tuple(size), tuple(stride), False, OrderedDict())

    def __reduce__(self):
        return torch._utils._rebuild_tensor_v2, self.args


class Payload:
    """What an attacker would put in a checkpoint: runs a shell command when unpickled."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


class Evaluated:
    def __init__(self, code: str):
        self.code = code

    def __reduce__(self):
        import builtins

        return builtins.eval, (self.code,)


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        return obj.pid if isinstance(obj, Storage) else None


def forged_pickle(obj, protocol: int = 2) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=protocol).dump(obj)
    return buffer.getvalue()


def write_zip(path: Path, records: dict, root: str = "archive") -> None:
    """A checkpoint archive laid out as torch.save does (stored records under one root folder)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in records.items():
            archive.writestr(f"{root}/{name}", data)


def floats(n: int, seed: int) -> bytes:
    return np.random.default_rng(seed).standard_normal(n).astype("<f4").tobytes()


def accepted_cases(out: Path) -> dict:
    generator = torch.Generator().manual_seed(11)

    def randn(*shape):
        return torch.randn(*shape, generator=generator)

    t = randn(6, 5)
    # Saved exactly like FMA-WSSS's train_coop/run.py: an OrderedDict with the prompt context only.
    cases = {
        "fma-voc-seg": OrderedDict([("prompt_learner.ctx", 0.0125 * randn(45, 16, 16))]),
        "fma-shared": OrderedDict([("prompt_learner.ctx", 0.015 * randn(16, 16))]),
        "fma-dataparallel": OrderedDict([("module.prompt_learner.ctx", 0.015 * randn(16, 16))]),
        "fma-wrong-width": OrderedDict([("prompt_learner.ctx", 0.015 * randn(16, 24))]),
        "fma-mixin": OrderedDict([("prompt_learner.ctx", 0.0125 * randn(21, 16, 16))]),
        "dtypes": OrderedDict([("f32", randn(3, 4)), ("f16", randn(7).half()), ("bf16", randn(2, 3).to(torch.bfloat16))]),
        "views": OrderedDict([("whole", t), ("row", t[2]), ("cols", t[:, 1:4]), ("transposed", t.t()),
                              ("strided", t[::2, ::2]), ("scalar", torch.tensor(3.5)), ("empty", torch.zeros(0, 4))]),
        "module-state-dict": torch.nn.Linear(3, 2).state_dict(),  # OrderedDict with _metadata: BUILD
        "parameter": {"ctx": torch.nn.Parameter(randn(4, 2))},  # plain dict, _rebuild_parameter
    }
    for name, obj in cases.items():
        torch.save(obj, out / f"{name}.pth")
    # Saved to a buffer the root folder is 'archive' (to a file: the file's stem).
    buffer = io.BytesIO()
    torch.save({"x": randn(5)}, buffer)
    (out / "buffer-root.pth").write_bytes(buffer.getvalue())
    # A tensor saved from a GPU names its device; the bytes are the same. (Re-pickled with
    # 'cuda:0' as the storage location, as torch.save writes it for CUDA tensors.)
    x = 0.015 * randn(16, 16)
    data = forged_pickle(OrderedDict([("prompt_learner.ctx", Tensor(Storage(torch.FloatStorage, "0", 256, "cuda:0"), 0, (16, 16), (16, 1)))]))
    write_zip(out / "cuda-location.pth", {"data.pkl": data, "byteorder": b"little",
                                          "data/0": x.numpy().astype("<f4").tobytes(), "version": b"3\n"})
    return {name: {} for name in [*cases, "buffer-root", "cuda-location"]}


def refused_cases(out: Path) -> dict:
    """case -> fragment of the Java error message."""
    marker = out / "pwned"
    good = Tensor(Storage(torch.FloatStorage, "0", 6), 0, (2, 3), (3, 1))
    plain = {"byteorder": b"little", "data/0": floats(6, 0), "version": b"3\n"}
    cases = {
        "os-system": ({"x": Payload(f"touch {marker}")}, "global posix.system is not allowed"),
        "builtins-eval": ({"x": Evaluated(f"open({str(marker)!r}, 'w')")}, "eval is not allowed"),
        "double-storage": ({"x": Tensor(Storage(torch.DoubleStorage, "0", 3), 0, (3,), (1,))},
                           "storage type torch.DoubleStorage is not supported"),
        "long-storage": ({"x": Tensor(Storage(torch.LongStorage, "0", 3), 0, (3,), (1,))},
                         "storage type torch.LongStorage is not supported"),
        "out-of-bounds-view": ({"x": Tensor(Storage(torch.FloatStorage, "0", 6), 2, (3, 3), (3, 1))}, "reaches element 10"),
        "huge-shape": ({"x": Tensor(Storage(torch.FloatStorage, "0", 6), 0, (1 << 20, 1 << 20), (1 << 20, 1))},
                       "larger than the limit"),
        "huge-storage": ({"x": Tensor(Storage(torch.FloatStorage, "0", 1 << 40), 0, (2,), (1,))}, "larger than the limit"),
        "negative-stride": ({"x": Tensor(Storage(torch.FloatStorage, "0", 6), 5, (3,), (-1,))}, "negative tensor stride"),
        "missing-storage": ({"x": Tensor(Storage(torch.FloatStorage, "7", 6), 0, (6,), (1,))}, "no storage 7 record"),
        "short-storage": ({"x": Tensor(Storage(torch.FloatStorage, "0", 60), 0, (6,), (1,))}, "its header says 240"),
        "non-tensor-entry": (OrderedDict([("x", good), ("epoch", 3)]), "entry 'epoch' is not a tensor"),
        "list-of-tensors": ([good], "opcode 0x5d"),
        "bare-tensor": (good, "not a state dict"),
        "bad-storage-key": ({"x": Tensor(Storage(torch.FloatStorage, "../0", 6), 0, (6,), (1,))}, "is not a record number"),
    }
    expected = {}
    for name, (obj, message) in cases.items():
        write_zip(out / f"{name}.pth", {"data.pkl": forged_pickle(obj), **plain})
        expected[name] = message
    valid = forged_pickle({"x": good})
    raw = {
        "protocol-4": (forged_pickle({"x": good}, protocol=4), "pickle protocol 4 is not supported"),
        "truncated-pickle": (valid[:len(valid) // 2], "truncated"),
        "trailing-bytes": (valid + b"N.", "trailing bytes after STOP"),
        "deep-marks": (b"\x80\x02" + b"(" * 100000 + b".", "nested deeper than 64 marks"),
        "unknown-memo": (b"\x80\x02h\x05.", "never PUT"),
        "no-protocol": (b"}.", "does not start with a protocol marker"),
        "long-string": (b"\x80\x02X" + (1 << 30).to_bytes(4, "little") + b"abc", "string of 1073741824 bytes"),
    }
    for name, (data, message) in raw.items():
        write_zip(out / f"{name}.pth", {"data.pkl": data, **plain})
        expected[name] = message
    write_zip(out / "big-endian.pth", {"data.pkl": valid, "byteorder": b"big", "data/0": floats(6, 0)})
    expected["big-endian"] = "byte order 'big' is not supported"
    write_zip(out / "no-pickle.pth", {"data/0": floats(6, 0)})
    expected["no-pickle"] = "no <name>/data.pkl"
    write_zip(out / "two-pickles.pth", {"data.pkl": valid, "byteorder": b"little", "data/0": floats(6, 0)})
    with zipfile.ZipFile(out / "two-pickles.pth", "a") as archive:
        archive.writestr("other/data.pkl", valid)
    expected["two-pickles"] = "holds 2 data.pkl records"
    torch.save({"x": torch.randn(50)}, out / "whole.pth")
    whole = (out / "whole.pth").read_bytes()
    (out / "truncated-zip.pth").write_bytes(whole[: len(whole) // 2])
    expected["truncated-zip"] = "not a torch.save checkpoint (zip archive)"
    (out / "whole.pth").unlink()
    (out / "not-a-zip.pth").write_bytes(b"\x80\x02}q\x00." + bytes(range(256)))
    expected["not-a-zip"] = "not a torch.save checkpoint (zip archive)"
    return expected


def torch_loads(path: Path) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "Detected pickle protocol 4"
            torch.load(path, map_location="cpu", weights_only=True)
        return True
    except Exception:  # noqa: BLE001 - any refusal counts
        return False


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    cases = {}
    for name in accepted_cases(out):
        loaded = torch.load(out / f"{name}.pth", map_location="cpu", weights_only=True)
        np.savez(out / f"{name}.npz", **{k: np.ascontiguousarray(v.detach().float().numpy()) for k, v in loaded.items()})
        cases[name] = {"expect": "ok", "tensors": list(loaded), "shapes": [list(v.shape) for v in loaded.values()],
                       "torchLoads": True}
    for name, message in refused_cases(out).items():
        cases[name] = {"expect": "refused", "message": message, "torchLoads": torch_loads(out / f"{name}.pth")}
    if (out / "pwned").exists():
        raise SystemExit("a hostile pickle was executed while checking it with torch.load")
    (out / "cases.json").write_text(json.dumps(cases, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
