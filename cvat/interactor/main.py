"""CVAT interactor function (nuclio handler) that forwards to the FMA-WSSS service.

Self-contained: nuclio deploys only this directory, so it shares no code with the detector's handler.

CVAT's lambda manager sends an interactor ``{"image": <base64 frame>, "pos_points": [[x, y], ...],
"neg_points": [[x, y], ...], "obj_bbox": null | [] | [[x1, y1], [x2, y2]]}`` on every click and shows
the mask it gets back. The service answers exactly what CVAT's UI reads at ``POST <FMA_URL>/cvat/interact``
(``{"mask": rows of 0/255, "bounds": [xtl, ytl, xbr, ybr]}``), so this handler passes the body on and the
answer back. A refusal (4xx: no point and no box, a point off the frame) and a failure reach the
annotator as CVAT's error notification, with the service's problem as the text.

Timeouts, inside out: ``FMA_TIMEOUT`` (110 s) < the function's ``eventTimeout`` (115 s) < CVAT's
``CVAT_NUCLIO_DEFAULT_TIMEOUT`` (120 s).

Environment: ``FMA_URL`` (the service, e.g. ``http://fma:8080``), ``FMA_TIMEOUT`` (seconds, default 110).
"""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.request

FIELDS = ("image", "pos_points", "neg_points", "obj_bbox")


def problem(status: int, slug: str, title: str, detail: str) -> bytes:
    return json.dumps({"type": f"urn:fma-wsss:problem:{slug}", "title": title, "status": status,
                       "detail": detail}).encode("utf-8")


def forward(body: dict, url: str, timeout: float) -> tuple[int, bytes]:
    """POSTs CVAT's interactor fields; returns the status and body to answer CVAT with."""
    payload = {field: body.get(field) for field in FIELDS if field in body}
    request = urllib.request.Request(
        url.rstrip("/") + "/cvat/interact",
        data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (TimeoutError, socket.timeout):
        return 504, problem(504, "timeout", "Timeout", f"no answer from the FMA-WSSS service within {timeout} s")
    except urllib.error.URLError as error:
        if isinstance(error.reason, (TimeoutError, socket.timeout)):
            return 504, problem(504, "timeout", "Timeout", f"no answer from the FMA-WSSS service within {timeout} s")
        return 503, problem(503, "unavailable", "Service unavailable",
                            f"the FMA-WSSS service at {url} cannot be reached: {error}")


def init_context(context) -> None:
    context.logger.info("Init context...  0%")
    context.user_data.url = os.environ.get("FMA_URL", "http://localhost:8080")
    context.user_data.timeout = float(os.environ.get("FMA_TIMEOUT", "110"))
    context.logger.info("Init context...100%")


def handler(context, event):
    body = event.body
    if isinstance(body, (bytes, bytearray)):
        body = json.loads(body or b"{}")
    status, answer = forward(body, context.user_data.url, context.user_data.timeout)
    content_type = "application/json" if status == 200 else "application/problem+json"
    return context.Response(body=answer.decode("utf-8"), headers={}, content_type=content_type, status_code=status)
