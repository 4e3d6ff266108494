"""A pre-norm one-head transformer block (layer norm, q, k, v projections,
q k^T / sqrt(d), softmax, weights x v, output projection, GELU written out
as its erf formula, residual add) as ONNX, for the W8A8 transformer path.

    attention_model.py OUT_DIR

Writes OUT_DIR/model.onnx, OUT_DIR/calib/ (8 samples [1, 16, 32]),
OUT_DIR/x.npy (a batch of 2) and OUT_DIR/float.npy (numpy's float output
for x). Fixed seeds.
"""
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

D, T = 32, 16


def erf(x):
    return np.vectorize(math.erf)(x)


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "calib"), exist_ok=True)
    rng = np.random.default_rng(5)
    w = {n: (rng.standard_normal((D, D)) / math.sqrt(D)).astype(np.float32)
         for n in ("wq", "wk", "wv", "wo")}
    b = {n: (0.1 * rng.standard_normal(D)).astype(np.float32)
         for n in ("bq", "bk", "bv", "bo")}
    ln = {"ln_scale": (1 + 0.2 * rng.standard_normal(D)).astype(np.float32),
          "ln_bias": (0.1 * rng.standard_normal(D)).astype(np.float32)}
    consts = {"sqrt_d": np.array(math.sqrt(D), np.float32),
              "sqrt2": np.array(math.sqrt(2), np.float32),
              "one": np.array(1, np.float32), "half": np.array(0.5, np.float32)}
    inits = [numpy_helper.from_array(v, k) for k, v in
             list(w.items()) + list(b.items()) + list(consts.items()) +
             list(ln.items())]
    n = helper.make_node
    nodes = [
        n("LayerNormalization", ["x", "ln_scale", "ln_bias"], ["h"], axis=-1,
          epsilon=1e-5, name="ln"),
        n("MatMul", ["h", "wq"], ["q0"], name="q_proj"),
        n("Add", ["q0", "bq"], ["q"], name="q_bias"),
        n("MatMul", ["h", "wk"], ["k0"], name="k_proj"),
        n("Add", ["k0", "bk"], ["k"], name="k_bias"),
        n("MatMul", ["h", "wv"], ["v0"], name="v_proj"),
        n("Add", ["v0", "bv"], ["v"], name="v_bias"),
        n("Transpose", ["k"], ["kt"], perm=[0, 2, 1], name="k_t"),
        n("MatMul", ["q", "kt"], ["s0"], name="scores"),
        n("Div", ["s0", "sqrt_d"], ["s"], name="scale"),
        n("Softmax", ["s"], ["p"], axis=-1, name="softmax"),
        n("MatMul", ["p", "v"], ["a"], name="mix"),
        n("MatMul", ["a", "wo"], ["o0"], name="o_proj"),
        n("Add", ["o0", "bo"], ["o"], name="o_bias"),
        n("Div", ["o", "sqrt2"], ["g0"], name="gelu_div"),
        n("Erf", ["g0"], ["g1"], name="gelu_erf"),
        n("Add", ["g1", "one"], ["g2"], name="gelu_add"),
        n("Mul", ["o", "g2"], ["g3"], name="gelu_mul"),
        n("Mul", ["g3", "half"], ["g"], name="gelu_half"),
        n("Add", ["x", "g"], ["y"], name="residual"),
    ]
    graph = helper.make_graph(
        nodes, "attention",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", T, D])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", T, D])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, "model.onnx"))
    for i in range(8):
        np.save(os.path.join(out, "calib", "s%d.npy" % i),
                rng.standard_normal((1, T, D)).astype(np.float32))
    x = rng.standard_normal((2, T, D)).astype(np.float32)
    np.save(os.path.join(out, "x.npy"), x)
    # The float reference.
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    h = (x - mean) / np.sqrt(var + 1e-5) * ln["ln_scale"] + ln["ln_bias"]
    q, k, v = (h @ w["wq"] + b["bq"], h @ w["wk"] + b["bk"],
               h @ w["wv"] + b["bv"])
    s = q @ k.transpose(0, 2, 1) / math.sqrt(D)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    o = (p @ v) @ w["wo"] + b["bo"]
    y = x + 0.5 * o * (1 + erf(o / math.sqrt(2)))
    np.save(os.path.join(out, "float.npy"), y.astype(np.float32))


if __name__ == "__main__":
    main()
