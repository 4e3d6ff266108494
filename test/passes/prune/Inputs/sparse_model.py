"""A CNN whose weights are already 2:4 sparse, for the sparsity invariants:
`--prune sparse=2:4` on it changes no weight, so its outputs must equal the
plain build's exactly while its constants are stored compressed.

  python3 sparse_model.py OUT_DIR     writes model.onnx and input.npy

Every conv and linear layer with a multiple of 4 inputs keeps the two
largest |w| of each run of four along its input channels (the rule of
mica-sparsify); the stem (3 input channels) stays dense. The 32-channel
3x3 conv on 16x16 is one Winograd would take if it were dense.
"""
import os
import sys

import numpy as np


def two_of_four(weight, axis):
    """Zeros the two smallest |w| of each run of four along `axis`."""
    w = np.moveaxis(weight, axis, -1)
    shape = w.shape
    runs = w.reshape(-1, 4)
    order = np.argsort(np.abs(runs), axis=1, kind="stable")
    np.put_along_axis(runs, order[:, :2], 0.0, axis=1)
    return np.moveaxis(runs.reshape(shape), -1, axis)


def main():
    import torch
    nn = torch.nn
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(),
        nn.Conv2d(8, 32, 3, padding=1), nn.ReLU(),
        nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(4), nn.Flatten(),
        nn.Linear(32 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, 10)).eval()
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, (nn.Conv2d, nn.Linear)) and \
                    layer.weight.shape[1] % 4 == 0:
                w = two_of_four(layer.weight.numpy().copy(), 1)
                layer.weight.copy_(torch.from_numpy(w))
    x = torch.randn(1, 3, 16, 16)
    torch.onnx.export(model, x, os.path.join(out, "model.onnx"),
                      input_names=["input"], output_names=["logits"],
                      opset_version=13)
    np.save(os.path.join(out, "input.npy"), x.numpy())


if __name__ == "__main__":
    main()
