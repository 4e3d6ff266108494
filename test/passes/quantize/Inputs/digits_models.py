"""Small models trained on scikit-learn's digits, for measuring quantisation.

`python3 digits_models.py CACHE` trains (fixed seeds, a few seconds on a CPU)
and exports to CACHE, unless CACHE already holds this script's output:

  mlp.onnx          Gemm 64-64-32-10 with ReLUs            input [N, 64]
  cnn.onnx          Conv 8 / ReLU / MaxPool / Conv 16 / ReLU / Gemm 10
                                                           input [N, 1, 8, 8]
  vit.onnx          a vision transformer: 2x2 patches (16 tokens) and a class
                    token, width 32, 2 pre-norm blocks of 2-head attention
                    and a GELU MLP of 64, layer norm, Gemm 10
                                                           input [N, 1, 8, 8]
  calib_mlp/, calib_cnn/, calib_vit/   calibration samples: 16 .npy files of
                    8 training images each (a batch along dim 0)
  test_mlp.npy, test_cnn.npy, test_vit.npy, test_labels.npy   the 360
                    held-out images
  float_top1.json   PyTorch's top-1 on the held-out images

Images are scaled to [0, 1]. The split is fixed (the last 360 images are
held out).
"""
import hashlib
import json
import os
import sys

import numpy as np

STAMP = hashlib.sha256(open(__file__, "rb").read()).hexdigest()[:16]


def vit_model(torch, patch=2, depth=2, width=32, heads=2, hidden=64):
    """A ViT on 8x8 images as exporters see one: attention written as
    matmuls and a softmax, GELU as its erf formula, pre-norm residual
    blocks, a class token. (Also the token-merging reference's model:
    test/passes/token_merge/Inputs/tome_reference.py.)"""
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self, width, heads, hidden):
            super().__init__()
            self.heads = heads
            self.norm1 = nn.LayerNorm(width)
            self.qkv = nn.Linear(width, 3 * width)
            self.proj = nn.Linear(width, width)
            self.norm2 = nn.LayerNorm(width)
            self.fc1 = nn.Linear(width, hidden)
            self.fc2 = nn.Linear(hidden, width)

        def forward(self, x):
            n, t, c = x.shape
            qkv = self.qkv(self.norm1(x)).reshape(n, t, 3, self.heads,
                                                  c // self.heads)
            qkv = qkv.permute(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            a = (q @ k.transpose(-2, -1)) * (c // self.heads) ** -0.5
            a = a.softmax(-1)
            y = (a @ v).transpose(1, 2).reshape(n, t, c)
            x = x + self.proj(y)
            return x + self.fc2(nn.functional.gelu(self.fc1(self.norm2(x))))

    class ViT(nn.Module):
        def __init__(self):
            super().__init__()
            self.patch = nn.Conv2d(1, width, patch, stride=patch)
            self.cls = nn.Parameter(torch.zeros(1, 1, width))
            tokens = (8 // patch) ** 2 + 1
            self.pos = nn.Parameter(torch.randn(1, tokens, width) * 0.02)
            self.blocks = nn.Sequential(
                *[Block(width, heads, hidden) for _ in range(depth)])
            self.norm = nn.LayerNorm(width)
            self.head = nn.Linear(width, 10)

        def forward(self, x):
            x = self.patch(x).flatten(2).transpose(1, 2)
            x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], 1)
            x = self.blocks(x + self.pos)
            return self.head(self.norm(x)[:, 0])

    return ViT()


def build(cache):
    import torch
    from sklearn.datasets import load_digits

    torch.manual_seed(0)
    np.random.seed(0)
    torch.set_num_threads(1)
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    train_x, train_y = x[:-360], y[:-360]
    test_x, test_y = x[-360:], y[-360:]

    mlp = torch.nn.Sequential(
        torch.nn.Linear(64, 64), torch.nn.ReLU(),
        torch.nn.Linear(64, 32), torch.nn.ReLU(),
        torch.nn.Linear(32, 10))
    cnn = torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(),
        torch.nn.Flatten(), torch.nn.Linear(16 * 4 * 4, 10))
    top1 = {}
    for name, model, shape, lr, epochs in (
            ("mlp", mlp, (-1, 64), 0.01, 30),
            ("cnn", cnn, (-1, 1, 8, 8), 0.01, 30),
            ("vit", None, (-1, 1, 8, 8), 0.003, 60)):
        # Built at its turn, so that the other models train as before.
        model = model or vit_model(torch)
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        data = torch.from_numpy(train_x.reshape(shape))
        labels = torch.from_numpy(train_y)
        for epoch in range(epochs):
            perm = torch.randperm(len(data))
            for i in range(0, len(data), 64):
                idx = perm[i:i + 64]
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(model(data[idx]), labels[idx])
                loss.backward()
                opt.step()
        model.eval()
        test = torch.from_numpy(test_x.reshape(shape))
        with torch.no_grad():
            top1[name] = float((model(test).argmax(1).numpy() == test_y).mean())
        torch.onnx.export(model, test[:1], os.path.join(cache, name + ".onnx"),
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                          opset_version=13)
        np.save(os.path.join(cache, "test_%s.npy" % name), test.numpy())
        calib = os.path.join(cache, "calib_" + name)
        os.makedirs(calib, exist_ok=True)
        for i in range(16):
            np.save(os.path.join(calib, "batch%02d.npy" % i),
                    train_x[i * 8:(i + 1) * 8].reshape(shape))
    np.save(os.path.join(cache, "test_labels.npy"), test_y)
    with open(os.path.join(cache, "float_top1.json"), "w") as f:
        json.dump(top1, f)


def main():
    cache = sys.argv[1]
    stamp = os.path.join(cache, "stamp")
    if os.path.exists(stamp) and open(stamp).read() == STAMP:
        return
    os.makedirs(cache, exist_ok=True)
    build(cache)
    with open(stamp, "w") as f:
        f.write(STAMP)


if __name__ == "__main__":
    main()
