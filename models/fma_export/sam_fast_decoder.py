"""SAM's prompt encoder + mask decoder for a batch of single-point prompts, computed without the
per-prompt copies of the image that the reference implementation makes.

Same weights and the same mathematics as ``SamModel``'s prompt encoder and mask decoder called with
one point per prompt and ``multimask_output=True``; the test suite compares both to float rounding.  What changes is where the
work happens, for ``Q`` prompts over an ``N = e*e`` token image embedding:

* The reference repeats the image embedding and its positional encoding ``Q`` times and runs the
  first two-way block on the copies, although every prompt sees the same image there.  Here the
  first block's image-side projections (keys and values of token->image attention, queries of
  image->token attention, and ``image + pe``) are computed once and broadcast.
* ``keys + pe`` is formed once per block (the reference forms it twice).

From the first block's image->token update on, the image tokens differ per prompt and the work is
the reference's.  The image-side tensors of the first block are ``[1, N, C]`` instead of ``[Q, N, C]``.
"""
from __future__ import annotations

from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def _heads(x: Tensor, heads: int) -> Tensor:
    """``[B, T, C] -> [B, heads, T, C/heads]``."""
    b, t, c = x.shape
    return x.reshape(b, t, heads, c // heads).transpose(1, 2)


def _merge(x: Tensor) -> Tensor:
    """``[B, heads, T, d] -> [B, T, heads*d]``."""
    b, h, t, d = x.shape
    return x.transpose(1, 2).reshape(b, t, h * d)


def _attend(q: Tensor, k: Tensor, v: Tensor, scale: float) -> Tensor:
    """Scaled dot-product attention over already projected, head-split tensors; batch dims broadcast."""
    batch = max(q.shape[0], k.shape[0])
    q = q.expand(batch, -1, -1, -1)
    k = k.expand(batch, -1, -1, -1)
    v = v.expand(batch, -1, -1, -1)
    return F.scaled_dot_product_attention(q, k, v, scale=scale)


class _Attention(nn.Module):
    """Applies one of SAM's ``SamAttention`` layers with its own weights."""

    def __init__(self, attention):
        super().__init__()
        self.q_proj = attention.q_proj
        self.k_proj = attention.k_proj
        self.v_proj = attention.v_proj
        self.out_proj = attention.out_proj
        self.heads = int(attention.num_attention_heads)
        self.scale = float(attention.scaling)

    def forward(self, q: Tensor, k: Tensor, v: Tensor) -> Tensor:
        out = _attend(_heads(self.q_proj(q), self.heads), _heads(self.k_proj(k), self.heads),
                      _heads(self.v_proj(v), self.heads), self.scale)
        return self.out_proj(_merge(out))


class FastPointDecoder(nn.Module):
    """``(image_embeddings [1,C,e,e], point_coords [Q,2], point_labels i64 [Q]) ->
    (low_res_masks [Q,3,4e,4e], iou_predictions [Q,3])``, multimask outputs only."""

    def __init__(self, sam_model):
        super().__init__()
        decoder = sam_model.mask_decoder
        transformer = decoder.transformer
        self.prompt_encoder = sam_model.prompt_encoder
        self.iou_token = decoder.iou_token
        self.mask_tokens = decoder.mask_tokens
        self.blocks = transformer.layers
        self.self_attn = nn.ModuleList([_Attention(b.self_attn) for b in transformer.layers])
        self.token_to_image = nn.ModuleList([_Attention(b.cross_attn_token_to_image) for b in transformer.layers])
        self.image_to_token = nn.ModuleList([_Attention(b.cross_attn_image_to_token) for b in transformer.layers])
        self.final_attn = _Attention(transformer.final_attn_token_to_image)
        self.final_norm = transformer.layer_norm_final_attn
        self.upscale_conv1 = decoder.upscale_conv1
        self.upscale_conv2 = decoder.upscale_conv2
        self.upscale_layer_norm = decoder.upscale_layer_norm
        self.activation = decoder.activation
        self.hypernetworks = decoder.output_hypernetworks_mlps
        self.iou_head = decoder.iou_prediction_head
        with torch.no_grad():
            self.register_buffer("image_pe", sam_model.get_image_wide_positional_embeddings().clone())

    def forward(self, image_embeddings: Tensor, point_coords: Tensor, point_labels: Tensor) -> Tuple[Tensor, Tensor]:
        points = point_coords.view(1, -1, 1, 2)
        labels = point_labels.view(1, -1, 1)
        sparse, dense = self.prompt_encoder(input_points=points, input_labels=labels, input_boxes=None, input_masks=None)
        q = sparse.shape[1]
        _, channels, height, width = image_embeddings.shape
        output_tokens = torch.cat([self.iou_token.weight, self.mask_tokens.weight], dim=0)
        tokens = torch.cat([output_tokens.unsqueeze(0).expand(q, -1, -1), sparse[0].to(output_tokens.dtype)], dim=1)
        image = (image_embeddings + dense).flatten(2).transpose(1, 2)  # [1, N, C], shared by all prompts
        pe = self.image_pe.flatten(2).transpose(1, 2)  # [1, N, C]

        # First block: the image side is the same for every prompt (broadcast [1, N, C]).
        first = self.blocks[0]
        queries = first.layer_norm1(self.self_attn[0](tokens, tokens, tokens))  # skip_first_layer_pe: no residual
        image_pe = image + pe
        queries = first.layer_norm2(queries + self.token_to_image[0](queries + tokens, image_pe, image))
        queries = first.layer_norm3(queries + first.mlp(queries))
        keys = first.layer_norm4(image + self.image_to_token[0](image_pe, queries + tokens, queries))  # [Q, N, C]

        for i in range(1, len(self.blocks)):
            block = self.blocks[i]
            query_pe = queries + tokens
            queries = block.layer_norm1(queries + self.self_attn[i](query_pe, query_pe, queries))
            keys_pe = keys + pe
            queries = block.layer_norm2(queries + self.token_to_image[i](queries + tokens, keys_pe, keys))
            queries = block.layer_norm3(queries + block.mlp(queries))
            keys = block.layer_norm4(keys + self.image_to_token[i](keys_pe, queries + tokens, queries))

        queries = self.final_norm(queries + self.final_attn(queries + tokens, keys + pe, keys))

        iou_token_out = queries[:, 0, :]
        mask_tokens_out = queries[:, 1:1 + self.mask_tokens.weight.shape[0], :]
        src = keys.transpose(1, 2).reshape(q, channels, height, width)
        upscaled = self.upscale_conv1(src)
        upscaled = self.activation(self.upscale_layer_norm(upscaled))
        upscaled = self.activation(self.upscale_conv2(upscaled))
        hyper = torch.stack([mlp(mask_tokens_out[:, i, :]) for i, mlp in enumerate(self.hypernetworks)], dim=1)
        _, up_channels, up_h, up_w = upscaled.shape
        masks = (hyper @ upscaled.reshape(q, up_channels, up_h * up_w)).reshape(q, -1, up_h, up_w)
        iou = self.iou_head(iou_token_out)
        return masks[:, 1:], iou[:, 1:]
