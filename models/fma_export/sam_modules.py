"""SAM bundle modules: thin wrappers around a ``transformers.SamModel`` exported with ``torch.jit.trace``.

The image encoder always sees a fixed ``[1,3,S,S]`` input (longest side resized to S, padded), so
tracing is exact; it runs ``sam_fast_encoder.FastVisionEncoder`` (the reference's mathematics without
its 805 MB attention bias).  The point decoder (``sam_fast_decoder.FastPointDecoder``: SAM's prompt encoder
and mask decoder without per-prompt copies of the image) takes a flat batch of single-point
prompts; the prompt decoder (``PromptDecoder``) one interactive prompt of several points and a
box.  The test suite checks both against ``SamModel`` for several point counts.
"""
from __future__ import annotations

import copy
import warnings
from typing import Optional, Tuple

import torch
from torch import Tensor, nn

from .sam_fast_decoder import FastPointDecoder, PromptDecoder
from .sam_fast_encoder import FastVisionEncoder


class SamImageEncoder(nn.Module):
    """``pixel_values [1,3,S,S] -> image_embeddings [1,C,S/16,S/16]``.

    With ``compute_dtype`` set (the bf16 variant), the input is cast to it and the output back to
    the input's dtype, so the variant has the same signature as the plain module.
    """

    def __init__(self, sam_model, compute_dtype: Optional[torch.dtype] = None):
        super().__init__()
        # bf16: explicit attention (libtorch's fused CPU attention is slower in bf16 than in fp32).
        self.vision_encoder = FastVisionEncoder(sam_model.vision_encoder, explicit=compute_dtype is not None)
        self.compute_dtype = compute_dtype

    def forward(self, pixel_values: Tensor) -> Tensor:
        if self.compute_dtype is None:
            return self.vision_encoder(pixel_values)
        return self.vision_encoder(pixel_values.to(self.compute_dtype)).to(pixel_values.dtype)


class SamMaskUpscaler(nn.Module):
    """SAM's ``postprocess_masks`` for mask logits: bilinear (align_corners=False, no antialiasing)
    to ``S x S``, crop the un-padded ``input_h x input_w`` region, bilinear to ``out_h x out_w``.

    ``(low_res_masks [Q,K,4e,4e], sizes i64 [4] = (input_h, input_w, out_h, out_w)) -> [Q,K,out_h,out_w]``.

    All three steps are linear and act on rows and columns separately, so they collapse into one
    ``[out_h, 4e]`` matrix for the rows and one ``[out_w, 4e]`` for the columns:
    ``out = M_rows @ x @ M_cols^T``.  Each matrix is the product of the two 1-D bilinear
    interpolation matrices (the second with the crop applied), and each of those is obtained by
    interpolating an identity matrix with the same aten op the reference uses, so the weights are
    ATen's own.  This never builds the ``S x S`` intermediate (4 MB per mask at S = 1024); the
    result equals the two-step resize to float rounding (about 1e-7 of the logits' range).
    Scripted (sizes vary per image); calls the aten op directly because DJL's own interpolate
    antialiases when downsampling and ``F.interpolate`` would script ops libtorch 2.7.1 lacks.
    """

    def __init__(self, input_size: int):
        super().__init__()
        self.input_size = input_size

    def forward(self, low_res_masks: Tensor, sizes: Tensor) -> Tensor:
        input_h = int(sizes[0].item())
        input_w = int(sizes[1].item())
        out_h = int(sizes[2].item())
        out_w = int(sizes[3].item())
        # The first step (low-res -> input_size) is the same for rows and columns; built once.
        to_input = _interpolation_matrix(low_res_masks.shape[-1], self.input_size, low_res_masks)
        rows = torch.matmul(_interpolation_matrix(input_h, out_h, low_res_masks), to_input[:input_h])
        cols = torch.matmul(_interpolation_matrix(input_w, out_w, low_res_masks), to_input[:input_w])
        return torch.matmul(torch.matmul(rows, low_res_masks), cols.t())


def _interpolation_matrix(size_in: int, size_out: int, like: Tensor) -> Tensor:
    """``[size_out, size_in]`` weights of 1-D bilinear resampling (align_corners=False), taken from
    the aten op applied to an identity (along the other axis the op is an exact copy)."""
    eye = torch.eye(size_in, dtype=like.dtype, device=like.device).view(1, 1, size_in, size_in)
    return torch._C._nn.upsample_bilinear2d(eye, [size_out, size_in], False, None)[0, 0]


def example_inputs(sam_model, dtype: torch.dtype, points: int = 5):
    """Inputs used for tracing (any values; shapes matter)."""
    cfg = sam_model.config
    size = int(cfg.vision_config.image_size)
    grid = size // int(cfg.vision_config.patch_size)
    channels = int(cfg.vision_config.output_channels)
    generator = torch.Generator().manual_seed(1)
    pixels = torch.randn(1, 3, size, size, generator=generator).to(dtype)
    embeddings = torch.randn(1, channels, grid, grid, generator=generator).to(dtype)
    coords = (torch.rand(points, 2, generator=generator) * size).to(dtype)
    labels = torch.ones(points, dtype=torch.long)
    return pixels, embeddings, coords, labels


def trace_sam_modules(sam_model, dtype: torch.dtype = torch.float32) -> dict:
    """The SAM bundle modules, traced, keyed by their bundle path."""
    sam_model = copy.deepcopy(sam_model).to(dtype).eval()
    pixels, embeddings, coords, labels = example_inputs(sam_model, dtype)
    # Shape-dependent Python values inside HF SAM are constants for our fixed input size; the
    # point-batch dimension is checked to generalise by the test suite.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        encoder = torch.jit.trace(SamImageEncoder(sam_model).eval(), (pixels,), strict=False, check_trace=False)
        decoder = torch.jit.trace(
            FastPointDecoder(sam_model).eval(), (embeddings, coords, labels), strict=False, check_trace=False
        )
        # An interactive prompt: two positive points, a negative one and a box (the point count is
        # dynamic in the traced graph; the test suite checks other counts).
        prompt_labels = torch.tensor([1, 1, 0, 2, 3], dtype=torch.long)
        prompt_decoder = torch.jit.trace(
            PromptDecoder(sam_model).eval(), (embeddings, coords, prompt_labels), strict=False, check_trace=False
        )
    upscaler = torch.jit.script(SamMaskUpscaler(int(sam_model.config.vision_config.image_size)).eval())
    return {"sam/image_encoder.pt": encoder, "sam/mask_decoder.pt": decoder, "sam/prompt_decoder.pt": prompt_decoder,
            "sam/mask_upscaler.pt": upscaler}


class Bf16PointDecoder(FastPointDecoder):
    """``FastPointDecoder`` with the two-way transformer and heads in bf16 behind the fp32
    signature (the bundle's ``sam/mask_decoder.bf16.pt``). The prompt encoder stays fp32: it turns
    pixel coordinates into random-Fourier features, where bf16's 8-bit mantissa would move a point
    by up to 4 pixels of a 1024 frame. The logits and IoU predictions come back in the input dtype;
    the upscaler and the thresholds that follow stay fp32."""

    def forward(self, image_embeddings: Tensor, point_coords: Tensor, point_labels: Tensor) -> Tuple[Tensor, Tensor]:
        points = point_coords.view(1, -1, 1, 2)
        labels = point_labels.view(1, -1, 1)
        sparse, dense = self.prompt_encoder(input_points=points, input_labels=labels, input_boxes=None, input_masks=None)
        compute = self.iou_token.weight.dtype
        masks, iou = self.decode(image_embeddings.to(compute), sparse[0].to(compute), dense.to(compute), first_mask=1)
        return masks.to(image_embeddings.dtype), iou[:, 1:].to(image_embeddings.dtype)


def trace_bf16_mask_decoder(sam_model, io_dtype: torch.dtype = torch.float32):
    """The point decoder with a bf16 transformer and heads, fp32 prompt encoder and signature."""
    mixed = copy.deepcopy(sam_model).eval()
    mixed.mask_decoder.to(torch.bfloat16)
    decoder = Bf16PointDecoder(mixed).eval()
    decoder.image_pe = decoder.image_pe.to(torch.bfloat16)
    _, embeddings, coords, labels = example_inputs(sam_model, io_dtype)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        return torch.jit.trace(decoder, (embeddings, coords, labels), strict=False, check_trace=False)


def trace_bf16_image_encoder(sam_model, io_dtype: torch.dtype = torch.float32):
    """The image encoder with bf16 weights and arithmetic, ``io_dtype`` inputs and outputs (the
    bundle's ``sam/image_encoder.bf16.pt``)."""
    sam_model = copy.deepcopy(sam_model).to(torch.bfloat16).eval()
    pixels = example_inputs(sam_model, io_dtype)[0]
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        return torch.jit.trace(
            SamImageEncoder(sam_model, torch.bfloat16).eval(), (pixels,), strict=False, check_trace=False
        )
