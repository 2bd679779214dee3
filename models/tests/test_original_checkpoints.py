"""Bundles exported from the projects' own checkpoint files (SAM ``.pth``, OpenAI CLIP ``.pt``).

The checkpoints are written here in those projects' formats with seeded random weights and small
sizes: the state dict of ``models/reference/segment_anything_reference.Sam`` saved with
``torch.save`` (the keys of ``sam_vit_*.pth``), and ``models/reference/openai_clip_reference.CLIP``
with OpenAI's fp16 conversion, traced into a TorchScript archive (as ``ViT-B-16.pt``) or saved as a
plain state dict.  The exported bundle modules must equal those original forward passes on the
same weights: ``max|exported - reference| <= 1e-5 * max|reference|`` (fp32).
"""
from __future__ import annotations

import hashlib
import json
import warnings

import pytest
import torch

import export
from fma_export import original_checkpoints as oc
from reference import openai_clip_reference as openai_clip
from reference import segment_anything_reference as sa
from tests.test_export import assert_close  # max|actual - reference| <= 1e-5 * max|reference|

# A SAM small enough for CPU tests with every feature of the released ones: windowed and global
# blocks (window 14 on a 16x16 grid: padded windows), relative positions, an 8-head decoder.
TINY_SAM = dict(embed_dim=32, depth=3, num_heads=2, global_attn_indexes=(1,), image_size=256,
                prompt_embed_dim=32, decoder_mlp_dim=64, iou_head_hidden_dim=32)


# --- checkpoint files in the original formats -------------------------------------------------------

@pytest.fixture(scope="session")
def sam_original():
    return sa.randomise(sa.build_sam(**TINY_SAM), seed=5)


@pytest.fixture(scope="session")
def sam_file(tmp_path_factory, sam_original):
    path = tmp_path_factory.mktemp("sam") / "sam_vit_t_0000.pth"
    torch.save(sam_original.state_dict(), path)
    return path


def openai_release(seed: int) -> openai_clip.CLIP:
    """A random OpenAI CLIP as released: fp16 matrices, the size metadata OpenAI's archive carries."""
    model = openai_clip.random_clip(seed=seed)
    openai_clip.convert_weights(model)
    for name, value in (("input_resolution", 224), ("context_length", 77), ("vocab_size", 49408)):
        if hasattr(model, name):
            delattr(model, name)
        model.register_buffer(name, torch.tensor(value))
    return model.eval()


@pytest.fixture(scope="session")
def clip_original():
    return openai_release(seed=9)


@pytest.fixture(scope="session")
def clip_reference(clip_original):
    """The same weights in float32 (the fp16 values upcast exactly) for the reference forward."""
    model = openai_clip.random_clip(seed=0)
    model.load_state_dict({k: v for k, v in clip_original.state_dict().items() if k not in ("input_resolution", "context_length", "vocab_size")})
    return model.float().eval()


@pytest.fixture(scope="session")
def clip_file(tmp_path_factory, clip_original):
    path = tmp_path_factory.mktemp("clip") / "ViT-T-16.pt"
    image = torch.randn(1, 3, 224, 224)
    text = torch.randint(0, 49406, (2, 77))
    text[:, 6] = 49407
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracing warnings of nn.MultiheadAttention's shape checks
        torch.jit.trace(clip_original, (image, text), check_trace=False).save(str(path))
    return path


@pytest.fixture(scope="session")
def clip_state_dict_file(tmp_path_factory, clip_original):
    path = tmp_path_factory.mktemp("clip-sd") / "ViT-T-16-state.pt"
    torch.save(clip_original.state_dict(), path)
    return path


@pytest.fixture(scope="session")
def bundle(tmp_path_factory, clip_file, sam_file):
    out = tmp_path_factory.mktemp("bundle") / "from-originals"
    assert export.main(["--clip", str(clip_file), "--sam", str(sam_file), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def modules(bundle):
    return {path: torch.jit.load(str(bundle / path)).eval() for path in json.loads(
        (bundle / "manifest.json").read_text())["files"] if path.endswith(".pt")}


# --- the mapping's books -------------------------------------------------------------------------

def test_sam_mapping_uses_every_tensor_once_with_equal_shapes(sam_original):
    state = sam_original.state_dict()
    model, shapes, report = oc.sam_from_state_dict(state)
    assert set(report.used) == set(state) and not report.unused
    targets = [t for ts in report.used.values() for t in ts]
    assert len(targets) == len(set(targets)) == len(state)
    hf = model.state_dict()
    for key, (target,) in report.used.items():
        assert torch.equal(hf[target], state[key].float()), (key, target)
    # The Fourier matrix is one tensor that Hugging Face ties to its prompt encoder.
    assert torch.equal(hf["prompt_encoder.shared_embedding.positional_embedding"],
                       state["prompt_encoder.pe_layer.positional_encoding_gaussian_matrix"])
    assert report.used["mask_decoder.iou_prediction_head.layers.1.weight"] == ["mask_decoder.iou_prediction_head.layers.0.weight"]
    assert report.used["mask_decoder.output_hypernetworks_mlps.3.layers.2.bias"] == ["mask_decoder.output_hypernetworks_mlps.3.proj_out.bias"]
    assert (shapes.embed_dim, shapes.depth, shapes.heads, shapes.global_attn_indexes, shapes.window_size) == (32, 3, 2, (1,), 14)
    assert shapes.arch() is None  # not a released size
    # The original two-way transformer normalises with PyTorch's default eps, not HF's 1e-6.
    assert model.mask_decoder.transformer.layers[0].layer_norm1.eps == 1e-5


def test_clip_mapping_uses_every_tensor_once_with_equal_shapes(clip_file, clip_original):
    state = oc.load_clip_checkpoint(clip_file)
    assert set(state) == set(clip_original.state_dict())
    model, shapes, report = oc.clip_from_state_dict(state)
    assert set(report.unused) == {"input_resolution", "context_length", "vocab_size"}
    assert set(report.used) | set(report.unused) == set(state)
    targets = [t for ts in report.used.values() for t in ts]
    assert len(targets) == len(set(targets)) == report.target_count
    hf = model.state_dict()
    # Packed attention projection -> q, k, v; [in, out] projections -> nn.Linear's [out, in].
    packed = state["visual.transformer.resblocks.1.attn.in_proj_weight"].float()
    width = shapes.vision_width
    for i, part in enumerate("qkv"):
        assert torch.equal(hf[f"vision_model.encoder.layers.1.self_attn.{part}_proj.weight"], packed[i * width:(i + 1) * width])
    assert torch.equal(hf["visual_projection.weight"], state["visual.proj"].float().t())
    assert torch.equal(hf["text_projection.weight"], state["text_projection"].float().t())
    assert (shapes.vision_heads, shapes.heads, shapes.image_size, shapes.embed_dim) == (2, 1, 224, 32)


def test_plain_state_dict_reads_like_the_torchscript_archive(clip_file, clip_state_dict_file):
    archive = oc.load_clip_checkpoint(clip_file)
    plain = oc.load_clip_checkpoint(clip_state_dict_file)
    assert set(archive) == set(plain)
    for key in archive:
        assert archive[key].dtype == plain[key].dtype and torch.equal(archive[key], plain[key]), key
    assert plain["visual.conv1.weight"].dtype == torch.float16  # OpenAI's conversion kept
    assert plain["visual.class_embedding"].dtype == torch.float32


# --- the architecture comes from the shapes --------------------------------------------------------

def released_sam_state(arch: str) -> dict:
    """A released SAM's state dict as shapes only (meta tensors: no memory, no values)."""
    width, depth, heads, global_idx = sa.RELEASED[arch]
    with torch.device("meta"):
        return sa.build_sam(width, depth, heads, global_idx).state_dict()


@pytest.mark.parametrize("arch", ["vit-b", "vit-l", "vit-h"])
def test_released_sam_sizes_are_recognised_and_map_completely(arch):
    state = released_sam_state(arch)
    shapes = oc.infer_sam_shapes(state)
    width, depth, heads, global_idx = sa.RELEASED[arch]
    assert shapes.arch() == arch
    assert (shapes.embed_dim, shapes.depth, shapes.heads, shapes.global_attn_indexes) == (width, depth, heads, global_idx)
    assert (shapes.image_size, shapes.window_size, shapes.out_chans, shapes.mlp_dim) == (1024, 14, 256, 4 * width)
    assert (shapes.decoder_depth, shapes.decoder_mlp_dim, shapes.iou_head_hidden_dim, shapes.mask_in_chans) == (2, 2048, 256, 16)
    # Names and shapes of the whole released layout onto the Hugging Face model, without values.
    with torch.device("meta"):
        model, _, report = oc.sam_from_state_dict(state, arch)
    assert set(report.used) == set(state)
    assert model.config.vision_config.global_attn_indexes == list(global_idx)


def test_sam_arch_must_agree_with_the_shapes():
    with pytest.raises(oc.CheckpointError, match="shapes are SAM vit-l, not vit-b"):
        oc.infer_sam_shapes(released_sam_state("vit-l"), "vit-b")


def test_sam_without_relative_position_tables_needs_the_arch():
    state = {k: v for k, v in released_sam_state("vit-l").items() if ".rel_pos_" not in k}
    with pytest.raises(oc.CheckpointError, match="--sam-arch"):
        oc.infer_sam_shapes(state)
    shapes = oc.infer_sam_shapes(state, "vit-l")
    assert (shapes.heads, shapes.global_attn_indexes, shapes.use_rel_pos) == (16, (5, 11, 17, 23), False)
    with pytest.raises(oc.CheckpointError, match="width 1280"):
        oc.infer_sam_shapes(state, "vit-h")


def test_released_clip_vit_b16_sizes():
    with torch.device("meta"):
        state = openai_clip.CLIP(512, 224, 12, 768, 16, 77, 49408, 512, 8, 12).state_dict()
    shapes = oc.infer_clip_shapes(state)
    assert (shapes.vision_width, shapes.vision_layers, shapes.vision_heads, shapes.patch_size, shapes.image_size) == (768, 12, 12, 16, 224)
    assert (shapes.width, shapes.layers, shapes.heads, shapes.embed_dim, shapes.vision_mlp, shapes.text_mlp) == (512, 12, 8, 512, 3072, 2048)


# --- refusals -------------------------------------------------------------------------------------

def test_refusals(sam_original, clip_original, tmp_path):
    sam_state = dict(sam_original.state_dict())
    with pytest.raises(oc.CheckpointError, match="unknown SAM tensor 'image_encoder.extra.weight'"):
        oc.sam_from_state_dict({**sam_state, "image_encoder.extra.weight": torch.zeros(1)})
    without = dict(sam_state)
    del without["mask_decoder.iou_token.weight"]
    with pytest.raises(oc.CheckpointError, match="iou_token"):
        oc.sam_from_state_dict(without)
    wrong = dict(sam_state)
    wrong["mask_decoder.mask_tokens.weight"] = torch.zeros(4, 31)
    with pytest.raises(oc.CheckpointError, match="shape mismatch"):
        oc.sam_from_state_dict(wrong)
    clip_state = dict(clip_original.state_dict())
    with pytest.raises(oc.CheckpointError, match=r"1 checkpoint tensors have no place in the model: \['visual.extra'\]"):
        oc.clip_from_state_dict({**clip_state, "visual.extra": torch.zeros(1)})
    with pytest.raises(oc.CheckpointError, match="ResNet"):
        oc.clip_from_state_dict({k: v for k, v in clip_state.items() if k != "visual.proj"})
    with pytest.raises(oc.CheckpointError, match="49408"):
        oc.clip_from_state_dict({**clip_state, "token_embedding.weight": torch.zeros(1000, 64)})
    with pytest.raises(oc.CheckpointError, match="input_resolution"):
        oc.clip_from_state_dict({**clip_state, "input_resolution": torch.tensor(336)})
    # Pickles that are not plain tensor dicts are refused without being executed.
    evil = tmp_path / "evil.pth"
    torch.save({"weights": [1, 2]}, evil)
    with pytest.raises(oc.CheckpointError):
        oc.load_state_dict(evil)
    assert export.main(["--clip", str(evil), "--sam", str(evil), "--out", str(tmp_path / "b")]) == 2
    assert not (tmp_path / "b").exists()


# --- the exported bundle equals the original forward passes ------------------------------------------

def test_manifest_records_file_names_and_sha256(bundle, clip_file, sam_file):
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["clip"]["source"] == clip_file.name
    assert manifest["clip"]["revision"] == hashlib.sha256(clip_file.read_bytes()).hexdigest()
    assert manifest["sam"]["source"] == sam_file.name
    assert manifest["sam"]["revision"] == hashlib.sha256(sam_file.read_bytes()).hexdigest()
    assert (manifest["clip"]["visionWidth"], manifest["clip"]["textWidth"], manifest["clip"]["logitScale"]) == (128, 64, pytest.approx(100.0, rel=1e-5))
    assert (manifest["sam"]["inputSize"], manifest["sam"]["embeddingChannels"], manifest["sam"]["embeddingSize"]) == (256, 32, 16)
    # OpenAI's archive has no tokenizer.json: the bundle's is CLIP's own BPE.
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(bundle / "tokenizer.json"))
    assert tokenizer.encode("a photo of a dog.").ids == [49406, 320, 1125, 539, 320, 1929, 269, 49407]


def test_sam_image_encoder_equals_the_original(modules, sam_original):
    pixels = torch.randn(1, 3, 256, 256, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert_close(modules["sam/image_encoder.pt"](pixels), sam_original.image_encoder(pixels))


@pytest.mark.parametrize("points", [1, 6])
def test_sam_point_decoder_equals_the_original(modules, sam_original, points):
    generator = torch.Generator().manual_seed(points)
    embedding = torch.randn(1, 32, 16, 16, generator=generator)
    coords = torch.rand(points, 2, generator=generator) * 256
    labels = torch.ones(points, dtype=torch.long)
    labels[::3] = 0
    with torch.no_grad():
        masks, iou = modules["sam/mask_decoder.pt"](embedding, coords, labels)
        ref_masks, ref_iou = sam_original.predict_points(embedding, coords[:, None, :], labels[:, None], multimask_output=True)
    assert_close(masks, ref_masks)
    assert_close(iou, ref_iou)


def clip_trunk_reference(ref: openai_clip.CLIP, pixels: torch.Tensor, attn_layers: int):
    """OpenAI's tower up to the last block, in NLD, plus the head-mean attention of the last
    ``attn_layers`` blocks before it."""
    x = ref.visual.tokens(pixels).permute(1, 0, 2)
    blocks = list(ref.visual.transformer.resblocks)[:-1]
    maps = []
    for i, block in enumerate(blocks):
        if i >= len(blocks) - attn_layers:
            maps.append(block.attention_weights(x))
        x = block(x)
    return x.permute(1, 0, 2), torch.stack(maps).mean(dim=0) if maps else None


def test_clip_vision_modules_equal_the_original(modules, clip_reference):
    pixels = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        x, attn = modules["clip/vision_trunk.pt"](pixels, torch.tensor(2))
        ref_x, ref_attn = clip_trunk_reference(clip_reference, pixels, 2)
        assert_close(x, ref_x)
        assert_close(attn, ref_attn)
        # FMA-WSSS's image embedding: the last block, ln_post and the projection on the mean of
        # the patch tokens (OpenAI pools the class token; ln_post and proj are the same weights).
        last = clip_reference.visual.transformer.resblocks[-1](ref_x.permute(1, 0, 2)).permute(1, 0, 2)
        expected = clip_reference.visual.ln_post(last)[:, 1:, :].mean(dim=1) @ clip_reference.visual.proj
        assert_close(modules["clip/image_head.pt"](x), expected)


def test_clip_text_modules_equal_the_original(modules, clip_reference):
    ids = torch.zeros(3, 77, dtype=torch.long)
    for row, length in enumerate((4, 9, 20)):
        ids[row, 0] = 49406
        ids[row, 1:length - 1] = torch.randint(0, 49405, (length - 2,), generator=torch.Generator().manual_seed(row))
        ids[row, length - 1] = 49407
    with torch.no_grad():
        embeds = modules["clip/token_embedding.pt"](ids)
        text = modules["clip/text_encoder.pt"](embeds, ids.argmax(dim=-1))
        assert_close(text, clip_reference.encode_text(ids))


def test_clip_gradcam_logits_equal_the_original(modules, clip_reference):
    pixels = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(4))
    generator = torch.Generator().manual_seed(5)
    # Nearby text embeddings: logits within a few units, so the softmax (scale 100) is not saturated.
    text = torch.randn(1, 32, generator=generator) + 0.02 * torch.randn(5, 32, generator=generator)
    x, _ = modules["clip/vision_trunk.pt"](pixels, torch.tensor(0))
    cams, logits, _, image = modules["clip/gradcam.pt"](x, text, torch.tensor([1, 3]), torch.ones(5), torch.tensor(0))
    with torch.no_grad():
        ref_x, _ = clip_trunk_reference(clip_reference, pixels, 0)
        last = clip_reference.visual.transformer.resblocks[-1](ref_x.permute(1, 0, 2)).permute(1, 0, 2)
        ref_image = clip_reference.visual.ln_post(last)[0, 1:, :].mean(dim=0) @ clip_reference.visual.proj
        ref_logits = clip_reference.logit_scale.exp() * (ref_image / ref_image.norm()) @ (text / text.norm(dim=-1, keepdim=True)).t()
    assert_close(image, ref_image)
    assert_close(logits, ref_logits)
    assert_close(cams, softmax_gradcam_reference(clip_reference, ref_x, text, [1, 3]))


def softmax_gradcam_reference(ref: openai_clip.CLIP, x: torch.Tensor, text: torch.Tensor, targets) -> torch.Tensor:
    """docs/bundle-format.md's Softmax-GradCAM written with OpenAI's modules, one backward per class."""
    block = ref.visual.transformer.resblocks[-1]
    residual = x.detach().permute(1, 0, 2)  # LND
    cams = []
    for target in targets:
        feats = block.ln_1(residual).detach().requires_grad_(True)
        tokens = residual + block.attn(feats, feats, feats, need_weights=False)[0]
        tokens = tokens + block.mlp(block.ln_2(tokens))
        image = ref.visual.ln_post(tokens.permute(1, 0, 2))[0, 1:, :].mean(dim=0) @ ref.visual.proj
        logits = ref.logit_scale.exp() * (image / image.norm()) @ (text / text.norm(dim=-1, keepdim=True)).t()
        shifted = torch.exp(logits - logits.max())
        score = shifted[target] / (shifted.sum() + 1e-5)
        (grad,) = torch.autograd.grad(score, feats)
        weights = grad[1:, 0, :].mean(dim=0)
        cams.append((feats.detach()[1:, 0, :] * weights).sum(dim=-1))
    return torch.stack(cams)
