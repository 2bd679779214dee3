"""CLIP BPE tokenizer for the model bundle (``<bundle>/tokenizer.json``, spec §3).

The service loads ``tokenizer.json`` with DJL's ``HuggingFaceTokenizer`` (the Rust ``tokenizers``
crate), so we write a standard Hugging Face tokenizer file equivalent to ``CLIPTokenizer`` of
``transformers``:

* model: BPE over GPT-2 byte symbols, ``end_of_word_suffix='</w>'``, unk ``<|endoftext|>``,
  49,408 ids identical to OpenAI's (``<|startoftext|>`` = 49406, ``<|endoftext|>`` = 49407);
* normalizer: NFC, whitespace runs -> one space, lower-case;
* pre-tokenizer: split on the CLIP pattern (``Removed`` + ``invert``), then ByteLevel;
* post-processor: ``<|startoftext|> ... <|endoftext|>`` (RobertaProcessing);
* decoder: ByteLevel (decoded text keeps the ``</w>`` markers; the service never decodes).

The vocabulary and merges are derived from OpenAI's ``bpe_simple_vocab_16e6.txt.gz``, which is
taken from the ``open_clip_torch`` wheel (fetched with pip from the configured, local package
index; ``open_clip`` itself is never imported). Truncation to the 77-token context is not part of
``tokenizer.json``: callers apply CLIP's rule (keep 77 ids, last one becomes ``<|endoftext|>``).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import shlex
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from . import reference_bpe

OPEN_CLIP_REQUIREMENT = "open_clip_torch==3.3.0"
BPE_MEMBER = "open_clip/bpe_simple_vocab_16e6.txt.gz"
BPE_FILE_NAME = "bpe_simple_vocab_16e6.txt.gz"
# SHA-256 of OpenAI's bpe_simple_vocab_16e6.txt.gz (identical in CLIP and open_clip).
BPE_SHA256 = "924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a"
FALLBACK_INDEX_URL = "file:///opt/pypi/simple"
DEFAULT_CACHE_DIR = Path(__file__).resolve().parent.parent / ".cache"  # models/.cache

VOCAB_SIZE = 49408
SOT_TOKEN = reference_bpe.SOT
EOT_TOKEN = reference_bpe.EOT
SOT_ID = 49406
EOT_ID = 49407
CONTEXT_LENGTH = 77
CLIP_SPLIT_PATTERN = reference_bpe.CLIP_PATTERN.pattern


class TokenizerExportError(RuntimeError):
    """The CLIP tokenizer could not be produced (missing merges file, pip failure, ...)."""


# --------------------------------------------------------------------------------------------
# Merges file
# --------------------------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; bundle files must stay readable
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _pip_config_index_urls() -> list[str]:
    """Index URLs from the pip configuration (``index-url`` first, then ``extra-index-url``)."""
    urls: list[str] = []
    for key in ("global.index-url", "global.extra-index-url"):
        try:
            out = subprocess.run(
                [sys.executable, "-m", "pip", "config", "get", key],
                capture_output=True, text=True, timeout=60, check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0:
            urls.extend(out.stdout.split())
    try:
        out = subprocess.run(
            [sys.executable, "-m", "pip", "config", "list"],
            capture_output=True, text=True, timeout=60, check=False,
        )
        if out.returncode == 0:
            for line in out.stdout.splitlines():
                key, sep, value = line.partition("=")
                if sep and key.strip().endswith("index-url"):
                    for token in shlex.split(value):
                        urls.extend(token.split())
    except (OSError, subprocess.TimeoutExpired, ValueError):
        pass
    return list(dict.fromkeys(urls))  # de-duplicated, first occurrence wins


def _pip_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    if not env.get("PIP_INDEX_URL"):
        local = [u for u in _pip_config_index_urls() if u.startswith("file://")]
        env["PIP_INDEX_URL"] = local[0] if local else FALLBACK_INDEX_URL
    return env


def _download_open_clip_wheel(dest: Path) -> Path:
    env = _pip_env()
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           OPEN_CLIP_REQUIREMENT, "-d", str(dest)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TokenizerExportError(f"could not run {' '.join(cmd)}: {exc}") from exc
    wheels = sorted(dest.glob("open_clip_torch-*.whl"))
    if proc.returncode != 0 or not wheels:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise TokenizerExportError(
            f"could not download {OPEN_CLIP_REQUIREMENT} to obtain the CLIP BPE merges file "
            f"(PIP_INDEX_URL={env['PIP_INDEX_URL']}, exit code {proc.returncode}).\n{tail}\n"
            f"Fix: point PIP_INDEX_URL at an index holding {OPEN_CLIP_REQUIREMENT}, or place "
            f"{BPE_FILE_NAME} (sha256 {BPE_SHA256}) in the cache directory."
        )
    return wheels[-1]


def locate_bpe_merges(cache_dir: Path | str | None = None) -> Path:
    """Path of a verified copy of ``bpe_simple_vocab_16e6.txt.gz`` under ``cache_dir``.

    ``cache_dir`` defaults to ``models/.cache``. When the file is absent (or corrupt) it is
    extracted from the ``open_clip_torch`` wheel, downloaded with ``python -m pip download``
    (``sys.executable``). An existing ``PIP_INDEX_URL`` is respected; otherwise the first local
    ``file://`` index of the pip configuration is used, else ``file:///opt/pypi/simple``.
    The copy is written atomically (temporary file + rename).
    """
    cache = Path(cache_dir) if cache_dir is not None else DEFAULT_CACHE_DIR
    target = cache / BPE_FILE_NAME
    if target.is_file() and _sha256(target) == BPE_SHA256:
        return target
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TokenizerExportError(f"cannot create cache directory {cache}: {exc}") from exc
    with tempfile.TemporaryDirectory(prefix="open_clip_wheel_") as tmp:
        wheel = _download_open_clip_wheel(Path(tmp))
        try:
            with zipfile.ZipFile(wheel) as zf:
                data = zf.read(BPE_MEMBER)
        except (zipfile.BadZipFile, KeyError) as exc:
            raise TokenizerExportError(f"{wheel.name} does not contain {BPE_MEMBER}: {exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != BPE_SHA256:
        raise TokenizerExportError(
            f"{BPE_MEMBER} from {OPEN_CLIP_REQUIREMENT} has sha256 {digest}, expected {BPE_SHA256}"
        )
    _atomic_write_bytes(target, data)
    return target


# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------
def build_clip_vocab(bpe_gz: Path | str) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Vocabulary and merges exactly as CLIP's ``SimpleTokenizer`` builds them.

    merges = lines[1 : 49152-256-2+1] of the file; vocab = the 256 byte symbols, the same with
    '</w>', the concatenated merges, then '<|startoftext|>' (49406) and '<|endoftext|>' (49407).
    """
    try:
        merges = reference_bpe.read_merges(bpe_gz)
    except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError) as exc:
        raise TokenizerExportError(f"cannot read CLIP merges file {bpe_gz}: {exc}") from exc
    tokens = reference_bpe.build_vocab(merges)
    vocab = {tok: i for i, tok in enumerate(tokens)}
    if len(vocab) != VOCAB_SIZE or vocab[SOT_TOKEN] != SOT_ID or vocab[EOT_TOKEN] != EOT_ID:
        raise TokenizerExportError(
            f"unexpected CLIP vocabulary from {bpe_gz}: {len(vocab)} entries, "
            f"sot={vocab.get(SOT_TOKEN)}, eot={vocab.get(EOT_TOKEN)}"
        )
    return vocab, merges


# --------------------------------------------------------------------------------------------
# tokenizer.json
# --------------------------------------------------------------------------------------------
def _tokenizer_via_transformers(vocab: dict[str, int], merges: list[tuple[str, str]]):
    """The ``tokenizers.Tokenizer`` behind ``transformers.CLIPTokenizer`` (transformers >= 5)."""
    from transformers import CLIPTokenizer

    hf = CLIPTokenizer(vocab=dict(vocab), merges=list(merges))
    return hf.backend_tokenizer


def _tokenizer_via_tokenizers(vocab: dict[str, int], merges: list[tuple[str, str]]):
    """The same pipeline assembled directly with ``tokenizers`` (no transformers needed)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import BPE

    tok = Tokenizer(BPE(vocab=dict(vocab), merges=list(merges), dropout=None, continuing_subword_prefix="",
                        end_of_word_suffix="</w>", fuse_unk=False, unk_token=EOT_TOKEN))
    tok.normalizer = normalizers.Sequence(
        [normalizers.NFC(), normalizers.Replace(Regex(r"\s+"), " "), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(CLIP_SPLIT_PATTERN), behavior="removed", invert=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False),
    ])
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(SOT_TOKEN, special=True, normalized=False),
                            AddedToken(EOT_TOKEN, special=True, normalized=False)])
    tok.post_processor = processors.RobertaProcessing((EOT_TOKEN, EOT_ID), (SOT_TOKEN, SOT_ID),
                                                      trim_offsets=False, add_prefix_space=False)
    return tok


def build_tokenizer(bpe_gz: Path | str, route: str = "transformers"):
    """A ``tokenizers.Tokenizer`` for CLIP. ``route``: 'transformers' (default) or 'tokenizers'."""
    vocab, merges = build_clip_vocab(bpe_gz)
    if route == "transformers":
        tok = _tokenizer_via_transformers(vocab, merges)
    elif route == "tokenizers":
        tok = _tokenizer_via_tokenizers(vocab, merges)
    else:
        raise ValueError(f"unknown route {route!r}")
    _check(tok)
    return tok


def _check(tok) -> None:
    size = tok.get_vocab_size(with_added_tokens=True)
    sot, eot = tok.token_to_id(SOT_TOKEN), tok.token_to_id(EOT_TOKEN)
    # OpenAI CLIP ids of "a photo of a dog." (a, photo, of, a, dog, .).
    ids = tok.encode("A photo of a dog.").ids
    expected = [SOT_ID, 320, 1125, 539, 320, 1929, 269, EOT_ID]
    if size != VOCAB_SIZE or sot != SOT_ID or eot != EOT_ID or ids != expected:
        raise TokenizerExportError(
            f"built CLIP tokenizer is inconsistent: size={size} sot={sot} eot={eot} ids={ids}")


def write_tokenizer_json(out_path: Path | str, bpe_gz: Path | str | None = None,
                         route: str = "transformers") -> Path:
    """Write the CLIP ``tokenizer.json`` to ``out_path`` atomically and return the path.

    ``bpe_gz`` defaults to :func:`locate_bpe_merges` with the default cache directory. The file
    is deterministic (same input -> same bytes), so its SHA-256 is stable across exports.
    """
    from tokenizers import Tokenizer

    out = Path(out_path)
    bpe = Path(bpe_gz) if bpe_gz is not None else locate_bpe_merges()
    tok = build_tokenizer(bpe, route=route)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = tok.to_str(pretty=True)
    _check(Tokenizer.from_str(text))  # must round-trip before it is written
    _atomic_write_bytes(out, text.encode("utf-8"))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write the CLIP tokenizer.json of the model bundle.")
    ap.add_argument("out", type=Path, help="output path, e.g. <bundle>/tokenizer.json")
    ap.add_argument("--cache-dir", type=Path, default=None, help="where the BPE merges file is cached")
    ap.add_argument("--route", choices=("transformers", "tokenizers"), default="transformers")
    args = ap.parse_args(argv)
    try:
        path = write_tokenizer_json(args.out, locate_bpe_merges(args.cache_dir), route=args.route)
    except TokenizerExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {path} ({path.stat().st_size} bytes, sha256 {_sha256(path)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
