"""Reference implementation of OpenAI CLIP's ``SimpleTokenizer`` and ``clip.tokenize``.

Written from the published description of the algorithm, independently of the Hugging Face
``tokenizers`` pipeline that the bundle ships (``tokenizer.json``), so that the two can be
compared in tests. It is deliberately plain Python (no torch) and slow-but-obvious:

1. clean the text: ``ftfy.fix_text``, ``html.unescape`` twice, strip; collapse whitespace runs
   to one space and strip again; lower-case;
2. split it with the CLIP pattern (``regex`` module, IGNORECASE);
3. map every UTF-8 byte of a piece to a printable unicode character (GPT-2 ``bytes_to_unicode``);
4. run byte-pair encoding on the piece, the last symbol carrying the ``</w>`` end-of-word marker,
   always merging the adjacent pair with the lowest merge rank (all its occurrences, left to
   right) until no adjacent pair is a known merge;
5. look the resulting symbols up in the vocabulary.

``tokenize`` adds ``<|startoftext|>``/``<|endoftext|>``, truncates to the context length (the
last kept id becomes ``<|endoftext|>``) and pads with 0, like ``clip.tokenize(..., truncate=True)``.
"""

from __future__ import annotations

import gzip
import html
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import regex

SOT = "<|startoftext|>"
EOT = "<|endoftext|>"
EOW = "</w>"
CONTEXT_LENGTH = 77
# CLIP keeps the first 49152 - 256 - 2 merges of the file (the first line is a version header).
NUM_MERGES = 49152 - 256 - 2

CLIP_PATTERN = regex.compile(
    r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
    regex.IGNORECASE,
)
_WHITESPACE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def bytes_to_unicode() -> dict[int, str]:
    """Reversible map byte -> printable character, as in GPT-2/CLIP.

    Printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') map to themselves; the remaining 68
    bytes (controls, space, soft hyphen, ...) map, in increasing byte order, to code points 256,
    257, ... so that no byte maps to whitespace or a control character.
    """
    printable = set(range(ord("!"), ord("~") + 1))
    printable |= set(range(ord("¡"), ord("¬") + 1))
    printable |= set(range(ord("®"), ord("ÿ") + 1))
    table: dict[int, str] = {b: chr(b) for b in sorted(printable)}
    shifted = 0
    for b in range(256):
        if b not in printable:
            table[b] = chr(256 + shifted)
            shifted += 1
    # Keep the canonical CLIP ordering: printable bytes first (ascending), then the shifted ones.
    return table


def read_merges(bpe_path: str | Path) -> list[tuple[str, str]]:
    """The merge list CLIP uses: lines 1 .. 48894 of the (gzipped) merges file."""
    with gzip.open(bpe_path, "rt", encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    selected = lines[1 : NUM_MERGES + 1]
    merges: list[tuple[str, str]] = []
    for line in selected:
        parts = line.split()
        if len(parts) != 2:
            raise ValueError(f"malformed merge line {line!r} in {bpe_path}")
        merges.append((parts[0], parts[1]))
    return merges


def build_vocab(merges: Sequence[tuple[str, str]]) -> list[str]:
    """Token strings in id order: 256 byte symbols, the same with '</w>', merges, specials."""
    symbols = list(bytes_to_unicode().values())
    tokens = symbols + [s + EOW for s in symbols]
    tokens += [a + b for a, b in merges]
    tokens += [SOT, EOT]
    return tokens


def _clean(text: str) -> str:
    import ftfy

    text = ftfy.fix_text(text)
    text = html.unescape(html.unescape(text))
    text = text.strip()
    text = _WHITESPACE.sub(" ", text)
    return text.strip()


class ReferenceClipTokenizer:
    """Slow, readable CLIP BPE tokenizer (the algorithm of CLIP's ``SimpleTokenizer``)."""

    def __init__(self, bpe_path: str | Path, basic_clean: bool = True):
        """``basic_clean=False`` replaces ftfy and HTML unescaping by plain NFC normalisation
        (for analysing differences only; CLIP always applies them)."""
        self.basic_clean = basic_clean
        merges = read_merges(bpe_path)
        self.byte_encoder = bytes_to_unicode()
        self.byte_decoder = {c: b for b, c in self.byte_encoder.items()}
        tokens = build_vocab(merges)
        self.encoder: dict[str, int] = {t: i for i, t in enumerate(tokens)}
        if len(self.encoder) != len(tokens):
            raise ValueError("duplicate tokens in the CLIP vocabulary")
        self.decoder: dict[int, str] = {i: t for t, i in self.encoder.items()}
        self.ranks: dict[tuple[str, str], int] = {pair: r for r, pair in enumerate(merges)}
        self.sot_id = self.encoder[SOT]
        self.eot_id = self.encoder[EOT]
        # The special tokens are never split (they are matched whole by the pattern).
        self._cache: dict[str, tuple[str, ...]] = {SOT: (SOT,), EOT: (EOT,)}

    @property
    def vocab_size(self) -> int:
        return len(self.encoder)

    # --- byte-pair encoding of one pre-token (already mapped to byte symbols) ---------------
    def bpe(self, piece: str) -> tuple[str, ...]:
        cached = self._cache.get(piece)
        if cached is not None:
            return cached
        symbols = list(piece[:-1]) + [piece[-1] + EOW]
        while len(symbols) > 1:
            best_rank = None
            best_pair = None
            for pair in zip(symbols, symbols[1:]):
                rank = self.ranks.get(pair)
                if rank is not None and (best_rank is None or rank < best_rank):
                    best_rank, best_pair = rank, pair
            if best_pair is None:
                break
            left, right = best_pair
            merged: list[str] = []
            k = 0
            while k < len(symbols):
                if k + 1 < len(symbols) and symbols[k] == left and symbols[k + 1] == right:
                    merged.append(left + right)
                    k += 2
                else:
                    merged.append(symbols[k])
                    k += 1
            symbols = merged
        result = tuple(symbols)
        if len(self._cache) < 100_000:
            self._cache[piece] = result
        return result

    # --- public API --------------------------------------------------------------------------
    def normalize(self, text: str) -> str:
        if self.basic_clean:
            return _clean(text).lower()
        # ftfy would also NFC-normalise; keep that so only ftfy's *fixes* are left out.
        return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip().lower()

    def pre_tokenize(self, text: str) -> list[str]:
        return CLIP_PATTERN.findall(self.normalize(text))

    def tokens(self, text: str) -> list[str]:
        out: list[str] = []
        for piece in self.pre_tokenize(text):
            mapped = "".join(self.byte_encoder[b] for b in piece.encode("utf-8"))
            out.extend(self.bpe(mapped))
        return out

    def encode(self, text: str) -> list[int]:
        """Ids of ``text`` without start/end tokens (CLIP ``SimpleTokenizer.encode``)."""
        return [self.encoder[t] for t in self.tokens(text)]

    def decode(self, ids: Iterable[int]) -> str:
        """Inverse of ``encode`` up to normalisation; '</w>' markers become spaces."""
        symbols = "".join(self.decoder[int(i)] for i in ids)
        # Every symbol character (including those of '</w>' and the special tokens) is a byte symbol.
        raw = bytes(self.byte_decoder[c] for c in symbols)
        return raw.decode("utf-8", errors="replace").replace(EOW, " ").strip()

    def tokenize(
        self, texts: str | Sequence[str], context_length: int = CONTEXT_LENGTH, truncate: bool = True
    ) -> np.ndarray:
        """``clip.tokenize``: int64 array ``[N, context_length]``, [sot] + ids + [eot], 0-padded."""
        if isinstance(texts, str):
            texts = [texts]
        result = np.zeros((len(texts), context_length), dtype=np.int64)
        for row, text in enumerate(texts):
            ids = clip_truncate([self.sot_id] + self.encode(text) + [self.eot_id], self.eot_id,
                                context_length, truncate)
            result[row, : len(ids)] = ids
        return result


def clip_truncate(ids: Sequence[int], eot_id: int, context_length: int = CONTEXT_LENGTH,
                  truncate: bool = True) -> list[int]:
    """CLIP's rule for over-long sequences: keep the first ``context_length`` ids, last = eot."""
    ids = list(ids)
    if len(ids) > context_length:
        if not truncate:
            raise ValueError(f"input is too long for context length {context_length}: {len(ids)} tokens")
        ids = ids[:context_length]
        ids[-1] = eot_id
    return ids


def pad(ids: Sequence[int], context_length: int = CONTEXT_LENGTH, pad_id: int = 0) -> list[int]:
    """Pad with ``pad_id`` (CLIP uses 0) to ``context_length``."""
    ids = list(ids)
    if len(ids) > context_length:
        raise ValueError("sequence longer than the context length; truncate first")
    return ids + [pad_id] * (context_length - len(ids))
