"""SAM's ViT image encoder with the same weights and mathematics as ``SamModel.vision_encoder``,
arranged so that no tensor much larger than the activations is ever formed.

Where the reference spends its time on a CPU (SAM ViT-B, 1024x1024, eager and traced alike) is not
its 0.97 TFLOP of matrix products but memory traffic around them:

* The relative-position bias of attention (``rel_h[..., :, None] + rel_w[..., None, :]``) is
  materialised for all heads at once: ``[12, 4096, 4096]`` floats (805 MB) in each of the four
  global blocks, then copied again by a ``reshape`` of its non-contiguous result, before the fused
  attention reads it.  Here the bias is formed for a few query rows at a time (a slice that stays
  in the cache, contiguous, written once) and the fused kernel runs on that slice of the queries.
  Query rows are independent in attention, so the chunks give the same result.
* Windowed blocks pad the 64x64 token grid to 70x70 and run the qkv projection on the 4,900 padded
  tokens; a padded (zero) token's projection is the bias, so here the projection runs on the 4,096
  real tokens and the padding is filled with the bias.  The output projection, a per-token map,
  runs after the windows are put back and the padding is cropped.
* q, k, v are taken as strided views of the qkv projection (the reference copies them into a
  ``[3, B*heads, T, d]`` tensor first), and the fused kernel's output is already token-major.

On top of that, the allocations are what they cost here: a large fresh allocation costs more in page
faults than the arithmetic that fills it on this kind of VM (docs/performance.md).

``forward(pixel_values [1,3,S,S]) -> image_embeddings [1,C,S/16,S/16]`` in the dtype of the weights.
``explicit=True`` (the bf16 variant) computes attention as batched products with the bias folded
into the query-key product (``FastVisionAttention.explicit_attention``) instead of the fused kernel.
"""
from __future__ import annotations

from typing import List

import torch
import torch.nn.functional as F
from torch import Tensor, nn

# Query rows of a global block whose bias slice is formed at once: 12 heads x 64 rows x 64 x 4096 x
# 4 bytes = 12.6 MB, which stays in the last-level cache between being written and read.
GLOBAL_ROWS_PER_CHUNK = 1
# Windows per chunk in windowed blocks (25 windows at 1024 px): 5 x 12 x 196 x 196 x 4 bytes = 9 MB.
WINDOWS_PER_CHUNK = 5
# Query rows per chunk of the explicit (bf16) form: 12 x 128 x 4096 x 2 bytes = 12.6 MB of scores.
EXPLICIT_ROWS_PER_CHUNK = 2


def _relative_table(attn, size: int, rel_pos: Tensor) -> Tensor:
    """``[size, size, d]`` relative-position embeddings for a ``size``-long axis, from the reference's
    own ``get_rel_pos`` (so any interpolation it does is reproduced exactly)."""
    with torch.no_grad():
        return attn.get_rel_pos(size, size, rel_pos).detach().clone()


class FastVisionAttention(nn.Module):
    """One ``SamVisionAttention`` (global or windowed) with its own weights.

    ``forward(qkv_input [B, h, w, C]) -> [B, heads, h*w, d]`` attention outputs before the output
    projection, where ``B`` is 1 for a global block and the number of windows otherwise.
    """

    def __init__(self, attn, size: int, chunk: int, explicit: bool = False):
        super().__init__()
        self.heads = attn.num_attention_heads
        self.scale = float(attn.scale)
        self.size = size
        self.chunk = chunk
        self.explicit = explicit
        self.qkv = attn.qkv
        self.proj = attn.proj
        self.register_buffer("rel_h", _relative_table(attn, size, attn.rel_pos_h))
        self.register_buffer("rel_w", _relative_table(attn, size, attn.rel_pos_w))
        # One-hot key row and key column of every token of a size x size grid: [size*size, size].
        tokens = torch.arange(size * size)
        axis = torch.arange(size)
        self.register_buffer("key_rows", (tokens[:, None] // size == axis).to(attn.rel_pos_h.dtype))
        self.register_buffer("key_cols", (tokens[:, None] % size == axis).to(attn.rel_pos_h.dtype))

    def forward(self, qkv: Tensor) -> Tensor:
        b, h, w, three_c = qkv.shape
        d = three_c // (3 * self.heads)
        # Strided views, no copy: [3, B, heads, h*w, d].
        parts = qkv.reshape(b, h * w, 3, self.heads, d).permute(2, 0, 3, 1, 4)
        q, k, v = parts[0], parts[1], parts[2]
        grid = q.reshape(b, self.heads, h, w, d)
        # Decomposed relative-position terms (unscaled queries, as in the reference).
        rel_h = torch.einsum("bnhwc,hkc->bnhwk", grid, self.rel_h.to(q.dtype))  # [B, heads, h, w, kh]
        rel_w = torch.einsum("bnhwc,wkc->bnhwk", grid, self.rel_w.to(q.dtype))  # [B, heads, h, w, kw]
        if self.explicit:
            return self.explicit_attention(q, k, v, rel_h, rel_w)
        outputs: List[Tensor] = []
        if b == 1:
            # Global block: chunks of query rows.
            for start in range(0, h, self.chunk):
                stop = min(start + self.chunk, h)
                bias = (rel_h[:, :, start:stop, :, :, None] + rel_w[:, :, start:stop, :, None, :])
                bias = bias.reshape(1, self.heads, (stop - start) * w, h * w)
                rows = q[:, :, start * w:stop * w]
                outputs.append(F.scaled_dot_product_attention(rows, k, v, attn_mask=bias).transpose(1, 2))
            return torch.cat(outputs, dim=1)  # [1, h*w, heads, d]
        for start in range(0, b, self.chunk):
            stop = min(start + self.chunk, b)
            bias = rel_h[start:stop, :, :, :, :, None] + rel_w[start:stop, :, :, :, None, :]
            bias = bias.reshape(stop - start, self.heads, h * w, h * w)
            out = F.scaled_dot_product_attention(q[start:stop], k[start:stop], v[start:stop], attn_mask=bias)
            outputs.append(out.transpose(1, 2))
        return torch.cat(outputs, dim=0)  # [B, h*w, heads, d]

    def explicit_attention(self, q: Tensor, k: Tensor, v: Tensor, rel_h: Tensor, rel_w: Tensor) -> Tensor:
        """Attention as two batched products and a softmax, the bias folded into the first product:
        ``[s*q, rel_h, rel_w] . [k, onehot(key row), onehot(key column)] = s*q.k + rel_h[key row] +
        rel_w[key column]``.  The query-key product gets ``h + w`` more terms (64 -> 192 for a
        global block), but no bias tensor is formed or added at all, and the products run on
        oneDNN's matrix kernels; used for bf16, where libtorch's fused CPU attention is slower than
        in fp32.  Global blocks run ``chunk`` query rows at a time so the scores stay in the cache.
        Returns ``[B, h*w, heads, d]``."""
        b, heads, n, d = q.shape
        h = rel_h.shape[2]
        w = rel_h.shape[3]
        queries = torch.cat(
            [q * self.scale, rel_h.reshape(b, heads, n, h), rel_w.reshape(b, heads, n, w)], dim=-1
        ).reshape(b * heads, n, d + h + w)
        keys = torch.cat(
            [k, self.key_rows.expand(b, heads, n, h), self.key_cols.expand(b, heads, n, w)], dim=-1
        ).reshape(b * heads, n, d + h + w).transpose(1, 2)
        values = v.reshape(b * heads, n, d)
        step = self.chunk * w if b == 1 else n
        outputs: List[Tensor] = []
        for start in range(0, n, step):
            scores = torch.bmm(queries[:, start:start + step], keys)
            outputs.append(torch.bmm(torch.softmax(scores, dim=-1), values))
        out = torch.cat(outputs, dim=1) if len(outputs) > 1 else outputs[0]
        return out.reshape(b, heads, n, d).transpose(1, 2)


class FastVisionLayer(nn.Module):
    """``SamVisionLayer``: ``x + attn(ln1(x))`` (windowed or global), then ``x + mlp(ln2(x))``."""

    def __init__(self, layer, grid: int, explicit: bool = False):
        super().__init__()
        self.window = int(layer.window_size)
        size = self.window if self.window > 0 else grid
        chunk = WINDOWS_PER_CHUNK if self.window > 0 else GLOBAL_ROWS_PER_CHUNK
        if explicit and self.window == 0:
            chunk = EXPLICIT_ROWS_PER_CHUNK
        self.layer_norm1 = layer.layer_norm1
        self.attn = FastVisionAttention(layer.attn, size, chunk, explicit)
        self.layer_norm2 = layer.layer_norm2
        self.mlp = layer.mlp

    def attention(self, x: Tensor) -> Tensor:
        b, height, width, c = x.shape
        qkv = self.attn.qkv(self.layer_norm1(x))  # [1, H, W, 3C] on the real tokens only
        if self.window == 0:
            out = self.attn(qkv)
            return self.attn.proj(out.reshape(b, height, width, c))
        win = self.window
        pad_h = (win - height % win) % win
        pad_w = (win - width % win) % win
        if pad_h > 0 or pad_w > 0:
            # A zero-padded token's projection is the qkv bias.
            fill = self.attn.qkv.bias
            if fill is None:
                fill = torch.zeros(qkv.shape[-1], dtype=qkv.dtype, device=qkv.device)
            padded = fill.to(qkv.dtype).expand(b, height + pad_h, width + pad_w, qkv.shape[-1]).clone()
            padded[:, :height, :width] = qkv
            qkv = padded
        rows = (height + pad_h) // win
        cols = (width + pad_w) // win
        windows = (
            qkv.reshape(b, rows, win, cols, win, -1).permute(0, 1, 3, 2, 4, 5).reshape(b * rows * cols, win, win, -1)
        )
        out = self.attn(windows)  # [b*rows*cols, win*win, heads, d]
        out = out.reshape(b, rows, cols, win, win, c).permute(0, 1, 3, 2, 4, 5).reshape(b, rows * win, cols * win, c)
        return self.attn.proj(out[:, :height, :width])

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attention(x)
        return x + self.mlp(self.layer_norm2(x))


class FastVisionEncoder(nn.Module):
    """``SamVisionEncoder``: patch embedding, absolute positions, the blocks, the neck."""

    def __init__(self, vision_encoder, explicit: bool = False):
        super().__init__()
        cfg = vision_encoder.config
        grid = int(cfg.image_size) // int(cfg.patch_size)
        self.projection = vision_encoder.patch_embed.projection
        self.pos_embed = vision_encoder.pos_embed
        self.layers = nn.ModuleList(
            [FastVisionLayer(layer, grid, explicit) for layer in vision_encoder.layers]
        )
        self.neck = vision_encoder.neck

    def forward(self, pixel_values: Tensor) -> Tensor:
        x = self.projection(pixel_values).permute(0, 2, 3, 1)
        if self.pos_embed is not None:
            x = x + self.pos_embed
        for layer in self.layers:
            x = layer(x)
        return self.neck(x)
