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

import fma_cvat_function
import main
from fake_service import FakeService

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


class Context:
    def __init__(self):
        self.logger = SimpleNamespace(info=lambda *a: None)
        self.user_data = SimpleNamespace()

    class Response:
        def __init__(self, body, headers, content_type, status_code):
            self.body = body
            self.headers = headers
            self.content_type = content_type
            self.status_code = status_code


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


def test_forwarder_passes_service_errors_and_reports_an_unreachable_service(monkeypatch):
    problem = {"type": "urn:fma-wsss:problem:corrupt-image", "status": 400}
    with FakeService(problem, status=400) as service:
        status, body = main.forward({"image": "x"}, ["cat"], service.url, 5)
        assert status == 400 and json.loads(body) == problem
    status, body = main.forward({"image": "x"}, ["cat"], "http://127.0.0.1:9", 5)
    assert status == 503 and json.loads(body)["type"] == "urn:fma-wsss:problem:unavailable"


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
