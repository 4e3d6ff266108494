"""Models with residual blocks for block removal (--remove-blocks).

  python3 block_models.py OUT_DIR
      writes gpt.onnx (4 pre-norm transformer layers on [1, 8, 32] float
      tokens, causal attention; layer 2 adds little: its output projections
      are scaled by 0.01), gpt_same.onnx (the same, but all layers have
      layer 0's weight matrices, each its own biases and norms),
      gpt_scaled.onnx (layer 0's matrices with each output row scaled) and
      resnet.onnx (a stem, three identity residual
      blocks of which block 1 adds little, a downsampling block and a
      head), an input and calib/ (4 samples) for each
  python3 block_models.py --reference OUT_DIR MODEL BLOCKS OUT.npy
      the PyTorch output of MODEL (gpt or resnet) with the removable
      blocks BLOCKS (comma-separated indices, counted as Mica counts them:
      identity residual blocks in order) skipped

Fixed seeds; random weights (block removal's mechanics, not accuracy:
prune_digits.test measures accuracy).
"""
import os
import sys

import numpy as np


def models():
    import torch
    nn = torch.nn

    class Layer(nn.Module):
        def __init__(self, width=32, heads=4):
            super().__init__()
            self.heads = heads
            self.norm1 = nn.LayerNorm(width)
            self.qkv = nn.Linear(width, 3 * width)
            self.proj = nn.Linear(width, width)
            self.norm2 = nn.LayerNorm(width)
            self.fc1 = nn.Linear(width, 4 * width)
            self.fc2 = nn.Linear(4 * width, width)
            self.register_buffer("mask", torch.triu(
                torch.full((8, 8), float("-inf")), 1))

        def forward(self, x):
            n, t, c = x.shape
            qkv = self.qkv(self.norm1(x)).reshape(n, t, 3, self.heads,
                                                  c // self.heads)
            qkv = qkv.permute(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            a = (q @ k.transpose(-2, -1)) * (c // self.heads) ** -0.5
            a = (a + self.mask).softmax(-1)
            x = x + self.proj((a @ v).transpose(1, 2).reshape(n, t, c))
            return x + self.fc2(nn.functional.gelu(self.fc1(self.norm2(x))))

    class Gpt(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([Layer() for _ in range(4)])
            self.norm = nn.LayerNorm(32)
            self.head = nn.Linear(32, 16)
            self.skip = set()

        def forward(self, x):
            for i, layer in enumerate(self.layers):
                if i not in self.skip:
                    x = layer(x)
            return self.head(self.norm(x))

    class Basic(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.c1 = nn.Conv2d(c, c, 3, padding=1)
            self.c2 = nn.Conv2d(c, c, 3, padding=1)

        def forward(self, x):
            return torch.relu(x + self.c2(torch.relu(self.c1(x))))

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 8, 3, padding=1)
            self.blocks = nn.ModuleList([Basic(8) for _ in range(3)])
            self.down = nn.Conv2d(8, 16, 3, stride=2, padding=1)
            self.down2 = nn.Conv2d(16, 16, 3, padding=1)
            self.proj = nn.Conv2d(8, 16, 1, stride=2)
            self.head = nn.Linear(16, 10)
            self.skip = set()

        def forward(self, x):
            x = torch.relu(self.stem(x))
            for i, block in enumerate(self.blocks):
                if i not in self.skip:
                    x = block(x)
            x = torch.relu(self.proj(x) + self.down2(torch.relu(self.down(x))))
            return self.head(x.mean((2, 3)))

    torch.manual_seed(0)
    gpt = Gpt().eval()
    resnet = ResNet().eval()
    with torch.no_grad():
        for layer in (gpt.layers[2].proj, gpt.layers[2].fc2):
            layer.weight *= 0.01
            layer.bias *= 0.01
        resnet.blocks[1].c2.weight *= 0.01
        resnet.blocks[1].c2.bias *= 0.01
    same = Gpt().eval()
    same.load_state_dict(gpt.state_dict())
    with torch.no_grad():
        for layer in same.layers[1:]:
            for name in ("qkv", "proj", "fc1", "fc2"):
                getattr(layer, name).weight.copy_(
                    getattr(same.layers[0], name).weight)
    # Layers whose matrices are layer 0's with each output row scaled.
    scaled = Gpt().eval()
    scaled.load_state_dict(same.state_dict())
    with torch.no_grad():
        for i, layer in enumerate(scaled.layers[1:]):
            for name in ("qkv", "proj", "fc1", "fc2"):
                weight = getattr(layer, name).weight
                weight *= torch.linspace(0.5, 1.5 + i, weight.shape[0])[:, None]
    return {"gpt": (gpt, (1, 8, 32)), "gpt_same": (same, (1, 8, 32)),
            "gpt_scaled": (scaled, (1, 8, 32)),
            "resnet": (resnet, (1, 3, 8, 8))}


def build(out):
    import torch
    rng = np.random.RandomState(0)
    for name, (model, shape) in models().items():
        x = rng.randn(*shape).astype(np.float32)
        torch.onnx.export(model, torch.from_numpy(x),
                          os.path.join(out, name + ".onnx"),
                          input_names=["input"], output_names=["output"],
                          opset_version=13)
        np.save(os.path.join(out, name + "_input.npy"), x)
        calib = os.path.join(out, "calib_" + name)
        os.makedirs(calib, exist_ok=True)
        for i in range(4):
            np.save(os.path.join(calib, "s%d.npy" % i),
                    rng.randn(*shape).astype(np.float32))


def reference(out, name, blocks, path):
    import torch
    model, _ = models()[name]
    model.skip = {int(b) for b in blocks.split(",") if b}
    x = torch.from_numpy(np.load(os.path.join(out, name + "_input.npy")))
    with torch.no_grad():
        np.save(path, model(x).numpy())


if __name__ == "__main__":
    if sys.argv[1] == "--reference":
        reference(*sys.argv[2:6])
    else:
        os.makedirs(sys.argv[1], exist_ok=True)
        build(sys.argv[1])
