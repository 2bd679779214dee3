"""The PyTorch eager benchmark pipeline (``bench/eager_pipeline.py``): the whole pipeline runs on
the tiny demo bundle, its result file has the structure the Java harness reads, and its
official-style mask generation selects exactly the masks of ``reference/sam_reference.py``.

Images are downscaled copies of the test photos, so the suite stays fast."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from pycocotools import mask as mask_utils

from bench import eager_pipeline as eager
from fma_export.random_real import random_sam
from reference import sam_reference as samref
from reference import sams_reference as samsref

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")

MODELS = Path(__file__).resolve().parents[1]
REPO = MODELS.parent
DEMO_BUNDLE = MODELS / "demo-bundle"

# The Java ``demo`` profile: the tiny random SAM predicts low IoUs and flat logits, so masks only
# survive permissive thresholds, and its masks all have nearly whole-image boxes (no box NMS).
DEMO_AMG = {"predIouThresh": 0.01, "stabilityThresh": 0.5, "stabilityOffset": 0.03, "levelIouOffsets": [0, 0, 0.1],
            "boxNmsThresh": 1.0, "pointsPerSide": 6, "cropNLayers": 0}


# random_real's SAM initialisation at tiny widths (input 256, 16x16 embedding, 64x64 mask logits).
SHRUNKEN_SAM = {
    "vision_config": {"hidden_size": 32, "output_channels": 32, "num_pos_feats": 16, "num_hidden_layers": 2,
                      "num_attention_heads": 2, "global_attn_indexes": [1], "image_size": 256, "window_size": 4},
    "prompt_encoder_config": {"image_size": 256, "hidden_size": 32},
    "mask_decoder_config": {"hidden_size": 32, "mlp_dim": 64, "num_attention_heads": 2, "iou_head_hidden_dim": 32},
}


def small_image(tmp: Path, name: str = "chelsea.jpg", size=(240, 160)) -> Path:
    path = tmp / f"small-{name}.png"
    with Image.open(REPO / "src/test/resources/photos" / name) as im:
        im.convert("RGB").resize(size, Image.Resampling.BILINEAR).save(path)
    return path


def small_workload(tmp: Path) -> Path:
    workload = json.loads((REPO / "bench" / "workload.json").read_text())
    workload["image"] = str(small_image(tmp))
    workload["vocabulary"] = str(REPO / "src/main/resources/vocab/voc.json")
    workload["amg"].update(DEMO_AMG)
    workload["repeats"] = {"warmup": 0, "stages": 1, "endToEnd": 1}
    path = tmp / "workload.json"
    path.write_text(json.dumps(workload))
    return path


def rle(mask: np.ndarray) -> str:
    return mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))["counts"].decode("ascii")


def assert_same_masks(ours: eager.AmgResult, ref: samref.MaskSet) -> None:
    assert len(ours.masks) == len(ref)
    assert [rle(m) for m in ours.masks] == [rle(m) for m in ref.masks]
    assert ours.levels.tolist() == ref.level.tolist()
    np.testing.assert_array_equal(ours.iou.astype(np.float32), ref.iou)
    np.testing.assert_array_equal(ours.stability.astype(np.float32), ref.stability)


@pytest.fixture(autouse=True, scope="module")
def _restore_sam_input_size():
    """The reference keeps the SAM input size in a module global that loading a model (and the
    tests below) set; restore it so later test modules see the default again."""
    saved = samref.SAM_INPUT_SIZE
    yield
    samref.SAM_INPUT_SIZE = saved


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Tiny models: intra-op threads only add synchronisation, which costs 30x when another
    process keeps a core busy (shared CI machines)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def workload_path(tmp_path_factory) -> Path:
    return small_workload(tmp_path_factory.mktemp("workload"))


@pytest.fixture(scope="module")
def pipeline(workload_path):
    return eager.Pipeline(DEMO_BUNDLE, json.loads(workload_path.read_text()), workload_path)


@pytest.fixture(scope="module")
def result(pipeline):
    return eager.run(pipeline, eager.STAGES, warmup=0, stage_repeats=1, e2e_repeats=1)


def test_every_stage_is_timed(result, pipeline):
    assert result["implementation"] == "pytorch-eager"
    assert result["threads"] == torch.get_num_threads() and result["torch"] == torch.__version__
    assert set(result["stages"]) == (set(eager.STAGES) - {"end_to_end"}) | {"amg_total", "amg_encoder"}
    for entry in list(result["stages"].values()) + [result["endToEnd"]]:
        assert len(entry["samplesMs"]) == 1 and entry["medianMs"] > 0 and entry["p90Ms"] == entry["medianMs"]
    stages = result["stages"]
    assert stages["amg_decode"]["medianMs"] == pytest.approx(
        stages["amg_total"]["medianMs"] - stages["amg_encoder"]["medianMs"], abs=0.01)
    counts = result["counts"]["amg"]
    assert counts["candidates"] == 6 * 6 * 3
    assert counts["candidates"] >= counts["afterIou"] >= counts["afterStability"] >= counts["afterNms"]
    assert counts["afterSmallRegions"] >= counts["final"] == len(pipeline._amg.masks) > 3
    assert result["counts"]["predictedIou"]["level2"]["n"] == 36
    assert len(result["counts"]["clipLogits"]) == 3 + 25
    assert result["peakRssMb"] > 0 and result["amgSettings"]["pred_iou_thresh"] == 0.01
    json.dumps(result)


def test_flop_count_is_pytorchs_and_splits_the_amg_total(result, pipeline):
    stages = result["stages"]
    assert stages["amg_decode"]["gflop"] == pytest.approx(
        stages["amg_total"]["gflop"] - stages["amg_encoder"]["gflop"], abs=1e-6)
    assert stages["amg_encoder"]["gflop"] == stages["sam_encode"]["gflop"] > 0
    # More classes, more backward passes through the last block.
    assert 0 < stages["clip_gradcam_1"]["gflop"] < stages["clip_gradcam_3"]["gflop"] < stages["clip_gradcam_6"]["gflop"]
    assert result["endToEnd"]["gflop"] > stages["sam_encode"]["gflop"]
    # The same count as torch.utils.flop_counter.FlopCounterMode on a call it can handle.
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter, torch.no_grad():
        pipeline.amg.set_image(pipeline.rgb)
    assert stages["sam_encode"]["gflop"] == pytest.approx(counter.get_total_flops() / 1e9, abs=1e-6)


def test_masks_equal_the_reference_generator(result, pipeline):
    """All masks upscaled before filtering, RLE round trips, FMA's rock-sand-water filter: the same
    masks as the reference generator, which filters first and keeps bool arrays."""
    samref.SAM_INPUT_SIZE = pipeline.amg.input_size
    ref, _ = samref.generate_masks(pipeline.sam, pipeline.rgb, pipeline.amg_settings)
    assert_same_masks(pipeline._amg, ref)


def test_crops_nms_and_overlap_filter_equal_the_reference(tmp_path):
    """A shrunken real-size-style random SAM (diverse masks, see fma_export/random_real.py) with the
    official thresholds and one crop layer: crop-edge filter, box NMS with the level bonus, crop
    NMS and the whole -> part -> subpart filter all select the reference's masks."""
    sam = random_sam("vit-b", 0, SHRUNKEN_SAM).eval()
    for p in sam.parameters():
        p.requires_grad_(False)
    image = np.asarray(Image.open(small_image(tmp_path, "coffee.jpg")).convert("RGB"))
    settings = samref.AmgSettings.from_json({"pointsPerSide": 8, "cropNLayers": 1, "pointsPerBatch": 16,
                                             "boxNmsThresh": 0.85, "overlapFilterThreshold": 0.6})
    ours = eager.EagerAmg(sam, settings).generate(image)
    c = ours.counts
    assert c["afterCropEdge"] > c["afterNms"] > c["afterCropNms"] >= c["afterSmallRegions"] > c["final"] > 1
    assert set(ours.levels.tolist()) > {2}
    samref.SAM_INPUT_SIZE = 256
    ref, _ = samref.generate_masks(sam, image, settings)
    assert_same_masks(ours, ref)
    broadcast = eager.EagerAmg(sam, settings, overlap="broadcast").generate(image)
    assert [rle(m) for m in broadcast.masks] == [rle(m) for m in ours.masks]


def test_seed_map_matches_sams_reference(result, pipeline):
    amg = pipeline._amg
    refined = pipeline._refined
    h, w = pipeline.rgb.shape[:2]
    seed = pipeline.sams(amg, refined)
    expected, _, _ = samsref.sams(amg.masks, amg.levels.tolist(), refined, h, w, pipeline.alpha)
    assert seed.shape == (h, w) and seed.dtype == np.uint8
    # FMA's broadcast sum instead of the reference's pairwise float32 sum for the per-mask means:
    # equal labels unless two scores tie within rounding.
    assert (seed == expected).mean() > 0.999


def test_main_runs_a_stage_subset(workload_path, tmp_path):
    out = tmp_path / "results.json"
    assert eager.main(["--bundle", str(DEMO_BUNDLE), "--workload", str(workload_path), "--out", str(out),
                       "--stages", "clip_gradcam_1,caa", "--repeats", "2", "--amg", '{"predIouThresh": 0.5}']) == 0
    result = json.loads(out.read_text())
    assert set(result["stages"]) == {"clip_gradcam_1", "caa"} and result["endToEnd"] is None
    assert len(result["stages"]["caa"]["samplesMs"]) == 2
    assert result["amgSettings"]["pred_iou_thresh"] == 0.5 and result["amgSettings"]["box_nms_thresh"] == 1.0
    assert eager.main(["--bundle", str(DEMO_BUNDLE), "--workload", str(workload_path), "--out", str(out),
                       "--stages", "nope"]) == 2


def test_nms_equals_the_greedy_reference():
    rng = np.random.default_rng(0)
    xy = rng.integers(0, 60, size=(80, 2))
    wh = rng.integers(1, 40, size=(80, 2))
    boxes = np.concatenate([xy, xy + wh], axis=1)
    boxes[5] = boxes[6]  # exact duplicates
    boxes[7] = [3, 3, 3, 9]  # zero area
    scores = rng.random(80).astype(np.float32)
    scores[10:20] = scores[10]  # ties keep their order
    for threshold in (0.3, 0.5, 0.7):
        keep = eager.nms(torch.from_numpy(boxes), torch.from_numpy(scores), threshold)
        assert keep.tolist() == samref.stable_nms(boxes, scores, threshold).tolist()


def test_mask_box_and_rle_helpers():
    masks = np.zeros((3, 5, 7), dtype=bool)
    masks[0, 1:3, 2:6] = True
    masks[2, 4, 0] = True
    boxes = eager.batched_mask_to_box(torch.from_numpy(masks))
    assert boxes.tolist() == [[2, 1, 5, 2], [0, 0, 0, 0], [0, 4, 0, 4]]
    for m, r in zip(masks, eager.mask_to_rle(torch.from_numpy(masks))):
        np.testing.assert_array_equal(eager.rle_to_mask(r), m)
        assert eager.area_from_rle(r) == m.sum()


def test_single_pass_vision_forward_equals_cam_reference(pipeline):
    from reference import cam_reference as camref

    pixels = eager.clip_preprocess(pipeline.pil, 16)
    assert pixels.shape[-2:] == (160, 240)
    with torch.no_grad():
        x, maps, grid = eager.vision_forward(pipeline.clip, pixels)
        x_ref, maps_ref, grid_ref = camref.vision_tokens(pipeline.clip, pixels)
    assert grid == grid_ref and len(maps) == len(maps_ref)
    torch.testing.assert_close(x, x_ref, rtol=1e-5, atol=1e-5)
    for a, b in zip(maps, maps_ref):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
