"""Tests of the bundle's CLIP tokenizer (``fma_export.tokenizer``).

``tokenizer.json`` (Hugging Face ``tokenizers`` format, what the service loads through DJL) is
compared id-for-id with ``fma_export.reference_bpe``, an independent implementation of OpenAI
CLIP's ``SimpleTokenizer`` + ``clip.tokenize``.

Known differences between ``tokenizer.json`` and OpenAI CLIP (the reference). All of them come from
text cleaning, none from the BPE itself; the service receives clean class names and prompts, for
which the two agree exactly (plain ASCII/Latin text, punctuation, digits, CJK, emoji, whitespace):

1. ftfy: CLIP runs ``ftfy.fix_text`` first; ``tokenizer.json`` only applies NFC. So mojibake
   ("cafÃ©" -> "café"), curly quotes ("don’t" -> "don't"), Latin ligatures ("ﬁ" -> "fi"),
   full-width forms ("ＡＢＣ" -> "ABC"), titlecase digraphs ("ǅ" -> "Dž") and control / format
   characters (BEL, U+001C..U+001F, BOM, ...; CLIP drops them) tokenize differently.
2. HTML entities: CLIP unescapes twice ("&amp;" -> "&"); ``tokenizer.json`` keeps them literally.
3. Final sigma: Python's ``str.lower`` gives "ς" at a word end ("ΟΔΟΣ" -> "οδος"), the Rust
   Lowercase normaliser always "σ".
4. Special-token text in upper case ("<|STARTOFTEXT|>"): CLIP lower-cases before matching and
   yields the special id; ``tokenizer.json`` matches added tokens case-sensitively and BPE-splits it.
5. U+0345 COMBINING GREEK YPOGEGRAMMENI: CLIP's case-insensitive pattern (``regex`` module) matches
   none of its alternatives and silently drops it; ``tokenizer.json`` keeps its bytes.
6. Unicode-version skew: code points unassigned in this Python's Unicode database but assigned in
   the Rust crates' tables (or vice versa) are lower-cased / classified differently.

``test_bmp_differences_are_only_the_known_ones`` scans every BMP code point and fails on any
difference not explained by 1, 2, 5 or 6 (3 and 4 need context and have their own cases).
Long inputs: ``tokenizer.json`` does not truncate; callers apply CLIP's rule (first 77 ids, the
last one replaced by ``<|endoftext|>``, zero padding), as ``clip_truncate_pad`` below does.
"""

from __future__ import annotations

import html
import json
import os
import random
import stat
import sys
import unicodedata
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tokenizers import Tokenizer  # noqa: E402

from fma_export import reference_bpe, tokenizer as clip_tok  # noqa: E402

SOT, EOT = 49406, 49407
CONTEXT = 77


# ------------------------------------------------------------------------------------------
# fixtures
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def bpe_gz() -> Path:
    return clip_tok.locate_bpe_merges()


@pytest.fixture(scope="session")
def tokenizer_json(tmp_path_factory, bpe_gz) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "tokenizer.json"
    path = clip_tok.write_tokenizer_json(out, bpe_gz)
    assert path == out
    return path


@pytest.fixture(scope="session")
def hf(tokenizer_json) -> Tokenizer:
    return Tokenizer.from_file(str(tokenizer_json))


@pytest.fixture(scope="session")
def ref(bpe_gz) -> reference_bpe.ReferenceClipTokenizer:
    return reference_bpe.ReferenceClipTokenizer(bpe_gz)


def hf_ids(hf: Tokenizer, text: str) -> list[int]:
    return hf.encode(text, add_special_tokens=True).ids


def ref_ids(ref, text: str) -> list[int]:
    return [ref.sot_id] + ref.encode(text) + [ref.eot_id]


def clip_truncate_pad(ids: list[int], context: int = CONTEXT) -> list[int]:
    """CLIP's rule on the HF side: keep ``context`` ids, the last becomes eot; pad with 0."""
    ids = list(ids)
    if len(ids) > context:
        ids = ids[:context]
        ids[-1] = EOT
    return ids + [0] * (context - len(ids))


# ------------------------------------------------------------------------------------------
# vocabulary and file
# ------------------------------------------------------------------------------------------
def test_vocab_matches_official_layout(bpe_gz):
    vocab, merges = clip_tok.build_clip_vocab(bpe_gz)
    assert len(vocab) == 49408
    assert len(merges) == 49152 - 256 - 2
    assert merges[0] == ("i", "n") and merges[1] == ("t", "h")
    assert vocab["<|startoftext|>"] == SOT and vocab["<|endoftext|>"] == EOT
    assert vocab["!"] == 0 and vocab["!</w>"] == 256  # byte symbols, then the same with </w>
    assert vocab["Ā"] == 188 and vocab["Ġ"] == 220  # shifted bytes 0x00 and 0x20 (space)
    assert vocab["in"] == 512 and vocab["th"] == 513  # merges start at 512
    assert sorted(vocab.values()) == list(range(49408))


def test_tokenizer_json_ids_and_specials(hf):
    assert hf.get_vocab_size(with_added_tokens=True) == 49408
    assert hf.token_to_id("<|startoftext|>") == SOT
    assert hf.token_to_id("<|endoftext|>") == EOT
    assert hf.id_to_token(SOT) == "<|startoftext|>"


def test_known_official_ids(hf, ref):
    # Ids of OpenAI CLIP for "a photo of a dog." (independent of both implementations).
    expected = [SOT, 320, 1125, 539, 320, 1929, 269, EOT]
    assert hf_ids(hf, "a photo of a dog.") == expected
    assert ref_ids(ref, "a photo of a dog.") == expected


def test_end_of_word_suffix(hf, ref):
    assert hf.encode("dog", add_special_tokens=False).tokens == ["dog</w>"]
    assert hf.encode("dog").tokens == ["<|startoftext|>", "dog</w>", "<|endoftext|>"]
    assert ref.tokens("dog") == ["dog</w>"]
    toks = hf.encode("tvmonitor screen", add_special_tokens=False).tokens
    assert len(toks) > 2 and toks[-1] == "screen</w>"
    assert sum(t.endswith("</w>") for t in toks) == 2  # exactly one per word, on its last piece
    assert toks == ref.tokens("tvmonitor screen")


def test_lowercasing(hf, ref):
    assert hf_ids(hf, "A PHOTO OF A DOG.") == hf_ids(hf, "a photo of a dog.")
    assert hf.encode("DoG", add_special_tokens=False).tokens == ["dog</w>"]
    assert ref.tokens("DoG") == ["dog</w>"]
    assert hf.normalizer.normalize_str("HELLO World ÄÖÜ") == "hello world äöü"
    assert hf_ids(hf, "HELLO World ÄÖÜ") == hf_ids(hf, "hello world äöü") == ref_ids(ref, "HELLO World ÄÖÜ")


def test_json_components(tokenizer_json, bpe_gz):
    j = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    model = j["model"]
    vocab, merges = clip_tok.build_clip_vocab(bpe_gz)
    assert model["vocab"] == vocab
    assert [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in model["merges"]] == merges
    assert model["type"] == "BPE" and model["end_of_word_suffix"] == "</w>"
    assert model["unk_token"] == "<|endoftext|>" and model["continuing_subword_prefix"] == ""
    assert len(model["vocab"]) == 49408 and len(model["merges"]) == 48894
    assert [n["type"] for n in j["normalizer"]["normalizers"]] == ["NFC", "Replace", "Lowercase"]
    split, byte_level = j["pre_tokenizer"]["pretokenizers"]
    assert split["type"] == "Split" and split["behavior"] == "Removed" and split["invert"] is True
    assert split["pattern"]["Regex"] == reference_bpe.CLIP_PATTERN.pattern
    assert byte_level["type"] == "ByteLevel" and byte_level["add_prefix_space"] is False
    pp = j["post_processor"]
    assert pp["type"] == "RobertaProcessing"
    assert pp["cls"] == ["<|startoftext|>", SOT] and pp["sep"] == ["<|endoftext|>", EOT]
    assert j["decoder"]["type"] == "ByteLevel"
    added = {t["content"]: t for t in j["added_tokens"]}
    assert set(added) == {"<|startoftext|>", "<|endoftext|>"}
    assert added["<|startoftext|>"]["id"] == SOT and added["<|endoftext|>"]["id"] == EOT
    assert all(t["special"] for t in added.values())
    assert j["truncation"] is None and j["padding"] is None


def test_file_is_deterministic_route_independent_and_readable(tokenizer_json, bpe_gz, tmp_path):
    again = clip_tok.write_tokenizer_json(tmp_path / "a" / "tokenizer.json", bpe_gz)
    direct = clip_tok.write_tokenizer_json(tmp_path / "b" / "tokenizer.json", bpe_gz, route="tokenizers")
    data = tokenizer_json.read_bytes()
    assert again.read_bytes() == data
    assert direct.read_bytes() == data  # transformers' CLIPTokenizer == the documented pipeline
    assert stat.S_IMODE(os.stat(tokenizer_json).st_mode) == 0o644
    assert not [p for p in tmp_path.rglob("*.tmp")]


# ------------------------------------------------------------------------------------------
# id-for-id comparison with the reference
# ------------------------------------------------------------------------------------------
SAME_CASES = [
    "a clean origami person with clothes,people,human.",
    "tvmonitor screen",
    "a photo of a dog.",
    "aeroplane", "diningtable", "pottedplant", "background", "sofa", "motorbike",
    "a clean origami aeroplane.",
    "A PHOTO OF A DOG.",
    "MiXeD CaSe WoRdS",
    "hello!!!",
    "a,b;c",
    "don't", "it's", "we'll", "I'M HERE", "they're", "you've", "he'd", "'s'", "''s",
    "...?!--",
    "2024 covid-19 3.14",
    "a1b2",
    "1234567890",
    "café naïve Zürich señor",
    "ÅNGSTRÖM Straße",
    "İstanbul",
    "cafe\u0301 (decomposed accent)",
    "  leading and trailing  ",
    "tabs\tand\t\ttabs",
    "new\nlines\r\nand\n\n\nmore",
    "mixed \t\n\r\x0b\x0c whitespace\u00a0nbsp\u3000ideographic",
    "日本語の猫",
    "한국어 고양이",
    "кошка на диване",
    "🐶 dog 👍🏽 ❤️ 👨‍👩‍👧",
    "",
    " ",
    "<|startoftext|>",
    "<|endoftext|>",
    "a <|endoftext|> b",
    "q\u0303 combining",
    "x" * 300,
]


@pytest.mark.parametrize("text", SAME_CASES)
def test_same_ids_as_reference(hf, ref, text):
    got = hf_ids(hf, text)
    want = ref_ids(ref, text)
    assert got == want, f"{text!r}: tokenizer.json {got} != CLIP {want}"
    assert got[0] == SOT and got[-1] == EOT


def test_empty_string(hf, ref):
    assert hf_ids(hf, "") == [SOT, EOT] == ref_ids(ref, "")
    assert clip_truncate_pad(hf_ids(hf, "")) == [SOT, EOT] + [0] * 75
    assert ref.tokenize("").tolist() == [[SOT, EOT] + [0] * 75]


LONG_TEXT = (
    "a photo of a person riding a bicycle next to a dog, a cat, a sheep and a horse on a sunny day "
    "while an aeroplane flies over the mountains, the boat sails on the lake, a bus and a train wait "
    "at the station, somebody watches the tvmonitor, the bottle stands on the diningtable near the "
    "pottedplant, chairs, the sofa and a motorbike!"
)


def test_long_text_truncation(hf, ref):
    raw = hf_ids(hf, LONG_TEXT)
    assert len(raw) > CONTEXT  # tokenizer.json itself does not truncate
    assert raw == ref_ids(ref, LONG_TEXT)
    ours = clip_truncate_pad(raw)
    theirs = ref.tokenize(LONG_TEXT, context_length=CONTEXT, truncate=True)
    assert theirs.shape == (1, CONTEXT) and theirs.dtype.name == "int64"
    assert ours == theirs[0].tolist()
    assert len(ours) == CONTEXT and ours[-1] == EOT and ours[:CONTEXT - 1] == raw[:CONTEXT - 1]
    with pytest.raises(ValueError):
        ref.tokenize(LONG_TEXT, truncate=False)


def test_short_text_padding(hf, ref):
    text = "a photo of a dog."
    assert clip_truncate_pad(hf_ids(hf, text)) == ref.tokenize(text)[0].tolist()
    batch = ref.tokenize([text, "tvmonitor screen"])
    assert batch.shape == (2, CONTEXT)
    assert batch[1].tolist() == clip_truncate_pad(hf_ids(hf, "tvmonitor screen"))


def test_exactly_full_context_is_not_modified(hf, ref):
    text = " ".join(["dog"] * (CONTEXT - 2))  # 75 tokens + sot + eot = 77
    raw = hf_ids(hf, text)
    assert len(raw) == CONTEXT and raw == ref_ids(ref, text)
    assert clip_truncate_pad(raw) == raw == ref.tokenize(text)[0].tolist()


def test_random_ascii_agrees(hf, ref):
    rng = random.Random(1234)
    alphabet = [chr(c) for c in range(32, 127)] + ["\t", "\n", " ", " ", " "]
    checked = 0
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        if html.unescape(text) != text or "<|" in text:
            continue  # known difference 2 (entities); special-token text is tested separately
        checked += 1
        assert hf_ids(hf, text) == ref_ids(ref, text), repr(text)
    assert checked > 2000


def test_reference_decode_roundtrip(ref):
    ids = ref.encode("a clean origami person with clothes, people, human.")
    assert ref.decode(ids) == "a clean origami person with clothes , people , human ."


# ------------------------------------------------------------------------------------------
# expected differences (documented in the module docstring)
# ------------------------------------------------------------------------------------------
# (text, what CLIP's cleaning turns it into, a token only tokenizer.json produces)
CLEANING_DIFFERENCES = [
    ("fish &amp; chips", "fish & chips", "amp</w>"),  # HTML unescape
    ("&amp;lt;b&amp;gt;", "<b>", "amp</w>"),  # unescaped twice
    ("cafÃ©", "café", "Ã"),  # ftfy: mojibake
    ("don’t", "don't", "t</w>"),  # ftfy: curly quote
    ("ﬁsh", "fish", "sh</w>"),  # ftfy: ligature
    ("ＡＢＣ", "abc", "ï"),  # ftfy: full-width
    ("ǅ", "dž", "Ç"),  # ftfy: titlecase digraph
    ("a\x07b", "ab", "ć</w>"),  # ftfy: control character removed
    ("x\x1cy", "xy", "Ĝ</w>"),  # ftfy removes; not whitespace for the Rust regex either
    ("a\ufeffb", "ab", "ï"),  # ftfy: BOM removed
]


@pytest.mark.parametrize("text,cleaned,hf_only_token", CLEANING_DIFFERENCES)
def test_expected_difference_text_cleaning(hf, ref, text, cleaned, hf_only_token):
    assert ref.normalize(text) == cleaned.lower()
    want = ref_ids(ref, text)
    got = hf_ids(hf, text)
    assert got != want
    # CLIP's result is exactly tokenizer.json applied to the cleaned text ...
    assert want == hf_ids(hf, cleaned)
    # ... and tokenizer.json tokenizes the raw characters.
    assert hf_only_token in hf.encode(text).tokens
    assert hf_only_token not in [ref.decoder[i] for i in want]


def test_expected_difference_final_sigma(hf, ref):
    text = "ΟΔΟΣ"
    assert ref.normalize(text) == "οδος"  # final sigma
    assert hf.normalizer.normalize_str(text) == "οδοσ"
    assert ref_ids(ref, text) == hf_ids(hf, "οδος")
    assert hf_ids(hf, text) == ref_ids(ref, "οδοσ")
    assert hf_ids(hf, text) != ref_ids(ref, text)


def test_expected_difference_uppercase_special_token_text(hf, ref):
    assert ref_ids(ref, "<|STARTOFTEXT|>") == [SOT, SOT, EOT]
    got = hf_ids(hf, "<|STARTOFTEXT|>")
    assert got[0] == SOT and got[-1] == EOT and SOT not in got[1:-1] and len(got) > 3
    # lower-case special-token text agrees (both map it to the special id)
    assert hf_ids(hf, "<|startoftext|>") == ref_ids(ref, "<|startoftext|>") == [SOT, SOT, EOT]


def test_expected_difference_ypogegrammeni(hf, ref):
    assert ref.tokens("a\u0345") == ["a</w>"]  # CLIP's pattern drops it
    assert hf.encode("a\u0345", add_special_tokens=False).tokens == ["a</w>", "Í", "ħ</w>"]


def test_bmp_differences_are_only_the_known_ones(hf, ref):
    """Every BMP code point between two letters: any difference must be a known one."""
    texts = [f"a{chr(cp)}b" for cp in range(0x10000) if not 0xD800 <= cp < 0xE000]
    encoded = hf.encode_batch(texts)
    counts = {"same": 0, "cleaning": 0, "unicode_version": 0, "ypogegrammeni": 0}
    unexplained = []
    for text, enc in zip(texts, encoded):
        want = ref_ids(ref, text)
        if enc.ids == want:
            counts["same"] += 1
        elif want == hf_ids(hf, reference_bpe._clean(text)):
            counts["cleaning"] += 1  # differences 1 and 2
        elif unicodedata.category(text[1]) == "Cn":
            counts["unicode_version"] += 1  # difference 6
        elif text[1] == "\u0345":
            counts["ypogegrammeni"] += 1  # difference 5
        else:
            unexplained.append((hex(ord(text[1])), enc.tokens, [ref.decoder[i] for i in want]))
    assert not unexplained, unexplained[:20]
    assert counts["same"] > 60000
    assert counts["cleaning"] > 0 and counts["ypogegrammeni"] == 1


# ------------------------------------------------------------------------------------------
# locating the merges file
# ------------------------------------------------------------------------------------------
def test_locate_bpe_merges_cached(bpe_gz):
    assert bpe_gz.name == "bpe_simple_vocab_16e6.txt.gz"
    assert clip_tok._sha256(bpe_gz) == clip_tok.BPE_SHA256
    assert clip_tok.locate_bpe_merges(bpe_gz.parent) == bpe_gz


def test_locate_bpe_merges_downloads_and_replaces_corrupt_copy(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / clip_tok.BPE_FILE_NAME).write_bytes(b"corrupt")
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)  # exercise the pip-config lookup
    path = clip_tok.locate_bpe_merges(cache)
    assert path == cache / clip_tok.BPE_FILE_NAME
    assert clip_tok._sha256(path) == clip_tok.BPE_SHA256
    assert sorted(p.name for p in cache.iterdir()) == [clip_tok.BPE_FILE_NAME]  # no temp files left


def test_locate_bpe_merges_clear_error(tmp_path, monkeypatch):
    empty_index = tmp_path / "simple"
    empty_index.mkdir()
    monkeypatch.setenv("PIP_INDEX_URL", empty_index.as_uri())
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "")
    monkeypatch.setenv("PIP_FIND_LINKS", "")
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    with pytest.raises(clip_tok.TokenizerExportError) as err:
        clip_tok.locate_bpe_merges(tmp_path / "cache")
    msg = str(err.value)
    assert "open_clip_torch==3.3.0" in msg and empty_index.as_uri() in msg
    assert not (tmp_path / "cache" / clip_tok.BPE_FILE_NAME).exists()


def test_pip_env_prefers_existing_index(monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", "file:///somewhere/simple")
    assert clip_tok._pip_env()["PIP_INDEX_URL"] == "file:///somewhere/simple"
    monkeypatch.delenv("PIP_INDEX_URL")
    monkeypatch.setattr(clip_tok, "_pip_config_index_urls",
                        lambda: ["https://example.invalid/simple", "file:///a/simple", "file:///b/simple"])
    assert clip_tok._pip_env()["PIP_INDEX_URL"] == "file:///a/simple"
    monkeypatch.setattr(clip_tok, "_pip_config_index_urls", lambda: [])
    assert clip_tok._pip_env()["PIP_INDEX_URL"] == clip_tok.FALLBACK_INDEX_URL
