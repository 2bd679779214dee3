"""Real-size random-weight bundles (``export.py --random-weights``, ``fma_export/random_real.py``).

Full-size models are never built here: architectures are checked on the ``meta`` device (shapes
only, no memory), initialisation and export on shrunken variants of the same code path."""
from __future__ import annotations

import hashlib
import json
import math

import pytest
import torch
from transformers import CLIPConfig, CLIPModel, SamConfig, SamModel

import export
from fma_export import random_real as rr

# Parameter counts of the released checkpoints (openai/clip-vit-base-patch16; SAM as counted by
# segment-anything, where the 2x128 random Fourier matrix is a buffer, not a parameter).
RELEASED_PARAMS = {"clip": 149_620_737, "vit-b": 93_735_472, "vit-l": 312_342_832, "vit-h": 641_090_608}

SHRUNKEN_CLIP = {
    "text_config": {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
                    "projection_dim": 16, "vocab_size": 49408},
    "vision_config": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 3, "num_attention_heads": 2,
                      "projection_dim": 16},
    "projection_dim": 16,
}
SHRUNKEN_SAM = {
    "vision_config": {"hidden_size": 32, "output_channels": 32, "num_pos_feats": 16, "num_hidden_layers": 2,
                      "num_attention_heads": 2, "global_attn_indexes": [1], "image_size": 256, "window_size": 4},
    "prompt_encoder_config": {"image_size": 256, "hidden_size": 32},
    "mask_decoder_config": {"hidden_size": 32, "mlp_dim": 64, "num_attention_heads": 2, "iou_head_hidden_dim": 32},
}


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def meta_params(model_cls, config) -> int:
    with torch.device("meta"):
        return sum(p.numel() for p in model_cls(config).parameters())


def test_clip_config_is_openai_vit_b16():
    cfg = CLIPConfig(**rr.clip_config_dict())
    v, t = cfg.vision_config, cfg.text_config
    assert (v.hidden_size, v.num_hidden_layers, v.num_attention_heads, v.intermediate_size) == (768, 12, 12, 3072)
    assert (v.patch_size, v.image_size, v.hidden_act) == (16, 224, "quick_gelu")
    assert (t.hidden_size, t.num_hidden_layers, t.num_attention_heads, t.intermediate_size) == (512, 12, 8, 2048)
    assert (t.vocab_size, t.max_position_embeddings, t.hidden_act) == (49408, 77, "quick_gelu")
    assert cfg.projection_dim == 512 and cfg.logit_scale_init_value == pytest.approx(math.log(100))
    assert meta_params(CLIPModel, cfg) == RELEASED_PARAMS["clip"]


@pytest.mark.parametrize("arch, width, depth, heads, global_idx", [
    ("vit-b", 768, 12, 12, [2, 5, 8, 11]),
    ("vit-l", 1024, 24, 16, [5, 11, 17, 23]),
    ("vit-h", 1280, 32, 16, [7, 15, 23, 31]),
])
def test_sam_configs_are_the_released_ones(arch, width, depth, heads, global_idx):
    cfg = SamConfig(**rr.sam_config_dict(arch))
    v = cfg.vision_config
    assert (v.hidden_size, v.num_hidden_layers, v.num_attention_heads, v.global_attn_indexes) == (width, depth, heads, global_idx)
    assert (v.mlp_dim, v.output_channels, v.image_size, v.patch_size, v.window_size) == (4 * width, 256, 1024, 16, 14)
    assert cfg.mask_decoder_config.hidden_size == 256 and cfg.prompt_encoder_config.image_embedding_size == 64
    fourier = 2 * 128  # a Parameter in Hugging Face's SamPositionalEmbedding
    assert meta_params(SamModel, cfg) - fourier == RELEASED_PARAMS[arch]


def test_unknown_sam_arch_is_rejected():
    with pytest.raises(ValueError, match="vit-b, vit-l, vit-h"):
        rr.sam_config_dict("vit-x")


def test_random_models_are_seeded():
    a, b, c = (rr.random_sam("vit-b", s, SHRUNKEN_SAM) for s in (0, 0, 1))
    for (name, pa), pb, pc in zip(a.named_parameters(), b.parameters(), c.parameters()):
        assert torch.equal(pa, pb), name
    assert not torch.equal(a.mask_decoder.iou_prediction_head.proj_out.weight,
                           c.mask_decoder.iou_prediction_head.proj_out.weight)
    assert torch.equal(rr.random_clip(0, SHRUNKEN_CLIP).visual_projection.weight,
                       rr.random_clip(0, SHRUNKEN_CLIP).visual_projection.weight)


def test_clip_init_is_scaled_and_has_the_released_logit_scale():
    model = rr.random_clip(0, SHRUNKEN_CLIP)
    assert model.logit_scale.exp().item() == pytest.approx(100.0)
    fc1 = model.vision_model.encoder.layers[0].mlp.fc1.weight
    assert fc1.std().item() == pytest.approx(1 / math.sqrt(fc1.shape[1]), rel=0.2)
    assert model.vision_model.encoder.layers[0].layer_norm1.weight.mean().item() == pytest.approx(1.0, abs=0.1)


def test_sam_init_gives_point_dependent_calibrated_outputs():
    model = rr.random_sam("vit-b", 0, SHRUNKEN_SAM)
    pe = model.shared_image_embedding.positional_embedding
    assert pe.std().item() == pytest.approx(1.0, rel=0.3)  # official N(0, 1) Fourier features
    pos = model.vision_encoder.pos_embed
    assert pos.std().item() == pytest.approx(rr.POS_EMBED_STD, rel=0.01)
    assert (pos[0, 1:] - pos[0, :-1]).abs().mean() < 0.8 * pos.std()  # smooth (white noise: 1.13)
    for conv in (model.mask_decoder.upscale_conv1, model.mask_decoder.upscale_conv2):
        w = conv.weight
        assert torch.equal(w, w[..., :1, :1].expand_as(w))  # equal taps: no checkerboard
    # A fresh probe (other seed than the calibration's): outputs in the calibrated ranges, and they
    # depend on the point.
    g = torch.Generator().manual_seed(123)
    emb = torch.randn(1, 32, 16, 16, generator=g)
    points = torch.rand(1, 12, 1, 2, generator=g) * 256
    with torch.no_grad():
        out = model(image_embeddings=emb, input_points=points, input_labels=torch.ones(1, 12, 1, dtype=torch.long))
    iou = out.iou_scores[0]
    assert iou.mean().item() == pytest.approx(rr.IOU_MEAN, abs=0.05)
    assert 0.3 * rr.IOU_STD < iou.std(dim=0).mean().item() < 3 * rr.IOU_STD
    assert 0.3 * rr.MASK_LOGIT_STD < out.pred_masks.std().item() < 3 * rr.MASK_LOGIT_STD
    masks = out.pred_masks[0] > 0
    assert not all(torch.equal(masks[0], masks[i]) for i in range(1, 12))


def test_shrunken_export_is_a_complete_random_weight_bundle(tmp_path):
    out = tmp_path / "bundle"
    rr.export_random_real(out, arch="vit-b", seed=7, write_tokenizer=export._bpe_tokenizer_writer(),
                          clip_overrides=SHRUNKEN_CLIP, sam_overrides=SHRUNKEN_SAM)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["randomWeights"] is True and manifest["tiny"] is False
    assert manifest["exporter"]["seed"] == 7
    assert manifest["clip"]["source"] == "random-clip-vit-b16:seed=7"
    assert manifest["sam"]["source"] == "random-sam-vit-b:seed=7"
    assert manifest["clip"]["logitScale"] == pytest.approx(100.0)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != "manifest.json")
    assert files == sorted(manifest["files"])
    assert {"hf/clip/model.safetensors", "hf/sam/model.safetensors", "tokenizer.json", "sam/mask_decoder.pt"} <= set(files)
    for rel, entry in manifest["files"].items():
        data = (out / rel).read_bytes()
        assert entry == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}, rel
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left behind
    reloaded = SamModel.from_pretrained(out / "hf" / "sam")
    assert torch.equal(reloaded.mask_decoder.iou_prediction_head.proj_out.bias,
                       rr.random_sam("vit-b", 7, SHRUNKEN_SAM).mask_decoder.iou_prediction_head.proj_out.bias)
    with pytest.raises(FileExistsError):
        rr.export_random_real(out, arch="vit-b", seed=7, write_tokenizer=export._bpe_tokenizer_writer(),
                              clip_overrides=SHRUNKEN_CLIP, sam_overrides=SHRUNKEN_SAM)


def test_cli_options():
    args = export.parse_args(["--random-weights", "--out", "x"])
    assert args.random_weights and args.sam_arch == "vit-h" and args.seed == 0
    assert export.parse_args(["--random-weights", "--sam-arch", "vit-b", "--out", "x"]).sam_arch == "vit-b"
    assert export.main(["--random-weights", "--tiny", "--out", "x"]) == 2
