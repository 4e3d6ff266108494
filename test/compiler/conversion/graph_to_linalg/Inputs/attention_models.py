"""Attention models for the fused attention lowering's end-to-end test
(attention_e2e.test): each exports OUT/NAME.onnx, its inputs
OUT/NAME.INPUT.npy and torch's output OUT/NAME.ref.npy (fixed seeds).

  mha     nn.MultiheadAttention, 4 heads, batch 2, 197 tokens: several row
          blocks per head and a last block with the leftover rows
  masked  2 heads, a per-head additive mask [1, H, S, S]
  keypad  a key-padding mask [B, 1, 1, S] with -inf at padded keys
  causal  4 heads, -inf above the diagonal (a constant mask)
  cross   queries from one input (30 tokens), keys and values from
          another (70 tokens)
  rows    a mask broadcast along keys [1, 1, S, 1] and a scale of 0.3
          (not a power of two)
  chunks  256 tokens, 2 heads: 16 blocks of 16 rows per head, computed
          2 at a time by each of 16 loop iterations

    attention_models.py OUT
"""
import os
import sys

import numpy as np
import torch

nn = torch.nn


class Attention(nn.Module):
    def __init__(self, c, heads, mask=None, scale=None):
        super().__init__()
        self.h, self.d = heads, c // heads
        self.q, self.k, self.v = nn.Linear(c, c), nn.Linear(c, c), nn.Linear(c, c)
        self.proj = nn.Linear(c, c)
        self.scale = scale if scale is not None else self.d ** -0.5
        self.register_buffer("mask", mask if mask is not None else torch.zeros(1))

    def forward(self, x, y=None):
        y = x if y is None else y
        b, n, c = x.shape
        m = y.shape[1]
        split = lambda t, s: t.view(b, s, self.h, self.d).permute(0, 2, 1, 3)
        q, k, v = split(self.q(x), n), split(self.k(y), m), split(self.v(y), m)
        a = (q @ k.transpose(-1, -2)) * self.scale + self.mask
        o = a.softmax(-1) @ v
        return self.proj(o.transpose(1, 2).reshape(b, n, c))


class Mha(nn.Module):
    def __init__(self):
        super().__init__()
        self.mha = nn.MultiheadAttention(64, 4, batch_first=True)

    def forward(self, x):
        return self.mha(x, x, x, need_weights=False)[0]


def models():
    g = torch.Generator().manual_seed(3)
    rand = lambda *s: torch.randn(*s, generator=g)
    keypad = torch.zeros(2, 1, 1, 24)
    keypad[0, :, :, 20:] = float("-inf")
    keypad[1, :, :, 13:] = float("-inf")
    causal = torch.triu(torch.full((50, 50), float("-inf")), diagonal=1)
    yield "mha", Mha(), {"x": rand(2, 197, 64)}
    yield "masked", Attention(32, 2, mask=rand(1, 2, 40, 40)), {"x": rand(1, 40, 32)}
    yield "keypad", Attention(32, 2, mask=keypad), {"x": rand(2, 24, 32)}
    yield "causal", Attention(64, 4, mask=causal), {"x": rand(1, 50, 64)}
    yield "cross", Attention(32, 2), {"x": rand(1, 30, 32), "y": rand(1, 70, 32)}
    yield "rows", Attention(32, 4, mask=rand(1, 1, 36, 1), scale=0.3), {"x": rand(1, 36, 32)}
    yield "chunks", Attention(32, 2), {"x": rand(1, 256, 32)}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for name, model, inputs in models():
        model.eval()
        args = tuple(inputs.values())
        with torch.no_grad():
            ref = model(*args)
        torch.onnx.export(model, args, os.path.join(out, name + ".onnx"),
                          input_names=list(inputs), output_names=["out"],
                          opset_version=17)
        for key, value in inputs.items():
            np.save(os.path.join(out, "%s.%s.npy" % (name, key)), value.numpy())
        np.save(os.path.join(out, name + ".ref.npy"), ref.numpy())


if __name__ == "__main__":
    main()
