"""exported_forms.py WORK: small models in the forms real exporters write
(older operator versions, shapes computed from Shape, If on a dimension),
each compiled with `mica compile`, run with `mica run` and compared with
numpy. Prints `PASS NAME` or `FAIL NAME: why` per model; exits 1 on a failure.
"""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def model(nodes, inputs, outputs, inits, opset):
    graph = helper.make_graph(nodes, "g", inputs, outputs, inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 7
    return m


def tensor(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def unknown(name):
    # An output declared without a shape, as some exporters write it.
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, None)


def const(name, value):
    return numpy_helper.from_array(np.array(value, dtype=np.int64), name)


def squeeze_if(dim0):
    """x.squeeze(0) in script mode: If(Shape(x)[0] == 1, Squeeze, Identity)."""
    then_g = helper.make_graph([helper.make_node("Squeeze", ["x"], ["t"], axes=[0])],
                               "then", [], [unknown("t")])
    else_g = helper.make_graph([helper.make_node("Identity", ["x"], ["e"])],
                               "else", [], [unknown("e")])
    nodes = [helper.make_node("Shape", ["x"], ["s"]),
             helper.make_node("Gather", ["s", "zero"], ["d"], axis=0),
             helper.make_node("Equal", ["d", "one"], ["cond"]),
             helper.make_node("If", ["cond"], ["y"], then_branch=then_g,
                              else_branch=else_g)]
    return model(nodes, [tensor("x", [dim0, 3])], [unknown("y")],
                 [const("zero", 0), const("one", 1)], 11)


def cases():
    # Slice-1: starts/ends/axes as attributes (opset < 10).
    yield ("slice_v1",
           model([helper.make_node("Slice", ["x"], ["y"], axes=[1, 2], starts=[1, 0],
                                   ends=[3, 2])],
                 [tensor("x", [2, 3, 4])], [unknown("y")], [], 9),
           [2, 3, 4], lambda x: x[:, 1:3, 0:2])
    # Reshape-5 to Concat(Cast(Constant), Cast(Slice-1(Cast(Shape(x))))), then
    # Transpose-1 into an output declared without a shape.
    nodes = [helper.make_node("Shape", ["x"], ["s"]),
             helper.make_node("Cast", ["s"], ["sf"], to=TensorProto.FLOAT),
             helper.make_node("Slice", ["sf"], ["ss"], axes=[0], starts=[2], ends=[3]),
             helper.make_node("Cast", ["ss"], ["si"], to=TensorProto.INT64),
             helper.make_node("Cast", ["minus_one"], ["ci"], to=TensorProto.INT64),
             helper.make_node("Concat", ["ci", "si"], ["shape"], axis=0),
             helper.make_node("Reshape", ["x", "shape"], ["r"]),
             helper.make_node("Transpose", ["r"], ["y"], perm=[1, 0])]
    yield ("reshape_computed",
           model(nodes, [tensor("x", [2, 3, 4])], [unknown("y")],
                 [const("minus_one", [-1])], 9),
           [2, 3, 4], lambda x: x.reshape(-1, 4).T)
    # If on a dimension: the branch the shapes pick, the other never checked
    # (squeezing a dim of 2 would be an error).
    yield "if_dim_not_one", squeeze_if(2), [2, 3], lambda x: x
    yield "if_dim_one", squeeze_if(1), [1, 3], lambda x: x[0]
    # Reshape to [Shape(x)[0:1], -1] with a symbolic batch: the copied `?`
    # cancels out, so the result is ?x12 (bound 8x12), not unbounded.
    nodes = [helper.make_node("Shape", ["x"], ["s"]),
             helper.make_node("Slice", ["s", "zero1", "one1"], ["n"]),
             helper.make_node("Concat", ["n", "minus_one"], ["shape"], axis=0),
             helper.make_node("Reshape", ["x", "shape"], ["y"])]
    yield ("reshape_symbolic_batch",
           model(nodes, [tensor("x", ["N", 3, 4])], [unknown("y")],
                 [const("zero1", [0]), const("one1", [1]), const("minus_one", [-1])], 13),
           [5, 3, 4], lambda x: x.reshape(x.shape[0], -1), ["--max-shape", "x=8x3x4"])
    # Shape arithmetic on a symbolic batch: Size, Gather of a static dim,
    # Cast, Equal/Not/Where, Div, Unsqueeze/Concat into a Reshape target,
    # Range and ConstantOfShape of it. What follows from static dims folds
    # (the width 4, the Range), the rest is read when the model runs: the
    # result is ?x4 and runs at batch 5.
    nodes = [helper.make_node("Shape", ["x"], ["s"]),
             helper.make_node("Size", ["x"], ["n"]),
             helper.make_node("Gather", ["s", "two"], ["d2"], axis=0),
             helper.make_node("Cast", ["d2"], ["d2f"], to=TensorProto.FLOAT),
             helper.make_node("Cast", ["d2f"], ["d2i"], to=TensorProto.INT64),
             helper.make_node("Equal", ["d2i", "four"], ["eq"]),
             helper.make_node("Not", ["eq"], ["neq"]),
             helper.make_node("Where", ["neq", "one", "d2i"], ["w"]),
             helper.make_node("Div", ["n", "w"], ["rest"]),
             helper.make_node("Unsqueeze", ["rest", "axis0"], ["rest1"]),
             helper.make_node("Unsqueeze", ["w", "axis0"], ["w1"]),
             helper.make_node("Concat", ["rest1", "w1"], ["target"], axis=0),
             helper.make_node("Reshape", ["x", "target"], ["r"]),
             helper.make_node("Range", ["zero", "w", "one"], ["rg"]),
             helper.make_node("Cast", ["rg"], ["rgf"], to=TensorProto.FLOAT),
             helper.make_node("ConstantOfShape", ["target"], ["half"],
                              value=numpy_helper.from_array(np.array([0.5], np.float32))),
             helper.make_node("Add", ["r", "half"], ["r2"]),
             helper.make_node("Add", ["r2", "rgf"], ["y"])]
    yield ("shape_chain_symbolic_batch",
           model(nodes, [tensor("x", ["N", 3, 4])], [unknown("y")],
                 [const("two", 2), const("four", 4), const("one", 1), const("zero", 0),
                  const("axis0", [0])], 13),
           [5, 3, 4], lambda x: x.reshape(-1, 4) + np.float32(0.5) + np.arange(4, dtype=np.float32),
           ["--max-shape", "x=8x3x4"])


def main():
    work = sys.argv[1]
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng(0)
    failures = 0
    for name, m, shape, ref, *flags in cases():
        path = os.path.join(work, name + ".onnx")
        onnx.save(m, path)
        art = os.path.join(work, name + ".mica")
        proc = subprocess.run(["mica", "compile", path, "-o", art] + sum(flags, []),
                              capture_output=True, text=True)
        if proc.returncode != 0:
            print("FAIL %s: compile exited %d: %s" % (name, proc.returncode,
                                                     proc.stderr.strip()))
            failures += 1
            continue
        x = rng.standard_normal(shape).astype(np.float32)
        np.save(os.path.join(work, name + ".x.npy"), x)
        out = os.path.join(work, name + ".out")
        subprocess.run(["mica", "run", art, "--input", "x=" + os.path.join(work, name + ".x.npy"),
                        "--output-dir", out], check=True, capture_output=True)
        got = np.load(os.path.join(out, "y.npy"))
        want = ref(x)
        if got.shape != want.shape or np.abs(got - want).max() > 0:
            print("FAIL %s: got %s, expected %s" % (name, got.shape, want.shape))
            failures += 1
        else:
            print("PASS %s output %s" % (name, "x".join(map(str, got.shape))))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
