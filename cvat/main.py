"""CVAT detector function (nuclio handler) that forwards to the FMA-WSSS service.

CVAT's lambda manager sends a detector function ``{"image": <base64 frame>, "threshold": t}``
and expects a list of shapes back. The service answers exactly that at ``POST <FMA_URL>/cvat/detect``
(mask shapes: the crop of each region as 0/255 values followed by its inclusive box, plus the
region's outline as ``points``), so this handler only adds the class names of ``function.yaml``'s
label spec and passes the answer, or the service's error status, through unchanged.

Environment: ``FMA_URL`` (the service, e.g. ``http://fma:8080``), ``FMA_TIMEOUT`` (seconds,
default 170; keep it below the function's ``eventTimeout``), ``FMA_CLASSES`` (comma-separated
class names; default: the names of the label spec in ``/opt/nuclio/function.yaml``).
"""

from __future__ import annotations

import json
import os
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


def forward(body: dict, classes: list[str], url: str, timeout: float) -> tuple[int, bytes]:
    """POSTs CVAT's body plus the class names; returns the service's status and body."""
    payload = {"image": body.get("image"), "classes": classes}
    if body.get("threshold") is not None:
        payload["threshold"] = body["threshold"]
    request = urllib.request.Request(
        url.rstrip("/") + "/cvat/detect",
        data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, TimeoutError) as error:
        problem = {"type": "urn:fma-wsss:problem:unavailable", "title": "Service unavailable", "status": 503,
                   "detail": f"the FMA-WSSS service at {url} did not answer: {error}"}
        return 503, json.dumps(problem).encode("utf-8")


def init_context(context) -> None:
    context.logger.info("Init context...  0%")
    context.user_data.classes = label_names()
    context.user_data.url = os.environ.get("FMA_URL", "http://localhost:8080")
    context.user_data.timeout = float(os.environ.get("FMA_TIMEOUT", "170"))
    context.logger.info("Init context...100%")


def handler(context, event):
    body = event.body
    if isinstance(body, (bytes, bytearray)):
        body = json.loads(body or b"{}")
    status, answer = forward(body, context.user_data.classes, context.user_data.url, context.user_data.timeout)
    content_type = "application/json" if status == 200 else "application/problem+json"
    return context.Response(body=answer.decode("utf-8"), headers={}, content_type=content_type, status_code=status)
