"""Softmax and LogSoftmax rows with NaN and inf compiled for the host and
run: the row maximum skips NaN (SoftmaxLowering), so this checks that a NaN
still makes its whole row NaN (as in PyTorch), that an inf row is NaN, and
that every other row matches PyTorch. Prints `<op> nan_rows=ok max_err=<e>`
per op; exits 1 on a mismatch.

  softmax_nan.py MICA WORKDIR
"""
import subprocess
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper


def main():
    mica, work = sys.argv[1], sys.argv[2]
    x = np.random.default_rng(3).standard_normal((4, 37)).astype(np.float32) * 3
    x[0, 5] = np.nan
    x[1, :] = np.nan
    x[2, 7] = np.inf
    status = 0
    for op, ref_fn in (("Softmax", torch.softmax), ("LogSoftmax", torch.log_softmax)):
        node = helper.make_node(op, ["x"], ["y"], axis=-1, name=op.lower())
        graph = helper.make_graph(
            [node], op, [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, x.shape)])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        onnx.save(model, f"{work}/{op}.onnx")
        np.save(f"{work}/x.npy", x)
        subprocess.run([mica, "compile", f"{work}/{op}.onnx", "-o", f"{work}/{op}.mica"], check=True)
        subprocess.run([mica, "run", f"{work}/{op}.mica", "--input", f"x={work}/x.npy",
                        "--output-dir", f"{work}/{op}.out"], check=True, stdout=subprocess.DEVNULL)
        y = np.load(f"{work}/{op}.out/y.npy")
        ref = ref_fn(torch.from_numpy(x), -1).numpy()
        same_nan = bool((np.isnan(y) == np.isnan(ref)).all()) and bool(np.isnan(y[:3]).all())
        finite = ~np.isnan(ref)
        err = float(np.abs(y[finite] - ref[finite]).max())
        print(f"{op} nan_rows={'ok' if same_nan else 'bad'} max_err={err:.2e}")
        if not same_nan or err > 1e-5:
            status = 1
    sys.exit(status)


if __name__ == "__main__":
    main()
