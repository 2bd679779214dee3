"""CVAT auto-annotation function backed by the FMA-WSSS service.

Use with ``cvat-cli``::

    cvat-cli --server-host https://cvat.example.com --auth user task auto-annotate 42 \\
        --function-file cvat/fma_cvat_function.py \\
        -p url=str:http://fma:8080 -p classes=str:cat,dog,person

Parameters (``-p name=type:value``): ``url`` (the service; default ``http://localhost:8080``),
``classes`` (comma-separated class names, matched by name to the task's labels; default the 20
PASCAL VOC classes), ``timeout`` (seconds per image, default 170).

For every frame the image is sent as PNG to ``POST <url>/cvat/detect``; each region of the answer
becomes a ``mask`` shape (run lengths over the region's box followed by the inclusive box, the
encoding of ``cvat_sdk.masks.encode_mask``) or, when CVAT asks to convert masks to polygons, a
``polygon`` shape from the region's outline. Only ``cvat_sdk.auto_annotation`` is imported.
"""

from __future__ import annotations

import base64
import io
import json
import urllib.error
import urllib.request
from typing import Sequence

import cvat_sdk.auto_annotation as cvataa

VOC_CLASSES = (
    "aeroplane,bicycle,bird,boat,bottle,bus,car,cat,chair,cow,diningtable,dog,horse,motorbike,"
    "person,pottedplant,sheep,sofa,train,tvmonitor"
)


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


class FmaWsssFunction:
    def __init__(self, url: str, classes: list[str], timeout: float):
        self._url = url.rstrip("/") + "/cvat/detect"
        self._classes = classes
        self._ids = {name: index for index, name in enumerate(classes)}
        self._timeout = timeout
        self.spec = cvataa.DetectionFunctionSpec(
            labels=[cvataa.label_spec(name, index, type="mask") for index, name in enumerate(classes)]
        )

    def detect(self, context, image) -> list:
        png = io.BytesIO()
        image.convert("RGB").save(png, format="PNG")
        body = {"image": base64.b64encode(png.getvalue()).decode("ascii"), "classes": self._classes}
        threshold = getattr(context, "conf_threshold", None)
        if threshold is not None:
            body["threshold"] = threshold
        request = urllib.request.Request(
            self._url, data=json.dumps(body).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                detections = json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"the FMA-WSSS service refused the frame: HTTP {error.code}: "
                               f"{error.read().decode('utf-8', 'replace')}") from error
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


def create(url: str = "http://localhost:8080", classes: str = VOC_CLASSES, timeout: float = 170.0) -> FmaWsssFunction:
    names = [name.strip() for name in classes.split(",") if name.strip()]
    if not names:
        raise ValueError("classes must name at least one class")
    return FmaWsssFunction(url, names, float(timeout))
