"""Exported bundle modules vs. the Hugging Face modules run eagerly on the same (tiny) weights.

Every comparison uses ``max|exported - reference| <= 1e-5 * max|reference|`` (fp32).  The reference
side is built from HF submodules only; where FMA-WSSS departs from HF (bilinear position-embedding
interpolation, mean of patch tokens instead of the pooled CLS, Softmax-GradCAM) the reference is
written out here, independently of ``fma_export``, class by class instead of batched.
"""
from __future__ import annotations

import hashlib
import json

import pytest
import torch
import torch.nn.functional as F
from transformers import CLIPModel, SamModel

import export

REL_TOL = 1e-5
SIZES = [(48, 80), (272, 208)]  # (H, W), multiples of 16, not 224


def assert_close(actual: torch.Tensor, reference: torch.Tensor, rel: float = REL_TOL) -> None:
    assert actual.shape == reference.shape, (actual.shape, reference.shape)
    scale = reference.abs().max().item()
    error = (actual.double() - reference.double()).abs().max().item()
    assert scale > 0, "reference is all zeros: the comparison would be meaningless"
    assert error <= rel * scale, f"max abs error {error:.3e} > {rel:.0e} x {scale:.3e}"


@pytest.fixture(scope="session")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle") / "tiny"
    # No flag: an fp32 bundle carries the bf16 variants by default.
    assert export.main(["--tiny", "--seed", "3", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def modules(bundle):
    return {path: torch.jit.load(str(bundle / path)).eval() for path in json.loads(
        (bundle / "manifest.json").read_text())["files"] if path.endswith(".pt")}


@pytest.fixture(scope="session")
def hf_clip(bundle):
    return CLIPModel.from_pretrained(bundle / "hf" / "clip", attn_implementation="eager").eval()


@pytest.fixture(scope="session")
def hf_sam(bundle):
    return SamModel.from_pretrained(bundle / "hf" / "sam", attn_implementation="eager").eval()


def images(h: int, w: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(1, 3, h, w, generator=torch.Generator().manual_seed(seed + h * 31 + w))


# --- reference CLIP pieces built from HF submodules -------------------------------------------

def ref_embeddings(hf: CLIPModel, pixels: torch.Tensor) -> torch.Tensor:
    emb = hf.vision_model.embeddings
    cfg = hf.config.vision_config
    grid = cfg.image_size // cfg.patch_size
    h, w = pixels.shape[2] // cfg.patch_size, pixels.shape[3] // cfg.patch_size
    patches = emb.patch_embedding(pixels).flatten(2).transpose(1, 2)
    table = emb.position_embedding.weight
    pos_grid = table[1:].T.reshape(1, -1, grid, grid)
    pos = F.interpolate(pos_grid, size=(h, w), mode="bilinear", align_corners=False).reshape(1, -1, h * w).transpose(1, 2)
    tokens = torch.cat([emb.class_embedding.expand(1, 1, -1), patches], dim=1)
    return hf.vision_model.pre_layrnorm(tokens + torch.cat([table[:1].unsqueeze(0), pos], dim=1))


def ref_trunk(hf: CLIPModel, pixels: torch.Tensor, attn_layers: int):
    x = ref_embeddings(hf, pixels)
    layers = hf.vision_model.encoder.layers[:-1]
    maps = []
    for layer in layers:
        _, weights = layer.self_attn(layer.layer_norm1(x), attention_mask=None)
        maps.append(weights.mean(dim=1))
        x = layer(x, None)
        x = x[0] if isinstance(x, tuple) else x
    attn = torch.stack(maps[len(maps) - attn_layers:]).mean(dim=0)
    return x, attn


def ref_image_features_from_last_input(hf: CLIPModel, tokens: torch.Tensor) -> torch.Tensor:
    """Last block output -> post-LN -> mean of patch tokens -> projection."""
    return hf.visual_projection(hf.vision_model.post_layernorm(tokens)[:, 1:, :].mean(dim=1))


def ref_gradcam(hf: CLIPModel, x: torch.Tensor, text: torch.Tensor, targets, mask, create_graph: bool):
    """Softmax-GradCAM, one backward pass per class (the batched export must agree)."""
    last = hf.vision_model.encoder.layers[-1]
    scale = hf.logit_scale.exp()
    text_n = text / text.norm(dim=-1, keepdim=True)
    cams, logits = [], None
    for target in targets:
        feats = last.layer_norm1(x).detach().requires_grad_(True)
        attended, _ = last.self_attn(feats, attention_mask=None)
        h = x + attended
        h = h + last.mlp(last.layer_norm2(h))
        image = ref_image_features_from_last_input(hf, h)
        image = image / image.norm(dim=-1, keepdim=True)
        logits = scale * image @ text_n.T
        e = torch.exp(logits - logits.max()) * mask
        s = e / (e.sum() + 1e-5)
        (grad,) = torch.autograd.grad(s[0, target], feats, create_graph=create_graph)
        weights = grad[0, 1:, :].mean(dim=0)
        cams.append((feats.detach()[0, 1:, :] * weights).sum(dim=-1))
    return torch.stack(cams), logits[0]


def token_ids(n: int, seed: int = 0) -> torch.Tensor:
    """Random prompts: SOT, a few word tokens, EOT, zero padding to 77."""
    generator = torch.Generator().manual_seed(seed)
    ids = torch.zeros(n, 77, dtype=torch.long)
    for row in range(n):
        length = 2 + row * 3
        ids[row, 0] = 49406
        ids[row, 1:1 + length] = torch.randint(0, 49406, (length,), generator=generator)
        ids[row, 1 + length] = 49407
    return ids


# --- tests --------------------------------------------------------------------------------------

def test_manifest_lists_every_file_with_its_checksum(bundle):
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["formatVersion"] == 1
    assert manifest["tiny"] is True and manifest["dtype"] == "float32"
    on_disk = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(manifest["files"]) == on_disk
    for rel, entry in manifest["files"].items():
        data = (bundle / rel).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    for module in ["vision_trunk", "image_head", "gradcam", "text_encoder", "token_embedding"]:
        assert f"clip/{module}.pt" in manifest["files"]
    assert {"sam/image_encoder.pt", "sam/mask_decoder.pt", "sam/mask_upscaler.pt", "tokenizer.json"} <= set(manifest["files"])
    clip = manifest["clip"]
    assert (clip["patchSize"], clip["contextLength"], clip["vocabSize"]) == (16, 77, 49408)
    assert (clip["sotTokenId"], clip["eotTokenId"]) == (49406, 49407)
    assert clip["logitScale"] == pytest.approx(10.0, rel=1e-5)
    assert clip["visionLayers"] == 10
    sam = manifest["sam"]
    assert (sam["inputSize"], sam["embeddingSize"], sam["lowResMaskSize"]) == (256, 16, 64)


def test_existing_bundle_is_not_overwritten_without_force(bundle):
    with pytest.raises(FileExistsError):
        export.main(["--tiny", "--out", str(bundle)])


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("attn_layers", [7, 3])
def test_vision_trunk_matches_hf(modules, hf_clip, size, attn_layers):
    pixels = images(*size)
    with torch.no_grad():
        x, attn = modules["clip/vision_trunk.pt"](pixels, torch.tensor(attn_layers))
        ref_x, ref_attn = ref_trunk(hf_clip, pixels, attn_layers)
    assert_close(x, ref_x)
    assert_close(attn, ref_attn)


def test_vision_trunk_at_native_size_equals_hf_full_model(modules, hf_clip):
    pixels = images(224, 224)
    with torch.no_grad():
        x, _ = modules["clip/vision_trunk.pt"](pixels, torch.tensor(0))
        hidden = hf_clip.vision_model(pixel_values=pixels, output_hidden_states=True).hidden_states
    assert_close(x, hidden[-2])


@pytest.mark.parametrize("size", SIZES)
def test_image_head_matches_hf(modules, hf_clip, size):
    pixels = images(*size, seed=5)
    with torch.no_grad():
        x, _ = modules["clip/vision_trunk.pt"](pixels, torch.tensor(0))
        last = hf_clip.vision_model.encoder.layers[-1](x, None)
        last = last[0] if isinstance(last, tuple) else last
        assert_close(modules["clip/image_head.pt"](x), ref_image_features_from_last_input(hf_clip, last))


def test_token_embedding_and_text_encoder_match_hf(modules, hf_clip):
    ids = token_ids(4)
    eot = ids.argmax(dim=-1)
    with torch.no_grad():
        embeds = modules["clip/token_embedding.pt"](ids)
        assert torch.equal(embeds, hf_clip.text_model.embeddings.token_embedding(ids))
        text = modules["clip/text_encoder.pt"](embeds, eot)
        pooled = hf_clip.text_model(input_ids=ids).pooler_output
        assert_close(text, hf_clip.text_projection(pooled))


def text_features(modules, n: int) -> torch.Tensor:
    ids = token_ids(n, seed=11)
    with torch.no_grad():
        return modules["clip/text_encoder.pt"](modules["clip/token_embedding.pt"](ids), ids.argmax(dim=-1))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("targets,masked_out", [([0], []), ([1, 3, 4], [2]), ([0, 1, 2, 5], [6])])
def test_gradcam_matches_per_class_reference(modules, hf_clip, size, targets, masked_out):
    pixels = images(*size, seed=9)
    text = text_features(modules, 7)
    mask = torch.ones(7)
    mask[masked_out] = 0.0
    with torch.no_grad():
        x, _ = modules["clip/vision_trunk.pt"](pixels, torch.tensor(0))
    cams, logits, attn_last, image = modules["clip/gradcam.pt"](
        x, text, torch.tensor(targets), mask, torch.tensor(0))
    ref_cams, ref_logits = ref_gradcam(hf_clip, x, text, targets, mask, create_graph=False)
    assert cams.shape == (len(targets), (size[0] // 16) * (size[1] // 16))
    assert not cams.requires_grad
    assert_close(cams, ref_cams)
    assert_close(logits.detach(), ref_logits.detach())
    last = hf_clip.vision_model.encoder.layers[-1]
    with torch.no_grad():
        _, ref_weights = last.self_attn(last.layer_norm1(x), attention_mask=None)
        assert_close(attn_last, ref_weights.mean(dim=1)[0])
        last_out = last(x, None)
        last_out = last_out[0] if isinstance(last_out, tuple) else last_out
        assert_close(image, ref_image_features_from_last_input(hf_clip, last_out)[0])


def test_gradcam_back_propagates_second_order_gradient_into_text(modules, hf_clip):
    pixels = images(*SIZES[0], seed=13)
    with torch.no_grad():
        x, _ = modules["clip/vision_trunk.pt"](pixels, torch.tensor(0))
    base = text_features(modules, 5)
    targets, mask = [0, 2], torch.ones(5)
    probe = torch.randn(2, (SIZES[0][0] // 16) * (SIZES[0][1] // 16), generator=torch.Generator().manual_seed(4))

    text = base.clone().requires_grad_(True)
    cams, _, _, _ = modules["clip/gradcam.pt"](x, text, torch.tensor(targets), mask, torch.tensor(1))
    assert cams.requires_grad
    (grad,) = torch.autograd.grad((cams * probe).sum(), text)

    ref_text = base.clone().requires_grad_(True)
    ref_cams, _ = ref_gradcam(hf_clip, x, ref_text, targets, mask, create_graph=True)
    (ref_grad,) = torch.autograd.grad((ref_cams * probe).sum(), ref_text)
    assert grad.abs().max() > 0
    assert_close(grad, ref_grad, rel=1e-4)


def test_sam_image_encoder_matches_hf(modules, hf_sam):
    size = hf_sam.config.vision_config.image_size
    pixels = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        assert_close(modules["sam/image_encoder.pt"](pixels), hf_sam.get_image_embeddings(pixels))


@pytest.mark.parametrize("explicit", [False, True])
@pytest.mark.parametrize("window,globals_,size", [(14, [1], 256), (4, [0], 96), (5, [1], 80), (3, [1], 160)])
def test_fast_encoder_equals_hf_for_other_grids_and_windows(window, globals_, size, explicit):
    """Padding (grid not a multiple of the window), several query-row chunks in the global block,
    windows in several chunks: the same output as Hugging Face's encoder."""
    from transformers import SamConfig, SamModel

    from fma_export.sam_fast_encoder import FastVisionEncoder
    from fma_export.tiny import TINY_SAM

    vision = dict(TINY_SAM["vision_config"], window_size=window, global_attn_indexes=globals_, image_size=size)
    torch.manual_seed(5)
    model = SamModel(SamConfig(vision_config=vision)).eval()
    for name, p in model.vision_encoder.named_parameters():
        if "rel_pos" in name or "pos_embed" in name:
            p.data.normal_(0, 0.5)  # HF initialises them to zero, which would hide a wrong bias
    pixels = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(6))
    with torch.no_grad():
        reference = model.vision_encoder(pixels).last_hidden_state
        assert_close(FastVisionEncoder(model.vision_encoder, explicit).eval()(pixels), reference)


def test_bf16_variants_compute_in_bf16_behind_the_fp32_signature(bundle, modules):
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["computeVariants"] == {"bfloat16": {
        "clip/vision_trunk.pt": "clip/vision_trunk.bf16.pt", "sam/image_encoder.pt": "sam/image_encoder.bf16.pt",
        "sam/mask_decoder.pt": "sam/mask_decoder.bf16.pt"}}
    trunk = modules["clip/vision_trunk.bf16.pt"]
    encoder = modules["sam/image_encoder.bf16.pt"]
    assert {p.dtype for p in trunk.parameters()} == {torch.bfloat16}
    assert {p.dtype for p in encoder.parameters()} == {torch.bfloat16}
    pixels = images(*SIZES[0], seed=22)
    size = manifest["sam"]["inputSize"]
    sam_pixels = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(23))
    with torch.no_grad():
        x16, attn16 = trunk(pixels, torch.tensor(7))
        x32, attn32 = modules["clip/vision_trunk.pt"](pixels, torch.tensor(7))
        emb16 = encoder(sam_pixels)
        emb32 = modules["sam/image_encoder.pt"](sam_pixels)
    assert x16.dtype == attn16.dtype == emb16.dtype == torch.float32
    assert not torch.equal(emb16, emb32)  # really computed in bf16
    assert_close(x16, x32, rel=3e-2)
    assert_close(attn16, attn32, rel=3e-2)
    assert_close(emb16, emb32, rel=3e-2)


def test_bf16_point_decoder_keeps_fp32_coordinates_and_signature(bundle, modules):
    decoder16 = modules["sam/mask_decoder.bf16.pt"]
    dtypes = {name.split(".")[0]: p.dtype for name, p in decoder16.named_parameters()}
    assert dtypes["prompt_encoder"] == torch.float32  # random-Fourier features of pixel coordinates
    assert {p.dtype for n, p in decoder16.named_parameters() if not n.startswith("prompt_encoder")} == {torch.bfloat16}
    manifest = json.loads((bundle / "manifest.json").read_text())
    size, grid = manifest["sam"]["inputSize"], manifest["sam"]["embeddingSize"]
    generator = torch.Generator().manual_seed(24)
    channels = modules["sam/image_encoder.pt"](torch.zeros(1, 3, size, size)).shape[1]
    embeddings = torch.randn(1, channels, grid, grid, generator=generator)
    coords = torch.rand(9, 2, generator=generator) * size
    labels = torch.ones(9, dtype=torch.long)
    with torch.no_grad():
        masks16, iou16 = decoder16(embeddings, coords, labels)
        masks32, iou32 = modules["sam/mask_decoder.pt"](embeddings, coords, labels)
    assert masks16.dtype == iou16.dtype == torch.float32
    assert masks16.shape == masks32.shape and iou16.shape == iou32.shape
    assert not torch.equal(masks16, masks32)  # really computed in bf16
    assert_close(masks16, masks32, rel=5e-2)
    assert (iou16 - iou32).abs().max().item() < 0.03


def test_bf16_variants_need_an_fp32_bundle(tmp_path):
    assert export.main(["--tiny", "--dtype", "fp16", "--bf16-variants", "--out", str(tmp_path / "x")]) == 2


def test_bf16_variants_can_be_left_out(tmp_path):
    assert export.main(["--tiny", "--seed", "3", "--no-bf16-variants", "--out", str(tmp_path / "plain")]) == 0
    manifest = json.loads((tmp_path / "plain" / "manifest.json").read_text())
    assert not manifest.get("computeVariants")
    assert not any(name.endswith(".bf16.pt") for name in manifest["files"])


@pytest.mark.parametrize("points", [1, 17, 64])
def test_sam_mask_decoder_matches_hf_for_any_point_batch(modules, hf_sam, points):
    generator = torch.Generator().manual_seed(points)
    size = hf_sam.config.vision_config.image_size
    grid = size // 16
    embeddings = torch.randn(1, 32, grid, grid, generator=generator)
    coords = torch.rand(points, 2, generator=generator) * size
    labels = torch.ones(points, dtype=torch.long)
    with torch.no_grad():
        masks, iou = modules["sam/mask_decoder.pt"](embeddings, coords, labels)
        ref = hf_sam(image_embeddings=embeddings, input_points=coords.view(1, points, 1, 2),
                     input_labels=labels.view(1, points, 1), multimask_output=True)
    assert masks.shape == (points, 3, 4 * grid, 4 * grid) and iou.shape == (points, 3)
    assert_close(masks, ref.pred_masks[0])
    assert_close(iou, ref.iou_scores[0])


PROMPTS = {
    # name: (positive points, negative points, box)
    "one click": (1, 0, False),
    "clicks": (3, 2, False),
    "box": (0, 0, True),
    "box and clicks": (2, 1, True),
}


@pytest.mark.parametrize("prompt", PROMPTS)
def test_sam_prompt_decoder_is_sams_predictor_for_points_and_boxes(modules, hf_sam, prompt):
    """SAM's prompt encoder + mask decoder as ``SamPredictor.predict`` calls them: points with
    labels, SAM's padding point when there is no box, the box as two labelled corners after the
    points.  All four mask tokens: 0 equals ``multimask_output=False``, 1-3 ``True``."""
    positive, negative, box = PROMPTS[prompt]
    generator = torch.Generator().manual_seed(positive * 7 + negative * 3 + box)
    size = hf_sam.config.vision_config.image_size
    grid = size // 16
    embeddings = torch.randn(1, 32, grid, grid, generator=generator)
    points = torch.rand(positive + negative, 2, generator=generator) * size
    labels = torch.tensor([1] * positive + [0] * negative, dtype=torch.long)
    corners = torch.sort(torch.rand(2, 2, generator=generator) * size, dim=0).values  # x1 < x2, y1 < y2
    if box:
        coords, codes = torch.cat([points, corners]), torch.cat([labels, torch.tensor([2, 3])])
    else:
        coords, codes = torch.cat([points, torch.zeros(1, 2)]), torch.cat([labels, torch.tensor([-1])])
    hf_points = dict(input_points=points.view(1, 1, -1, 2), input_labels=labels.view(1, 1, -1)) if len(points) else {}
    hf_box = dict(input_boxes=corners.reshape(1, 1, 4)) if box else {}
    with torch.no_grad():
        masks, iou = modules["sam/prompt_decoder.pt"](embeddings, coords, codes)
        multi = hf_sam(image_embeddings=embeddings, multimask_output=True, **hf_points, **hf_box)
        single = hf_sam(image_embeddings=embeddings, multimask_output=False, **hf_points, **hf_box)
    assert masks.shape == (1, 4, 4 * grid, 4 * grid) and iou.shape == (1, 4)
    assert_close(masks[:, 1:], multi.pred_masks[0, 0][None])
    assert_close(iou[:, 1:], multi.iou_scores[0])
    assert_close(masks[:, :1], single.pred_masks[0, 0][None])
    assert_close(iou[:, :1], single.iou_scores[0])


@pytest.mark.parametrize("input_hw,out_hw", [((1024, 683), (300, 200)), ((768, 1024), (480, 640)), ((1024, 1024), (1024, 1024))])
def test_sam_mask_upscaler_is_sams_postprocess_masks(modules, hf_sam, input_hw, out_hw):
    size = hf_sam.config.vision_config.image_size
    input_hw = tuple(v * size // 1024 for v in input_hw)
    low_res = torch.randn(3, 2, size // 4, size // 4, generator=torch.Generator().manual_seed(sum(out_hw)))
    sizes = torch.tensor([*input_hw, *out_hw])
    with torch.no_grad():
        actual = modules["sam/mask_upscaler.pt"](low_res, sizes)
        ref = F.interpolate(low_res, (size, size), mode="bilinear", align_corners=False)
        ref = F.interpolate(ref[..., : input_hw[0], : input_hw[1]], out_hw, mode="bilinear", align_corners=False)
    assert actual.shape == ref.shape
    # One separable product instead of two resizes: equal to float rounding, not bit for bit.
    assert float((actual - ref).abs().max()) <= 1e-6 * float(ref.abs().max())


def test_tampered_module_is_detected_by_equivalence(bundle, hf_clip, tmp_path):
    """An altered export (one weight nudged) must fail the same comparison the tests above use."""
    module = torch.jit.load(str(bundle / "clip/text_encoder.pt"))
    with torch.no_grad():
        next(module.parameters()).view(-1)[0] += 0.5
    ids = token_ids(3)
    with torch.no_grad():
        embeds = hf_clip.text_model.embeddings.token_embedding(ids)
        text = module(embeds, ids.argmax(dim=-1))
        reference = hf_clip.text_projection(hf_clip.text_model(input_ids=ids).pooler_output)
    with pytest.raises(AssertionError):
        assert_close(text, reference)


@pytest.fixture(scope="session")
def fp16_bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle16") / "tiny16"
    assert export.main(["--tiny", "--seed", "3", "--dtype", "fp16", "--out", str(out)]) == 0
    return out


def test_fp16_bundle_is_half_precision_and_close_to_fp32(fp16_bundle, modules):
    manifest = json.loads((fp16_bundle / "manifest.json").read_text())
    assert manifest["dtype"] == "float16"
    assert not manifest.get("computeVariants")  # variants are for fp32 bundles only
    trunk16 = torch.jit.load(str(fp16_bundle / "clip/vision_trunk.pt")).eval()
    assert all(p.dtype == torch.float16 for p in trunk16.parameters())
    pixels = images(*SIZES[0], seed=21)
    with torch.no_grad():
        x16, attn16 = trunk16(pixels.half(), torch.tensor(7))
        x32, attn32 = modules["clip/vision_trunk.pt"](pixels, torch.tensor(7))
    assert x16.dtype == torch.float16
    assert_close(x16.float(), x32, rel=2e-2)
    assert_close(attn16.float(), attn32, rel=2e-2)


def _operations(module) -> list:
    """Operator kinds of the inlined graph, nested blocks included (value names and mangled class
    names vary between exports, the operations do not)."""

    def walk(block):
        for node in block.nodes():
            yield node.kind()
            for inner in node.blocks():
                yield from walk(inner)

    return list(walk(module.inlined_graph))


def test_committed_demo_bundle_is_what_the_exporter_writes_today(tmp_path):
    """The Java tests and the demo default run on models/demo-bundle: it must not go stale when the
    exporter changes (TorchScript archives are not byte-reproducible, so code and weights are
    compared)."""
    from pathlib import Path

    demo = Path(__file__).resolve().parents[1] / "demo-bundle"
    fresh = tmp_path / "fresh"
    assert export.main(["--tiny", "--seed", "0", "--bf16-variants", "--out", str(fresh)]) == 0
    manifest = json.loads((demo / "manifest.json").read_text())
    fresh_manifest = json.loads((fresh / "manifest.json").read_text())
    assert set(manifest["files"]) == set(fresh_manifest["files"])
    for key in ("clip", "sam", "dtype", "formatVersion", "tiny", "computeVariants"):
        assert manifest[key] == fresh_manifest[key], key
    for rel in manifest["files"]:
        if rel.endswith(".pt"):
            committed, current = torch.jit.load(str(demo / rel)), torch.jit.load(str(fresh / rel))
            assert _operations(committed) == _operations(current), f"{rel}: graph differs, re-run ./dev export-tiny"
            committed_state, current_state = committed.state_dict(), current.state_dict()
            assert committed_state.keys() == current_state.keys(), rel
            for name in committed_state:
                assert torch.equal(committed_state[name], current_state[name]), f"{rel}: {name} differs"
        else:
            assert manifest["files"][rel]["sha256"] == fresh_manifest["files"][rel]["sha256"], rel
