"""An STDiT-like video transformer (Open-Sora's spatial-temporal blocks,
small) for temporal token merging, exported with torch (fixed seed) into
OUT, with inputs:

  video.onnx      x [1, T=8, S=16, C=32] latent tokens -> 4 layers, each a
                  spatial self-attention (over the 16 tokens of a frame),
                  a cross-attention to a fixed text embedding [1, 4, 32]
                  (weights of the model), a temporal self-attention (over
                  the 8 frames of a token) and an MLP, all pre-norm with
                  residuals -> per-token output [1, 8, 16, 32]. Attention
                  blocks count 0..11 in graph order (spatial, cross,
                  temporal per layer).
  correlated.npy  frames as in real video: a slow drift plus small noise.
  pairs.npy       frames 2i and 2i+1 identical (TDTM must then change
                  nothing beyond rounding).

    video_model.py OUT [--tokens S] [--width C]

(bench/bench_token_merge.py builds a larger one: --tokens 64 --width 64.)
"""
import os

import numpy as np
import torch

nn = torch.nn
T, S, C, HEADS = 8, 16, 32, 4


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = nn.LayerNorm(C)
        self.attention = nn.MultiheadAttention(C, HEADS, batch_first=True)

    def forward(self, x, context=None):
        h = self.norm(x)
        kv = h if context is None else context.expand(x.shape[0], -1, -1)
        return x + self.attention(h, kv, kv, need_weights=False)[0]


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.spatial = Attention()
        self.cross = Attention()
        self.temporal = Attention()
        self.norm = nn.LayerNorm(C)
        self.mlp = nn.Sequential(nn.Linear(C, 4 * C), nn.GELU(),
                                 nn.Linear(4 * C, C))

    def forward(self, x, text):
        b = x.shape[0]
        x = x.reshape(b * T, S, C)                       # frames in the batch
        x = self.cross(self.spatial(x), text)
        x = x.reshape(b, T, S, C).transpose(1, 2).reshape(b * S, T, C)
        x = self.temporal(x)                             # tokens in the batch
        x = x + self.mlp(self.norm(x))
        return x.reshape(b, S, T, C).transpose(1, 2)


class Video(nn.Module):
    def __init__(self, layers=4):
        super().__init__()
        self.text = nn.Parameter(torch.randn(1, 4, C))
        self.layers = nn.ModuleList([Layer() for _ in range(layers)])
        self.out = nn.Linear(C, C)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x, self.text)
        return self.out(x)


def main():
    global S, C
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--tokens", type=int, default=S)
    parser.add_argument("--width", type=int, default=C)
    args = parser.parse_args()
    S, C = args.tokens, args.width
    out = args.out
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    model = Video().eval()
    rng = np.random.default_rng(0)
    base = rng.standard_normal((1, 1, S, C))
    drift = rng.standard_normal((1, 1, S, C))
    frames = np.arange(T).reshape(1, T, 1, 1) / T
    correlated = base + 0.3 * frames * drift + 0.05 * rng.standard_normal((1, T, S, C))
    pairs = np.repeat(correlated[:, ::2], 2, axis=1)
    x = torch.from_numpy(correlated.astype(np.float32))
    torch.onnx.export(model, x, os.path.join(out, "video.onnx"),
                      input_names=["x"], output_names=["y"], opset_version=17)
    np.save(os.path.join(out, "correlated.npy"), correlated.astype(np.float32))
    np.save(os.path.join(out, "pairs.npy"), pairs.astype(np.float32))


if __name__ == "__main__":
    main()
