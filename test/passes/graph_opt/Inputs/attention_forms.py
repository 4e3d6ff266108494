"""Attention as different exporters write it, for mica-form-attention's end
to end test: one small transformer block per form (torch, fixed seed),
exported to OUT/FORM.onnx with an input OUT/FORM.npy. Each block is
pre-norm attention + residual, then the class token (a ViT read-out), so
that `mica compile --token-merge` can form (and merge) its attention.

  timm        fused qkv Linear, reshape [B, N, 3, H, D], permute(2, 0, 3, 1,
              4), unbind, q * scale, q @ k^T, softmax, @ v   (opset 13)
  hf          separate q/k/v Linears, view + permute(0, 2, 1, 3), q @ k^T
              / sqrt(D), an additive key-padding mask [B, 1, 1, N]
  mha         nn.MultiheadAttention(batch_first=True)        (opset 17)
  mha_seq     nn.MultiheadAttention, seq-first input [N, B, C]
  split_scale the scale split as sqrt on q and on k (how torch 2 exports
              F.scaled_dot_product_attention; Debian's torch 1.13 has none)
  single      one head on [B, N, C] without head reshapes, scale on the
              scores by Div
  postnorm    a post-norm block (BERT): norm(x + attention(x)), timm's
              attention

    attention_forms.py OUT
"""
import math
import os
import sys

import numpy as np
import torch

nn = torch.nn
F = torch.nn.functional
B, N, C, H = 2, 9, 16, 2
D = C // H


class Block(nn.Module):
    def __init__(self, form):
        super().__init__()
        self.form = form
        self.norm = nn.LayerNorm(C)
        self.qkv = nn.Linear(C, 3 * C)
        self.q, self.k, self.v = nn.Linear(C, C), nn.Linear(C, C), nn.Linear(C, C)
        self.proj = nn.Linear(C, C)
        self.mha = nn.MultiheadAttention(C, H, batch_first=form != "mha_seq")
        self.register_buffer("mask", torch.zeros(1, 1, 1, N))

    def attention(self, h):
        form = self.form
        if form in ("mha", "mha_seq"):
            if form == "mha_seq":
                h = h.transpose(0, 1)
                return self.mha(h, h, h, need_weights=False)[0].transpose(0, 1)
            return self.mha(h, h, h, need_weights=False)[0]
        b, n, c = h.shape
        if form in ("timm", "postnorm"):
            qkv = self.qkv(h).reshape(b, n, 3, H, D).permute(2, 0, 3, 1, 4)
            q, k, v = qkv.unbind(0)
            a = (q * D ** -0.5) @ k.transpose(-2, -1)
            y = a.softmax(-1) @ v
        elif form == "hf":
            split = lambda x: x.view(b, n, H, D).permute(0, 2, 1, 3)
            q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
            a = q @ k.transpose(-1, -2) / math.sqrt(D) + self.mask
            y = F.softmax(a, dim=-1) @ v
        elif form == "split_scale":
            split = lambda x: x.view(b, n, H, D).transpose(1, 2)
            q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
            s = D ** -0.25
            y = ((q * s) @ (k.transpose(-2, -1) * s)).softmax(-1) @ v
        else:  # single
            a = self.q(h) @ self.k(h).transpose(1, 2) / math.sqrt(C)
            return self.proj(a.softmax(-1) @ self.v(h))
        return self.proj(y.transpose(1, 2).reshape(b, n, c))

    def forward(self, x):
        if self.form == "postnorm":
            return self.norm(x + self.attention(x))[:, 0]
        x = x + self.attention(self.norm(x))
        return x[:, 0]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for form in ("timm", "hf", "mha", "mha_seq", "split_scale", "single", "postnorm"):
        torch.manual_seed(0)
        model = Block(form).eval()
        x = torch.randn(B, N, C)
        opset = 17 if form.startswith("mha") else 13
        torch.onnx.export(model, x, os.path.join(out, form + ".onnx"),
                          input_names=["x"], output_names=["y"],
                          opset_version=opset)
        np.save(os.path.join(out, form + ".npy"), x.numpy())


if __name__ == "__main__":
    main()
