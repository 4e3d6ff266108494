"""A CNN in which exactly half of every prunable channel group is zero, for
the pruning invariants: removing those channels must not change the output.

  python3 zero_channels.py OUT_DIR [--constant]
                                       writes model.onnx, input.npy, ref.npy;
                                       with --constant the linear layer's
                                       pruned channels are a constant 0.5
                                       (zero weights, bias 0.5), which the
                                       data score removes exactly by
                                       compensating their mean
  python3 zero_channels.py --compare A.npy B.npy [TOL]
                                       max |A - B| <= TOL * max|B| (1e-5)

The model covers each way channels are tied: a residual add (two producers
share one group), a concat feeding a depthwise convolution, a flatten before
a linear layer, and plain conv -> relu -> conv chains. A zero channel has
zero weight rows and bias in every producer of its group, so it is exactly
zero after every activation used here (relu(0) = 0) and scores lowest.
"""
import os
import sys

import numpy as np


def build(out, constant=False):
    import torch
    nn = torch.nn
    torch.manual_seed(0)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 8, 3, padding=1)
            self.b1 = nn.Conv2d(8, 8, 3, padding=1)
            self.b2 = nn.Conv2d(8, 8, 3, padding=1)
            self.ca = nn.Conv2d(8, 4, 1)
            self.cb = nn.Conv2d(8, 4, 1)
            self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8)
            self.z = nn.Conv2d(8, 6, 1)
            self.fc = nn.Linear(6 * 4 * 4, 16)
            self.out = nn.Linear(16, 10)

        def forward(self, x):
            s = self.stem(x)
            y = torch.relu(s + self.b2(torch.relu(self.b1(torch.relu(s)))))
            c = torch.cat([self.ca(y), self.cb(y)], 1)
            z = torch.relu(self.z(torch.relu(self.dw(c))))
            z = nn.functional.max_pool2d(z, 2).flatten(1)
            return self.out(torch.relu(self.fc(z)))

    net = Net().eval()
    with torch.no_grad():
        def zero(layer, rows):
            layer.weight[rows] = 0
            layer.bias[rows] = 0
        zero(net.stem, [0, 2, 4, 6])   # the residual group: stem and b2
        zero(net.b2, [0, 2, 4, 6])
        zero(net.b1, [1, 3, 5, 7])
        zero(net.ca, [0, 1])
        zero(net.cb, [2, 3])
        zero(net.dw, [0, 1, 6, 7])     # the concat's zero channels
        zero(net.z, [3, 4, 5])
        zero(net.fc, list(range(8)))
        if constant:
            net.fc.bias[:8] = 0.5
    save(out, net, np.random.RandomState(0).rand(1, 3, 8, 8))


def save(out, net, x):
    """Exports `net` to OUT/model.onnx with input `x` (input.npy) and its
    PyTorch output (ref.npy)."""
    import torch
    x = torch.from_numpy(x.astype(np.float32))
    torch.onnx.export(net, x, os.path.join(out, "model.onnx"),
                      input_names=["input"], output_names=["logits"],
                      opset_version=13)
    np.save(os.path.join(out, "input.npy"), x.numpy())
    with torch.no_grad():
        np.save(os.path.join(out, "ref.npy"), net(x).numpy())


def compare(a, b, tol):
    got, ref = np.load(a), np.load(b)
    err = float(np.abs(got - ref).max())
    bound = tol * float(np.abs(ref).max())
    print("max_abs_err=%.3g bound=%.3g %s" % (err, bound,
                                              "OK" if err <= bound else "FAIL"))
    sys.exit(0 if err <= bound else 1)


if __name__ == "__main__":
    if sys.argv[1] == "--compare":
        compare(sys.argv[2], sys.argv[3],
                float(sys.argv[4]) if len(sys.argv) > 4 else 1e-5)
    else:
        os.makedirs(sys.argv[1], exist_ok=True)
        build(sys.argv[1], "--constant" in sys.argv[2:])
