"""Stand-ins for ``cvat_sdk.auto_annotation``: DetectionFunctionSpec, label_spec, mask, polygon."""

from types import SimpleNamespace


class DetectionFunctionSpec:
    def __init__(self, *, labels):
        ids = [label.id for label in labels]
        if len(ids) != len(set(ids)):
            raise ValueError("label ids must be distinct")
        self.labels = list(labels)


def label_spec(name, id, **kwargs):  # noqa: A002 - the SDK's parameter name
    return SimpleNamespace(name=name, id=id, **kwargs)


def shape(label_id, **kwargs):
    return SimpleNamespace(label_id=label_id, frame=0, **kwargs)


def mask(label_id, points, **kwargs):
    return shape(label_id, type="mask", points=points, **kwargs)


def polygon(label_id, points, **kwargs):
    return shape(label_id, type="polygon", points=points, **kwargs)
