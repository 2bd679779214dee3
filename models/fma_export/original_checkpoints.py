"""The projects' own checkpoint files as exporter inputs (docs/checkpoints.md).

* SAM: ``sam_vit_{b,l,h}_*.pth`` from ``facebookresearch/segment-anything`` -- a ``torch.save``d
  state dict of ``segment_anything.modeling.Sam`` (``image_encoder.*``, ``prompt_encoder.*``,
  ``mask_decoder.*``).
* CLIP: OpenAI's ``ViT-B-16.pt`` as ``clip.load`` downloads it -- a TorchScript archive whose
  ``state_dict()`` has the names of ``clip.model.CLIP`` (matrices in fp16) -- or a plain state dict
  with the same names (``clip.load`` falls back to ``torch.load`` too).

Both are mapped onto the Hugging Face models the exporter traces its modules from.  The sizes come
from the tensor shapes, as ``clip.model.build_model`` does (the architecture of the file is the
architecture exported); the few hyper-parameters that no shape shows are SAM's and CLIP's fixed
ones (SAM decoder heads 8, CLIP heads ``width // 64``, layer-norm epsilons, activations).

Every mapping is checked (``WeightMapping.finish``): each source tensor is used exactly once or is
listed in ``unused`` with its reason, each target tensor of the Hugging Face model is written
exactly once (tied tensors count as one), and every shape matches.  The tests compare the exported
modules with re-implementations of the original forward passes (``models/reference/``).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from .random_real import SAM_VISION

SAM_PIXEL_MEAN = (123.675, 116.28, 103.53)
SAM_PIXEL_STD = (58.395, 57.12, 57.375)
# Not visible in any SAM tensor shape: the two-way transformer's head count (build_sam.py: 8).
SAM_DECODER_HEADS = 8
# build_sam.py's window size; only needed when the relative-position tables cannot show it.
SAM_WINDOW_SIZE = 14
# OpenAI CLIP's tokenizer; the bundle ships this BPE (fma_export/tokenizer.py).
CLIP_VOCAB_SIZE = 49408
CLIP_CONTEXT_LENGTH = 77


class CheckpointError(ValueError):
    """The file is not a checkpoint this exporter can map, or its mapping failed a check."""


@dataclass(frozen=True)
class SourceFile:
    """What the bundle manifest records as ``source`` / ``revision`` for a local checkpoint."""

    name: str
    sha256: str

    @staticmethod
    def of(path: Path) -> "SourceFile":
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return SourceFile(Path(path).name, digest.hexdigest())


@dataclass
class MappingReport:
    """Outcome of one checked mapping (printed by the exporter, asserted by the tests)."""

    used: Dict[str, List[str]]  # source key -> target keys it was written to
    unused: Dict[str, str]  # source key -> why it is not needed
    target_count: int


@dataclass
class WeightMapping:
    """Copies source tensors onto a model's state dict, keeping the books the checks need.

    ``assign(sources, targets, convert)``: ``convert`` turns the listed source tensors into the
    listed target tensors (default: one to one, as float32).  Target names that alias one tensor
    (tied weights) form one slot and are all written with the same value.
    """

    source: Mapping[str, Tensor]
    model: nn.Module
    used: Dict[str, List[str]] = field(default_factory=dict)
    unused: Dict[str, str] = field(default_factory=dict)
    written: Dict[str, Tensor] = field(default_factory=dict)

    def __post_init__(self):
        self._targets = self.model.state_dict(keep_vars=True)
        # Tied tensors: every name of one object is one slot.
        self._aliases: Dict[str, List[str]] = {}
        by_object: Dict[int, List[str]] = {}
        for name, tensor in self._targets.items():
            by_object.setdefault(id(tensor), []).append(name)
        for names in by_object.values():
            for name in names:
                self._aliases[name] = names

    def assign(self, sources: Sequence[str], targets: Sequence[str],
               convert: Optional[Callable[..., Sequence[Tensor]]] = None) -> None:
        for key in sources:
            if key not in self.source:
                raise CheckpointError(f"the checkpoint has no tensor '{key}'")
            if key in self.used or key in self.unused:
                raise CheckpointError(f"source tensor '{key}' would be used twice")
        values = [self.source[k] for k in sources]
        produced = list(convert(*values)) if convert is not None else values
        if len(produced) != len(targets):
            raise CheckpointError(f"mapping of {list(sources)} produced {len(produced)} tensors for {len(targets)} targets")
        for name, value in zip(targets, produced):
            if name not in self._targets:
                raise CheckpointError(f"the target model has no tensor '{name}' (mapped from {list(sources)})")
            expected = tuple(self._targets[name].shape)
            if tuple(value.shape) != expected:
                raise CheckpointError(
                    f"shape mismatch: {list(sources)} -> '{name}': {tuple(value.shape)} != {expected}")
            for alias in self._aliases[name]:
                if alias in self.written:
                    raise CheckpointError(f"target tensor '{alias}' would be written twice")
                self.written[alias] = value.detach().to(torch.float32).contiguous()
        for key in sources:
            self.used[key] = list(targets)

    def skip(self, key: str, reason: str) -> None:
        if key in self.used or key in self.unused:
            raise CheckpointError(f"source tensor '{key}' is both used and skipped")
        self.unused[key] = reason

    def finish(self) -> MappingReport:
        """Checks that nothing was left over on either side and loads the weights (strictly)."""
        leftover = sorted(k for k in self.source if k not in self.used and k not in self.unused)
        if leftover:
            raise CheckpointError(f"{len(leftover)} checkpoint tensors have no place in the model: {leftover[:8]}")
        missing = sorted(k for k in self._targets if k not in self.written)
        if missing:
            raise CheckpointError(f"{len(missing)} model tensors get no checkpoint value: {missing[:8]}")
        self.model.load_state_dict(self.written, strict=True)
        return MappingReport(self.used, self.unused, len(self._targets))


def _layer_indices(keys, prefix: str) -> List[int]:
    """Sorted distinct ``<i>`` of keys ``<prefix><i>.``; they must be 0..n-1."""
    pattern = re.compile(re.escape(prefix) + r"(\d+)\.")
    found = sorted({int(m.group(1)) for k in keys if (m := pattern.match(k))})
    if found != list(range(len(found))):
        raise CheckpointError(f"layers under '{prefix}' are not numbered 0..n-1: {found}")
    return found


def _require(state: Mapping[str, Tensor], key: str, what: str) -> Tensor:
    if key not in state:
        raise CheckpointError(f"not a {what} checkpoint: no tensor '{key}'")
    return state[key]


# =====================================================================================
# SAM
# =====================================================================================

@dataclass(frozen=True)
class SamShapes:
    """Everything the SAM architecture needs, read from the state dict (sizes) or fixed by SAM."""

    embed_dim: int
    depth: int
    heads: int
    global_attn_indexes: Tuple[int, ...]
    window_size: int
    image_size: int
    patch_size: int
    mlp_dim: int
    qkv_bias: bool
    use_rel_pos: bool
    out_chans: int
    num_pos_feats: int
    mask_in_chans: int
    decoder_depth: int
    decoder_mlp_dim: int
    decoder_heads: int
    downsample_rate: int
    multimask_outputs: int
    iou_head_depth: int
    iou_head_hidden_dim: int

    def arch(self) -> Optional[str]:
        """The released architecture with these encoder sizes (vit-b / vit-l / vit-h), else None."""
        return released_sam_arch(self.embed_dim, self.depth, self.heads, self.global_attn_indexes)

    def config_dict(self) -> Dict:
        return {
            "vision_config": {
                "hidden_size": self.embed_dim, "output_channels": self.out_chans, "num_hidden_layers": self.depth,
                "num_attention_heads": self.heads, "image_size": self.image_size, "patch_size": self.patch_size,
                "window_size": self.window_size, "global_attn_indexes": list(self.global_attn_indexes),
                "mlp_dim": self.mlp_dim, "mlp_ratio": self.mlp_dim / self.embed_dim, "qkv_bias": self.qkv_bias,
                "use_abs_pos": True, "use_rel_pos": self.use_rel_pos, "num_pos_feats": self.num_pos_feats,
                "hidden_act": "gelu", "layer_norm_eps": 1e-6,
            },
            "prompt_encoder_config": {
                "hidden_size": self.out_chans, "image_size": self.image_size, "patch_size": self.patch_size,
                "mask_input_channels": self.mask_in_chans, "num_point_embeddings": 4, "hidden_act": "gelu",
                "layer_norm_eps": 1e-6,
            },
            "mask_decoder_config": {
                "hidden_size": self.out_chans, "mlp_dim": self.decoder_mlp_dim, "num_hidden_layers": self.decoder_depth,
                "num_attention_heads": self.decoder_heads, "attention_downsample_rate": self.downsample_rate,
                "num_multimask_outputs": self.multimask_outputs, "iou_head_depth": self.iou_head_depth,
                "iou_head_hidden_dim": self.iou_head_hidden_dim, "hidden_act": "relu",
                # The original two-way transformer's norms are nn.LayerNorm defaults (eps 1e-5);
                # Hugging Face's default here is 1e-6.
                "layer_norm_eps": 1e-5,
            },
        }


def released_sam_arch(embed_dim: int, depth: int, heads: int, global_attn_indexes: Sequence[int]) -> Optional[str]:
    for name, spec in SAM_VISION.items():
        if (spec["hidden_size"], spec["num_hidden_layers"], spec["num_attention_heads"],
                tuple(spec["global_attn_indexes"])) == (embed_dim, depth, heads, tuple(global_attn_indexes)):
            return name
    return None


def infer_sam_shapes(state: Mapping[str, Tensor], arch: Optional[str] = None) -> SamShapes:
    """SAM sizes from a state dict with the original names.

    The encoder's heads, window size and global-attention blocks are read from the relative
    position tables (``rel_pos_h``: ``[2*window-1, head_dim]`` in windowed blocks, ``[2*grid-1, .]``
    in global ones).  Without those tables they are not visible and ``arch`` must name the
    released architecture to take them from; with them, ``arch`` (if given) must agree.
    """
    what = "segment-anything"
    patch_w = _require(state, "image_encoder.patch_embed.proj.weight", what)
    embed_dim, patch = int(patch_w.shape[0]), int(patch_w.shape[-1])
    pos = _require(state, "image_encoder.pos_embed", what)
    grid = int(pos.shape[1])
    depth = len(_layer_indices(state, "image_encoder.blocks."))
    if depth == 0:
        raise CheckpointError("not a segment-anything checkpoint: no image_encoder.blocks")
    use_rel_pos = "image_encoder.blocks.0.attn.rel_pos_h" in state
    if use_rel_pos:
        head_dim = int(state["image_encoder.blocks.0.attn.rel_pos_h"].shape[1])
        heads = embed_dim // head_dim
        spans = [int(_require(state, f"image_encoder.blocks.{i}.attn.rel_pos_h", what).shape[0]) for i in range(depth)]
        global_idx = tuple(i for i, s in enumerate(spans) if s == 2 * grid - 1)
        windows = sorted({(s + 1) // 2 for s in spans if s != 2 * grid - 1})
        if len(windows) > 1:
            raise CheckpointError(f"windowed blocks disagree on the window size: {windows}")
        window = windows[0] if windows else SAM_WINDOW_SIZE  # every block global: the size is never used
        inferred = released_sam_arch(embed_dim, depth, heads, global_idx)
        if arch is not None and inferred is not None and arch != inferred:
            raise CheckpointError(f"the checkpoint's shapes are SAM {inferred}, not {arch}")
    else:
        if arch is None:
            raise CheckpointError("the checkpoint has no relative-position tables, so the encoder's heads and "
                                  "global-attention blocks cannot be read from it: name the architecture (--sam-arch)")
        spec = SAM_VISION[arch]
        heads, global_idx, window = spec["num_attention_heads"], tuple(spec["global_attn_indexes"]), SAM_WINDOW_SIZE
        if (spec["hidden_size"], spec["num_hidden_layers"]) != (embed_dim, depth):
            raise CheckpointError(f"--sam-arch {arch} has width {spec['hidden_size']} and depth "
                                  f"{spec['num_hidden_layers']}; the checkpoint has {embed_dim} and {depth}")
    out_chans = int(_require(state, "image_encoder.neck.0.weight", what).shape[0])
    hidden = int(_require(state, "mask_decoder.iou_token.weight", what).shape[1])
    if hidden != out_chans:
        raise CheckpointError(f"decoder width {hidden} differs from the encoder's output channels {out_chans}")
    return SamShapes(
        embed_dim=embed_dim, depth=depth, heads=heads, global_attn_indexes=global_idx, window_size=window,
        image_size=grid * patch, patch_size=patch,
        mlp_dim=int(_require(state, "image_encoder.blocks.0.mlp.lin1.weight", what).shape[0]),
        qkv_bias="image_encoder.blocks.0.attn.qkv.bias" in state, use_rel_pos=use_rel_pos, out_chans=out_chans,
        num_pos_feats=int(_require(state, "prompt_encoder.pe_layer.positional_encoding_gaussian_matrix", what).shape[1]),
        mask_in_chans=int(_require(state, "prompt_encoder.mask_downscaling.3.weight", what).shape[0]),
        decoder_depth=len(_layer_indices(state, "mask_decoder.transformer.layers.")),
        decoder_mlp_dim=int(_require(state, "mask_decoder.transformer.layers.0.mlp.lin1.weight", what).shape[0]),
        decoder_heads=SAM_DECODER_HEADS,
        downsample_rate=hidden // int(_require(
            state, "mask_decoder.transformer.final_attn_token_to_image.q_proj.weight", what).shape[0]),
        multimask_outputs=int(_require(state, "mask_decoder.mask_tokens.weight", what).shape[0]) - 1,
        iou_head_depth=len(_layer_indices(state, "mask_decoder.iou_prediction_head.layers.")),
        iou_head_hidden_dim=int(_require(state, "mask_decoder.iou_prediction_head.layers.0.weight", what).shape[0]),
    )


# Original name -> Hugging Face name, applied in order to every key (first match wins per rule).
_SAM_RENAMES: Tuple[Tuple[str, str], ...] = (
    (r"^image_encoder\.patch_embed\.proj\.", "vision_encoder.patch_embed.projection."),
    (r"^image_encoder\.pos_embed$", "vision_encoder.pos_embed"),
    (r"^image_encoder\.blocks\.(\d+)\.norm1\.", r"vision_encoder.layers.\1.layer_norm1."),
    (r"^image_encoder\.blocks\.(\d+)\.norm2\.", r"vision_encoder.layers.\1.layer_norm2."),
    (r"^image_encoder\.blocks\.(\d+)\.(attn|mlp)\.", r"vision_encoder.layers.\1.\2."),
    (r"^image_encoder\.neck\.0\.", "vision_encoder.neck.conv1."),
    (r"^image_encoder\.neck\.1\.", "vision_encoder.neck.layer_norm1."),
    (r"^image_encoder\.neck\.2\.", "vision_encoder.neck.conv2."),
    (r"^image_encoder\.neck\.3\.", "vision_encoder.neck.layer_norm2."),
    (r"^prompt_encoder\.point_embeddings\.(\d+)\.", r"prompt_encoder.point_embed.\1."),
    (r"^prompt_encoder\.not_a_point_embed\.", "prompt_encoder.not_a_point_embed."),
    (r"^prompt_encoder\.no_mask_embed\.", "prompt_encoder.no_mask_embed."),
    (r"^prompt_encoder\.mask_downscaling\.0\.", "prompt_encoder.mask_embed.conv1."),
    (r"^prompt_encoder\.mask_downscaling\.1\.", "prompt_encoder.mask_embed.layer_norm1."),
    (r"^prompt_encoder\.mask_downscaling\.3\.", "prompt_encoder.mask_embed.conv2."),
    (r"^prompt_encoder\.mask_downscaling\.4\.", "prompt_encoder.mask_embed.layer_norm2."),
    (r"^prompt_encoder\.mask_downscaling\.6\.", "prompt_encoder.mask_embed.conv3."),
    # The Fourier matrix is one tensor in both models (HF ties its two users).
    (r"^prompt_encoder\.pe_layer\.positional_encoding_gaussian_matrix$", "shared_image_embedding.positional_embedding"),
    (r"^mask_decoder\.(iou_token|mask_tokens)\.", r"mask_decoder.\1."),
    (r"^mask_decoder\.transformer\.layers\.(\d+)\.norm([1-4])\.", r"mask_decoder.transformer.layers.\1.layer_norm\2."),
    (r"^mask_decoder\.transformer\.layers\.(\d+)\.(self_attn|cross_attn_token_to_image|cross_attn_image_to_token|mlp)\.",
     r"mask_decoder.transformer.layers.\1.\2."),
    (r"^mask_decoder\.transformer\.final_attn_token_to_image\.", "mask_decoder.transformer.final_attn_token_to_image."),
    (r"^mask_decoder\.transformer\.norm_final_attn\.", "mask_decoder.transformer.layer_norm_final_attn."),
    (r"^mask_decoder\.output_upscaling\.0\.", "mask_decoder.upscale_conv1."),
    (r"^mask_decoder\.output_upscaling\.1\.", "mask_decoder.upscale_layer_norm."),
    (r"^mask_decoder\.output_upscaling\.3\.", "mask_decoder.upscale_conv2."),
)


def _sam_mlp_rename(key: str, layers: int) -> Optional[str]:
    """The original ``MLP.layers.<i>`` is HF's ``proj_in`` (first), ``layers.<i-1>`` (middle), ``proj_out`` (last)."""
    m = re.match(r"^mask_decoder\.(output_hypernetworks_mlps\.\d+|iou_prediction_head)\.layers\.(\d+)\.(weight|bias)$", key)
    if not m:
        return None
    head, index, kind = m.group(1), int(m.group(2)), m.group(3)
    if index == 0:
        part = "proj_in"
    elif index == layers - 1:
        part = "proj_out"
    else:
        part = f"layers.{index - 1}"
    return f"mask_decoder.{head}.{part}.{kind}"


def sam_target_name(key: str, shapes: SamShapes) -> Optional[str]:
    layers = shapes.iou_head_depth if ".iou_prediction_head." in key else 3
    renamed = _sam_mlp_rename(key, layers)
    if renamed is not None:
        return renamed
    for pattern, replacement in _SAM_RENAMES:
        if re.match(pattern, key):
            return re.sub(pattern, replacement, key)
    return None


def sam_from_state_dict(state: Mapping[str, Tensor], arch: Optional[str] = None):
    """A ``transformers.SamModel`` holding the original checkpoint's weights, the shapes and the report."""
    from transformers import SamConfig, SamModel

    shapes = infer_sam_shapes(state, arch)
    model = SamModel(SamConfig(**shapes.config_dict())).eval()
    mapping = WeightMapping(state, model)
    for key in state:
        if key in ("pixel_mean", "pixel_std"):
            expected = SAM_PIXEL_MEAN if key == "pixel_mean" else SAM_PIXEL_STD
            if not torch.allclose(state[key].flatten().double(), torch.tensor(expected, dtype=torch.float64)):
                raise CheckpointError(f"'{key}' is {state[key].flatten().tolist()}, the bundle assumes SAM's {expected}")
            mapping.skip(key, "normalisation constant (SAM's own; the bundle manifest carries it)")
            continue
        target = sam_target_name(key, shapes)
        if target is None:
            raise CheckpointError(f"unknown SAM tensor '{key}'")
        mapping.assign([key], [target])
    return model, shapes, mapping.finish()


# =====================================================================================
# OpenAI CLIP
# =====================================================================================

@dataclass(frozen=True)
class ClipShapes:
    """``clip.model.build_model``'s inference, ViT image tower only."""

    vision_width: int
    vision_layers: int
    vision_heads: int
    patch_size: int
    image_size: int
    vision_mlp: int
    embed_dim: int
    width: int
    layers: int
    heads: int
    text_mlp: int
    context_length: int
    vocab_size: int

    def config_dict(self) -> Dict:
        return {
            "text_config": {
                "hidden_size": self.width, "intermediate_size": self.text_mlp, "num_hidden_layers": self.layers,
                "num_attention_heads": self.heads, "max_position_embeddings": self.context_length,
                "vocab_size": self.vocab_size, "projection_dim": self.embed_dim, "hidden_act": "quick_gelu",
                "layer_norm_eps": 1e-5,
            },
            "vision_config": {
                "hidden_size": self.vision_width, "intermediate_size": self.vision_mlp,
                "num_hidden_layers": self.vision_layers, "num_attention_heads": self.vision_heads,
                "image_size": self.image_size, "patch_size": self.patch_size, "projection_dim": self.embed_dim,
                "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5,
            },
            "projection_dim": self.embed_dim,
        }


def infer_clip_shapes(state: Mapping[str, Tensor]) -> ClipShapes:
    what = "OpenAI CLIP (ViT)"
    if "visual.proj" not in state:
        raise CheckpointError("not an OpenAI CLIP ViT checkpoint: no 'visual.proj' (ResNet CLIP models are not supported)")
    conv = _require(state, "visual.conv1.weight", what)
    vision_width, patch = int(conv.shape[0]), int(conv.shape[-1])
    vision_layers = len(_layer_indices(state, "visual.transformer.resblocks."))
    grid = round((int(_require(state, "visual.positional_embedding", what).shape[0]) - 1) ** 0.5)
    width = int(_require(state, "ln_final.weight", what).shape[0])
    shapes = ClipShapes(
        vision_width=vision_width, vision_layers=vision_layers, vision_heads=vision_width // 64, patch_size=patch,
        image_size=patch * grid,
        vision_mlp=int(_require(state, "visual.transformer.resblocks.0.mlp.c_fc.weight", what).shape[0]),
        embed_dim=int(_require(state, "text_projection", what).shape[1]),
        width=width, layers=len(_layer_indices(state, "transformer.resblocks.")), heads=width // 64,
        text_mlp=int(_require(state, "transformer.resblocks.0.mlp.c_fc.weight", what).shape[0]),
        context_length=int(_require(state, "positional_embedding", what).shape[0]),
        vocab_size=int(_require(state, "token_embedding.weight", what).shape[0]),
    )
    if shapes.vision_heads == 0 or shapes.heads == 0:
        raise CheckpointError(f"widths {vision_width}/{width} give no attention head (CLIP uses width // 64 heads)")
    if (shapes.vocab_size, shapes.context_length) != (CLIP_VOCAB_SIZE, CLIP_CONTEXT_LENGTH):
        raise CheckpointError(f"vocabulary {shapes.vocab_size} / context {shapes.context_length}: the bundle's CLIP BPE "
                              f"tokenizer needs {CLIP_VOCAB_SIZE} / {CLIP_CONTEXT_LENGTH}")
    return shapes


def _split_in_proj(tensor: Tensor) -> Sequence[Tensor]:
    """``nn.MultiheadAttention``'s packed ``[3D, ...]`` projection -> q, k, v."""
    return tuple(tensor.chunk(3, dim=0))


def _transposed(tensor: Tensor) -> Sequence[Tensor]:
    """OpenAI stores projections as ``x @ P`` (``[in, out]``); ``nn.Linear`` wants ``[out, in]``."""
    return (tensor.t(),)


_METADATA_KEYS = ("input_resolution", "context_length", "vocab_size")


def _map_clip_block(mapping: WeightMapping, source: str, target: str) -> None:
    attn = f"{target}.self_attn"
    mapping.assign([f"{source}.attn.in_proj_weight"], [f"{attn}.{p}_proj.weight" for p in "qkv"], _split_in_proj)
    mapping.assign([f"{source}.attn.in_proj_bias"], [f"{attn}.{p}_proj.bias" for p in "qkv"], _split_in_proj)
    for kind in ("weight", "bias"):
        mapping.assign([f"{source}.attn.out_proj.{kind}"], [f"{attn}.out_proj.{kind}"])
        mapping.assign([f"{source}.ln_1.{kind}"], [f"{target}.layer_norm1.{kind}"])
        mapping.assign([f"{source}.ln_2.{kind}"], [f"{target}.layer_norm2.{kind}"])
        mapping.assign([f"{source}.mlp.c_fc.{kind}"], [f"{target}.mlp.fc1.{kind}"])
        mapping.assign([f"{source}.mlp.c_proj.{kind}"], [f"{target}.mlp.fc2.{kind}"])


def clip_from_state_dict(state: Mapping[str, Tensor]):
    """A ``transformers.CLIPModel`` holding OpenAI's weights (upcast to float32), the shapes and the report."""
    from transformers import CLIPConfig, CLIPModel

    shapes = infer_clip_shapes(state)
    model = CLIPModel(CLIPConfig(**shapes.config_dict())).eval()
    mapping = WeightMapping(state, model)
    expected_metadata = {"input_resolution": shapes.image_size, "context_length": shapes.context_length,
                         "vocab_size": shapes.vocab_size}
    for key in _METADATA_KEYS:
        if key in state:
            if int(state[key].item()) != expected_metadata[key]:
                raise CheckpointError(f"'{key}' is {int(state[key].item())}, the tensors say {expected_metadata[key]}")
            mapping.skip(key, "size metadata of OpenAI's archive (build_model drops it); equals the size inferred from the shapes")
    for key in state:
        if key.endswith(".attn_mask"):
            mapping.skip(key, "causal mask constant; the text encoder builds it")
    mapping.assign(["visual.conv1.weight"], ["vision_model.embeddings.patch_embedding.weight"])
    mapping.assign(["visual.class_embedding"], ["vision_model.embeddings.class_embedding"])
    mapping.assign(["visual.positional_embedding"], ["vision_model.embeddings.position_embedding.weight"])
    for kind in ("weight", "bias"):
        mapping.assign([f"visual.ln_pre.{kind}"], [f"vision_model.pre_layrnorm.{kind}"])
        mapping.assign([f"visual.ln_post.{kind}"], [f"vision_model.post_layernorm.{kind}"])
        mapping.assign([f"ln_final.{kind}"], [f"text_model.final_layer_norm.{kind}"])
    for i in range(shapes.vision_layers):
        _map_clip_block(mapping, f"visual.transformer.resblocks.{i}", f"vision_model.encoder.layers.{i}")
    for i in range(shapes.layers):
        _map_clip_block(mapping, f"transformer.resblocks.{i}", f"text_model.encoder.layers.{i}")
    mapping.assign(["visual.proj"], ["visual_projection.weight"], _transposed)
    mapping.assign(["text_projection"], ["text_projection.weight"], _transposed)
    mapping.assign(["token_embedding.weight"], ["text_model.embeddings.token_embedding.weight"])
    mapping.assign(["positional_embedding"], ["text_model.embeddings.position_embedding.weight"])
    mapping.assign(["logit_scale"], ["logit_scale"])
    return model, shapes, mapping.finish()


# =====================================================================================
# Files
# =====================================================================================

def load_state_dict(path: Path) -> Dict[str, Tensor]:
    """``torch.load`` of a ``torch.save``d state dict (SAM's ``.pth``); ``weights_only``: nothing is executed."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means "not a checkpoint"
        raise CheckpointError(f"{path}: not a PyTorch state dict ({exc})") from exc
    return _tensor_dict(state, path)


def load_clip_checkpoint(path: Path) -> Dict[str, Tensor]:
    """OpenAI's file as ``clip.load`` reads it: a TorchScript archive's ``state_dict()``, or else a
    plain state dict (``weights_only``)."""
    try:
        archive = torch.jit.load(str(path), map_location="cpu")
    except RuntimeError:
        archive = None
    if archive is not None:
        return _tensor_dict(archive.state_dict(), path)
    return load_state_dict(path)


def _tensor_dict(state, path: Path) -> Dict[str, Tensor]:
    if not isinstance(state, Mapping) or not state:
        raise CheckpointError(f"{path}: expected a state dict (name -> tensor), found {type(state).__name__}")
    bad = [k for k, v in state.items() if not isinstance(k, str) or not isinstance(v, Tensor)]
    if bad:
        raise CheckpointError(f"{path}: entries that are not named tensors: {bad[:5]}")
    return {k: v.detach() for k, v in state.items()}


def describe_report(report: MappingReport) -> str:
    lines = [f"{len(report.used)} tensors mapped onto {report.target_count} model tensors"]
    for key, reason in sorted(report.unused.items()):
        lines.append(f"  not used: {key} ({reason})")
    return "\n".join(lines)
