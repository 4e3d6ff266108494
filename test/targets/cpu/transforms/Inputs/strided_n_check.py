"""Builds ONNX convolutions on small maps, where the CPU kernels vectorise
along the output channels and store lane by lane (Plan::stridedN), compiles
each for the host, runs it and compares it with PyTorch in float64. Prints
one line per case:
  <name> err=<rel err> strided=<yes|no>
where rel err = max|out - ref| / max|ref| and strided says whether the
compile trace (--cpu-codegen-trace) shows a kernel along a strided
output dim; exits 1 if an error exceeds 1e-4.

  strided_n_check.py MICA WORKDIR [COMPILE FLAGS...]
"""
import os
import subprocess
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

# name, (N, C, H, W), K, kernel, stride, pad, epilogue[, groups, dilation]
CASES = [
    # 72 channels: four full 16-lane vectors and a partial one; bias, swish
    # and a residual input read along the strided channels.
    ("pointwise_swish_residual", (2, 256, 7, 7), 72, 1, 1, 0, "swish_add"),
    ("conv3x3_relu", (1, 64, 7, 7), 96, 3, 1, 1, "relu"),
    ("pointwise_stride2", (1, 128, 14, 14), 64, 1, 2, 0, "none"),
    # Two groups of 64 channels each way, and a dilated window: other
    # convolution forms whose plans may take the channels as vectors.
    ("grouped3x3", (1, 128, 7, 7), 128, 3, 1, 1, "relu", 2, 1),
    ("dilated3x3", (1, 64, 7, 7), 64, 3, 1, 2, "none", 1, 2),
]


def build(name, shape, k, ksize, stride, pad, epilogue, rng, groups=1, dilation=1):
    n, c, h, w = shape
    weight = (rng.standard_normal((k, c // groups, ksize, ksize)) /
              np.sqrt(c // groups * ksize * ksize)).astype(np.float32)
    bias = rng.standard_normal(k).astype(np.float32)
    span = dilation * (ksize - 1) + 1
    oh = (h + 2 * pad - span) // stride + 1
    ow = (w + 2 * pad - span) // stride + 1
    out_shape = [n, k, oh, ow]
    inits = [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)]
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["conv"], kernel_shape=[ksize, ksize],
                              strides=[stride, stride], pads=[pad] * 4, group=groups,
                              dilations=[dilation, dilation], name=name + "_conv")]
    feeds = {"x": rng.standard_normal(shape).astype(np.float32)}
    xt = torch.from_numpy(feeds["x"]).double()
    ref = torch.nn.functional.conv2d(xt, torch.from_numpy(weight).double(),
                                     torch.from_numpy(bias).double(), stride, pad,
                                     dilation, groups)
    last = "conv"
    if epilogue == "relu":
        nodes.append(helper.make_node("Relu", ["conv"], ["y"], name=name + "_relu"))
        ref = torch.relu(ref)
        last = "y"
    elif epilogue == "swish_add":
        inputs.append(helper.make_tensor_value_info("r", TensorProto.FLOAT, out_shape))
        feeds["r"] = rng.standard_normal(out_shape).astype(np.float32)
        nodes += [helper.make_node("Sigmoid", ["conv"], ["sig"], name=name + "_sigmoid"),
                  helper.make_node("Mul", ["conv", "sig"], ["swish"], name=name + "_mul"),
                  helper.make_node("Add", ["swish", "r"], ["y"], name=name + "_add")]
        ref = ref * torch.sigmoid(ref) + torch.from_numpy(feeds["r"]).double()
        last = "y"
    graph = helper.make_graph(nodes, name, inputs,
                              [helper.make_tensor_value_info(last, TensorProto.FLOAT, out_shape)],
                              inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model, feeds, last, ref.numpy()


def main():
    mica, work, flags = sys.argv[1], sys.argv[2], sys.argv[3:]
    rng = np.random.default_rng(11)
    worst = 0.0
    for case in CASES:
        name = case[0]
        model, feeds, out_name, ref = build(*case[:7], rng, *case[7:])
        onnx.save(model, f"{work}/{name}.onnx")
        args = []
        for key, value in feeds.items():
            np.save(f"{work}/{name}.{key}.npy", value)
            args += ["--input", f"{key}={work}/{name}.{key}.npy"]
        art = f"{work}/{name}.mica"
        trace = subprocess.run([mica, "compile", f"{work}/{name}.onnx", "-o", art,
                                "--cpu-codegen-trace", *flags],
                               check=True, capture_output=True, text=True).stderr
        strided = "yes" if " strided n " in trace else "no"
        out_dir = f"{work}/{name}.out"
        subprocess.run([mica, "run", art, *args, "--output-dir", out_dir], check=True,
                       stdout=subprocess.DEVNULL)
        out = np.load(f"{out_dir}/{out_name}.npy")
        assert out.shape == ref.shape, (out.shape, ref.shape)
        err = float(np.abs(out - ref).max() / np.abs(ref).max())
        worst = max(worst, err)
        print(f"{name} err={err:.2e} strided={strided}")
    sys.exit(0 if worst <= 1e-4 else 1)


if __name__ == "__main__":
    main()
