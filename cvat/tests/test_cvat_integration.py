"""The nuclio forwarder and the cvat-cli function module against a fake service."""

from __future__ import annotations

import base64
import io
import json
import os
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

import fake_cvat
import fma_cvat_function
import main
from fake_service import FakeService
from nuclio_context import Context

HERE = os.path.dirname(os.path.abspath(__file__))

# Two regions of a 6x4 image: "cat" at x 1..2, y 0..1 (an L shape), "dog" at x 4, y 2..3.
DETECTIONS = [
    {"label": "cat", "type": "mask", "confidence": "0.6000", "points": [1, 0, 3, 0, 3, 1, 2, 1, 2, 2, 1, 2],
     "mask": [255, 255, 255, 0, 1, 0, 2, 1]},
    {"label": "dog", "type": "mask", "confidence": "0.4000", "points": [4, 2, 5, 2, 5, 4, 4, 4],
     "mask": [255, 255, 4, 2, 4, 3]},
    {"label": "unicorn", "type": "mask", "confidence": "0.1000", "points": [0, 3, 1, 3, 1, 4, 0, 4],
     "mask": [255, 0, 3, 0, 3]},
]


def decode_cvat_mask(points, width, height):
    """CVAT mask points (runs from background, then inclusive box) -> full boolean mask, written
    from cvat_sdk.masks.decode_mask's documented format."""
    *runs, x1, y1, x2, y2 = points
    flat = np.repeat((np.arange(len(runs)) % 2).astype(bool), runs)
    full = np.zeros((height, width), dtype=bool)
    full[y1:y2 + 1, x1:x2 + 1] = flat.reshape(y2 - y1 + 1, x2 - x1 + 1)
    return full


def test_forwarder_sends_cvats_body_with_the_spec_labels_and_passes_the_answer_through(monkeypatch):
    monkeypatch.delenv("FMA_CLASSES", raising=False)
    assert main.label_names(os.path.join(HERE, "..", "function.yaml"))[:3] == ["aeroplane", "bicycle", "bird"]
    with FakeService(DETECTIONS) as service:
        monkeypatch.setenv("FMA_URL", service.url)
        monkeypatch.setenv("FMA_CLASSES", "cat, dog")
        context = Context()
        main.init_context(context)
        image = base64.b64encode(b"png bytes").decode()
        for body in ({"image": image, "threshold": 0.5}, json.dumps({"image": image, "threshold": 0.5}).encode()):
            response = main.handler(context, SimpleNamespace(body=body))
            assert response.status_code == 200
            assert json.loads(response.body) == DETECTIONS
        assert [r["path"] for r in service.requests] == ["/cvat/detect", "/cvat/detect"]
        assert service.requests[0]["body"] == {"image": image, "threshold": 0.5, "classes": ["cat", "dog"]}


def test_forwarder_passes_refusals_and_reports_an_unreachable_service(monkeypatch):
    problem = {"type": "urn:fma-wsss:problem:invalid-classes", "status": 422}
    with FakeService(problem, status=422) as service:
        status, body = main.forward({"image": "x"}, ["cat"], service.url, 5)
        assert status == 422 and json.loads(body) == problem
    status, body = main.forward({"image": "x"}, ["cat"], "http://127.0.0.1:9", 5)
    assert status == 503 and json.loads(body)["type"] == "urn:fma-wsss:problem:unavailable"


def test_a_frame_the_service_cannot_do_is_answered_without_shapes_so_the_job_goes_on():
    # CVAT's lambda manager aborts the whole job at the first non-2xx answer.
    answers = {0: (503, {"type": "urn:fma-wsss:problem:busy"}, 0), 1: (200, [], 1.5), 2: (200, DETECTIONS, 0)}
    warnings = []
    with FakeService(lambda index: answers[index]) as service:
        assert main.forward({"image": "x"}, ["cat"], service.url, 5, warnings.append) == (200, b"[]")
        assert main.forward({"image": "x"}, ["cat"], service.url, 0.5, warnings.append) == (200, b"[]")
        status, body = main.forward({"image": "x"}, ["cat"], service.url, 5, warnings.append)
        assert status == 200 and json.loads(body) == DETECTIONS
    assert "HTTP 503" in warnings[0] and "within 0.5 s" in warnings[1] and len(warnings) == 2


def test_the_timeout_chain_fits_inside_cvats_default_timeout():
    import yaml

    with open(os.path.join(HERE, "..", "function.yaml"), "rb") as f:
        config = yaml.safe_load(f)
    event_timeout = float(config["spec"]["eventTimeout"].rstrip("s"))
    fma_timeout = float(next(e["value"] for e in config["spec"]["env"] if e["name"] == "FMA_TIMEOUT"))
    cvat_nuclio_default_timeout = 120  # cvat/settings/base.py: CVAT_NUCLIO_DEFAULT_TIMEOUT
    service_answers_within = 100  # fma.cvat.answer-within
    assert service_answers_within < fma_timeout < event_timeout < cvat_nuclio_default_timeout


def test_crop_to_mask_points_matches_cvats_decoder():
    rng = np.random.default_rng(3)
    for _ in range(50):
        h, w = rng.integers(1, 9, size=2)
        crop = rng.random((h, w)) < rng.random()
        left, top = rng.integers(0, 5, size=2)
        mask = [255 if v else 0 for v in crop.ravel()] + [int(left), int(top), int(left + w - 1), int(top + h - 1)]
        points = fma_cvat_function.crop_to_mask_points(mask)
        full = decode_cvat_mask(points, int(left + w), int(top + h))
        assert np.array_equal(full[top:, left:], crop)
        assert not full[:top].any() and not full[:, :left].any()
    with pytest.raises(ValueError):
        fma_cvat_function.crop_to_mask_points([255, 0, 0, 1, 1])


def test_function_module_turns_detections_into_mask_and_polygon_shapes():
    with FakeService(DETECTIONS) as service:
        function = fma_cvat_function.create(url=service.url, classes="cat,dog")
        assert [(l.name, l.id, l.type) for l in function.spec.labels] == [("cat", 0, "mask"), ("dog", 1, "mask")]
        image = Image.fromarray(np.zeros((4, 6, 3), dtype=np.uint8))
        shapes = function.detect(SimpleNamespace(conf_threshold=0.3, conv_mask_to_poly=False, frame_name="f.png"), image)
        sent = service.requests[0]["body"]
        assert sent["classes"] == ["cat", "dog"] and sent["threshold"] == 0.3
        decoded = Image.open(io.BytesIO(base64.b64decode(sent["image"])))
        assert decoded.size == (6, 4) and decoded.format == "PNG"
        # "unicorn" is not a label of the function: dropped.
        assert [(s.type, s.label_id) for s in shapes] == [("mask", 0), ("mask", 1)]
        cat = decode_cvat_mask(shapes[0].points, 6, 4)
        expected = np.zeros((4, 6), dtype=bool)
        expected[0, 1:3] = True
        expected[1, 1] = True
        assert np.array_equal(cat, expected)
        assert decode_cvat_mask(shapes[1].points, 6, 4)[2:4, 4].all()
        polygons = function.detect(SimpleNamespace(conf_threshold=None, conv_mask_to_poly=True, frame_name="f.png"), image)
        assert [(s.type, s.points) for s in polygons] == [("polygon", [float(v) for v in DETECTIONS[0]["points"]]),
                                                         ("polygon", [float(v) for v in DETECTIONS[1]["points"]])]
        assert "threshold" not in service.requests[1]["body"]
    with pytest.raises(ValueError):
        fma_cvat_function.create(classes=" , ")


FUNCTION_FILE = os.path.join(HERE, "..", "fma_cvat_function.py")


def frames(count=2):
    return [Image.fromarray(np.zeros((4, 6, 3), dtype=np.uint8)) for _ in range(count)]


def test_the_documented_command_annotates_a_task_labelled_cat_and_dog():
    with FakeService(DETECTIONS) as service:
        task = fake_cvat.Task([("cat", "mask"), ("dog", "mask")], frames())
        fake_cvat.auto_annotate(task, FUNCTION_FILE, [f"url=str:{service.url}", "labels=str:cat,dog"])
        assert service.requests[0]["body"]["classes"] == ["cat", "dog"]
    assert [(s.frame, s.label_id, s.type) for s in task.uploaded] == [(0, 1, "mask"), (0, 2, "mask"), (1, 1, "mask"), (1, 2, "mask")]
    cat = decode_cvat_mask(task.uploaded[0].points, 6, 4)
    assert cat[0, 1:3].all() and cat[1, 1] and cat.sum() == 3


def test_polygon_labels_need_conv_mask_to_poly_and_any_labels_take_masks():
    with FakeService(DETECTIONS) as service:
        params = [f"url=str:{service.url}", "labels=str:cat,dog"]
        polygons = fake_cvat.Task([("cat", "polygon"), ("dog", "polygon")], frames(1))
        with pytest.raises(fake_cvat.BadFunctionError, match="has type 'mask' in the function, but 'polygon'"):
            fake_cvat.auto_annotate(polygons, FUNCTION_FILE, params)
        fake_cvat.auto_annotate(polygons, FUNCTION_FILE, params, conv_mask_to_poly=True)
        assert [(s.label_id, s.type) for s in polygons.uploaded] == [(1, "polygon"), (2, "polygon")]
        anything = fake_cvat.Task([("cat", "any"), ("dog", "any")], frames(1))
        fake_cvat.auto_annotate(anything, FUNCTION_FILE, params)
        assert [(s.label_id, s.type) for s in anything.uploaded] == [(1, "mask"), (2, "mask")]


def test_labels_the_task_lacks_are_refused_as_cvat_refuses_them_and_labels_may_name_their_class():
    task = fake_cvat.Task([("Kitty", "mask"), ("dog", "mask")], frames(1))
    with FakeService(DETECTIONS) as service:
        with pytest.raises(fake_cvat.BadFunctionError, match="label 'person' is not in dataset"):
            fake_cvat.auto_annotate(task, FUNCTION_FILE, [f"url=str:{service.url}", "labels=str:Kitty=cat,dog,person"])
        fake_cvat.auto_annotate(task, FUNCTION_FILE, [f"url=str:{service.url}", "labels=str:Kitty=cat,dog,person"],
                                allow_unmatched_labels=True)
        assert service.requests[0]["body"]["classes"] == ["cat", "dog", "person"]
    assert [(s.label_id, s.type) for s in task.uploaded] == [(1, "mask"), (2, "mask")]
    # Without labels the function says what to pass instead of declaring labels the task may lack.
    with pytest.raises(ValueError, match="labels=str:cat,dog"):
        fake_cvat.load_function(FUNCTION_FILE, ["url=str:http://127.0.0.1:9"])
    with pytest.raises(ValueError, match="once"):
        fma_cvat_function.create(labels="cat,Kitty=cat")


def test_a_frame_the_service_cannot_do_leaves_the_run_going_but_a_refusal_stops_it():
    answers = {0: (503, {"type": "urn:fma-wsss:problem:busy"}, 0), 1: (200, [], 1.5), 2: (200, DETECTIONS, 0)}
    task = fake_cvat.Task([("cat", "mask"), ("dog", "mask")], frames(3))
    with FakeService(lambda index: answers[index]) as service:
        fake_cvat.auto_annotate(task, FUNCTION_FILE, [f"url=str:{service.url}", "labels=str:cat,dog", "timeout=float:0.5"])
    assert [(s.frame, s.label_id) for s in task.uploaded] == [(2, 1), (2, 2)]
    # CVAT's driver has no try/except: the first exception ends the run and nothing is uploaded.
    refused = fake_cvat.Task([("cat", "mask"), ("dog", "mask")], frames(2))
    with FakeService({"type": "urn:fma-wsss:problem:invalid-classes"}, status=422) as service:
        with pytest.raises(RuntimeError, match="HTTP 422"):
            fake_cvat.auto_annotate(refused, FUNCTION_FILE, [f"url=str:{service.url}", "labels=str:cat,dog"])
        assert len(service.requests) == 1
    assert refused.uploaded is None
