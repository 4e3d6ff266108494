"""A float model whose W8A8 build exercises every int8 CPU kernel: 4-byte
dot products (odd channel counts and K: the word tails), byte tables
(sigmoid, tanh, hard-swish, SiLU), integer adds and means, a nearest
resize and a constant pad on integers, a dense layer.

    int8_ops_model.py OUT_DIR

Writes OUT_DIR/model.onnx, OUT_DIR/calib/ (8 samples), OUT_DIR/x.npy (an
input batch of 3). Fixed seeds.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "calib"), exist_ok=True)
    rng = np.random.default_rng(11)

    def weight(name, *shape):
        fan_in = int(np.prod(shape[1:]))
        w = rng.standard_normal(shape) / np.sqrt(fan_in)
        return numpy_helper.from_array(w.astype(np.float32), name)

    def bias(name, n):
        return numpy_helper.from_array(
            (0.1 * rng.standard_normal(n)).astype(np.float32), name)

    inits = [weight("w1", 13, 5, 3, 3), bias("b1", 13),
             weight("w2", 13, 13, 1, 1), bias("b2", 13),
             weight("w3", 13, 13, 3, 3), bias("b3", 13),
             weight("w4", 13, 1, 3, 3), bias("b4", 13),
             numpy_helper.from_array(
                 (rng.standard_normal((13, 7)) / 4).astype(np.float32), "wf"),
             bias("bf", 7),
             numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32),
                                     "scales"),
             numpy_helper.from_array(np.array([0, 0, 1, 2, 0, 0, 2, 1],
                                              np.int64), "pads"),
             numpy_helper.from_array(np.array(0.5, np.float32), "pad_value")]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1],
                         name="conv1"),
        helper.make_node("Sigmoid", ["c1"], ["s1"], name="sig1"),
        helper.make_node("Mul", ["c1", "s1"], ["silu"], name="silu"),
        helper.make_node("Conv", ["silu", "w2", "b2"], ["c2"], name="conv2"),
        helper.make_node("Tanh", ["c2"], ["t2"], name="tanh2"),
        helper.make_node("Conv", ["t2", "w3", "b3"], ["c3"],
                         pads=[1, 1, 1, 1], strides=[2, 2], name="conv3"),
        helper.make_node("HardSwish", ["c3"], ["h3"], name="hswish3"),
        helper.make_node("Conv", ["h3", "w4", "b4"], ["c4"], pads=[1, 1, 1, 1],
                         group=13, name="dwconv4"),
        helper.make_node("Sigmoid", ["c4"], ["s4"], name="sig4"),
        helper.make_node("Add", ["h3", "s4"], ["a4"], name="add4"),
        helper.make_node("Resize", ["a4", "", "scales"], ["r4"], mode="nearest",
                         name="resize4"),
        helper.make_node("Pad", ["r4", "pads", "pad_value"], ["q4"],
                         name="pad4"),
        helper.make_node("GlobalAveragePool", ["q4"], ["p"], name="pool"),
        helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "wf", "bf"], ["y"], name="fc"),
    ]
    graph = helper.make_graph(
        nodes, "int8_ops",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                       ["n", 5, 19, 21])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 7])],
        inits)
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, "model.onnx"))
    for i in range(8):
        np.save(os.path.join(out, "calib", "s%d.npy" % i),
                rng.standard_normal((1, 5, 19, 21)).astype(np.float32))
    np.save(os.path.join(out, "x.npy"),
            rng.standard_normal((3, 5, 19, 21)).astype(np.float32))


if __name__ == "__main__":
    main()
