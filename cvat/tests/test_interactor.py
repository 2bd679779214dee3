"""The nuclio interactor forwarder (cvat/interactor/main.py) against a fake service."""

from __future__ import annotations

import importlib.util
import json
import os
from types import SimpleNamespace

import yaml

from fake_service import FakeService
from nuclio_context import Context

HERE = os.path.dirname(os.path.abspath(__file__))
INTERACTOR = os.path.join(HERE, "..", "interactor")


def load_interactor():
    # Its own module name: the detector's handler is also called main.
    spec = importlib.util.spec_from_file_location("interactor_main", os.path.join(INTERACTOR, "main.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


interactor = load_interactor()

# The body CVAT's lambda manager sends an interactor (cvat/apps/lambda_manager/views.py,
# LambdaFunction.invoke): the frame, both point lists (mandatory, maybe empty) and obj_bbox, which
# cvat-ui sends as [] without a box (tools-control.tsx, convertShapesForInteractor).
CVAT_BODY = {"image": "aGVsbG8=", "pos_points": [[10.5, 20.25]], "neg_points": [], "obj_bbox": [],
             "threshold": None}
ANSWER = {"mask": [[0, 255], [255, 255]], "bounds": [10, 20, 11, 21]}


def test_forwards_the_interactor_fields_and_passes_the_mask_back(monkeypatch):
    with FakeService(ANSWER) as service:
        monkeypatch.setenv("FMA_URL", service.url)
        context = Context()
        interactor.init_context(context)
        for body in (CVAT_BODY, json.dumps(CVAT_BODY).encode()):
            response = interactor.handler(context, SimpleNamespace(body=body))
            assert response.status_code == 200 and response.content_type == "application/json"
            assert json.loads(response.body) == ANSWER
        assert [r["path"] for r in service.requests] == ["/cvat/interact", "/cvat/interact"]
        sent = service.requests[0]["body"]
        assert sent == {"image": "aGVsbG8=", "pos_points": [[10.5, 20.25]], "neg_points": [], "obj_bbox": []}


def test_refusals_timeouts_and_an_unreachable_service_reach_cvat_as_errors():
    problem = {"type": "urn:fma-wsss:problem:invalid-prompt", "status": 422, "detail": "SAM found no object"}
    with FakeService(problem, status=422) as service:
        status, body = interactor.forward(CVAT_BODY, service.url, 5)
        assert status == 422 and json.loads(body) == problem
    with FakeService(lambda index: (200, ANSWER, 1.5)) as service:
        status, body = interactor.forward(CVAT_BODY, service.url, 0.5)
        assert status == 504 and "within 0.5 s" in json.loads(body)["detail"]
    status, body = interactor.forward(CVAT_BODY, "http://127.0.0.1:9", 5)
    assert status == 503 and json.loads(body)["type"] == "urn:fma-wsss:problem:unavailable"


def test_function_yaml_declares_an_interactor_whose_timeouts_fit_cvats():
    with open(os.path.join(INTERACTOR, "function.yaml"), "rb") as f:
        config = yaml.safe_load(f)
    annotations = config["metadata"]["annotations"]
    # cvat/apps/lambda_manager/views.py (LambdaFunction.__init__) reads these for an interactor.
    assert annotations["type"] == "interactor"
    assert int(annotations["min_pos_points"]) == 0 and int(annotations["min_neg_points"]) == 0
    assert annotations["startswith_box_optional"] is True
    assert config["spec"]["handler"] == "main:handler"
    event_timeout = float(config["spec"]["eventTimeout"].rstrip("s"))
    fma_timeout = float(next(e["value"] for e in config["spec"]["env"] if e["name"] == "FMA_TIMEOUT"))
    assert fma_timeout < event_timeout < 120  # cvat/settings/base.py: CVAT_NUCLIO_DEFAULT_TIMEOUT
