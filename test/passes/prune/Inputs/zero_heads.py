"""A two-layer transformer in which exactly half of every prunable group is
zero (attention heads and MLP hidden channels), for the invariant that
removing them leaves the output unchanged.

  python3 zero_heads.py OUT_DIR      writes model.onnx, input.npy, ref.npy

Layer 0 writes attention as timm does (a fused qkv projection reshaped to
[B, S, 3, H, D]); layer 1 uses torch's nn.MultiheadAttention (the heads
folded into the batch of the products). A zero head has zero q, k and v
rows and biases: uniform attention over zero values, a zero output.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zero_channels import save  # noqa: E402


def build(out):
    import torch
    nn = torch.nn
    torch.manual_seed(0)
    width, heads, hidden = 16, 4, 32

    class TimmAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv = nn.Linear(width, 3 * width)
            self.proj = nn.Linear(width, width)

        def forward(self, x):
            n, t, c = x.shape
            qkv = self.qkv(x).reshape(n, t, 3, heads, c // heads)
            qkv = qkv.permute(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            a = ((q @ k.transpose(-2, -1)) * (c // heads) ** -0.5).softmax(-1)
            return self.proj((a @ v).transpose(1, 2).reshape(n, t, c))

    class Layer(nn.Module):
        def __init__(self, timm):
            super().__init__()
            self.timm = timm
            self.norm1 = nn.LayerNorm(width)
            self.attn = TimmAttention() if timm else \
                nn.MultiheadAttention(width, heads, batch_first=True)
            self.norm2 = nn.LayerNorm(width)
            self.fc1 = nn.Linear(width, hidden)
            self.fc2 = nn.Linear(hidden, width)

        def forward(self, x):
            y = self.norm1(x)
            x = x + (self.attn(y) if self.timm else
                     self.attn(y, y, y, need_weights=False)[0])
            return x + self.fc2(torch.relu(self.fc1(self.norm2(x))))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.Sequential(Layer(True), Layer(False))
            self.head = nn.Linear(width, 10)

        def forward(self, x):
            return self.head(self.layers(x))

    net = Net().eval()
    d = width // heads
    with torch.no_grad():
        def zero_heads(weight, bias, which):
            for part in range(3):
                for h in which:
                    rows = slice(part * width + h * d, part * width + (h + 1) * d)
                    weight[rows] = 0
                    bias[rows] = 0
        zero_heads(net.layers[0].attn.qkv.weight, net.layers[0].attn.qkv.bias,
                   [1, 3])
        zero_heads(net.layers[1].attn.in_proj_weight,
                   net.layers[1].attn.in_proj_bias, [0, 2])
        for layer, rows in ((net.layers[0], range(0, 32, 2)),
                            (net.layers[1], range(16))):
            layer.fc1.weight[list(rows)] = 0
            layer.fc1.bias[list(rows)] = 0
    save(out, net, np.random.RandomState(0).randn(1, 8, width))


if __name__ == "__main__":
    os.makedirs(sys.argv[1], exist_ok=True)
    build(sys.argv[1])
