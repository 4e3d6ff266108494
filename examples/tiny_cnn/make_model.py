#!/usr/bin/python3
"""Regenerate the tiny CNN example: model.onnx, input_0.pb, expected_output_0.pb.

    /usr/bin/python3 examples/tiny_cnn/make_model.py [--out DIR]

Uses Debian's torch with fixed seeds, so the files are reproducible. The model:
conv3x3(3->8)-bn-relu, conv3x3(8->16)-bn-relu, maxpool 2x2, global average
pool, linear(16->10), softmax, on a 1x3x32x32 float input named `input`;
the output `output` is 1x10 class probabilities. Exported with opset 17 and
constant folding (batch norms fold into the convolutions).
"""

import argparse
import io
import os
import sys
import warnings

warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from onnx import numpy_helper  # noqa: E402

SEED = 20240601
INPUT_SHAPE = (1, 3, 32, 32)


class TinyCNN(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Conv2d(8, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(16, num_classes)

    def forward(self, x):
        x = self.pool(self.features(x)).flatten(1)
        return torch.softmax(self.classifier(x), dim=1)


def build(seed=SEED):
    torch.manual_seed(seed)
    model = TinyCNN()
    # Give the batch norms non-trivial statistics (as after training) from one
    # random batch, so the folded weights and the outputs are not degenerate.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.momentum = None
                m.weight.uniform_(0.75, 1.25)
                m.bias.normal_(0.0, 0.1)
        model.train()
        model(torch.randn((16,) + INPUT_SHAPE[1:]))
    return model.eval()


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=here, help="output directory (default: beside this script)")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)

    model = build()
    x = np.random.default_rng(SEED).standard_normal(INPUT_SHAPE).astype(np.float32)
    with torch.no_grad():
        y = model(torch.from_numpy(x)).numpy()

    buf = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(model, (torch.from_numpy(x),), buf, opset_version=17,
                          do_constant_folding=True, input_names=["input"],
                          output_names=["output"], training=torch.onnx.TrainingMode.EVAL)
    proto = onnx.load_from_string(buf.getvalue())
    proto.doc_string = "Mica example: tiny CNN on 1x3x32x32, 10 classes (examples/tiny_cnn)"
    onnx.checker.check_model(proto, full_check=True)

    data = proto.SerializeToString()
    with open(os.path.join(args.out, "model.onnx"), "wb") as f:
        f.write(data)
    for array, name, fname in ((x, "input", "input_0.pb"), (y, "output", "expected_output_0.pb")):
        with open(os.path.join(args.out, fname), "wb") as f:
            f.write(numpy_helper.from_array(array, name=name).SerializeToString())

    ops = [n.op_type for n in proto.graph.node]
    print("wrote %s (%d bytes; ops: %s); output %s, argmax %d"
          % (os.path.join(args.out, "model.onnx"), len(data), " ".join(ops),
             list(y.shape), int(y.argmax())), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
