"""Two one-block transformers for token merging's invariants, exported
with torch (fixed seed) into OUT, with their inputs:

  cls.onnx   [1, 9, 16] tokens -> attention + residual -> MLP + residual ->
             token 0 (a class token). Merging after the attention (r > 0,
             token 0 protected) must leave the output unchanged: token 0
             is never merged and the MLP works per token.
  mean.onnx  the same block, read out as the mean over tokens; fed nine
             identical tokens, merged tokens stay equal to them, so the
             size-weighted mean equals the unmerged one only if the sizes
             sum to the original token count.

    invariant_models.py OUT
"""
import os
import sys

import numpy as np
import torch

nn = torch.nn


class Block(nn.Module):
    def __init__(self, width=16, heads=2, pool="cls"):
        super().__init__()
        self.attention = nn.MultiheadAttention(width, heads, batch_first=True)
        self.norm1 = nn.LayerNorm(width)
        self.norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 32), nn.GELU(),
                                 nn.Linear(32, width))
        self.pool = pool

    def forward(self, x):
        h = self.norm1(x)
        x = x + self.attention(h, h, h, need_weights=False)[0]
        x = x + self.mlp(self.norm2(x))
        return x[:, 0] if self.pool == "cls" else x.mean(1)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for pool in ("cls", "mean"):
        model = Block(pool=pool).eval()
        if pool == "cls":
            x = torch.randn(1, 9, 16)
        else:
            x = torch.randn(1, 1, 16).expand(1, 9, 16).contiguous()
        torch.onnx.export(model, x, os.path.join(out, pool + ".onnx"),
                          input_names=["x"], output_names=["y"],
                          opset_version=17)
        np.save(os.path.join(out, pool + "_x.npy"), x.numpy())


if __name__ == "__main__":
    main()
