"""intermediate_outputs.py WORK: a model that exposes intermediate values as
graph outputs declared without a shape (what a user does to debug a model,
or an exporter writes for a multi-output model), where ONNX shape inference
cannot follow the values: PyTorch's cls.expand(x.shape[0], -1, -1) and a
reshape by x.shape, as vision transformers write them. Mica compiles it at
two batch sizes and runs it; every output equals PyTorch's. Prints `PASS
NAME SHAPE` per output; exits 1 on a failure.
"""
import os
import subprocess
import sys

import numpy as np
import onnx
import torch


class Front(torch.nn.Module):
    """A ViT's front: patches, class token, position embedding, then a
    reshape by the shape of the sum."""

    def __init__(self):
        super().__init__()
        self.patch = torch.nn.Conv2d(1, 8, 2, stride=2)
        self.cls = torch.nn.Parameter(torch.randn(1, 1, 8))
        self.pos = torch.nn.Parameter(torch.randn(1, 5, 8))

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], 1) + self.pos
        n, t, c = x.shape
        return x.reshape(n, t, 2, c // 2).sum(2)


def main():
    work = sys.argv[1]
    os.makedirs(work, exist_ok=True)
    torch.manual_seed(0)
    model = Front().eval()
    path = os.path.join(work, "front.onnx")
    torch.onnx.export(model, torch.randn(1, 1, 4, 4), path, input_names=["x"],
                      output_names=["y"], opset_version=13,
                      dynamic_axes={"x": {0: "N"}, "y": {0: "N"}})
    m = onnx.load(path)
    # The sum (x + pos) and the patch embedding as outputs without shapes.
    exposed = {"sum": [n for n in m.graph.node if n.op_type == "Add"][-1].output[0],
               "patches": [n for n in m.graph.node if n.op_type == "Conv"][0].output[0]}
    for value in exposed.values():
        m.graph.output.append(onnx.helper.make_tensor_value_info(
            value, onnx.TensorProto.FLOAT, None))
    onnx.save(m, path)
    failures = 0
    for batch in (1, 3):
        x = np.random.default_rng(batch).standard_normal((batch, 1, 4, 4)).astype(np.float32)
        with torch.no_grad():
            t = torch.from_numpy(x)
            patches = model.patch(t)
            tokens = patches.flatten(2).transpose(1, 2)
            total = torch.cat([model.cls.expand(batch, -1, -1), tokens], 1) + model.pos
            want = {"y": model(t).numpy(), exposed["sum"]: total.numpy(),
                    exposed["patches"]: patches.numpy()}
        art = os.path.join(work, "front%d.mica" % batch)
        proc = subprocess.run(["mica", "compile", path, "--input-shape",
                               "x=%dx1x4x4" % batch, "-o", art],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            print("FAIL batch %d: compile exited %d: %s" % (
                batch, proc.returncode, proc.stderr.strip()[:400]))
            failures += 1
            continue
        np.save(os.path.join(work, "x.npy"), x)
        out = os.path.join(work, "out%d" % batch)
        subprocess.run(["mica", "run", art, "--input", os.path.join(work, "x.npy"),
                        "--output-dir", out], check=True, capture_output=True)
        for name, value in want.items():
            got = np.load(os.path.join(out, name.replace("/", "_") + ".npy"))
            if got.shape != value.shape or np.abs(got - value).max() > 1e-5:
                print("FAIL batch %d %s: got %s, expected %s" % (batch, name, got.shape,
                                                                  value.shape))
                failures += 1
            else:
                print("PASS batch %d %s %s" % (batch, name,
                                               "x".join(map(str, got.shape))))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
