#!/usr/bin/env python3
"""Reference CLIP tokenisation (``clip.tokenize(..., truncate=True)``) of a JSON list of texts.

    python models/reference/tokenize_reference.py IN.json OUT.json

``IN.json`` is ``["text", ...]``; ``OUT.json`` is ``[[77 ids], ...]`` from the from-scratch
reference BPE (independent of tokenizer.json).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fma_export.reference_bpe import ReferenceClipTokenizer  # noqa: E402
from fma_export.tokenizer import locate_bpe_merges  # noqa: E402


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    texts = json.loads(Path(args[0]).read_text())
    tokenizer = ReferenceClipTokenizer(locate_bpe_merges(Path(__file__).resolve().parents[1] / ".cache"))
    ids = tokenizer.tokenize(texts).tolist() if texts else []
    Path(args[1]).write_text(json.dumps(ids))
    return 0


if __name__ == "__main__":
    sys.exit(main())
