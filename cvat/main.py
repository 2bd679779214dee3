"""CVAT detector function (nuclio handler) that forwards to the FMA-WSSS service.

CVAT's lambda manager sends a detector function ``{"image": <base64 frame>, "threshold": t}``
and expects a list of shapes back. The service answers exactly that at ``POST <FMA_URL>/cvat/detect``
(mask shapes: the crop of each region as 0/255 values followed by its inclusive box, plus the
region's outline as ``points``), so this handler only adds the class names of ``function.yaml``'s
label spec and passes the answer through.

CVAT stops a whole-task auto-annotation at the first non-2xx answer (no retry in
``cvat/apps/lambda_manager/views.py``), so a frame the service could not do is answered with no
shapes and a warning: the service answers such frames itself with an empty list, and a 5xx or no
answer within ``FMA_TIMEOUT`` becomes one here. A request the service refuses (4xx: a body or class
list that every frame would repeat) and a service that cannot be reached are passed on as errors.

Timeouts, inside out: the service answers within ``fma.cvat.answer-within`` (100 s) < ``FMA_TIMEOUT``
(110 s) < the function's ``eventTimeout`` (115 s) < CVAT's ``CVAT_NUCLIO_DEFAULT_TIMEOUT`` (120 s).

Environment: ``FMA_URL`` (the service, e.g. ``http://fma:8080``), ``FMA_TIMEOUT`` (seconds,
default 110), ``FMA_CLASSES`` (comma-separated class names; default: the names of the label spec
in ``/opt/nuclio/function.yaml``).
"""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.request

FUNCTION_YAML = "/opt/nuclio/function.yaml"


def label_names(path: str = FUNCTION_YAML) -> list[str]:
    """Class names to ask for: ``FMA_CLASSES``, else the label spec of function.yaml."""
    configured = os.environ.get("FMA_CLASSES", "").strip()
    if configured:
        return [name.strip() for name in configured.split(",") if name.strip()]
    import yaml  # installed by the function's build directives

    with open(path, "rb") as f:
        config = yaml.safe_load(f)
    spec = json.loads(config["metadata"]["annotations"]["spec"])
    return [item["name"] for item in spec]


def forward(body: dict, classes: list[str], url: str, timeout: float, log=None) -> tuple[int, bytes]:
    """POSTs CVAT's body plus the class names; returns the status and body to answer CVAT with."""
    payload = {"image": body.get("image"), "classes": classes}
    if body.get("threshold") is not None:
        payload["threshold"] = body["threshold"]
    request = urllib.request.Request(
        url.rstrip("/") + "/cvat/detect",
        data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    warn = log or (lambda *args: None)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            skipped = response.headers.get("Fma-Detection-Skipped")
            if skipped:
                warn(f"frame without detections: {skipped}")
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        answer = error.read()
        if error.code >= 500:
            warn(f"frame without detections: the service answered HTTP {error.code}: {answer[:500]!r}")
            return 200, b"[]"
        return error.code, answer
    except (TimeoutError, socket.timeout):
        warn(f"frame without detections: no answer from the service within {timeout} s")
        return 200, b"[]"
    except urllib.error.URLError as error:
        if isinstance(error.reason, (TimeoutError, socket.timeout)):
            warn(f"frame without detections: no answer from the service within {timeout} s")
            return 200, b"[]"
        problem = {"type": "urn:fma-wsss:problem:unavailable", "title": "Service unavailable", "status": 503,
                   "detail": f"the FMA-WSSS service at {url} cannot be reached: {error}"}
        return 503, json.dumps(problem).encode("utf-8")


def init_context(context) -> None:
    context.logger.info("Init context...  0%")
    context.user_data.classes = label_names()
    context.user_data.url = os.environ.get("FMA_URL", "http://localhost:8080")
    context.user_data.timeout = float(os.environ.get("FMA_TIMEOUT", "110"))
    context.logger.info("Init context...100%")


def handler(context, event):
    body = event.body
    if isinstance(body, (bytes, bytearray)):
        body = json.loads(body or b"{}")
    status, answer = forward(body, context.user_data.classes, context.user_data.url, context.user_data.timeout,
                             context.logger.warn)
    content_type = "application/json" if status == 200 else "application/problem+json"
    return context.Response(body=answer.decode("utf-8"), headers={}, content_type=content_type, status_code=status)
