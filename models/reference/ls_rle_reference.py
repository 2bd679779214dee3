#!/usr/bin/env python3
"""Reference codec of Label Studio's brush RLE (for ``com.fmawsss.labeling.labelstudio.BrushRle``).

Written from the published algorithm (thi.ng ``rle-pack``, which the Label Studio editor uses and
whose ``decode`` the SDK's ``converter/brush.py`` quotes), not from the Java code:

    num        = read(32)                  values in the output
    word_size  = read(5) + 1               bits per value
    rle_sizes  = [read(4) + 1 for 4]       bits of the run-length fields
    while i < num:
        repeat = read(1)
        j = i + 1 + read(rle_sizes[read(2)])
        if repeat: out[i:j] = read(word_size)
        else:      out[i:j] = [read(word_size) for each]

Bits are read most significant first from the byte list. A mask is the alpha channel (index 3)
of the RGBA values, non-zero meaning inside.

Two commands:

``decode --rle rle.json --out masks.npz``
    ``rle.json`` is ``{"<name>": {"width": W, "height": H, "rle": [bytes...]}, ...}``; writes one
    ``uint8 [H, W]`` alpha mask per name (and fails when the value count is not ``W * H * 4``).

``encode --masks masks.npz --out rle.json``
    an independent encoder for the Java decoder: for every ``uint8 [H, W]`` member it writes RGBA
    values ``(v, v, v, v)`` with ``v = 255 * mask`` in a deliberately different layout from the
    service's (word size from the member name suffix ``_w<bits>``, literal chunks for short runs,
    field sizes 2, 5, 9, 16 bits), so the Java decoder must follow the header, not assume the
    SDK's constants.

    python models/reference/ls_rle_reference.py decode --rle rle.json --out masks.npz
"""
from __future__ import annotations

import argparse
import json

import numpy as np


class BitReader:
    def __init__(self, data: list[int]):
        self.data = data
        self.pos = 0

    def read(self, bits: int) -> int:
        value = 0
        for _ in range(bits):
            byte = self.data[self.pos >> 3]
            value = (value << 1) | ((byte >> (7 - (self.pos & 7))) & 1)
            self.pos += 1
        return value


def decode_values(rle: list[int]) -> np.ndarray:
    reader = BitReader(rle)
    num = reader.read(32)
    word_size = reader.read(5) + 1
    rle_sizes = [reader.read(4) + 1 for _ in range(4)]
    out = np.zeros(num, dtype=np.uint32)
    i = 0
    while i < num:
        repeat = reader.read(1)
        j = i + 1 + reader.read(rle_sizes[reader.read(2)])
        if j > num:
            raise ValueError("run past the end")
        if repeat:
            out[i:j] = reader.read(word_size)
            i = j
        else:
            while i < j:
                out[i] = reader.read(word_size)
                i += 1
    return out


class BitWriter:
    def __init__(self):
        self.bits: list[int] = []

    def write(self, value: int, bits: int) -> None:
        for b in range(bits - 1, -1, -1):
            self.bits.append((value >> b) & 1)

    def to_bytes(self) -> list[int]:
        bits = self.bits + [0] * (-len(self.bits) % 8)
        return [int("".join(map(str, bits[k:k + 8])), 2) for k in range(0, len(bits), 8)]


def encode_values(values: np.ndarray, word_size: int) -> list[int]:
    sizes = [2, 5, 9, 16]
    writer = BitWriter()
    writer.write(len(values), 32)
    writer.write(word_size - 1, 5)
    for size in sizes:
        writer.write(size - 1, 4)
    i = 0
    n = len(values)
    while i < n:
        j = i
        while j < n and values[j] == values[i]:
            j += 1
        run = j - i
        if run < 6:
            # A literal chunk of up to 4 values, whatever they are.
            length = min(4, n - i)
            writer.write(0, 1)
            writer.write(0, 2)
            writer.write(length - 1, sizes[0])
            for k in range(i, i + length):
                writer.write(int(values[k]), word_size)
            i += length
            continue
        while run > 0:
            chunk = min(run, 1 << 16)
            field = next(k for k, size in enumerate(sizes) if chunk - 1 < (1 << size))
            writer.write(1, 1)
            writer.write(field, 2)
            writer.write(chunk - 1, sizes[field])
            writer.write(int(values[i]), word_size)
            i += chunk
            run -= chunk
    return writer.to_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    dec = sub.add_parser("decode")
    dec.add_argument("--rle", required=True)
    dec.add_argument("--out", required=True)
    enc = sub.add_parser("encode")
    enc.add_argument("--masks", required=True)
    enc.add_argument("--out", required=True)
    args = parser.parse_args()

    if args.command == "decode":
        with open(args.rle, encoding="utf-8") as f:
            items = json.load(f)
        out = {}
        for name, item in items.items():
            values = decode_values(item["rle"])
            h, w = item["height"], item["width"]
            if values.size != h * w * 4:
                raise SystemExit(f"{name}: {values.size} values for a {w}x{h} RGBA image")
            rgba = values.reshape(h, w, 4)
            if not np.array_equal(rgba[:, :, 0], rgba[:, :, 3]):
                raise SystemExit(f"{name}: colour and alpha channels differ")
            out[name] = (rgba[:, :, 3] > 0).astype(np.uint8)
        np.savez(args.out, **out)
    else:
        out = {}
        with np.load(args.masks) as archive:
            for name in archive.files:
                mask = archive[name]
                word_size = int(name.rsplit("_w", 1)[1])
                value = (1 << word_size) - 1
                rgba = np.repeat((mask.astype(np.uint32) * value).ravel(), 4)
                rle = encode_values(rgba, word_size)
                # The encoder must decode back with this script's own decoder.
                assert np.array_equal(decode_values(rle), rgba)
                out[name] = {"width": int(mask.shape[1]), "height": int(mask.shape[0]), "rle": rle}
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(out, f)


if __name__ == "__main__":
    main()
