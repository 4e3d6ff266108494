"""Builds ONNX convolutions that mica-winograd-conv rewrites, compiles each
with and without --winograd, runs both and compares them with PyTorch's
direct convolution (float64). Prints one line per case:
  <name> winograd=<rel err> direct=<rel err> rewritten=<yes|no>
where rel err = max|out - ref| / max|ref|; exits 1 if any exceeds 1e-4.
rewritten: the Winograd artifact carries the transformed weight (36/9 of
the direct one's), so it is the larger one.

  winograd_check.py MICA WORKDIR
"""
import os
import subprocess
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

# name, (N, C, H, W), K, ONNX pads (h0, w0, h1, w1), bias
CASES = [
    ("square", (1, 32, 16, 16), 32, (1, 1, 1, 1), True),
    ("batch_crop", (2, 32, 15, 18), 40, (0, 1, 1, 2), True),
    ("no_pad", (1, 48, 22, 22), 32, (0, 0, 0, 0), False),
]


def build(name, shape, k, pads, bias, rng):
    n, c, h, w = shape
    weight = (rng.standard_normal((k, c, 3, 3)) * 0.2).astype(np.float32)
    inits = [numpy_helper.from_array(weight, "w")]
    inputs = ["x", "w"]
    b = None
    if bias:
        b = rng.standard_normal(k).astype(np.float32)
        inits.append(numpy_helper.from_array(b, "b"))
        inputs.append("b")
    out_h, out_w = h + pads[0] + pads[2] - 2, w + pads[1] + pads[3] - 2
    node = helper.make_node("Conv", inputs, ["y"], kernel_shape=[3, 3],
                            pads=list(pads), name=name + "_conv")
    graph = helper.make_graph(
        [node], name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n, k, out_h, out_w])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    x = rng.standard_normal(shape).astype(np.float32)
    xt = torch.nn.functional.pad(torch.from_numpy(x).double(),
                                 (pads[1], pads[3], pads[0], pads[2]))
    ref = torch.nn.functional.conv2d(
        xt, torch.from_numpy(weight).double(),
        None if b is None else torch.from_numpy(b).double()).numpy()
    return model, x, ref


def main():
    mica, work = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(3)
    worst = 0.0
    for name, shape, k, pads, bias in CASES:
        model, x, ref = build(name, shape, k, pads, bias, rng)
        onnx.save(model, f"{work}/{name}.onnx")
        np.save(f"{work}/{name}.x.npy", x)
        errs, sizes = [], []
        for flag in ("--winograd=true", "--winograd=false"):
            art = f"{work}/{name}{flag[-5:]}.mica"
            subprocess.run([mica, "compile", f"{work}/{name}.onnx", flag, "-o", art], check=True)
            sizes.append(os.path.getsize(art))
            out_dir = f"{work}/{name}{flag[-5:]}.out"
            subprocess.run([mica, "run", art, "--input", f"{work}/{name}.x.npy",
                            "--output-dir", out_dir], check=True, stdout=subprocess.DEVNULL)
            out = np.load(f"{out_dir}/y.npy")
            assert out.shape == ref.shape, (out.shape, ref.shape)
            errs.append(float(np.abs(out - ref).max() / np.abs(ref).max()))
        worst = max(worst, *errs)
        rewritten = "yes" if sizes[0] > sizes[1] else "no"
        print(f"{name} winograd={errs[0]:.2e} direct={errs[1]:.2e} rewritten={rewritten}")
    sys.exit(0 if worst <= 1e-4 else 1)


if __name__ == "__main__":
    main()
