"""Hand-worked checks of the SAM automatic-mask-generation and SAMS reference scripts
(``reference/sam_reference.py``, ``reference/sams_reference.py``), plus one end-to-end smoke run
of the generator over the tiny demo bundle.

Every expected value below was worked out by hand from the rules in spec §4/§8 (and SAM's
``amg.py`` semantics), not produced by the code under test.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from reference import sam_reference as sam
from reference import sams_reference as sams

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")

MODELS = Path(__file__).resolve().parents[1]
DEMO_BUNDLE = MODELS / "demo-bundle"


def flat_mask(shape, *ranges) -> np.ndarray:
    """bool mask of ``shape`` with the row-major flat index ranges ``[a, b)`` set."""
    m = np.zeros(int(np.prod(shape)), dtype=bool)
    for a, b in ranges:
        m[a:b] = True
    return m.reshape(shape)


# ------------------------------------------------------------------------------------------
# stable NMS
# ------------------------------------------------------------------------------------------

def test_nms_orders_by_score_and_suppresses():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]])
    # IoU(0, 1) = 81 / 100 > 0.7 -> the lower-scored box 1 goes; output in score order
    kept = sam.stable_nms(boxes, np.array([0.5, 0.6, 0.9], np.float32), 0.7)
    assert kept.tolist() == [2, 1]


def test_nms_ties_keep_input_order():
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [20, 20, 30, 30], [20, 20, 30, 30]])
    kept = sam.stable_nms(boxes, np.array([0.5, 0.5, 0.5, 0.5], np.float32), 0.7)
    assert kept.tolist() == [0, 2]
    kept = sam.stable_nms(boxes, np.array([0.5, 0.5, 0.9, 0.9], np.float32), 0.7)
    assert kept.tolist() == [2, 0]


def test_nms_nan_iou_never_suppresses():
    # zero-area boxes: union 0 -> IoU 0/0 = NaN -> never "> threshold"
    boxes = np.array([[3, 3, 3, 3], [3, 3, 3, 3], [0, 0, 0, 0]])
    assert np.isnan(sam.box_iou_one_to_many(boxes[0], boxes[1:2])[0])
    kept = sam.stable_nms(boxes, np.array([0.1, 0.3, 0.2], np.float32), 0.0)
    assert kept.tolist() == [1, 2, 0]


def test_nms_threshold_is_strict_and_compared_in_double():
    # IoU 5/10 = 0.5 exactly: suppressed only when strictly greater than the threshold
    boxes = np.array([[0, 0, 10, 1], [0, 0, 5, 1]])
    scores = np.array([1.0, 0.5], np.float32)
    assert sam.stable_nms(boxes, scores, 0.5).tolist() == [0, 1]
    assert sam.stable_nms(boxes, scores, 0.49).tolist() == [0]
    # IoU 6/10 in float32 is 0.60000002 > 0.6 (double): torchvision's kernel suppresses
    boxes = np.array([[0, 0, 10, 1], [0, 0, 6, 1]])
    assert sam.stable_nms(boxes, scores, 0.6).tolist() == [0]
    # 7/10 in float32 is 0.69999999 < 0.7: kept
    boxes = np.array([[0, 0, 10, 1], [0, 0, 7, 1]])
    assert sam.stable_nms(boxes, scores, 0.7).tolist() == [0, 1]


def test_nms_empty():
    assert sam.stable_nms(np.zeros((0, 4), np.int64), np.zeros(0, np.float32), 0.7).tolist() == []


# ------------------------------------------------------------------------------------------
# crops, point grids, preprocessing geometry
# ------------------------------------------------------------------------------------------

def test_crop_boxes_96x128_one_layer():
    # short side 96: overlap int(0.34133 * 96) = 32; crop_w = ceil((32 + 128) / 2) = 80,
    # crop_h = ceil((32 + 96) / 2) = 64; x0 in {0, 48}, y0 in {0, 32}; x outer, y inner
    for ratio in (512 / 1500, 0.3413333333):
        boxes, layers = sam.generate_crop_boxes((96, 128), 1, ratio)
        assert boxes == [[0, 0, 128, 96], [0, 0, 80, 64], [0, 32, 80, 96], [48, 0, 128, 64], [48, 32, 128, 96]]
        assert layers == [0, 1, 1, 1, 1]


def test_crop_boxes_100x150_two_layers():
    boxes, layers = sam.generate_crop_boxes((100, 150), 2, 512 / 1500)
    # layer 1: overlap int(34.13) = 34, crop 92 x 67, x0 {0, 58}, y0 {0, 33}
    assert boxes[1:5] == [[0, 0, 92, 67], [0, 33, 92, 100], [58, 0, 150, 67], [58, 33, 150, 100]]
    # layer 2: overlap int(17.07) = 17, crop_w = ceil(201 / 4) = 51, crop_h = ceil(151 / 4) = 38,
    # x0 {0, 34, 68, 102}, y0 {0, 21, 42, 63}; the last crops are clipped to the image
    assert len(boxes) == 21 and layers == [0] + [1] * 4 + [2] * 16
    assert boxes[5:9] == [[0, 0, 51, 38], [0, 21, 51, 59], [0, 42, 51, 80], [0, 63, 51, 100]]
    assert boxes[20] == [102, 63, 150, 100]
    assert sam.generate_crop_boxes((100, 150), 0, 512 / 1500) == ([[0, 0, 150, 100]], [0])


def test_point_grids():
    g = sam.build_point_grid(2)
    np.testing.assert_array_equal(g, [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]])
    g3 = sam.build_point_grid(3)
    np.testing.assert_allclose(g3[:4], [[1 / 6, 1 / 6], [0.5, 1 / 6], [5 / 6, 1 / 6], [1 / 6, 0.5]])
    grids = sam.build_layer_point_grids(5, 1, 2)  # int(5 / 2) = 2 per side in layer 1
    assert [len(x) for x in grids] == [25, 4]
    # a 2x2 grid scaled to a crop of w = 80, h = 64, then to the model frame
    points = grids[1] * np.array([80.0, 64.0])
    np.testing.assert_array_equal(points, [[20, 16], [60, 16], [20, 48], [60, 48]])
    # (64, 80): scale 1024 / 80 = 12.8 -> (newh, neww) = (int(819.7), 1024) = (819, 1024)
    coords = sam.transform_coords(points, (64, 80))
    np.testing.assert_allclose(coords[0], [20 * 1024 / 80, 16 * 819 / 64])
    assert coords[0].tolist() == [256.0, 204.75]


def test_preprocess_shape():
    assert sam.preprocess_shape(96, 128) == (768, 1024)
    assert sam.preprocess_shape(64, 80) == (819, 1024)
    assert sam.preprocess_shape(33, 50) == (676, 1024)  # 33 * 20.48 = 675.84 -> 676
    assert sam.preprocess_shape(1024, 1) == (1024, 1)


def test_preprocess_image_pads_after_normalising():
    img = np.full((32, 64, 3), 100, np.uint8)
    pixels, size = sam.preprocess_image(img)
    assert size == (512, 1024) and pixels.shape == (1, 3, 1024, 1024)
    assert pixels[0, 0, 0, 0].item() == pytest.approx((100 - 123.675) / 58.395, abs=1e-6)
    assert pixels[0, :, 512:, :].abs().max().item() == 0.0


def test_boxes_and_crop_edge():
    m = np.zeros((3, 6, 8), bool)
    m[0, 1:3, 2:5] = True
    m[1, 5, 7] = True
    boxes = sam.masks_to_boxes(m)
    assert boxes.tolist() == [[2, 1, 4, 2], [7, 5, 7, 5], [0, 0, 0, 0]]
    # crop [48, 0, 128, 64] of a 128 x 96 image; boxes in the crop frame, uncropped by (+48, +0):
    # [58, 0, 88, 30]: x0 within 20 of the crop's 48 (and not of the image's 0) -> near;
    # [69, 5, 88, 30]: x0 21 away -> not near; y0 near 0 is the image edge too -> fine;
    # [78, 10, 127, 40]: x1 near 128, which is also the image edge -> not near;
    # [78, 10, 98, 44]: y1 exactly 20 from the crop's 64 (isclose is <=), 52 from 96 -> near
    crop_boxes = np.array([[10, 0, 40, 30], [21, 5, 40, 30], [30, 10, 79, 40], [30, 10, 50, 44]])
    near = sam.is_box_near_crop_edge(crop_boxes, [48, 0, 128, 64], [0, 0, 128, 96])
    assert near.tolist() == [True, False, False, True]


# ------------------------------------------------------------------------------------------
# small-region removal
# ------------------------------------------------------------------------------------------

def test_remove_small_regions_holes_and_islands():
    m = np.zeros((10, 10), bool)
    m[1:7, 1:7] = True
    m[3, 3] = False          # a 1-pixel hole
    m[8, 8] = m[9, 9] = True  # a 2-pixel island (8-connected, diagonal)
    filled, changed = sam.remove_small_regions(m, 3, "holes")
    assert changed and filled[3, 3] and filled.sum() == m.sum() + 1
    cleaned, changed = sam.remove_small_regions(filled, 3, "islands")
    assert changed and not cleaned[8, 8] and not cleaned[9, 9] and cleaned.sum() == 36
    # a 2-pixel island survives at threshold 2 (strictly smaller regions go)
    same, changed = sam.remove_small_regions(m, 2, "islands")
    assert not changed and same is m


def test_remove_small_islands_keeps_largest_when_all_small():
    m = np.zeros((8, 8), bool)
    m[0, 0:2] = True     # size 2
    m[5, 2:5] = True     # size 3
    out, changed = sam.remove_small_regions(m, 10, "islands")
    assert changed and out.sum() == 3 and out[5, 2:5].all()
    # a mask without holes: the complement is one big region
    out, changed = sam.remove_small_regions(m, 10, "holes")
    assert not changed


def test_postprocess_small_regions_prefers_unchanged_masks():
    h, w = 12, 12
    a = np.zeros((h, w), bool)
    a[0:6, 0:6] = True
    a_island = a.copy()
    a_island[10, 10] = True   # cleaned -> identical to a -> suppressed by the unchanged one
    b = np.zeros((h, w), bool)
    b[7:12, 0:5] = True
    b[9, 2] = False           # hole -> changed (filled), kept
    masks = np.stack([a_island, b, a])
    data = sam.MaskSet(masks, sam.masks_to_boxes(masks), np.array([0.9, 0.8, 0.7], np.float32),
                       np.ones(3, np.float32), np.array([2, 1, 0]), np.zeros((3, 4), np.int64))
    out = sam.postprocess_small_regions(data, 3, 0.7)
    # scores (0, 0, 1): stable order 2, 0, 1; mask 0 (cleaned == a) has IoU 1 with mask 2 -> gone
    assert out.level.tolist() == [0, 1]
    assert np.array_equal(out.masks[0], a)
    assert out.masks[1].sum() == 25 and out.boxes[1].tolist() == [0, 7, 4, 11]


# ------------------------------------------------------------------------------------------
# FMA overlap filter
# ------------------------------------------------------------------------------------------

def test_fma_filter():
    s = (20, 20)  # 400 pixels, masks given as flat index ranges
    masks = {
        "W": flat_mask(s, (0, 100)),                 # whole, area 100
        "W2": flat_mask(s, (380, 400)),              # whole, area 20
        "Pa": flat_mask(s, (71, 171)),               # part: 29/100 with W -> kept
        "Pb": flat_mask(s, (70, 100), (180, 250)),   # part: 30/100 -> dropped (not < 0.3)
        "Pc": flat_mask(s, (69, 169)),               # part: 31/100 -> dropped
        "Pd": flat_mask(s, (300, 400)),              # part: 20/100 with W2 -> kept
        "Pe": flat_mask(s, (250, 350)),              # part: 50% inside Pd, same level -> kept
        "S1": flat_mask(s, (98, 100), (300, 302), (200, 206)),  # 0.2 with W and Pd (union 0.4) -> kept
        "S2": flat_mask(s, (150, 160)),              # inside kept Pa -> dropped
        "S3": flat_mask(s, (200, 210)),              # inside dropped Pb only -> kept
        "S4": flat_mask(s),                          # empty -> ratio 0 -> kept
        "S5": flat_mask(s, (200, 210)),              # duplicate of S3, same level -> kept
    }
    levels = {"W": 2, "W2": 2, "Pa": 1, "Pb": 1, "Pc": 1, "Pd": 1, "Pe": 1}
    order = ["S1", "Pa", "W", "Pb", "S2", "Pc", "S3", "Pd", "S4", "Pe", "S5", "W2"]
    stacked = np.stack([masks[k] for k in order])
    lv = np.array([levels.get(k, 0) for k in order])
    kept = [order[i] for i in sam.fma_overlap_filter(stacked, lv, 0.3)]
    assert kept == ["W", "W2", "Pa", "Pd", "Pe", "S1", "S3", "S4", "S5"]


def test_fma_filter_threshold_edges():
    s = (10, 100)
    whole = flat_mask(s, (0, 300))
    below = flat_mask(s, (271, 371))   # 29 of 100 inside
    at = flat_mask(s, (270, 370))      # 30 of 100
    above = flat_mask(s, (269, 369))   # 31 of 100
    stacked = np.stack([below, at, above, whole])
    for level in (0, 1):  # the same rule for parts (vs wholes) and subparts (vs wholes)
        kept = sam.fma_overlap_filter(stacked, np.array([level, level, level, 2]), 0.3)
        assert kept.tolist() == [3, 0]
    assert sam.fma_overlap_filter(stacked, np.array([1, 1, 1, 2]), 0.31).tolist() == [3, 0, 1]
    # no wholes at all: parts and subparts of one level are never compared with each other
    assert sam.fma_overlap_filter(stacked[:3], np.array([0, 0, 0]), 0.3).tolist() == [0, 1, 2]


# ------------------------------------------------------------------------------------------
# SAMS
# ------------------------------------------------------------------------------------------

def test_sams_tie_goes_to_background():
    h, w = 1, 6
    # one class, means 0, 1, 2 -> normalised 0, 1 / (2 + 1e-7) = 0.5 (float32), ~1
    scores = np.array([[[0, 0, 1, 1, 2, 2]]], np.float32)
    masks = [flat_mask((h, w), (0, 2)), flat_mask((h, w), (2, 4)), flat_mask((h, w), (4, 6))]
    labels, conf, mask_labels = sams.sams(masks, [0, 0, 0], scores, h, w, alpha=1.0)
    # mask 1: bg = (1 - 0.5) ** 1 = 0.5 = class score -> bg wins the tie
    assert mask_labels.tolist() == [0, 0, 1]
    assert conf[0] == 1.0 and conf[1] == 0.5
    assert labels.tolist() == [[0, 0, 0, 0, 1, 1]]


def test_sams_class_tie_goes_to_lower_class():
    h, w = 1, 4
    s = np.array([[0, 0, 3, 3]], np.float32)
    scores = np.stack([s, s])  # two identical classes
    masks = [flat_mask((h, w), (0, 2)), flat_mask((h, w), (2, 4))]
    labels, conf, mask_labels = sams.sams(masks, [1, 1], scores, h, w, alpha=0.6)
    assert mask_labels.tolist() == [0, 1]
    assert labels.tolist() == [[0, 0, 1, 1]]


def test_sams_single_mask_is_background_and_coverage():
    h, w = 3, 3
    scores = np.full((2, h, w), 5.0, np.float32)
    m = np.zeros((h, w), bool)
    m[0, 0] = True
    labels, conf, mask_labels = sams.sams([m], [2], scores, h, w, alpha=0.6)
    # min == max -> normalised 0 -> bg = 1 ** 0.6 = 1
    assert mask_labels.tolist() == [0] and conf.tolist() == [1.0]
    assert labels.sum() == 0
    labels, conf, mask_labels = sams.sams([], [], scores, h, w, alpha=0.6)
    assert labels.shape == (h, w) and labels.dtype == np.uint8 and labels.sum() == 0
    assert conf.shape == (0,) and mask_labels.shape == (0,)


def test_sams_uncovered_pixels_and_relu():
    h, w = 2, 4
    scores = np.zeros((1, h, w), np.float32)
    scores[0, 0, :2] = 4.0
    scores[0, 1, :] = -9.0      # ReLU -> 0 (a negative mean would otherwise be the minimum)
    scores[0, 0, 2:] = 9.0      # strong, but covered by no mask -> stays 0
    fg = flat_mask((h, w), (0, 2))
    low = flat_mask((h, w), (4, 6))
    labels, conf, mask_labels = sams.sams([fg, low], [1, 1], scores, h, w, alpha=0.6)
    assert mask_labels.tolist() == [1, 0]
    assert labels.tolist() == [[1, 1, 0, 0], [0, 0, 0, 0]]


def test_sams_upsampling_is_bilinear_half_pixel():
    # [0, 4] -> width 4 with align_corners=False: [0, 1, 3, 4]
    up = sams.upsample_scores(np.array([[[0.0, 4.0]]], np.float32), 1, 4)
    assert up.tolist() == [[[0.0, 1.0, 3.0, 4.0]]]
    means = sams.mask_means(up, [flat_mask((1, 4), (1, 3)), flat_mask((1, 4))])
    assert means.tolist() == [[2.0], [0.0]]


def test_sams_paint_order_level_then_confidence_then_generator_order():
    h, w = 1, 4
    cover = flat_mask((h, w), (0, 4))
    masks = [cover, cover, cover, cover]
    labels = np.array([1, 2, 3, 4])
    # whole with the lowest confidence still wins over parts
    painted = sams.paint(masks, [2, 1, 1, 0], labels, np.array([0.1, 0.9, 0.8, 1.0], np.float32), h, w)
    assert painted.tolist() == [[1, 1, 1, 1]]
    # same level: the higher confidence wins
    painted = sams.paint(masks[:2], [1, 1], labels, np.array([0.9, 0.8], np.float32), h, w)
    assert painted.tolist() == [[1, 1, 1, 1]]
    # same level and confidence: the later mask in generator order wins (stable sort)
    painted = sams.paint(masks[:3], [1, 1, 1], labels, np.array([0.5, 0.5, 0.5], np.float32), h, w)
    assert painted.tolist() == [[3, 3, 3, 3]]
    assert sams.paint_order([1, 0, 1, 0], np.array([0.2, 0.9, 0.1, 0.9], np.float32)) == [1, 3, 2, 0]


def test_sams_cli(tmp_path):
    h, w = 4, 6
    m1 = np.zeros((h, w), bool)
    m1[:, :3] = True
    m2 = np.zeros((h, w), bool)
    m2[:, 3:] = True
    records = [{"rle": sam.encode_rle(m), "level": 1, "predictedIou": 0.9, "stability": 0.95} for m in (m1, m2)]
    (tmp_path / "c.masks.json").write_text(json.dumps({"masks": records}))
    scores = np.zeros((2, 2, 3), np.float32)
    scores[0, :, 0] = 1.0    # class 0 on the left
    scores[1, :, 2] = 1.0    # class 1 on the right
    np.save(tmp_path / "c.scores.npy", scores)
    (tmp_path / "c.sams.json").write_text(json.dumps(
        {"id": "c", "masks": "c.masks.json", "scores": "c.scores.npy", "height": h, "width": w, "alpha": 0.6}))
    assert sams.main(["--cases", str(tmp_path)]) == 0
    out = np.load(tmp_path / "c.sams.ref.npz")
    assert out["labels"].dtype == np.uint8 and out["labels"].shape == (h, w)
    assert out["confidence"].dtype == np.float32 and out["maskLabels"].dtype == np.int64
    assert out["maskLabels"].tolist() == [1, 2]
    assert (out["labels"][:, :3] == 1).all() and (out["labels"][:, 3:] == 2).all()


# ------------------------------------------------------------------------------------------
# end-to-end smoke run over the tiny random-weight SAM
# ------------------------------------------------------------------------------------------

def synthetic_image(h: int = 96, w: int = 128) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = (xx * 2).astype(np.uint8)
    img[..., 1] = (yy * 2).astype(np.uint8)
    img[20:60, 30:90] = (200, 50, 50)
    noise = np.random.default_rng(0).integers(0, 20, img.shape)
    return (img.astype(np.int64) + noise).clip(0, 255).astype(np.uint8)


RELAXED = {"pointsPerSide": 8, "predIouThresh": 0.0, "stabilityThresh": 0.0}
# also no NMS and no small-region removal, so that many masks reach the FMA filter (whole image only)
UNSUPPRESSED = {**RELAXED, "boxNmsThresh": 1.0, "cropNmsThresh": 1.0, "minMaskRegionArea": 0, "cropNLayers": 0}
CROPS = {"relaxed": 5, "unsuppressed": 1}


@pytest.mark.skipif(not (DEMO_BUNDLE / "hf" / "sam").is_dir(), reason="demo bundle missing")
def test_end_to_end_smoke(tmp_path):
    h, w = 96, 128
    np.save(tmp_path / "img.npy", synthetic_image(h, w))
    for case_id, settings in (("relaxed", RELAXED), ("unsuppressed", UNSUPPRESSED)):
        (tmp_path / f"{case_id}.amg.json").write_text(json.dumps({"id": case_id, "image": "img.npy", "settings": settings}))
    assert sam.main(["--bundle", str(DEMO_BUNDLE), "--cases", str(tmp_path)]) == 0

    counts = {}
    for case_id, settings in (("relaxed", RELAXED), ("unsuppressed", UNSUPPRESSED)):
        records = json.loads((tmp_path / f"{case_id}.amg.ref.json").read_text())["masks"]
        counts[case_id] = len(records)
        emb = np.load(tmp_path / f"{case_id}.amg.embeddings.npz")
        assert sorted(emb.files) == [f"crop{k}" for k in range(CROPS[case_id])]
        assert all(emb[k].dtype == np.float32 and emb[k].shape == (1, 32, sam.SAM_INPUT_SIZE // 16, sam.SAM_INPUT_SIZE // 16) for k in emb.files)

        levels = [r["level"] for r in records]
        assert all(lv in (0, 1, 2) for lv in levels)
        assert levels == sorted(levels, reverse=True)   # wholes, then parts, then subparts
        masks = []
        for r in records:
            assert r["rle"]["size"] == [h, w] and isinstance(r["rle"]["counts"], str)
            assert r["predictedIou"] > 0.0 - (0.1 if r["level"] == 2 else 0.0)
            assert r["stability"] >= 0.0 and not math.isnan(r["stability"])
            m = mask_utils.decode({"size": r["rle"]["size"], "counts": r["rle"]["counts"].encode()}).astype(bool)
            masks.append(m)
        # the FMA rule holds for every kept mask against the kept masks of higher levels
        for i, (m, lv) in enumerate(zip(masks, levels)):
            area = m.sum()
            for k, lk in zip(masks, levels):
                if lk > lv and area:
                    assert (m & k).sum() / area < 0.3
        assert counts[case_id] >= 1
    print(f"smoke run masks: {counts}")
