"""A stand-in for ``cvat-cli task auto-annotate`` that behaves as CVAT's own code does.

``cvat-sdk`` and ``cvat-cli`` are not installable on the offline build machines, so this module
re-implements, from their sources (cvat-ai/cvat, release 2.42 and the newest ``driver.py``), the
parts that decide whether a function module works on a task:

* ``cvat-cli/src/cvat_cli/_internal/parsers.py::parse_function_parameter``: ``-p NAME=TYPE:VALUE``
  with TYPE one of int, float, str, bool;
* ``cvat-cli/src/cvat_cli/_internal/common.py::FunctionLoader.load``: the file is loaded as module
  ``__cvat_function__``; a module-level ``create`` is called with the parameters, a module without
  one takes none; the function must have a ``spec``;
* ``cvat-sdk/cvat_sdk/auto_annotation/driver.py``: ``_AnnotationMapper`` matches the spec's labels
  to the task's by exact name (``"label 'car' is not in dataset"`` unless
  ``allow_unmatched_labels``, then its annotations are dropped) and checks output types (a spec
  label of type ``mask`` on a ``polygon`` task label raises unless ``conv_mask_to_poly``; a task
  label of type ``any`` takes everything); ``annotate_task`` calls ``detect`` frame after frame
  with no try/except, so the first exception aborts the run, and uploads the shapes only at the
  end: an aborted run uploads nothing. Per-frame checks are those of ``_remap_shape``.
"""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace


class BadFunctionError(Exception):
    """cvat_sdk.auto_annotation.BadFunctionError"""


def parse_function_parameter(text: str):
    key, sep, rest = text.partition("=")
    if not sep:
        raise ValueError("parameter value not specified")
    type_, sep, value = rest.partition(":")
    if not sep:
        raise ValueError("parameter type not specified")
    if type_ == "int":
        return key, int(value)
    if type_ == "float":
        return key, float(value)
    if type_ == "str":
        return key, value
    if type_ == "bool":
        lowered = value.lower()
        if lowered in ("true", "yes", "on", "1", "y"):
            return key, True
        if lowered in ("false", "no", "off", "0", "n"):
            return key, False
        raise ValueError(f"cannot convert {value!r} to bool")
    raise ValueError(f"unsupported parameter type {type_!r}")


def load_function(path: str, parameters: list[str]):
    spec = importlib.util.spec_from_file_location("__cvat_function__", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    params = dict(parse_function_parameter(p) for p in parameters)
    if hasattr(module, "create"):
        function = module.create(**params)
    else:
        if params:
            raise TypeError("function takes no parameters")
        function = module
    if not hasattr(function, "spec"):
        raise BadFunctionError("function has no 'spec' attribute")
    return function


class Task:
    """A CVAT task: labels ``(name, type)`` with ids from 1, and its frames as PIL images."""

    def __init__(self, labels, frames):
        self.labels = [SimpleNamespace(id=i + 1, name=name, type=type_) for i, (name, type_) in enumerate(labels)]
        self.frames = frames
        self.uploaded = None


class _AnnotationMapper:
    def __init__(self, spec, task: Task, *, allow_unmatched_labels: bool, conv_mask_to_poly: bool):
        self._conv_mask_to_poly = conv_mask_to_poly
        ds_labels_by_name = {label.name: label for label in task.labels}
        self.mapping = {}
        for fun_label in spec.labels:
            ds_label = ds_labels_by_name.get(fun_label.name)
            if ds_label is None:
                if not allow_unmatched_labels:
                    raise BadFunctionError(f"label {fun_label.name!r} is not in dataset")
                self.mapping[fun_label.id] = None
                continue
            self.mapping[fun_label.id] = (ds_label.id, self._expected_type(fun_label, ds_label))

    def _expected_type(self, fun_label, ds_label):
        fun_output_type = getattr(fun_label, "type", "any")
        if fun_output_type == "any":
            return ds_label.type
        if self._conv_mask_to_poly and fun_output_type == "mask":
            fun_output_type = "polygon"
        if not (ds_label.type == "any" or ds_label.type == fun_output_type):
            raise BadFunctionError(
                f"label {fun_label.name!r} has type {fun_output_type!r} in the function,"
                f" but {ds_label.type!r} in the dataset"
            )
        return fun_output_type

    def validate_and_remap(self, shapes, frame_index):
        remapped = []
        for shape in shapes:
            if getattr(shape, "frame", 0) != 0:
                raise BadFunctionError(f"function output shape with unexpected frame number ({shape.frame})")
            if shape.label_id not in self.mapping:
                raise BadFunctionError(f"function output shape with unknown label ID ({shape.label_id})")
            target = self.mapping[shape.label_id]
            if target is None:
                continue
            ds_label_id, expected_type = target
            if expected_type != "any" and shape.type != expected_type:
                raise BadFunctionError(f"function output shape of type {shape.type!r} (expected {expected_type!r})")
            if shape.type == "mask" and self._conv_mask_to_poly:
                raise BadFunctionError("function output mask shape despite conv_mask_to_poly=True")
            remapped.append(SimpleNamespace(**{**vars(shape), "label_id": ds_label_id, "frame": frame_index}))
        return remapped


def annotate_task(task: Task, function, *, allow_unmatched_labels=False, conv_mask_to_poly=False, conf_threshold=None):
    mapper = _AnnotationMapper(function.spec, task, allow_unmatched_labels=allow_unmatched_labels,
                               conv_mask_to_poly=conv_mask_to_poly)
    shapes = []
    for index, image in enumerate(task.frames):
        context = SimpleNamespace(frame_name=f"frame_{index:06d}.png", conf_threshold=conf_threshold,
                                  conv_mask_to_poly=conv_mask_to_poly)
        shapes.extend(mapper.validate_and_remap(function.detect(context, image), index))
    task.uploaded = shapes
    return shapes


def auto_annotate(task: Task, function_file: str, parameters=(), **options):
    """``cvat-cli task auto-annotate <task> --function-file <file> -p ...`` with its flags as options."""
    return annotate_task(task, load_function(function_file, list(parameters)), **options)
