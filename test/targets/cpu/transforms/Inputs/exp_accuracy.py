"""Accuracy of a compiled Exp against float64: an ONNX Exp over 4M float32
inputs (bit patterns drawn uniformly in [-104, 89], plus specials) compiled
with the given mica compile flags, run, and compared in ulps of the
float32-rounded reference. Prints
  max_ulp_small=<|x| < 80> max_ulp=<all normal finite results>
  flushed=<results below FLT_MIN returned as 0> specials=<ok|bad>
and exits 1 when the specials are wrong (exp(0) = 1, exp(inf) = inf,
exp(-inf) = 0, NaN -> NaN, overflow -> inf).

  exp_accuracy.py MICA WORKDIR [COMPILE FLAGS...]
"""
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper


def main():
    mica, work, flags = sys.argv[1], sys.argv[2], sys.argv[3:]
    n = 1 << 22
    rng = np.random.default_rng(5)
    top = np.float32(89.0).view(np.uint32)
    low = np.float32(-104.0).view(np.uint32)
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 89.0, 1.0], np.float32)
    x = np.concatenate([
        rng.integers(0, top, n // 2, dtype=np.uint32).view(np.float32),
        rng.integers(0x80000000, low, n // 2 - len(specials), dtype=np.uint32).view(np.float32),
        specials]).astype(np.float32)
    node = helper.make_node("Exp", ["x"], ["y"], name="exp")
    graph = helper.make_graph(
        [node], "exp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [n])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, f"{work}/exp.onnx")
    np.save(f"{work}/x.npy", x)
    subprocess.run([mica, "compile", f"{work}/exp.onnx", "-o", f"{work}/exp.mica", *flags],
                   check=True)
    subprocess.run([mica, "run", f"{work}/exp.mica", "--input", f"x={work}/x.npy",
                    "--output-dir", f"{work}/out"], check=True, stdout=subprocess.DEVNULL)
    y = np.load(f"{work}/out/y.npy").astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        ref = np.exp(x.astype(np.float64))
        ref32 = ref.astype(np.float32)
        tiny = np.finfo(np.float32).tiny
        normal = np.isfinite(ref32) & (ref32 >= tiny)
        ulps = np.abs(y - ref) / np.spacing(ref32).astype(np.float64)
    small = normal & (np.abs(x) < 80)
    sub = np.isfinite(x) & (ref < tiny)
    got = y[-len(specials):]
    specials_ok = (got[0] == 1 and got[1] == 1 and got[2] == np.inf and got[3] == 0
                   and np.isnan(got[4]) and got[5] == np.inf and abs(got[6] - np.e) < 1e-6)
    print(f"max_ulp_small={ulps[small].max():.2f} max_ulp={ulps[normal].max():.2f} "
          f"flushed={int((y[sub] == 0).sum())}/{int(sub.sum())} "
          f"specials={'ok' if specials_ok else 'bad'}")
    sys.exit(0 if specials_ok else 1)


if __name__ == "__main__":
    main()
