"""CVAT auto-annotation function backed by the FMA-WSSS service.

Use with ``cvat-cli`` (``-p`` values are ``NAME=TYPE:VALUE``), naming the task's labels::

    cvat-cli --server-host https://cvat.example.com --auth alice task auto-annotate 42 \\
        --function-file cvat/fma_cvat_function.py \\
        -p url=str:http://fma-host:8080 -p labels=str:cat,dog

Parameters:

* ``labels`` (required): the task's label names, comma-separated. CVAT's driver refuses a function
  that declares a label the task lacks, so the function declares exactly these. A label is the
  class asked from the service; ``Kitty=cat`` asks for ``cat`` and answers ``Kitty``. ``classes`` is
  accepted as an older name of the same parameter.
* ``url`` (default ``http://localhost:8080``), ``timeout`` (seconds per frame, default 110; the
  service answers within 100 s).

Each label is declared with type ``mask``: it fits task labels of type mask or any. For polygon
labels add ``--conv-mask-to-poly``, and the regions' outlines are answered as polygons.

For every frame the image is sent as PNG to ``POST <url>/cvat/detect``; each region of the answer
becomes a ``mask`` shape (run lengths over the region's box followed by the inclusive box, the
encoding of ``cvat_sdk.masks.encode_mask``) or a ``polygon``. CVAT's driver stops the whole run,
uploading nothing, at the first exception, so a frame the service cannot do (it answers none, a
5xx, no answer within the timeout) gets no shapes and a warning; a service that cannot be reached
or refuses the request (4xx: wrong labels) stops the run. Only ``cvat_sdk.auto_annotation`` is imported.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import socket
import urllib.error
import urllib.request
from typing import Optional, Sequence

import cvat_sdk.auto_annotation as cvataa

LOG = logging.getLogger(__name__)


def crop_to_mask_points(mask: Sequence[int]) -> list[int]:
    """Service ``mask`` (row-major 0/255 crop, then inclusive box) -> CVAT mask shape points.

    CVAT's points are run lengths over the box, starting with a (possibly empty) background run,
    followed by the same inclusive box.
    """
    *crop, left, top, right, bottom = (int(v) for v in mask)
    if len(crop) != (right - left + 1) * (bottom - top + 1):
        raise ValueError("the crop does not match its box")
    runs: list[int] = []
    current = False
    length = 0
    for value in crop:
        inside = value != 0
        if inside != current:
            runs.append(length)
            current = inside
            length = 0
        length += 1
    runs.append(length)
    return runs + [left, top, right, bottom]


def parse_labels(text: str) -> list[tuple[str, str]]:
    """``"Kitty=cat, dog"`` -> ``[("Kitty", "cat"), ("dog", "dog")]`` (label, class)."""
    pairs = []
    for item in text.split(","):
        label, _, class_name = item.partition("=")
        label, class_name = label.strip(), (class_name or label).strip()
        if label:
            pairs.append((label, class_name))
    if not pairs:
        raise ValueError("labels must name at least one of the task's labels")
    for what, names in (("label", [p[0] for p in pairs]), ("class", [p[1] for p in pairs])):
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"each {what} may appear once: {', '.join(duplicates)}")
    return pairs


class FmaWsssFunction:
    def __init__(self, url: str, labels: list[tuple[str, str]], timeout: float):
        self._url = url.rstrip("/") + "/cvat/detect"
        self._classes = [class_name for _, class_name in labels]
        self._ids = {class_name: index for index, (_, class_name) in enumerate(labels)}
        self._timeout = timeout
        self.spec = cvataa.DetectionFunctionSpec(
            labels=[cvataa.label_spec(label, index, type="mask") for index, (label, _) in enumerate(labels)]
        )

    def _post(self, body: dict) -> Optional[list]:
        """The service's detections, or None for a frame it could not do."""
        request = urllib.request.Request(
            self._url, data=json.dumps(body).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                skipped = response.headers.get("Fma-Detection-Skipped")
                if skipped:
                    LOG.warning("the FMA-WSSS service did not segment the frame: %s", skipped)
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")
            if error.code >= 500:
                LOG.warning("the FMA-WSSS service could not do the frame (HTTP %d): %s", error.code, detail)
                return None
            raise RuntimeError(f"the FMA-WSSS service refused the request: HTTP {error.code}: {detail}") from error
        except (TimeoutError, socket.timeout):
            LOG.warning("the FMA-WSSS service did not answer the frame within %s s", self._timeout)
            return None
        except urllib.error.URLError as error:
            if isinstance(error.reason, (TimeoutError, socket.timeout)):
                LOG.warning("the FMA-WSSS service did not answer the frame within %s s", self._timeout)
                return None
            raise

    def detect(self, context, image) -> list:
        png = io.BytesIO()
        image.convert("RGB").save(png, format="PNG")
        body = {"image": base64.b64encode(png.getvalue()).decode("ascii"), "classes": self._classes}
        threshold = getattr(context, "conf_threshold", None)
        if threshold is not None:
            body["threshold"] = threshold
        detections = self._post(body)
        if detections is None:
            return []
        polygons = bool(getattr(context, "conv_mask_to_poly", False))
        shapes = []
        for detection in detections:
            label_id = self._ids.get(detection["label"])
            if label_id is None:
                continue
            if polygons:
                shapes.append(cvataa.polygon(label_id, [float(v) for v in detection["points"]]))
            else:
                shapes.append(cvataa.mask(label_id, crop_to_mask_points(detection["mask"])))
        return shapes


def create(url: str = "http://localhost:8080", labels: Optional[str] = None, timeout: float = 110.0,
           classes: Optional[str] = None) -> FmaWsssFunction:
    names = labels if labels is not None else classes
    if names is None:
        raise ValueError("name the task's labels, e.g. -p labels=str:cat,dog (a label may name its class: Kitty=cat);"
                         " CVAT refuses a function whose labels the task lacks")
    return FmaWsssFunction(url, parse_labels(names), float(timeout))
