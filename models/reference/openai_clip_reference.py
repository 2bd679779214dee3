"""Minimal re-implementation of OpenAI CLIP's ViT model (``openai/CLIP``, ``clip/model.py``), written
from reading that code, for tests only.

The exporter maps OpenAI's checkpoints (``ViT-B-16.pt``: a TorchScript archive as ``clip.load``
downloads it, or a plain state dict) onto Hugging Face ``CLIPModel``.  The tests build this
model with random weights, store it the way OpenAI does (fp16 matrices via ``convert_weights``,
then a traced TorchScript archive, or ``torch.save`` of the state dict) and compare the exported
bundle modules with this forward pass.  Only the ViT image tower (the ResNet variants are not
FMA-WSSS's backbone).

Names are the original ones (``visual.conv1``, ``visual.transformer.resblocks.<i>.attn.in_proj_weight``,
``ln_final``, ``text_projection`` ...), so ``state_dict()`` has a released file's keys.
``build_model`` infers every size from the state dict as the original does, including
``heads = width // 64``.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Optional

import torch
from torch import Tensor, nn


class LayerNorm(nn.LayerNorm):
    """LayerNorm computed in float32 whatever the input dtype (fp16 checkpoints)."""

    def forward(self, x: Tensor) -> Tensor:
        dtype = x.dtype
        return super().forward(x.type(torch.float32)).type(dtype)


class QuickGELU(nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    def __init__(self, d_model: int, n_head: int, attn_mask: Optional[Tensor] = None):
        super().__init__()
        self.attn = nn.MultiheadAttention(d_model, n_head)
        self.ln_1 = LayerNorm(d_model)
        self.mlp = nn.Sequential(OrderedDict([
            ("c_fc", nn.Linear(d_model, d_model * 4)),
            ("gelu", QuickGELU()),
            ("c_proj", nn.Linear(d_model * 4, d_model)),
        ]))
        self.ln_2 = LayerNorm(d_model)
        self.attn_mask = attn_mask  # a plain attribute, not a buffer: not in the state dict

    def attention(self, x: Tensor) -> Tensor:
        mask = self.attn_mask.to(dtype=x.dtype, device=x.device) if self.attn_mask is not None else None
        return self.attn(x, x, x, need_weights=False, attn_mask=mask)[0]

    def attention_weights(self, x: Tensor) -> Tensor:
        """Head-averaged attention probabilities of ``ln_1(x)`` (``[L, N, D]`` -> ``[N, L, L]``);
        not part of OpenAI's forward, used to check the exported attention maps."""
        mask = self.attn_mask.to(dtype=x.dtype, device=x.device) if self.attn_mask is not None else None
        y = self.ln_1(x)
        return self.attn(y, y, y, need_weights=True, average_attn_weights=True, attn_mask=mask)[1]

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attention(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, width: int, layers: int, heads: int, attn_mask: Optional[Tensor] = None):
        super().__init__()
        self.width = width
        self.layers = layers
        self.resblocks = nn.Sequential(*[ResidualAttentionBlock(width, heads, attn_mask) for _ in range(layers)])

    def forward(self, x: Tensor) -> Tensor:
        return self.resblocks(x)


class VisionTransformer(nn.Module):
    def __init__(self, input_resolution: int, patch_size: int, width: int, layers: int, heads: int, output_dim: int):
        super().__init__()
        self.input_resolution = input_resolution
        self.conv1 = nn.Conv2d(3, width, kernel_size=patch_size, stride=patch_size, bias=False)
        scale = width ** -0.5
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(scale * torch.randn((input_resolution // patch_size) ** 2 + 1, width))
        self.ln_pre = LayerNorm(width)
        self.transformer = Transformer(width, layers, heads)
        self.ln_post = LayerNorm(width)
        self.proj = nn.Parameter(scale * torch.randn(width, output_dim))

    def tokens(self, x: Tensor) -> Tensor:
        """Patch + class embedding, positions, ``ln_pre``: ``[N, 3, H, W] -> [N, 1 + grid^2, width]``."""
        x = self.conv1(x)
        x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
        cls = self.class_embedding.to(x.dtype) + torch.zeros(x.shape[0], 1, x.shape[-1], dtype=x.dtype, device=x.device)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding.to(x.dtype)
        return self.ln_pre(x)

    def forward(self, x: Tensor) -> Tensor:
        x = self.tokens(x).permute(1, 0, 2)  # NLD -> LND
        x = self.transformer(x).permute(1, 0, 2)
        x = self.ln_post(x[:, 0, :])
        return x @ self.proj


class CLIP(nn.Module):
    def __init__(self, embed_dim: int, image_resolution: int, vision_layers: int, vision_width: int,
                 vision_patch_size: int, context_length: int, vocab_size: int, transformer_width: int,
                 transformer_heads: int, transformer_layers: int):
        super().__init__()
        self.context_length = context_length
        self.visual = VisionTransformer(image_resolution, vision_patch_size, vision_width, vision_layers,
                                        vision_width // 64, embed_dim)
        self.transformer = Transformer(transformer_width, transformer_layers, transformer_heads,
                                       attn_mask=self.build_attention_mask())
        self.vocab_size = vocab_size
        self.token_embedding = nn.Embedding(vocab_size, transformer_width)
        self.positional_embedding = nn.Parameter(torch.empty(context_length, transformer_width))
        self.ln_final = LayerNorm(transformer_width)
        self.text_projection = nn.Parameter(torch.empty(transformer_width, embed_dim))
        self.logit_scale = nn.Parameter(torch.ones([]) * torch.log(torch.tensor(1 / 0.07)))

    def build_attention_mask(self) -> Tensor:
        mask = torch.empty(self.context_length, self.context_length)
        mask.fill_(float("-inf"))
        return mask.triu_(1)

    @property
    def dtype(self) -> torch.dtype:
        return self.visual.conv1.weight.dtype

    def encode_image(self, image: Tensor) -> Tensor:
        return self.visual(image.type(self.dtype))

    def encode_text(self, text: Tensor) -> Tensor:
        x = self.token_embedding(text).type(self.dtype) + self.positional_embedding.type(self.dtype)
        x = self.transformer(x.permute(1, 0, 2)).permute(1, 0, 2)
        x = self.ln_final(x).type(self.dtype)
        # the EOT token has the highest id of each sequence
        return x[torch.arange(x.shape[0]), text.argmax(dim=-1)] @ self.text_projection

    def forward(self, image: Tensor, text: Tensor):
        image_features = self.encode_image(image)
        text_features = self.encode_text(text)
        image_features = image_features / image_features.norm(dim=1, keepdim=True)
        text_features = text_features / text_features.norm(dim=1, keepdim=True)
        logits_per_image = self.logit_scale.exp() * image_features @ text_features.t()
        return logits_per_image, logits_per_image.t()


def convert_weights(model: nn.Module) -> None:
    """OpenAI's fp16 conversion: conv / linear / attention projection matrices and biases, ``proj``
    and ``text_projection``; embeddings, layer norms and ``logit_scale`` stay float32."""

    def to_half(module: nn.Module) -> None:
        if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Linear)):
            module.weight.data = module.weight.data.half()
            if module.bias is not None:
                module.bias.data = module.bias.data.half()
        if isinstance(module, nn.MultiheadAttention):
            for attr in ["in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "bias_k", "bias_v"]:
                tensor = getattr(module, attr)
                if tensor is not None:
                    tensor.data = tensor.data.half()
        for name in ["text_projection", "proj"]:
            attr = getattr(module, name, None)
            if isinstance(attr, Tensor):
                attr.data = attr.data.half()

    model.apply(to_half)


def build_model(state_dict: dict) -> CLIP:
    """``clip.model.build_model`` for ViT checkpoints: sizes from the tensor shapes, weights loaded strictly."""
    state_dict = dict(state_dict)
    vision_width = state_dict["visual.conv1.weight"].shape[0]
    vision_layers = len([k for k in state_dict if k.startswith("visual.") and k.endswith(".attn.in_proj_weight")])
    vision_patch_size = state_dict["visual.conv1.weight"].shape[-1]
    grid = round((state_dict["visual.positional_embedding"].shape[0] - 1) ** 0.5)
    embed_dim = state_dict["text_projection"].shape[1]
    context_length = state_dict["positional_embedding"].shape[0]
    vocab_size = state_dict["token_embedding.weight"].shape[0]
    width = state_dict["ln_final.weight"].shape[0]
    layers = len({k.split(".")[2] for k in state_dict if k.startswith("transformer.resblocks")})
    model = CLIP(embed_dim, vision_patch_size * grid, vision_layers, vision_width, vision_patch_size,
                 context_length, vocab_size, width, width // 64, layers)
    for key in ["input_resolution", "context_length", "vocab_size"]:
        state_dict.pop(key, None)
    convert_weights(model)
    model.load_state_dict(state_dict)
    return model.eval()


def random_clip(*, seed: int, vision_width: int = 128, vision_layers: int = 3, patch_size: int = 16,
                image_resolution: int = 224, width: int = 64, layers: int = 2, embed_dim: int = 32,
                context_length: int = 77, vocab_size: int = 49408) -> CLIP:
    """A float32 model with seeded random weights (widths multiples of 64: heads = width // 64)."""
    torch.manual_seed(seed)
    model = CLIP(embed_dim, image_resolution, vision_layers, vision_width, patch_size, context_length,
                 vocab_size, width, width // 64, layers)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name == "logit_scale":
                param.fill_(float(torch.log(torch.tensor(100.0))))
            elif param.dim() >= 2:
                param.copy_(torch.randn(param.shape, generator=generator) / max(1, param.shape[-1]) ** 0.5)
            elif name.endswith("weight"):
                param.copy_(1.0 + 0.1 * torch.randn(param.shape, generator=generator))
            else:
                param.copy_(0.05 * torch.randn(param.shape, generator=generator))
    return model.eval()
