"""An int8 convolution whose stored int8 output ends each channel with a
one-element vector tail: a 1x1 convolution (48 -> 96 channels, ReLU6) on a
7x7 map (49 = 3 x 16 + 1 = 6 x 8 + 1 elements per channel) whose result is
both a graph output and the input of a depthwise 3x3 convolution, so that
the kernel stores it as int8 (mobilenet_v2's features.15 block in small).

    single_lane_model.py OUT_DIR

Writes OUT_DIR/model.onnx, OUT_DIR/calib/ (4 samples), OUT_DIR/x.npy.
Fixed seeds.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "calib"), exist_ok=True)
    rng = np.random.default_rng(5)
    w1 = (rng.standard_normal((96, 48, 1, 1)) / 7).astype(np.float32)
    b1 = (0.5 * rng.standard_normal(96)).astype(np.float32)
    w2 = (rng.standard_normal((96, 1, 3, 3)) / 3).astype(np.float32)
    b2 = (0.1 * rng.standard_normal(96)).astype(np.float32)
    inits = [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
             numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(b2, "b2"),
             numpy_helper.from_array(np.array(0, np.float32), "lo"),
             numpy_helper.from_array(np.array(6, np.float32), "hi")]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="expand"),
        helper.make_node("Clip", ["c1", "lo", "hi"], ["a"], name="relu6_a"),
        helper.make_node("Conv", ["a", "w2", "b2"], ["c2"], name="depthwise",
                         group=96, pads=[1, 1, 1, 1]),
        helper.make_node("Clip", ["c2", "lo", "hi"], ["b"], name="relu6_b"),
    ]
    graph = helper.make_graph(
        nodes, "single_lane",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 48, 7, 7])],
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [1, 96, 7, 7]),
         helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, 96, 7, 7])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, "model.onnx"))
    for i in range(4):
        np.save(os.path.join(out, "calib", "s%d.npy" % i),
                rng.standard_normal((1, 48, 7, 7)).astype(np.float32))
    np.save(os.path.join(out, "x.npy"),
            rng.standard_normal((1, 48, 7, 7)).astype(np.float32))


if __name__ == "__main__":
    main()
