"""Scriptable CLIP modules that the bundle ships as TorchScript (see docs/bundle-format.md).

The modules re-implement the Hugging Face CLIP transformer in plain, TorchScript-friendly PyTorch so
that the service gets exactly the entry points FMA-WSSS needs (the residual stream before the last
block, head-averaged attention maps, text encoding from token embeddings, Softmax-GradCAM with a
``create_graph`` flag).  Weights are copied from a ``transformers.CLIPModel``; equivalence with the
Hugging Face modules is checked by ``models/tests/test_export.py``.

Shapes: ``B`` batch, ``T = 1 + N`` tokens (CLS first, then ``N = h*w`` patches row-major),
``D`` vision width, ``Dt`` text width, ``E`` joint embedding dim, ``K`` text prompts, ``P`` present
classes.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class Attention(nn.Module):
    """Multi-head self-attention with the Hugging Face CLIP parameter layout.

    Returns the output ``[B, T, C]`` and the attention weights averaged over heads ``[B, T, T]``.
    """

    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.head_dim = width // heads
        self.scale = float(self.head_dim) ** -0.5
        self.q_proj = nn.Linear(width, width)
        self.k_proj = nn.Linear(width, width)
        self.v_proj = nn.Linear(width, width)
        self.out_proj = nn.Linear(width, width)

    def project(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Queries, keys and values split into heads: ``[B, T, C] -> 3 x [B, heads, T, C/heads]``."""
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        return q, k, v

    def forward(self, x: Tensor, mask: Optional[Tensor]) -> Tuple[Tensor, Tensor]:
        b, t, c = x.shape
        q, k, v = self.project(x)
        # Scale the queries rather than the [heads, T, T] scores, and hand the product contiguous
        # operands: on CPU the product of the strided head views is ~1.5x slower (T = 951: the
        # attention of one block 147 -> 94 ms).
        scores = torch.matmul((q * self.scale).contiguous(), k.transpose(-1, -2).contiguous())
        if mask is not None:
            scores = scores + mask
        weights = torch.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
        out = torch.matmul(weights, v).transpose(1, 2).reshape(b, t, c)
        return self.out_proj(out), weights.mean(dim=1)

    def forward_fused(self, x: Tensor) -> Tensor:
        """The output alone, through the fused kernel (no attention weights are formed)."""
        b, t, c = x.shape
        q, k, v = self.project(x)
        out = F.scaled_dot_product_attention(q, k, v, scale=self.scale)
        return self.out_proj(out.transpose(1, 2).reshape(b, t, c))


class Mlp(nn.Module):
    """CLIP MLP: fc1, activation (quick GELU for OpenAI CLIP, exact GELU otherwise), fc2."""

    def __init__(self, width: int, hidden: int, quick_gelu: bool):
        super().__init__()
        self.quick_gelu = quick_gelu
        self.fc1 = nn.Linear(width, hidden)
        self.fc2 = nn.Linear(hidden, width)

    def forward(self, x: Tensor) -> Tensor:
        x = self.fc1(x)
        if self.quick_gelu:
            x = x * torch.sigmoid(1.702 * x)
        else:
            x = F.gelu(x)
        return self.fc2(x)


class Block(nn.Module):
    """Pre-LN transformer block: ``x + attn(ln1(x))`` then ``x + mlp(ln2(x))``."""

    def __init__(self, width: int, heads: int, mlp_hidden: int, quick_gelu: bool, eps: float):
        super().__init__()
        self.layer_norm1 = nn.LayerNorm(width, eps=eps)
        self.self_attn = Attention(width, heads)
        self.layer_norm2 = nn.LayerNorm(width, eps=eps)
        self.mlp = Mlp(width, mlp_hidden, quick_gelu)

    def forward(self, x: Tensor, mask: Optional[Tensor]) -> Tuple[Tensor, Tensor]:
        attended, weights = self.self_attn(self.layer_norm1(x), mask)
        return self.finish(x, attended), weights

    def forward_fused(self, x: Tensor) -> Tensor:
        """The block without attention weights (blocks whose maps nobody reads)."""
        return self.finish(x, self.self_attn.forward_fused(self.layer_norm1(x)))

    def finish(self, residual: Tensor, attended: Tensor) -> Tensor:
        """Second half of the block, given the attention output (used by Softmax-GradCAM)."""
        x = residual + attended
        return x + self.mlp(self.layer_norm2(x))


def _block_from_hf(layer, cfg) -> Block:
    quick = cfg.hidden_act == "quick_gelu"
    block = Block(cfg.hidden_size, cfg.num_attention_heads, cfg.intermediate_size, quick, cfg.layer_norm_eps)
    block.load_state_dict(layer.state_dict())
    return block


def _linear_from_hf(linear: nn.Linear) -> nn.Linear:
    copy = nn.Linear(linear.in_features, linear.out_features, bias=linear.bias is not None)
    copy.load_state_dict(linear.state_dict())
    return copy


def _layer_norm_from_hf(norm: nn.LayerNorm) -> nn.LayerNorm:
    copy = nn.LayerNorm(norm.normalized_shape, eps=norm.eps)
    copy.load_state_dict(norm.state_dict())
    return copy


class VisionTrunk(nn.Module):
    """Patch embedding, bilinearly interpolated position embedding, pre-LN and all blocks but the last.

    ``forward(pixel_values [B,3,H,W], attn_layers i64 []) -> (x [B,T,D], attn [B,T,T])`` where
    ``attn`` is the mean over heads and over the last ``attn_layers`` trunk blocks.
    """

    def __init__(self, clip_model):
        super().__init__()
        vision = clip_model.vision_model
        cfg = clip_model.config.vision_config
        emb = vision.embeddings
        self.patch = int(cfg.patch_size)
        self.grid = int(cfg.image_size) // self.patch
        self.patch_embedding = nn.Conv2d(3, cfg.hidden_size, self.patch, self.patch, bias=False)
        self.patch_embedding.load_state_dict(emb.patch_embedding.state_dict())
        self.class_embedding = nn.Parameter(emb.class_embedding.detach().clone())
        self.position_embedding = nn.Parameter(emb.position_embedding.weight.detach().clone())
        self.pre_layrnorm = _layer_norm_from_hf(vision.pre_layrnorm)
        self.blocks = nn.ModuleList([_block_from_hf(layer, cfg) for layer in vision.encoder.layers[:-1]])

    def position_embeddings(self, h: int, w: int) -> Tensor:
        """The 14x14 (native) grid resized bilinearly (align_corners=False) to ``h x w`` -> ``[1,T,D]``."""
        d = self.position_embedding.shape[1]
        grid = self.position_embedding[1:].reshape(1, self.grid, self.grid, d).permute(0, 3, 1, 2)
        # The aten op itself: scripting F.interpolate would embed every resize mode, including
        # ops (_upsample_lanczos2d_aa) that the libtorch of DJL (2.7.1) does not have.
        resized = torch._C._nn.upsample_bilinear2d(grid, [h, w], False, None)
        patches = resized.permute(0, 2, 3, 1).reshape(1, h * w, d)
        return torch.cat([self.position_embedding[:1].unsqueeze(0), patches], dim=1)

    def embed(self, pixel_values: Tensor) -> Tensor:
        b = pixel_values.shape[0]
        h = pixel_values.shape[2] // self.patch
        w = pixel_values.shape[3] // self.patch
        patches = self.patch_embedding(pixel_values).flatten(2).transpose(1, 2)
        cls = self.class_embedding.view(1, 1, -1).expand(b, 1, patches.shape[2])
        x = torch.cat([cls, patches], dim=1) + self.position_embeddings(h, w)
        return self.pre_layrnorm(x)

    def forward(self, pixel_values: Tensor, attn_layers: Tensor) -> Tuple[Tensor, Tensor]:
        x = self.embed(pixel_values)
        count = len(self.blocks)
        wanted = min(max(int(attn_layers.item()), 0), count)
        # Summed in fp32 whatever the compute dtype (a bf16 sum of 8 maps would lose ~3 bits).
        attn = torch.zeros(x.shape[0], x.shape[1], x.shape[1], dtype=torch.float32, device=x.device)
        index = 0
        for block in self.blocks:
            # Only the last `wanted` blocks' maps are averaged; the others skip forming them.
            if index >= count - wanted:
                x, weights = block(x, None)
                attn = attn + weights.float()
            else:
                x = block.forward_fused(x)
            index += 1
        if wanted > 0:
            attn = attn / wanted
        return x, attn.to(x.dtype)


class Bf16VisionTrunk(nn.Module):
    """A :class:`VisionTrunk` with bf16 weights and arithmetic behind the plain trunk's signature:
    inputs are cast to bf16, outputs back to the input's dtype (the bundle's
    ``clip/vision_trunk.bf16.pt``)."""

    def __init__(self, clip_model):
        super().__init__()
        self.trunk = VisionTrunk(clip_model).to(torch.bfloat16)

    def forward(self, pixel_values: Tensor, attn_layers: Tensor) -> Tuple[Tensor, Tensor]:
        x, attn = self.trunk(pixel_values.to(torch.bfloat16), attn_layers)
        return x.to(pixel_values.dtype), attn.to(pixel_values.dtype)


class ImageHead(nn.Module):
    """Last block, post-LN, mean of patch tokens (CLS excluded), projection: ``x [B,T,D] -> [B,E]``."""

    def __init__(self, clip_model):
        super().__init__()
        cfg = clip_model.config.vision_config
        self.last = _block_from_hf(clip_model.vision_model.encoder.layers[-1], cfg)
        self.post_layernorm = _layer_norm_from_hf(clip_model.vision_model.post_layernorm)
        self.visual_projection = _linear_from_hf(clip_model.visual_projection)

    def embed_tokens(self, x: Tensor) -> Tensor:
        """Post-LN + patch-token mean + projection of the last block's output ``[B,T,D] -> [B,E]``."""
        return self.visual_projection(self.post_layernorm(x)[:, 1:, :].mean(dim=1))

    def forward(self, x: Tensor) -> Tensor:
        y, _ = self.last(x, None)
        return self.embed_tokens(y)


class GradCam(nn.Module):
    """Softmax-GradCAM on the token features entering the last attention (spec §4, §8).

    ``forward(x [1,T,D], text [K,E], targets i64 [P], softmax_mask [K], create_graph i64 [])
    -> (cams [P,N], logits [K], attn_last [T,T], image_embeds [E])``.
    """

    def __init__(self, clip_model):
        super().__init__()
        self.head = ImageHead(clip_model)
        self.logit_scale = float(clip_model.logit_scale.exp().item())

    def forward(
        self, x: Tensor, text: Tensor, targets: Tensor, softmax_mask: Tensor, create_graph: Tensor
    ) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
        keep_graph = int(create_graph.item()) != 0
        text_n = text / text.norm(p=2, dim=-1, keepdim=True)
        residual = x.detach()
        present = targets.shape[0]
        # Script-friendly equivalent of `with torch.enable_grad()`: the service may call this module
        # under a no-grad guard, but the CAM itself is a gradient.
        grad_was_enabled = torch.is_grad_enabled()
        torch.set_grad_enabled(True)
        # F = ln_1(x): detached activations. One forward pass of the last block, then one retained
        # backward pass per present class (CLIP-ES's loop): cheaper than replicating the block
        # per class for a single batched backward.
        feats = self.head.last.layer_norm1(residual).detach()
        leaf = feats.clone().requires_grad_(True)
        attended, weights = self.head.last.self_attn(leaf, None)
        tokens = self.head.last.finish(residual, attended)
        image = self.head.embed_tokens(tokens)
        image_n = image / image.norm(p=2, dim=-1, keepdim=True)
        logits = self.logit_scale * torch.matmul(image_n, text_n.t())
        shifted = torch.exp(logits - logits.max(dim=-1, keepdim=True)[0]) * softmax_mask
        scores = shifted / (shifted.sum(dim=-1, keepdim=True) + 1e-5)
        per_class: List[Tensor] = []
        for p in range(present):
            grad_list: List[Optional[Tensor]] = torch.autograd.grad(
                [scores[0, targets[p]]], [leaf], retain_graph=keep_graph or p + 1 < present, create_graph=keep_graph
            )
            grad = grad_list[0]
            assert grad is not None
            per_class.append(grad[0])
        grads = torch.stack(per_class)
        torch.set_grad_enabled(grad_was_enabled)
        cam_weights = grads[:, 1:, :].mean(dim=1)
        cams = (feats[:, 1:, :] * cam_weights.unsqueeze(1)).sum(dim=-1)
        return cams, logits[0], weights[0], image[0]


class TextEncoder(nn.Module):
    """CLIP text transformer from token embeddings: ``(embeds [P,77,Dt], eot i64 [P]) -> [P,E]``."""

    def __init__(self, clip_model):
        super().__init__()
        text = clip_model.text_model
        cfg = clip_model.config.text_config
        self.position_embedding = nn.Parameter(text.embeddings.position_embedding.weight.detach().clone())
        self.blocks = nn.ModuleList([_block_from_hf(layer, cfg) for layer in text.encoder.layers])
        self.final_layer_norm = _layer_norm_from_hf(text.final_layer_norm)
        self.text_projection = _linear_from_hf(clip_model.text_projection)

    def forward(self, embeds: Tensor, eot: Tensor) -> Tensor:
        length = embeds.shape[1]
        x = embeds + self.position_embedding[:length].unsqueeze(0)
        causal = torch.full([length, length], float("-inf"), dtype=x.dtype, device=x.device).triu(1)
        for block in self.blocks:
            x, _ = block(x, causal)
        x = self.final_layer_norm(x)
        pooled = x[torch.arange(x.shape[0], device=x.device), eot]
        return self.text_projection(pooled)


class TokenEmbedding(nn.Module):
    """Token-embedding table: ``ids i64 [P,77] -> [P,77,Dt]``."""

    def __init__(self, clip_model):
        super().__init__()
        table = clip_model.text_model.embeddings.token_embedding
        self.token_embedding = nn.Embedding(table.num_embeddings, table.embedding_dim)
        self.token_embedding.load_state_dict(table.state_dict())

    def forward(self, ids: Tensor) -> Tensor:
        return self.token_embedding(ids)


def script_clip_modules(clip_model, dtype: torch.dtype = torch.float32) -> dict:
    """All CLIP bundle modules in ``dtype``, scripted, keyed by their bundle path."""
    clip_model = clip_model.eval()
    modules = {
        "clip/vision_trunk.pt": VisionTrunk(clip_model),
        "clip/image_head.pt": ImageHead(clip_model),
        "clip/gradcam.pt": GradCam(clip_model),
        "clip/text_encoder.pt": TextEncoder(clip_model),
        "clip/token_embedding.pt": TokenEmbedding(clip_model),
    }
    return {path: torch.jit.script(module.to(dtype).eval()) for path, module in modules.items()}


def script_bf16_vision_trunk(clip_model):
    """The bf16 variant of ``clip/vision_trunk.pt`` (fp32 inputs and outputs), scripted."""
    return torch.jit.script(Bf16VisionTrunk(clip_model.eval()).eval())
