#!/usr/bin/env python3
"""Operator forms at the SAM ViT-B encoder's (and CLIP ViT-B/16 trunk's) real shapes, as small
TorchScript modules, to find where libtorch 2.7.1 (DJL's engine) leaves oneDNN's bf16 kernels and
which forms are fast.  The Java side (``com.fmawsss.bench.OperatorForms``, test sources) loads every
module with DJL and times it; this script exports them and can time the same files (and eager
equivalents) under the venv's PyTorch for comparison.

    # export every form (modules + forms.json manifest)
    models/.venv/bin/python models/bench/operator_forms.py export --out /tmp/operator-forms
    # only some groups (big, linear, linx, int8, bmm, attention, softmax, eltwise, conv, block, encoder);
    # --check compares candidate blocks / encoders with the fp32 ones
    models/.venv/bin/python models/bench/operator_forms.py export --out /tmp/operator-forms --groups block,encoder --check
    # time the exported TorchScript files under the venv's torch (2 threads, 2 warm-ups, 5 runs)
    LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 \\
      models/.venv/bin/python models/bench/operator_forms.py time --out /tmp/operator-forms \\
      --filter '^big' --json /tmp/torch213.json
    # which oneDNN kernels each form ran (log of the Java harness's --verbose-pass under ONEDNN_VERBOSE=1)
    models/.venv/bin/python models/bench/operator_forms.py kernels --log /tmp/of-verbose.out --detail \\
      --json /tmp/kernels.json
    # markdown table of the Java harness's results (later JSON files override earlier ones per form)
    models/.venv/bin/python models/bench/operator_forms.py table --djl /tmp/of.json --kernels /tmp/kernels.json
    # eager 4096^3 products (and autocast) under the venv's torch
    models/.venv/bin/python models/bench/operator_forms.py eager-big

Shapes (SAM ViT-B at 1024x1024): 64x64 = 4,096 tokens of 768 channels, 12 heads of 64, MLP 3,072;
windowed blocks: the grid padded to 70x70 = 25 windows of 14x14 = 196 tokens (300 window-heads);
global blocks: 4,096 x 4,096 attention; decomposed relative-position terms.  CLIP ViT-B/16: 197
tokens x 768, 12 heads, MLP 3,072.

Every form is a module whose inputs are given in the manifest (shape, dtype) and whose weights are
its own (random) buffers/parameters.  ``flops`` are counted by hand (2*m*n*k per product) for the
operator forms and by ``torch.utils.flop_counter`` for the blocks; elementwise forms give
``elements`` instead.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

F32 = torch.float32
BF16 = torch.bfloat16
DT = {F32: "float32", BF16: "bfloat16", torch.int64: "int64"}
DT_SHORT = {F32: "fp32", BF16: "bf16"}

# SAM ViT-B
N = 4096
C = 768
HEADS = 12
HD = 64
MLP = 3072
WIN = 14
WT = WIN * WIN  # 196 tokens per window
NWIN = 25
# CLIP ViT-B/16
CN = 197

LINEAR_SHAPES = {
    # name: (M tokens, K in, N out)
    "sam_qkv": (N, C, 3 * C),
    "sam_mlp1": (N, C, MLP),
    "sam_mlp2": (N, MLP, C),
    "sam_proj": (N, C, C),
    "clip_qkv": (CN, C, 3 * C),
    "clip_mlp1": (CN, C, MLP),
    "clip_mlp2": (CN, MLP, C),
}


class Form:
    def __init__(self, name: str, group: str, module: nn.Module, inputs: List[Tuple[List[int], torch.dtype]],
                 flops: float = 0.0, elements: float = 0.0, note: str = "", script: bool = False,
                 shape: str = "", dtype: str = ""):
        self.name = name
        self.group = group
        self.module = module
        self.inputs = inputs
        self.flops = flops
        self.elements = elements
        self.note = note
        self.script = script
        self.shape = shape
        self.dtype = dtype


def _randn(shape, dtype, gen, scale=1.0):
    return (torch.randn(*shape, generator=gen) * scale).to(dtype)


# ----------------------------------------------------------------------------------------------
# 1. large products and linear layers


class MM(nn.Module):
    def forward(self, a: Tensor, b: Tensor) -> Tensor:
        return torch.mm(a, b)


class MMBt(nn.Module):
    """a @ b.T with b given [n, k] (transposed view)."""

    def forward(self, a: Tensor, b: Tensor) -> Tensor:
        return torch.mm(a, b.t())


class Matmul(nn.Module):
    def forward(self, a: Tensor, b: Tensor) -> Tensor:
        return torch.matmul(a, b)


class Linear(nn.Module):
    """F.linear(x, W, b) with W [out, in] (what nn.Linear does); x may be 2-D or N-D."""

    def __init__(self, k: int, n: int, dtype, gen, bias: bool = True):
        super().__init__()
        self.weight = nn.Parameter(_randn((n, k), dtype, gen, 1 / math.sqrt(k)), requires_grad=False)
        self.bias = nn.Parameter(_randn((n,), dtype, gen, 0.05), requires_grad=False) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)


class AddmmWtView(nn.Module):
    """torch.addmm(b, x, W.t()) -- what linear on a 2-D input with bias lowers to."""

    def __init__(self, k, n, dtype, gen):
        super().__init__()
        self.weight = nn.Parameter(_randn((n, k), dtype, gen, 1 / math.sqrt(k)), requires_grad=False)
        self.bias = nn.Parameter(_randn((n,), dtype, gen, 0.05), requires_grad=False)

    def forward(self, x: Tensor) -> Tensor:
        return torch.addmm(self.bias, x, self.weight.t())


class MMWtView(nn.Module):
    def __init__(self, k, n, dtype, gen):
        super().__init__()
        self.weight = nn.Parameter(_randn((n, k), dtype, gen, 1 / math.sqrt(k)), requires_grad=False)

    def forward(self, x: Tensor) -> Tensor:
        return torch.mm(x, self.weight.t())


class MMWtContig(nn.Module):
    """torch.mm(x, Wt) with Wt stored [in, out] contiguous."""

    def __init__(self, k, n, dtype, gen):
        super().__init__()
        self.weight_t = nn.Parameter(_randn((k, n), dtype, gen, 1 / math.sqrt(k)), requires_grad=False)

    def forward(self, x: Tensor) -> Tensor:
        return torch.mm(x, self.weight_t)


class MatmulWtView(nn.Module):
    def __init__(self, k, n, dtype, gen):
        super().__init__()
        self.weight = nn.Parameter(_randn((n, k), dtype, gen, 1 / math.sqrt(k)), requires_grad=False)

    def forward(self, x: Tensor) -> Tensor:
        return torch.matmul(x, self.weight.t())


class MMThenAdd(nn.Module):
    """mm(x, W.t()) + b: the bias added by a separate elementwise op."""

    def __init__(self, k, n, dtype, gen):
        super().__init__()
        self.weight = nn.Parameter(_randn((n, k), dtype, gen, 1 / math.sqrt(k)), requires_grad=False)
        self.bias = nn.Parameter(_randn((n,), dtype, gen, 0.05), requires_grad=False)

    def forward(self, x: Tensor) -> Tensor:
        return torch.mm(x, self.weight.t()) + self.bias


def big_forms(gen) -> List[Form]:
    forms = []
    s = 4096
    flops = 2.0 * s * s * s
    for dt in (F32, BF16):
        d = DT_SHORT[dt]
        shp = f"{s}x{s}x{s}"
        forms.append(Form(f"big/mm/{d}", "big", MM(), [([s, s], dt), ([s, s], dt)], flops, shape=shp, dtype=d,
                          note="torch.mm(a, b), both contiguous"))
        forms.append(Form(f"big/mm_bT_view/{d}", "big", MMBt(), [([s, s], dt), ([s, s], dt)], flops, shape=shp,
                          dtype=d, note="torch.mm(a, b.t()), b transposed view"))
        forms.append(Form(f"big/matmul/{d}", "big", Matmul(), [([s, s], dt), ([s, s], dt)], flops, shape=shp,
                          dtype=d, note="torch.matmul(a, b) 2-D"))
        forms.append(Form(f"big/linear_nobias/{d}", "big", Linear(s, s, dt, gen, bias=False), [([s, s], dt)], flops,
                          shape=shp, dtype=d, note="F.linear(x, W) no bias"))
        forms.append(Form(f"big/linear_bias/{d}", "big", Linear(s, s, dt, gen), [([s, s], dt)], flops, shape=shp,
                          dtype=d, note="F.linear(x, W, b) = addmm"))
        forms.append(Form(f"big/linear_3d/{d}", "big", Linear(s, s, dt, gen), [([1, s, s], dt)], flops,
                          shape=f"1x{shp}", dtype=d, note="F.linear on [1, 4096, 4096] with bias"))
    return forms


def linear_forms(gen, shapes: Optional[List[str]] = None) -> List[Form]:
    forms = []
    for sname, (m, k, n) in LINEAR_SHAPES.items():
        if shapes and sname not in shapes:
            continue
        flops = 2.0 * m * k * n
        shp = f"{m}x{k}->{n}"
        nd_shape = [1, 64, 64, k] if sname.startswith("sam") else [1, m, k]
        for dt in (F32, BF16):
            d = DT_SHORT[dt]

            def add(form: str, module: nn.Module, inp, note):
                forms.append(Form(f"linear/{sname}/{form}/{d}", "linear", module, [(inp, dt)], flops, shape=shp,
                                  dtype=d, note=note))

            add("linear_2d", Linear(k, n, dt, gen), [m, k], "F.linear(x[M,K], W, b)")
            add("linear_nd", Linear(k, n, dt, gen), nd_shape, f"F.linear(x{nd_shape}, W, b) (the blocks' form)")
            add("linear_nobias", Linear(k, n, dt, gen, bias=False), [m, k], "F.linear(x, W) no bias")
            add("addmm_Wt_view", AddmmWtView(k, n, dt, gen), [m, k], "torch.addmm(b, x, W.t())")
            add("mm_Wt_view", MMWtView(k, n, dt, gen), [m, k], "torch.mm(x, W.t())")
            add("mm_Wt_contig", MMWtContig(k, n, dt, gen), [m, k], "torch.mm(x, Wt) Wt [K,N] contiguous")
            add("matmul_Wt_view", MatmulWtView(k, n, dt, gen), [m, k], "torch.matmul(x, W.t())")
            add("mm_then_add", MMThenAdd(k, n, dt, gen), [m, k], "torch.mm(x, W.t()) + b")
    return forms


class Conv1x1ChannelsLast(nn.Module):
    """A linear layer as a 1x1 convolution on the NHWC activations [1, H, W, K] (permuted to a
    channels-last NCHW view, no copy): reaches oneDNN's convolution (fp32 and bf16) instead of
    ATen's addmm."""

    def __init__(self, k, n, dtype, gen):
        super().__init__()
        self.weight = nn.Parameter(_randn((n, k, 1, 1), dtype, gen, 1 / math.sqrt(k)), requires_grad=False)
        self.bias = nn.Parameter(_randn((n,), dtype, gen, 0.05), requires_grad=False)

    def forward(self, x: Tensor) -> Tensor:
        y = F.conv2d(x.permute(0, 3, 1, 2), self.weight, self.bias)
        return y.permute(0, 2, 3, 1)


# One source for every instance (ScriptModule subclasses share their compiled methods by type):
# the fused post-op is chosen by the instance's ``attr`` attribute.  N-D input is flattened to the
# 2-D rows oneDNN's linear wants and the output viewed back.
_LP_SOURCE = """
def forward(self, x: Tensor) -> Tensor:
    scalars: List[Optional[number]] = []
    shape = x.shape
    x2 = x.reshape(-1, shape[-1])
    if self.attr == "gelu":
        y = torch.ops.mkldnn._linear_pointwise(x2, self.weight, self.bias, "gelu", scalars, "none")
    else:
        y = torch.ops.mkldnn._linear_pointwise(x2, self.weight, self.bias, "none", scalars, "")
    out = shape[:-1]
    out.append(y.shape[-1])
    return y.view(out)
"""


class LinearPointwise(torch.jit.ScriptModule):
    """torch.ops.mkldnn._linear_pointwise(x, W, b, attr): oneDNN's linear (inner product / matmul)
    with an optional fused post-op ("none" or "gelu"), dense weights.  Its ``Scalar?[]`` argument
    (``List[Optional[number]]``) cannot be written in a Python annotation nor traced, so forward is
    defined from TorchScript source."""

    def __init__(self, k, n, dtype, gen, attr: str = "none", weight=None, bias=None, nd: bool = False):
        super().__init__()
        if weight is None:
            weight = _randn((n, k), dtype, gen, 1 / math.sqrt(k))
            bias = _randn((n,), dtype, gen, 0.05)
        self.weight = nn.Parameter(weight.detach().to(dtype).clone(), requires_grad=False)
        self.bias = nn.Parameter(bias.detach().to(dtype).clone(), requires_grad=False)
        self.attr = attr
        self.define(_LP_SOURCE)

    @staticmethod
    def of(linear: nn.Linear, dtype, attr: str = "none") -> "LinearPointwise":
        return LinearPointwise(linear.in_features, linear.out_features, dtype, None, attr, linear.weight,
                               linear.bias, nd=True)


class LinearGelu(nn.Module):
    def __init__(self, k, n, dtype, gen):
        super().__init__()
        self.lin = Linear(k, n, dtype, gen)

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(self.lin(x))


def linx_forms(gen) -> List[Form]:
    """Other routes for the linear layers: 1x1 convolution on channels-last activations and
    oneDNN's linear op, with and without a fused GELU."""
    forms = []
    for sname in ("sam_qkv", "sam_mlp1", "sam_mlp2", "sam_proj"):
        m, k, n = LINEAR_SHAPES[sname]
        flops = 2.0 * m * k * n
        for dt in (F32, BF16):
            d = DT_SHORT[dt]
            shp = f"{m}x{k}->{n}"
            forms.append(Form(f"linear/{sname}/conv1x1_channels_last/{d}", "linx", Conv1x1ChannelsLast(k, n, dt, gen),
                              [([1, 64, 64, k], dt)], flops, shape=shp, dtype=d,
                              note="F.conv2d(x.permute(0,3,1,2), W[N,K,1,1], b).permute(0,2,3,1) on NHWC x"))
            forms.append(Form(f"linear/{sname}/mkldnn_linear_pointwise/{d}", "linx", LinearPointwise(k, n, dt, gen),
                              [([m, k], dt)], flops, shape=shp, dtype=d, script=True,
                              note="torch.ops.mkldnn._linear_pointwise(x, W, b, 'none') (dense W), scripted"))
            if sname == "sam_mlp1":
                forms.append(Form(f"linear/{sname}/mkldnn_linear_gelu/{d}", "linx",
                                  LinearPointwise(k, n, dt, gen, "gelu"), [([m, k], dt)], flops, shape=shp,
                                  dtype=d, script=True, note="torch.ops.mkldnn._linear_pointwise(x, W, b, 'gelu'): fused GELU"))
                forms.append(Form(f"linear/{sname}/linear_then_gelu/{d}", "linx", LinearGelu(k, n, dt, gen),
                                  [([m, k], dt)], flops, shape=shp, dtype=d, note="F.gelu(F.linear(x, W, b))"))
    return forms


# ----------------------------------------------------------------------------------------------
# int8 dynamic quantisation


class LinearNd(nn.Module):
    def __init__(self, k, n):
        super().__init__()
        self.fc = nn.Linear(k, n)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(x)


class Mlp(nn.Module):
    """SAM's MLP: lin1, GELU, lin2 (fp32 around int8 products in the quantised variant)."""

    def __init__(self):
        super().__init__()
        self.lin1 = nn.Linear(C, MLP)
        self.act = nn.GELU()
        self.lin2 = nn.Linear(MLP, C)

    def forward(self, x: Tensor) -> Tensor:
        return self.lin2(self.act(self.lin1(x)))


def quantize(module: nn.Module, engine: str, per_channel: bool) -> nn.Module:
    from torch.ao.quantization import default_dynamic_qconfig, per_channel_dynamic_qconfig, quantize_dynamic

    torch.backends.quantized.engine = engine
    qconfig = per_channel_dynamic_qconfig if per_channel else default_dynamic_qconfig
    return quantize_dynamic(module.eval(), {nn.Linear: qconfig}, dtype=torch.qint8)


def int8_forms(gen) -> List[Form]:
    forms = []
    torch.manual_seed(0)
    for sname, (m, k, n) in LINEAR_SHAPES.items():
        if sname == "clip_qkv":
            continue
        flops = 2.0 * m * k * n
        nd_shape = [1, 64, 64, k] if sname.startswith("sam") else [1, m, k]
        for engine in ("x86", "fbgemm"):
            for per_channel in (False, True):
                if per_channel and engine == "fbgemm":
                    continue
                tag = f"{engine}{'_perchannel' if per_channel else ''}"
                q = quantize(LinearNd(k, n), engine, per_channel)
                forms.append(Form(f"int8/{sname}/dyn_{tag}_2d/fp32io", "int8", q, [([m, k], F32)], flops, script=True,
                                  shape=f"{m}x{k}->{n}", dtype="int8dyn",
                                  note=f"quantize_dynamic nn.Linear qint8 ({tag}), scripted, x[M,K] fp32"))
                if engine == "x86" and not per_channel:
                    q = quantize(LinearNd(k, n), engine, per_channel)
                    forms.append(Form(f"int8/{sname}/dyn_{tag}_nd/fp32io", "int8", q, [(nd_shape, F32)], flops,
                                      script=True, shape=f"{m}x{k}->{n}", dtype="int8dyn",
                                      note=f"quantize_dynamic nn.Linear qint8 ({tag}), scripted, x{nd_shape}"))
    mlp_flops = 2.0 * N * C * MLP * 2
    for engine in ("x86", "fbgemm"):
        forms.append(Form(f"int8/sam_mlp/dyn_{engine}/fp32io", "int8", quantize(Mlp(), engine, False),
                          [([1, 64, 64, C], F32)], mlp_flops, script=True, shape="4096x768->3072->768",
                          dtype="int8dyn", note=f"SAM MLP (lin1, GELU, lin2), dynamic int8 linears ({engine})"))
    forms.append(Form("int8/sam_mlp/fp32_reference/fp32", "int8", Mlp().eval(), [([1, 64, 64, C], F32)], mlp_flops,
                      shape="4096x768->3072->768", dtype="fp32", note="SAM MLP fp32, traced"))
    forms.append(Form("int8/sam_mlp/bf16_reference/bf16", "int8", Mlp().eval().to(BF16), [([1, 64, 64, C], BF16)],
                      mlp_flops, shape="4096x768->3072->768", dtype="bf16", note="SAM MLP bf16, traced"))
    torch.backends.quantized.engine = "x86"
    return forms


# ----------------------------------------------------------------------------------------------
# 2. batched products (attention shapes)


class Bmm(nn.Module):
    def forward(self, a: Tensor, b: Tensor) -> Tensor:
        return torch.bmm(a, b)


class BmmBtView(nn.Module):
    """bmm(q, k.transpose(1, 2)), k contiguous [B, N, d]."""

    def forward(self, q: Tensor, k: Tensor) -> Tensor:
        return torch.bmm(q, k.transpose(1, 2))


class MatmulBtView(nn.Module):
    def forward(self, q: Tensor, k: Tensor) -> Tensor:
        return torch.matmul(q, k.transpose(-2, -1))


class BaddbmmBtView(nn.Module):
    """baddbmm(bias, q, k^T, alpha=scale): the additive bias through the product's beta."""

    def forward(self, bias: Tensor, q: Tensor, k: Tensor) -> Tensor:
        return torch.baddbmm(bias, q, k.transpose(1, 2), beta=1.0, alpha=0.125)


class BmmFromQkv(nn.Module):
    """q, k as strided views of a qkv projection [B, T, 3*heads*d] (the SAM encoder's layout):
    bmm(q, k^T) with q [B*heads, T, d] non-contiguous (reshape copies where needed)."""

    def __init__(self, heads: int):
        super().__init__()
        self.heads = heads

    def forward(self, qkv: Tensor) -> Tensor:
        b, t, three_c = qkv.shape
        d = three_c // (3 * self.heads)
        parts = qkv.reshape(b, t, 3, self.heads, d).permute(2, 0, 3, 1, 4)
        q = parts[0].reshape(b * self.heads, t, d)
        k = parts[1].reshape(b * self.heads, t, d)
        return torch.bmm(q, k.transpose(1, 2))


class Matmul4dFromQkv(nn.Module):
    """matmul on 4-D strided views [B, heads, T, d] of the qkv projection."""

    def __init__(self, heads: int):
        super().__init__()
        self.heads = heads

    def forward(self, qkv: Tensor) -> Tensor:
        b, t, three_c = qkv.shape
        d = three_c // (3 * self.heads)
        parts = qkv.reshape(b, t, 3, self.heads, d).permute(2, 0, 3, 1, 4)
        return torch.matmul(parts[0], parts[1].transpose(-2, -1))


class BmmPVFromQkv(nn.Module):
    """bmm(p, v) with v a strided view of the qkv projection."""

    def __init__(self, heads: int):
        super().__init__()
        self.heads = heads

    def forward(self, p: Tensor, qkv: Tensor) -> Tensor:
        b, t, three_c = qkv.shape
        d = three_c // (3 * self.heads)
        v = qkv.reshape(b, t, 3, self.heads, d).permute(2, 0, 3, 1, 4)[2].reshape(b * self.heads, t, d)
        return torch.bmm(p, v)


def bmm_forms() -> List[Form]:
    forms = []
    cases = {
        # name: (batch, rows, inner, cols) of the scores product; qkv layout (B, T)
        "win": (NWIN * HEADS, WT, HD, WT, NWIN),
        "glob": (HEADS, N, HD, N, 1),
        "clip": (HEADS, CN, HD, CN, 1),
    }
    for cname, (b, m, k, n, qb) in cases.items():
        for dt in (F32, BF16):
            d = DT_SHORT[dt]
            f_qk = 2.0 * b * m * n * k
            shp = f"{b}x[{m}x{k}]x[{k}x{n}]"

            def add(form, module, inputs, flops, note, shape=shp):
                forms.append(Form(f"bmm/{cname}/{form}/{d}", "bmm", module, inputs, flops, shape=shape, dtype=d,
                                  note=note))

            add("qk_bmm_contig", Bmm(), [([b, m, k], dt), ([b, k, n], dt)], f_qk, "bmm(q, kT), kT contiguous [B,d,N]")
            add("qk_bmm_kT_view", BmmBtView(), [([b, m, k], dt), ([b, n, k], dt)], f_qk,
                "bmm(q, k.transpose(1,2)), transposed view")
            add("qk_matmul3d_kT_view", MatmulBtView(), [([b, m, k], dt), ([b, n, k], dt)], f_qk,
                "matmul(q, k.transpose(-2,-1)) 3-D")
            hb = b // HEADS
            add("qk_matmul4d_kT_view", MatmulBtView(), [([hb, HEADS, m, k], dt), ([hb, HEADS, n, k], dt)], f_qk,
                "matmul 4-D [B,heads,N,d] x transposed view")
            add("qk_bmm_from_qkv", BmmFromQkv(HEADS), [([qb, m, 3 * C], dt)], f_qk,
                "bmm on strided q,k views of qkv [B,T,3C] (reshape copies)")
            add("qk_matmul4d_from_qkv", Matmul4dFromQkv(HEADS), [([qb, m, 3 * C], dt)], f_qk,
                "matmul on 4-D strided q,k views of qkv")
            add("qk_baddbmm_bias", BaddbmmBtView(), [([b, m, n], dt), ([b, m, k], dt), ([b, n, k], dt)], f_qk,
                "baddbmm(bias, q, k^T, alpha=1/8): bias through beta")
            f_pv = 2.0 * b * m * n * k
            shp_pv = f"{b}x[{m}x{n}]x[{n}x{k}]"
            add("pv_bmm_contig", Bmm(), [([b, m, n], dt), ([b, n, k], dt)], f_pv, "bmm(p, v) contiguous", shp_pv)
            add("pv_bmm_from_qkv", BmmPVFromQkv(HEADS), [([b, m, n], dt), ([qb, m, 3 * C], dt)], f_pv,
                "bmm(p, v) with v a strided view of qkv", shp_pv)
            add("pv_matmul4d", Matmul(), [([hb, HEADS, m, n], dt), ([hb, HEADS, n, k], dt)], f_pv,
                "matmul 4-D (p, v) contiguous", shp_pv)
    # the bf16 variant's folded-bias product, one chunk of 2 query rows (128 queries x 192 terms)
    for dt in (F32, BF16):
        d = DT_SHORT[dt]
        b, m, k, n = HEADS, 128, 192, N
        forms.append(Form(f"bmm/glob_folded_chunk/qk_bmm_kT_view/{d}", "bmm", BmmBtView(),
                          [([b, m, k], dt), ([b, n, k], dt)], 2.0 * b * m * n * k, shape=f"{b}x[{m}x{k}]x[{k}x{n}]",
                          dtype=d, note="the bf16 variant's folded-bias chunk: bmm(q[12,128,192], keys^T view)"))
        b, m, k, n = HEADS, 4096, 192, N
        forms.append(Form(f"bmm/glob_folded/qk_bmm_kT_view/{d}", "bmm", BmmBtView(),
                          [([b, m, k], dt), ([b, n, k], dt)], 2.0 * b * m * n * k, shape=f"{b}x[{m}x{k}]x[{k}x{n}]",
                          dtype=d, note="folded-bias product, all query rows at once"))
    return forms


# ----------------------------------------------------------------------------------------------
# 3. attention


class Sdpa(nn.Module):
    def forward(self, q: Tensor, k: Tensor, v: Tensor) -> Tensor:
        return F.scaled_dot_product_attention(q, k, v)


class SdpaMask(nn.Module):
    def forward(self, q: Tensor, k: Tensor, v: Tensor, mask: Tensor) -> Tensor:
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)


class SdpaFromQkv(nn.Module):
    """SDPA on strided q,k,v views [B, heads, T, d] of qkv [B, T, 3C] (the encoder's layout)."""

    def __init__(self, heads: int, with_mask: bool):
        super().__init__()
        self.heads = heads
        self.with_mask = with_mask

    def forward(self, qkv: Tensor, mask: Tensor) -> Tensor:
        b, t, three_c = qkv.shape
        d = three_c // (3 * self.heads)
        parts = qkv.reshape(b, t, 3, self.heads, d).permute(2, 0, 3, 1, 4)
        if self.with_mask:
            return F.scaled_dot_product_attention(parts[0], parts[1], parts[2], attn_mask=mask)
        return F.scaled_dot_product_attention(parts[0], parts[1], parts[2])


class Explicit(nn.Module):
    """softmax(q k^T * s + bias) v with bmm, bias added by baddbmm or by add; softmax in the input
    dtype or in fp32 (``softmax_fp32``: softmax(dtype=float32) then cast back)."""

    def __init__(self, mode: str, softmax_fp32: bool, chunk: int):
        super().__init__()
        self.mode = mode
        self.softmax_fp32 = softmax_fp32
        self.chunk = chunk

    def forward(self, q: Tensor, k: Tensor, v: Tensor, bias: Tensor) -> Tensor:
        n = q.shape[1]
        outs: List[Tensor] = []
        kt = k.transpose(1, 2)
        for start in range(0, n, self.chunk):
            qs = q[:, start:start + self.chunk]
            if self.mode == "baddbmm":
                s = torch.baddbmm(bias[:, start:start + self.chunk], qs, kt, beta=1.0, alpha=0.125)
            else:
                s = torch.bmm(qs * 0.125, kt) + bias[:, start:start + self.chunk]
            if self.softmax_fp32:
                p = torch.softmax(s, dim=-1, dtype=torch.float32).to(q.dtype)
            else:
                p = torch.softmax(s, dim=-1)
            outs.append(torch.bmm(p, v))
        return torch.cat(outs, dim=1) if len(outs) > 1 else outs[0]


def attention_forms() -> List[Form]:
    forms = []
    cases = {"win": (NWIN, WT), "glob": (1, N), "clip": (1, CN)}
    for cname, (b, t) in cases.items():
        flops = 4.0 * b * HEADS * t * t * HD
        for dt in (F32, BF16):
            d = DT_SHORT[dt]
            shp = f"[{b},{HEADS},{t},{HD}]"
            qkv4 = [([b, HEADS, t, HD], dt)] * 3

            def add(form, module, inputs, note, chunked_shape=shp):
                forms.append(Form(f"attn/{cname}/{form}/{d}", "attention", module, inputs, flops, shape=chunked_shape,
                                  dtype=d, note=note))

            add("sdpa_nomask", Sdpa(), qkv4, "F.scaled_dot_product_attention(q,k,v), contiguous")
            if cname != "clip":
                add("sdpa_mask", SdpaMask(), qkv4 + [([b, HEADS, t, t], dt)],
                    f"SDPA with additive float mask [{b},{HEADS},{t},{t}]")
                add("sdpa_from_qkv_mask", SdpaFromQkv(HEADS, True), [([b, t, 3 * C], dt), ([b, HEADS, t, t], dt)],
                    "SDPA on strided views of qkv [B,T,3C], additive mask")
            add("sdpa_from_qkv_nomask", SdpaFromQkv(HEADS, False), [([b, t, 3 * C], dt), ([1], dt)],
                "SDPA on strided views of qkv [B,T,3C], no mask")
            bh = b * HEADS
            chunk = 512 if cname == "glob" else t
            three = [([bh, t, HD], dt)] * 3 + [([bh, t, t], dt)]
            add("explicit_baddbmm", Explicit("baddbmm", False, chunk), three,
                f"baddbmm(bias,q,k^T) -> softmax -> bmm, {chunk} query rows per chunk", f"[{bh},{t},{HD}]")
            add("explicit_add", Explicit("add", False, chunk), three,
                f"bmm(q*s,k^T) + bias -> softmax -> bmm, {chunk} rows per chunk", f"[{bh},{t},{HD}]")
            if dt == BF16:
                add("explicit_baddbmm_softmax_fp32", Explicit("baddbmm", True, chunk), three,
                    "as explicit_baddbmm, softmax(dtype=float32) then .to(bf16)", f"[{bh},{t},{HD}]")
    return forms


# ----------------------------------------------------------------------------------------------
# 4. softmax, layer_norm, gelu, casts


class Softmax(nn.Module):
    def __init__(self, dim: int, fp32: bool):
        super().__init__()
        self.dim = dim
        self.fp32 = fp32

    def forward(self, x: Tensor) -> Tensor:
        if self.fp32:
            return torch.softmax(x, dim=self.dim, dtype=torch.float32)
        return torch.softmax(x, dim=self.dim)


class LayerNorm(nn.Module):
    def __init__(self, c, dtype):
        super().__init__()
        self.ln = nn.LayerNorm(c, eps=1e-6).to(dtype)

    def forward(self, x: Tensor) -> Tensor:
        return self.ln(x)


class Gelu(nn.Module):
    def __init__(self, approximate: str):
        super().__init__()
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, approximate=self.approximate)


class Cast(nn.Module):
    def __init__(self, to: torch.dtype):
        super().__init__()
        self.to_dtype = to

    def forward(self, x: Tensor) -> Tensor:
        return x.to(self.to_dtype)


class ToBf16(nn.Module):
    """Caster the Java harness uses to make bf16 inputs (DJL 0.36's NDArray.toType(BFLOAT16) aborts
    the JVM: "terminate called without an active exception")."""

    def forward(self, x: Tensor) -> Tensor:
        return x.to(torch.bfloat16)


class Add(nn.Module):
    def forward(self, a: Tensor, b: Tensor) -> Tensor:
        return a + b


def eltwise_forms() -> List[Form]:
    forms = []
    for dt in (F32, BF16):
        d = DT_SHORT[dt]
        for sname, shape, dim in (("glob_rows512", [HEADS, 512, N], -1), ("glob_rows512_dim1", [HEADS, N, 512], 1),
                                  ("win", [NWIN * HEADS, WT, WT], -1), ("clip", [HEADS, CN, CN], -1)):
            el = float(math.prod(shape))
            forms.append(Form(f"softmax/{sname}/dim{dim}/{d}", "softmax", Softmax(dim, False), [(shape, dt)],
                              elements=el, shape="x".join(map(str, shape)), dtype=d,
                              note=f"torch.softmax(x, dim={dim})"))
            if dt == BF16:
                forms.append(Form(f"softmax/{sname}/dim{dim}_to_fp32/{d}", "softmax", Softmax(dim, True),
                                  [(shape, dt)], elements=el, shape="x".join(map(str, shape)), dtype=d,
                                  note=f"torch.softmax(x, dim={dim}, dtype=float32) on bf16 input"))
        el = float(N * C)
        forms.append(Form(f"eltwise/layer_norm_2d/{d}", "eltwise", LayerNorm(C, dt), [([N, C], dt)], elements=el,
                          shape=f"{N}x{C}", dtype=d, note="nn.LayerNorm(768) on [4096,768]"))
        forms.append(Form(f"eltwise/layer_norm_4d/{d}", "eltwise", LayerNorm(C, dt), [([1, 64, 64, C], dt)],
                          elements=el, shape=f"1x64x64x{C}", dtype=d, note="nn.LayerNorm(768) on [1,64,64,768]"))
        el = float(N * MLP)
        forms.append(Form(f"eltwise/gelu_erf/{d}", "eltwise", Gelu("none"), [([N, MLP], dt)], elements=el,
                          shape=f"{N}x{MLP}", dtype=d, note="F.gelu exact (erf) on [4096,3072]"))
        forms.append(Form(f"eltwise/gelu_tanh/{d}", "eltwise", Gelu("tanh"), [([N, MLP], dt)], elements=el,
                          shape=f"{N}x{MLP}", dtype=d, note="F.gelu tanh approximation"))
        forms.append(Form(f"eltwise/add/{d}", "eltwise", Add(), [([1, 64, 64, C], dt)] * 2, elements=float(N * C),
                          shape=f"1x64x64x{C}", dtype=d, note="residual add"))
    forms.append(Form("eltwise/cast_fp32_to_bf16/fp32", "eltwise", Cast(BF16), [([N, MLP], F32)],
                      elements=float(N * MLP), shape=f"{N}x{MLP}", dtype="fp32->bf16", note="x.to(bfloat16)"))
    forms.append(Form("eltwise/cast_bf16_to_fp32/bf16", "eltwise", Cast(F32), [([N, MLP], BF16)],
                      elements=float(N * MLP), shape=f"{N}x{MLP}", dtype="bf16->fp32", note="x.to(float32)"))
    forms.append(Form("eltwise/cast_fp32_to_bf16_small/fp32", "eltwise", Cast(BF16), [([N, C], F32)],
                      elements=float(N * C), shape=f"{N}x{C}", dtype="fp32->bf16", note="x.to(bfloat16)"))
    return forms


# ----------------------------------------------------------------------------------------------
# 5. SAM encoder pieces and blocks (random real-size weights)

_SAM = None


def sam_model():
    global _SAM
    if _SAM is None:
        from fma_export.random_real import random_sam

        _SAM = random_sam("vit-b", seed=0, calibrate=False).eval()
    return _SAM


def flop_count(module: nn.Module, inputs: List[Tensor]) -> float:
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        module(*inputs)
    return float(counter.get_total_flops())


class PatchEmbed(nn.Module):
    def __init__(self, enc, dtype):
        super().__init__()
        import copy

        self.projection = copy.deepcopy(enc.patch_embed.projection).to(dtype)
        self.pos_embed = nn.Parameter(enc.pos_embed.detach().to(dtype), requires_grad=False)

    def forward(self, pixels: Tensor) -> Tensor:
        return self.projection(pixels).permute(0, 2, 3, 1) + self.pos_embed


class Neck(nn.Module):
    def __init__(self, enc, dtype):
        super().__init__()
        import copy

        self.neck = copy.deepcopy(enc.neck).to(dtype)

    def forward(self, x: Tensor) -> Tensor:
        return self.neck(x)


def conv_forms() -> List[Form]:
    enc = sam_model().vision_encoder
    forms = []
    for dt in (F32, BF16):
        d = DT_SHORT[dt]
        pe = PatchEmbed(enc, dt).eval()
        x = torch.randn(1, 3, 1024, 1024).to(dt)
        forms.append(Form(f"conv/patch_embed/{d}", "conv", pe, [([1, 3, 1024, 1024], dt)],
                          flop_count(pe.float(), [x.float()]), shape="1x3x1024x1024", dtype=d,
                          note="Conv2d(3,768,16,s16) + pos_embed"))
        pe.to(dt)
        nk = Neck(enc, dt).eval()
        x = torch.randn(1, 64, 64, C)
        forms.append(Form(f"conv/neck/{d}", "conv", nk, [([1, 64, 64, C], dt)], flop_count(nk.float(), [x]),
                          shape="1x64x64x768", dtype=d, note="SamVisionNeck: conv1x1 768->256, LN2d, conv3x3, LN2d"))
        nk.to(dt)
    return forms


# --- candidate block arrangements (written from the operator-form results; see the report) ---


class CandidateBlock(nn.Module):
    """A SAM ViT-B encoder block (windowed or global) with configurable precision per part.

    ``linear``: "fp32" | "bf16" | "int8" (dynamic-quantised nn.Linear, fp32 in/out);
    ``attn``: "sdpa_fp32" (fused SDPA in fp32 on the bias slice of a few query rows, the fp32
    encoder's form), "sdpa_bf16", "explicit_bf16" (baddbmm with the bias slice + softmax + bmm),
    "folded_bf16" (the current bf16 variant's folded-bias form);
    ``mlp_act``: the GELU's dtype follows the linears' output.
    The residual stream stays fp32; layer norms run in fp32 and their outputs are cast to the
    linears' dtype.  Same mathematics as FastVisionLayer (pytest-free check: ``--check``).
    """

    def __init__(self, layer, grid: int, linear: str, attn: str, rows_per_chunk: int = 1,
                 windows_per_chunk: int = 5):
        super().__init__()
        import copy

        from fma_export.sam_fast_encoder import FastVisionLayer

        self.window = int(layer.window_size)
        ref = FastVisionLayer(copy.deepcopy(layer), grid).eval()
        self.heads = ref.attn.heads
        self.scale = ref.attn.scale
        self.linear_mode = linear
        self.attn_mode = attn
        self.rows = rows_per_chunk
        self.wchunk = windows_per_chunk
        self.ln1 = ref.layer_norm1
        self.ln2 = ref.layer_norm2
        self.lin_dtype = BF16 if linear in ("bf16", "lp_bf16") else F32
        self.attn_dtype = F32 if attn == "sdpa_fp32" else BF16
        qkv, proj = copy.deepcopy(ref.attn.qkv), copy.deepcopy(ref.attn.proj)
        lin1, lin2 = copy.deepcopy(ref.mlp.lin1), copy.deepcopy(ref.mlp.lin2)
        if linear == "int8":
            holder = nn.ModuleDict({"qkv": qkv, "proj": proj, "lin1": lin1, "lin2": lin2})
            torch.backends.quantized.engine = "x86"
            from torch.ao.quantization import default_dynamic_qconfig, quantize_dynamic

            holder = quantize_dynamic(holder, {nn.Linear: default_dynamic_qconfig}, dtype=torch.qint8)
            qkv, proj, lin1, lin2 = holder["qkv"], holder["proj"], holder["lin1"], holder["lin2"]
        elif linear == "bf16":
            qkv, proj, lin1, lin2 = qkv.to(BF16), proj.to(BF16), lin1.to(BF16), lin2.to(BF16)
        elif linear in ("lp_fp32", "lp_bf16"):
            # oneDNN's linear (inner product) through torch.ops.mkldnn._linear_pointwise, GELU fused
            # into lin1 (scripted submodules inside the traced block).
            qkv, proj = LinearPointwise.of(qkv, self.lin_dtype), LinearPointwise.of(proj, self.lin_dtype)
            lin1 = LinearPointwise.of(lin1, self.lin_dtype, "gelu")
            lin2 = LinearPointwise.of(lin2, self.lin_dtype)
        self.fused_gelu = linear in ("lp_fp32", "lp_bf16")
        self.qkv, self.proj, self.lin1, self.lin2 = qkv, proj, lin1, lin2
        if attn == "mixed_bf16" and self.window == 0:
            # global block: the bf16 bundle's folded-bias attention (FastVisionAttention, explicit)
            from fma_export.sam_fast_encoder import EXPLICIT_ROWS_PER_CHUNK, FastVisionAttention

            self.folded = FastVisionAttention(copy.deepcopy(layer.attn).to(BF16), 64, EXPLICIT_ROWS_PER_CHUNK,
                                              explicit=True)
        self.register_buffer("qkv_bias", ref.attn.qkv.bias.detach().clone())
        self.register_buffer("rel_h", ref.attn.rel_h.clone())
        self.register_buffer("rel_w", ref.attn.rel_w.clone())
        self.register_buffer("key_rows", ref.attn.key_rows.clone())
        self.register_buffer("key_cols", ref.attn.key_cols.clone())

    # attention on [B, h, w, 3C] (B=1 global, B=windows otherwise) -> [B, h*w, C] in attn dtype
    def attend(self, qkv: Tensor) -> Tensor:
        b, h, w, three_c = qkv.shape
        heads = self.heads
        d = three_c // (3 * heads)
        n = h * w
        qkv = qkv.to(self.attn_dtype)
        parts = qkv.reshape(b, n, 3, heads, d).permute(2, 0, 3, 1, 4)
        q, k, v = parts[0], parts[1], parts[2]
        grid = q.reshape(b, heads, h, w, d)
        rel_h = torch.einsum("bnhwc,hkc->bnhwk", grid, self.rel_h.to(q.dtype))
        rel_w = torch.einsum("bnhwc,wkc->bnhwk", grid, self.rel_w.to(q.dtype))
        outs: List[Tensor] = []
        if self.attn_mode in ("sdpa_fp32", "sdpa_bf16"):
            if b == 1:
                for start in range(0, h, self.rows):
                    stop = min(start + self.rows, h)
                    bias = (rel_h[:, :, start:stop, :, :, None] + rel_w[:, :, start:stop, :, None, :])
                    bias = bias.reshape(1, heads, (stop - start) * w, n)
                    outs.append(F.scaled_dot_product_attention(q[:, :, start * w:stop * w], k, v, attn_mask=bias)
                                .transpose(1, 2))
                return torch.cat(outs, dim=1).reshape(b, n, heads * d)
            for start in range(0, b, self.wchunk):
                stop = min(start + self.wchunk, b)
                bias = (rel_h[start:stop, :, :, :, :, None] + rel_w[start:stop, :, :, :, None, :])
                bias = bias.reshape(stop - start, heads, n, n)
                outs.append(F.scaled_dot_product_attention(q[start:stop], k[start:stop], v[start:stop],
                                                           attn_mask=bias).transpose(1, 2))
            return torch.cat(outs, dim=0).reshape(b, n, heads * d)
        if self.attn_mode == "mixed_bf16" and b == 1:
            return self.folded(qkv).reshape(b, n, heads * d)
        if self.attn_mode in ("explicit_bf16", "mixed_bf16"):
            # bias slice formed per chunk and added through baddbmm's beta (oneDNN sum post-op)
            qf = q.reshape(b * heads, n, d)
            kt = k.reshape(b * heads, n, d).transpose(1, 2)
            vf = v.reshape(b * heads, n, d)
            if b == 1:
                for start in range(0, h, self.rows):
                    stop = min(start + self.rows, h)
                    bias = (rel_h[:, :, start:stop, :, :, None] + rel_w[:, :, start:stop, :, None, :])
                    bias = bias.reshape(heads, (stop - start) * w, n)
                    s = torch.baddbmm(bias, qf[:, start * w:stop * w], kt, beta=1.0, alpha=self.scale)
                    outs.append(torch.bmm(torch.softmax(s, dim=-1), vf))
                out = torch.cat(outs, dim=1)
            else:
                for start in range(0, b, self.wchunk):
                    stop = min(start + self.wchunk, b)
                    bias = (rel_h[start:stop, :, :, :, :, None] + rel_w[start:stop, :, :, :, None, :])
                    bias = bias.reshape((stop - start) * heads, n, n)
                    s = torch.baddbmm(bias, qf[start * heads:stop * heads], kt[start * heads:stop * heads],
                                      beta=1.0, alpha=self.scale)
                    outs.append(torch.bmm(torch.softmax(s, dim=-1), vf[start * heads:stop * heads]))
                out = torch.cat(outs, dim=0)
            return out.reshape(b, heads, n, d).transpose(1, 2).reshape(b, n, heads * d)
        raise ValueError(self.attn_mode)

    def attention(self, x: Tensor) -> Tensor:
        b, height, width, c = x.shape
        qkv = self.qkv(self.ln1(x).to(self.lin_dtype))
        if self.window == 0:
            out = self.attend(qkv)
            return self.proj(out.reshape(b, height, width, c).to(self.lin_dtype)).to(x.dtype)
        win = self.window
        pad_h = (win - height % win) % win
        pad_w = (win - width % win) % win
        if pad_h > 0 or pad_w > 0:
            padded = self.qkv_bias.to(qkv.dtype).expand(b, height + pad_h, width + pad_w, qkv.shape[-1]).clone()
            padded[:, :height, :width] = qkv
            qkv = padded
        rows = (height + pad_h) // win
        cols = (width + pad_w) // win
        windows = (qkv.reshape(b, rows, win, cols, win, -1).permute(0, 1, 3, 2, 4, 5)
                   .reshape(b * rows * cols, win, win, -1))
        out = self.attend(windows)
        out = out.reshape(b, rows, cols, win, win, c).permute(0, 1, 3, 2, 4, 5).reshape(b, rows * win, cols * win, c)
        return self.proj(out[:, :height, :width].to(self.lin_dtype)).to(x.dtype)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attention(x)
        h = self.lin1(self.ln2(x).to(self.lin_dtype))
        y = self.lin2(h if self.fused_gelu else F.gelu(h))
        return x + y.to(x.dtype)


class RefBlock(nn.Module):
    """FastVisionLayer (the exported encoder's block) at a dtype; input/output in that dtype."""

    def __init__(self, layer, grid: int, dtype, explicit: bool):
        super().__init__()
        import copy

        from fma_export.sam_fast_encoder import FastVisionLayer

        self.block = FastVisionLayer(copy.deepcopy(layer).to(dtype), grid, explicit).eval()

    def forward(self, x: Tensor) -> Tensor:
        return self.block(x)


CANDIDATES = {
    # name: (linear, attn)
    "lin_bf16__attn_sdpa_fp32": ("bf16", "sdpa_fp32"),
    "lin_bf16__attn_explicit_bf16": ("bf16", "explicit_bf16"),
    "lin_bf16__attn_sdpa_bf16": ("bf16", "sdpa_bf16"),
    "lin_int8__attn_sdpa_fp32": ("int8", "sdpa_fp32"),
    "lin_fp32__attn_explicit_bf16": ("fp32", "explicit_bf16"),
    "lp_fp32__attn_sdpa_fp32": ("lp_fp32", "sdpa_fp32"),
    "lp_bf16__attn_sdpa_fp32": ("lp_bf16", "sdpa_fp32"),
    "lp_bf16__attn_explicit_bf16": ("lp_bf16", "explicit_bf16"),
    "lp_bf16__attn_sdpa_bf16": ("lp_bf16", "sdpa_bf16"),
    # windowed: per-chunk bias + baddbmm; global: the bundle's folded-bias form
    "lp_bf16__attn_mixed_bf16": ("lp_bf16", "mixed_bf16"),
}


class CandidateEncoder(nn.Module):
    """The whole SAM ViT-B encoder (patch embedding, 12 blocks, neck) with every block a
    ``CandidateBlock`` of one arrangement; patch embedding and neck in fp32 (oneDNN convolutions)."""

    def __init__(self, enc, linear: str, attn: str):
        super().__init__()
        import copy

        self.projection = copy.deepcopy(enc.patch_embed.projection)
        self.pos_embed = nn.Parameter(enc.pos_embed.detach().clone(), requires_grad=False)
        rows = 2
        self.layers = nn.ModuleList([CandidateBlock(layer, 64, linear, attn, rows_per_chunk=rows if
                                                    attn == "explicit_bf16" else 1) for layer in enc.layers])
        self.neck = copy.deepcopy(enc.neck)

    def forward(self, pixels: Tensor) -> Tensor:
        x = self.projection(pixels).permute(0, 2, 3, 1) + self.pos_embed
        for layer in self.layers:
            x = layer(x)
        return self.neck(x)


def encoder_forms(names: Optional[List[str]] = None, check: bool = False) -> List[Form]:
    from fma_export.sam_modules import SamImageEncoder

    model = sam_model()
    enc = model.vision_encoder
    pixels = torch.randn(1, 3, 1024, 1024)
    ref = SamImageEncoder(model).eval()
    fl = flop_count(ref, [pixels])
    entries = [("ref_fp32", ref, "the bundle's sam/image_encoder.pt (FastVisionEncoder fp32)"),
               ("ref_bf16_folded", SamImageEncoder(__import__("copy").deepcopy(model).to(BF16), BF16).eval(),
                "the bundle's sam/image_encoder.bf16.pt (bf16, folded-bias explicit attention)")]
    for cname in ("lp_bf16__attn_explicit_bf16", "lp_fp32__attn_sdpa_fp32", "lp_bf16__attn_sdpa_fp32",
                  "lp_bf16__attn_mixed_bf16"):
        lin, att = CANDIDATES[cname]
        entries.append((cname, CandidateEncoder(enc, lin, att).eval(), f"candidate encoder: linears {lin}, "
                        f"attention {att}, patch embedding and neck fp32"))
    forms = []
    for ename, module, note in entries:
        if names and ename not in names:
            continue
        if check:
            with torch.no_grad():
                want = ref(pixels)
                got = module(pixels).float()
            err = (got - want).abs().max().item() / want.abs().max().item()
            print(f"  check encoder/{ename}: max abs diff / max = {err:.2e}", file=sys.stderr)
        forms.append(Form(f"encoder/{ename}/fp32io", "encoder", module, [([1, 3, 1024, 1024], F32)], fl,
                          shape="1x3x1024x1024", dtype=ename, note=note))
    return forms


def block_forms(names: Optional[List[str]] = None, check: bool = False) -> List[Form]:
    model = sam_model()
    enc = model.vision_encoder
    grid = 64
    forms = []
    x = torch.randn(1, 64, 64, C)
    layers = {"win": enc.layers[0], "glob": enc.layers[2]}
    for lname, layer in layers.items():
        ref32 = RefBlock(layer, grid, F32, False).eval()
        fl = flop_count(ref32, [x])
        entries = [("ref_fp32", ref32, F32, "FastVisionLayer fp32 (the bundle's encoder block)"),
                   ("ref_bf16_folded", RefBlock(layer, grid, BF16, True).eval(), BF16,
                    "FastVisionLayer bf16, explicit folded-bias attention (the bundle's bf16 variant)")]
        for cname, (lin, att) in CANDIDATES.items():
            rows = 1
            if att == "explicit_bf16":
                rows = 2
            entries.append((cname, CandidateBlock(layer, grid, lin, att, rows_per_chunk=rows).eval(), F32,
                            f"candidate: linears {lin}, attention {att}, residual fp32"))
        for ename, module, dt, note in entries:
            if names and ename not in names:
                continue
            if check:
                with torch.no_grad():
                    want = ref32(x)
                    got = module(x.to(dt)).float()
                err = (got - want).abs().max().item() / want.abs().max().item()
                print(f"  check {lname}/{ename}: max abs diff / max = {err:.2e}", file=sys.stderr)
            forms.append(Form(f"block/{lname}/{ename}/{DT_SHORT[dt]}", "block", module, [([1, 64, 64, C], dt)], fl,
                              shape="1x64x64x768", dtype=DT_SHORT[dt] if ename.startswith("ref") else ename.split("__")[0],
                              note=note))
    return forms


# ----------------------------------------------------------------------------------------------


def make_inputs(inputs, gen) -> List[Tensor]:
    return [torch.randn(*shape, generator=gen).to(dt) for shape, dt in inputs]


def export(form: Form, out: Path, gen) -> Dict:
    path = out / (form.name.replace("/", "__") + ".pt")
    module = form.module.eval()
    inputs = make_inputs(form.inputs, gen)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if isinstance(module, torch.jit.ScriptModule):
            ts = module
        elif form.script:
            ts = torch.jit.script(module)
        else:
            ts = torch.jit.trace(module, tuple(inputs), strict=False, check_trace=False)
        torch.jit.save(ts, str(path))
    return {
        "name": form.name, "group": form.group, "file": path.name, "shape": form.shape, "dtype": form.dtype,
        "inputs": [{"shape": list(s), "dtype": DT[d]} for s, d in form.inputs],
        "flops": form.flops, "elements": form.elements, "note": form.note,
        "scripted": form.script,
    }


GROUPS = ("big", "linear", "linx", "int8", "bmm", "attention", "softmax", "eltwise", "conv", "block", "encoder")


def collect(groups, args) -> List[Form]:
    gen = torch.Generator().manual_seed(0)
    forms: List[Form] = []
    if "big" in groups:
        forms += big_forms(gen)
    if "linear" in groups:
        forms += linear_forms(gen)
    if "linx" in groups:
        forms += linx_forms(gen)
    if "int8" in groups:
        forms += int8_forms(gen)
    if "bmm" in groups:
        forms += bmm_forms()
    if "attention" in groups:
        forms += attention_forms()
    if "softmax" in groups or "eltwise" in groups:
        forms += [f for f in eltwise_forms() if f.group in groups]
    if "conv" in groups:
        forms += conv_forms()
    if "block" in groups:
        forms += block_forms(args.blocks.split(",") if args.blocks else None, args.check)
    if "encoder" in groups:
        forms += encoder_forms(args.blocks.split(",") if args.blocks else None, args.check)
    return forms


def cmd_export(args) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    groups = args.groups.split(",") if args.groups else GROUPS
    manifest_path = out / "forms.json"
    torch.jit.save(torch.jit.script(ToBf16()), str(out / "_to_bf16.pt"))
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"forms": []}
    by_name = {f["name"]: f for f in manifest["forms"]}
    gen = torch.Generator().manual_seed(1)
    for form in collect(groups, args):
        if args.filter and not re.search(args.filter, form.name):
            continue
        by_name[form.name] = export(form, out, gen)
        print(f"exported {form.name}", file=sys.stderr)
    manifest = {"torch": torch.__version__, "forms": sorted(by_name.values(), key=lambda f: f["name"])}
    manifest_path.write_text(json.dumps(manifest, indent=1))
    print(f"{len(by_name)} forms in {manifest_path}", file=sys.stderr)
    return 0


def _busy_jiffies() -> int:
    f = Path("/proc/stat").read_text().splitlines()[0].split()
    return sum(int(x) for i, x in enumerate(f[1:9], start=1) if i not in (4, 5))


def wait_quiet(max_wait: float, threshold: float = 0.15) -> float:
    """Waits until the rest of the machine used less than ``threshold`` cores over one second (the
    machine is shared); returns the seconds waited."""
    start = time.perf_counter()
    while time.perf_counter() - start < max_wait:
        b0, c0 = _busy_jiffies(), time.process_time()
        time.sleep(1.0)
        if (_busy_jiffies() - b0) / 100.0 - (time.process_time() - c0) < threshold:
            break
    return time.perf_counter() - start


def _foreign(b0: int, c0: float, w: float, b1: int, c1: float) -> float:
    return max(0.0, (b1 - b0) / 100.0 - (c1 - c0)) / w


def cmd_time(args) -> int:
    """Times the exported TorchScript files under this interpreter's torch (for comparison with
    DJL's libtorch 2.7.1); same protocol as the Java harness."""
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    manifest = json.loads((out / "forms.json").read_text())
    results = []
    gen = torch.Generator().manual_seed(2)
    for f in manifest["forms"]:
        if args.filter and not re.search(args.filter, f["name"]):
            continue
        dts = {"float32": F32, "bfloat16": BF16}
        inputs = [torch.randn(*i["shape"], generator=gen).to(dts[i["dtype"]]) for i in f["inputs"]]
        module = torch.jit.load(str(out / f["file"])).eval()
        wait_quiet(args.max_wait)
        with torch.inference_mode():
            t0 = time.perf_counter()
            module(*inputs)
            first = time.perf_counter() - t0
            inner = max(1, min(50, int(math.ceil(args.min_run / max(first, 1e-4)))))
            for _ in range(args.warmups - 1):
                for _ in range(inner):
                    module(*inputs)
            walls, cpus, all_walls, all_cpus, foreign = [], [], [], [], []
            for r in range(3 * args.runs):
                if len(walls) >= args.runs:
                    break
                if r > 0 and len(walls) < r:
                    wait_quiet(10)
                b0, w0, c0 = _busy_jiffies(), time.perf_counter(), time.process_time()
                for _ in range(inner):
                    module(*inputs)
                w, c = time.perf_counter() - w0, time.process_time() - c0
                fr = _foreign(b0, c0, w, _busy_jiffies(), c0 + c)
                foreign.append(round(fr, 2))
                all_walls.append(w / inner)
                all_cpus.append(c / inner)
                if fr < 0.15:
                    walls.append(w / inner)
                    cpus.append(c / inner)
            noisy = len(walls) < args.runs
            if noisy:
                walls, cpus = all_walls, all_cpus
        med = statistics.median(walls)
        rec = {"name": f["name"], "min_ms": min(walls) * 1e3, "median_ms": med * 1e3,
               "cpu_wall": statistics.median(c / w for c, w in zip(cpus, walls)), "inner": inner,
               "runs_ms": [w * 1e3 for w in all_walls], "foreign_cores": foreign, "noisy": noisy}
        if f["flops"]:
            rec["gflops_median"] = f["flops"] / med / 1e9
            rec["gflops_best"] = f["flops"] / min(walls) / 1e9
        results.append(rec)
        print(f"{f['name']:60s} min {rec['min_ms']:9.2f} ms  med {rec['median_ms']:9.2f} ms  "
              f"cpu/wall {rec['cpu_wall']:.2f}  {rec.get('gflops_median', 0):7.1f} GFLOP/s", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"torch": torch.__version__, "threads": args.threads,
                                               "ld_preload": os.environ.get("LD_PRELOAD", ""),
                                               "results": results}, indent=1))
    return 0


def cmd_eager_big(args) -> int:
    """Eager large products (and autocast) under this interpreter's torch."""
    torch.set_num_threads(args.threads)
    s = 4096
    flops = 2.0 * s ** 3
    gen = torch.Generator().manual_seed(3)
    results = []
    for dt in (F32, BF16):
        a = torch.randn(s, s, generator=gen).to(dt)
        b = torch.randn(s, s, generator=gen).to(dt)
        w = torch.randn(s, s, generator=gen).to(dt)
        bias = torch.randn(s, generator=gen).to(dt)
        cases = {
            "mm": lambda: torch.mm(a, b),
            "mm_bT_view": lambda: torch.mm(a, b.t()),
            "matmul": lambda: torch.matmul(a, b),
            "linear_nobias": lambda: F.linear(a, w),
            "linear_bias": lambda: F.linear(a, w, bias),
        }
        if dt == F32:
            def autocast_linear():
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    return F.linear(a, w, bias)
            cases["autocast_bf16_linear"] = autocast_linear
        for cname, fn in cases.items():
            with torch.inference_mode():
                for _ in range(args.warmups):
                    fn()
                walls, cpus = [], []
                for _ in range(args.runs):
                    w0, c0 = time.perf_counter(), time.process_time()
                    fn()
                    walls.append(time.perf_counter() - w0)
                    cpus.append(time.process_time() - c0)
            med = statistics.median(walls)
            rec = {"name": f"eager/big/{cname}/{DT_SHORT[dt]}", "min_ms": min(walls) * 1e3, "median_ms": med * 1e3,
                   "cpu_wall": statistics.median(c / w for c, w in zip(cpus, walls)),
                   "gflops_median": flops / med / 1e9, "gflops_best": flops / min(walls) / 1e9,
                   "runs_ms": [x * 1e3 for x in walls]}
            results.append(rec)
            print(f"{rec['name']:40s} min {rec['min_ms']:8.1f} med {rec['median_ms']:8.1f} ms "
                  f"cpu/wall {rec['cpu_wall']:.2f} {rec['gflops_median']:6.1f} GFLOP/s", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"torch": torch.__version__, "threads": args.threads,
                                               "ld_preload": os.environ.get("LD_PRELOAD", ""),
                                               "results": results}, indent=1))
    return 0


def parse_verbose(path: Path) -> Dict[str, Dict]:
    """Per form (between ``@@FORM name`` and ``@@END name`` of an ``ONEDNN_VERBOSE=1`` run of the
    Java harness with ``--verbose-pass``): the oneDNN primitives executed, grouped by primitive,
    implementation, data types and problem, with counts and oneDNN's own milliseconds."""
    forms: Dict[str, Dict] = {}
    current = None
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("@@FORM "):
            current = line[len("@@FORM "):].strip()
            forms[current] = {"kernels": {}, "onednn_ms": 0.0}
            continue
        if line.startswith("@@END "):
            current = None
            continue
        if current is None or not line.startswith("onednn_verbose") or ",exec," not in line:
            continue
        f = line.split(",")
        # onednn_verbose,v1,primitive,exec,cpu,<prim>,<impl>,<prop>,<mds>,<attrs>,<aux>,<problem>,<ms>
        try:
            i = f.index("exec")
            prim, impl, mds = f[i + 2], f[i + 3], f[i + 5]
            attrs, problem, ms = f[i + 6], f[i + 8], float(f[-1])
        except (ValueError, IndexError):
            continue
        dts = " ".join(m.split(":")[0] + ":" + m.split(":")[1] for m in mds.split() if m.count(":") >= 1)
        key = f"{prim} {impl} [{dts}] {problem}" + (f" {attrs}" if "post" in attrs or "fpmath" in attrs else "")
        k = forms[current]["kernels"].setdefault(key, {"count": 0, "ms": 0.0})
        k["count"] += 1
        k["ms"] += ms
        forms[current]["onednn_ms"] += ms
    return forms


def cmd_kernels(args) -> int:
    forms = parse_verbose(Path(args.log))
    passes = {}
    if args.pass_json:
        for r in json.loads(Path(args.pass_json).read_text())["results"]:
            passes[r["name"]] = r.get("verbose_pass_ms")
    for name, info in forms.items():
        info["pass_ms"] = passes.get(name)
        impls = sorted({k.split(" ")[0] + ":" + k.split(" ")[1] for k in info["kernels"]})
        info["impls"] = impls
        print(f"{name}: pass {info['pass_ms'] or 0:.1f} ms, oneDNN {info['onednn_ms']:.1f} ms: "
              f"{', '.join(impls) if impls else 'none (ATen/MKL/fbgemm own kernels)'}")
        if args.detail:
            for key, k in sorted(info["kernels"].items(), key=lambda kv: -kv[1]["ms"])[:6]:
                print(f"    {k['count']:4d}x {k['ms']:9.2f} ms  {key}")
    if args.json:
        Path(args.json).write_text(json.dumps(forms, indent=1))
    return 0


def cmd_table(args) -> int:
    """Markdown table of timed forms: the Java harness's JSON files (later files override earlier
    ones per form, so re-runs of noisy forms can be appended), the kernels JSON, and optionally the
    same files timed under this interpreter's torch."""
    manifest = {f["name"]: f for f in json.loads((Path(args.out) / "forms.json").read_text())["forms"]}
    djl: Dict[str, Dict] = {}
    for path in args.djl.split(","):
        for r in json.loads(Path(path).read_text())["results"]:
            if "median_ms" in r:
                djl[r["name"]] = r
    kernels = json.loads(Path(args.kernels).read_text()) if args.kernels else {}
    py = {}
    if args.torch213:
        for r in json.loads(Path(args.torch213).read_text())["results"]:
            py[r["name"]] = r
    rx = re.compile(args.filter) if args.filter else None
    cols = ["form", "dtype", "shape", "min ms", "median ms", "GFLOP/s (median)", "CPU/wall", "oneDNN kernel"]
    if py:
        cols += ["torch 2.13 median ms", "torch 2.13 GFLOP/s"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "|".join(["---"] * 3 + ["---:"] * 4 + ["---"] + (["---:"] * 2 if py else [])) + "|")
    for name in sorted(djl):
        if rx and not rx.search(name):
            continue
        r, f = djl[name], manifest.get(name, {})
        rate = r.get("gflops_median")
        rate_s = f"{rate:.0f}" if rate else (f"{r['gelem_median']:.2f} Gelem/s" if r.get("gelem_median") else "")
        k = kernels.get(name, {})
        impls = ", ".join(sorted({key.split(" ")[1] for key in k.get("kernels", {})})) or "none (ATen/MKL)"
        if not k:
            impls = "?"
        noisy = " (noisy)" if r.get("noisy") else ""
        row = [name.rsplit("/", 1)[0], f.get("dtype", ""), f.get("shape", ""), f"{r['min_ms']:.1f}",
               f"{r['median_ms']:.1f}{noisy}", rate_s, f"{r['cpu_wall']:.2f}", impls]
        if py:
            q = py.get(name)
            row += [f"{q['median_ms']:.1f}" if q else "", f"{q['gflops_median']:.0f}" if q and q.get("gflops_median")
                    else ""]
        print("| " + " | ".join(row) + " |")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("export")
    p.add_argument("--out", default="/tmp/operator-forms")
    p.add_argument("--groups", default="", help=",".join(GROUPS))
    p.add_argument("--filter", default="", help="regex on form names")
    p.add_argument("--blocks", default="", help="block entries to export (default all)")
    p.add_argument("--check", action="store_true", help="compare candidate blocks with the fp32 block")
    p = sub.add_parser("time")
    p.add_argument("--out", default="/tmp/operator-forms")
    p.add_argument("--filter", default="")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmups", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--min-run", type=float, default=0.3, help="seconds per timed run (short forms loop)")
    p.add_argument("--max-wait", type=float, default=120, help="seconds to wait for a quiet machine per form")
    p.add_argument("--json", default="")
    p = sub.add_parser("eager-big")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmups", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--json", default="")
    p = sub.add_parser("kernels", help="summarise an ONEDNN_VERBOSE=1 --verbose-pass log of the Java harness")
    p.add_argument("--log", required=True)
    p.add_argument("--pass-json", default="", help="the harness's --json of the same run (pass times)")
    p.add_argument("--detail", action="store_true")
    p.add_argument("--json", default="")
    p = sub.add_parser("table", help="markdown table from the Java harness's JSON files")
    p.add_argument("--out", default="/tmp/operator-forms")
    p.add_argument("--djl", required=True, help="comma-separated JSON files of the Java harness")
    p.add_argument("--kernels", default="")
    p.add_argument("--torch213", default="")
    p.add_argument("--filter", default="")
    args = parser.parse_args(argv)
    return {"export": cmd_export, "time": cmd_time, "eager-big": cmd_eager_big,
            "kernels": cmd_kernels, "table": cmd_table}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
