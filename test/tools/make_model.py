#!/usr/bin/python3
"""Write a named tiny ONNX model for Mica's importer lit tests.

    /usr/bin/python3 test/tools/make_model.py KIND OUT.onnx
    /usr/bin/python3 test/tools/make_model.py --list

In a lit test:  # RUN: %python %test_tools/make_model.py conv_relu %t.onnx

Kinds (all deterministic; the same KIND always gives the same bytes):

  add             Add of two float [2,3] inputs A, B -> C (node "add")
  conv_relu       Conv (initializer weights W [4,3,3,3], bias B [4], pads 1)
                  + Relu on X [1,3,8,8] -> Y [1,4,8,8]; nodes are unnamed
  unknown_op      node "my_foo" of op Foo in the default domain (not an ONNX op)
  custom_domain   node "x1" of op Bar in domain com.example (imported at v1)
  opset18         Add model importing the default domain at opset 18
  qlinear_add     node "qadd" of com.microsoft QLinearAdd: uint8 A [1,4,3,3]
                  plus uint8 B [4,1,1] (broadcast) -> C, constant scales and
                  zero points, the output left untyped for shape inference
  qlinear_add_no_opset
                  the qlinear_add model without an opset import of
                  com.microsoft
  ms_unknown_op   node "ms1" of op NoSuchOp in domain com.microsoft
  qlinear_runtime_scale
                  node "sig" of com.microsoft QLinearSigmoid on uint8 X [1,4]
                  whose input scale is the model input `x_scale` (a f32
                  scalar)
  external_data   MatMul + Add whose initializers live in OUT.onnx.data, a
                  file next to the model (external data, one file)
  symbolic        Relu on X ['N', 3] -> Y ['N', 3] (dim_param N)
  static_batch    the mlp_symbolic network exported for a fixed batch of 64:
                  X [64, 16] -> Y [64, 8], value_info declaring every
                  intermediate with batch 64 (as exporters write)
  if_subgraph     If(cond) with then = Add(X, X), else = Neg(X); X float [2]
                  comes from the outer scope
  loop_runtime_trip
                  Loop(M, '', X) doubling X float [2] M times, with M an int64
                  graph input (a run-time trip count)
  optional_input  Clip(X, '', max) with the optional min input omitted ('')
                  and max = 6 as an initializer
  truncated       the conv_relu model's bytes cut in half
  garbage         256 random bytes (fixed seed) that are not a ModelProto
"""

import argparse
import os
import sys

import numpy as np
from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_builders as ob  # noqa: E402


def _add(path):
    ob.make_node_model("Add", [("A", "float32", [2, 3]), ("B", "float32", [2, 3])],
                       [("C", "float32", [2, 3])], node_name="add", path=path, check=True)


def _conv_relu_model():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["X", "W", "B"], ["T"], kernel_shape=[3, 3],
                         pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("Relu", ["T"], ["Y"]),
    ]
    graph = ob.make_graph(nodes, [("X", "float32", [1, 3, 8, 8])],
                          [("Y", "float32", [1, 4, 8, 8])], {"W": w, "B": b},
                          name="conv_relu")
    return ob.make_model(graph)


def _conv_relu(path):
    model = _conv_relu_model()
    import onnx
    onnx.checker.check_model(model, full_check=True)
    ob.save_model(model, path)


def _mlp_symbolic(path, batch="N"):
    """A two-layer perceptron over a batch N: X [N, 16] -> 32 -> 8."""
    rng = np.random.default_rng(0)
    inits = {"W1": rng.standard_normal((16, 32)).astype(np.float32),
             "B1": rng.standard_normal(32).astype(np.float32),
             "W2": rng.standard_normal((32, 8)).astype(np.float32)}
    nodes = [
        helper.make_node("MatMul", ["X", "W1"], ["H"], name="fc1"),
        helper.make_node("Add", ["H", "B1"], ["HB"], name="bias1"),
        helper.make_node("Relu", ["HB"], ["R"], name="relu1"),
        helper.make_node("MatMul", ["R", "W2"], ["Y"], name="fc2"),
    ]
    graph = ob.make_graph(nodes, [("X", "float32", [batch, 16])],
                          [("Y", "float32", [batch, 8])], inits, name="mlp")
    if batch != "N":
        for name, width in (("H", 32), ("HB", 32), ("R", 32)):
            graph.value_info.append(helper.make_tensor_value_info(
                name, TensorProto.FLOAT, [batch, width]))
    model = ob.make_model(graph)
    import onnx
    onnx.checker.check_model(model, full_check=True)
    ob.save_model(model, path)


def _reshape_runtime_shape(path):
    """Reshape x [2, 3, 4] to a shape given as the model input `shape`."""
    graph = ob.make_graph([helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")],
                          [("x", "float32", [2, 3, 4]), ("shape", "int64", [2])],
                          [("y", "float32", ["A", "B"])], name="reshape_runtime_shape")
    ob.save_model(ob.make_model(graph), path)


def _unknown_op(path):
    ob.make_node_model("Foo", [("X", "float32", [2, 3])], [("Y", "float32", [2, 3])],
                       node_name="my_foo", path=path)


def _custom_domain(path):
    ob.make_node_model("Bar", [("X", "float32", [2, 3])], [("Y", "float32", [2, 3])],
                       node_name="x1", domain="com.example", path=path)


def _opset18(path):
    ob.make_node_model("Add", [("A", "float32", [2, 3]), ("B", "float32", [2, 3])],
                       [("C", "float32", [2, 3])], node_name="add", opset=18, path=path)


def _qlinear_add_model(import_domain=True):
    inits = {"a_scale": np.array(0.05, np.float32), "a_zero": np.array(128, np.uint8),
             "b_scale": np.array(0.03, np.float32), "b_zero": np.array(120, np.uint8),
             "c_scale": np.array(0.07, np.float32), "c_zero": np.array(125, np.uint8)}
    node = helper.make_node(
        "QLinearAdd", ["A", "a_scale", "a_zero", "B", "b_scale", "b_zero", "c_scale",
                       "c_zero"], ["C"], name="qadd", domain="com.microsoft")
    graph = ob.make_graph([node], [("A", "uint8", [1, 4, 3, 3]), ("B", "uint8", [4, 1, 1])],
                          [("C", "uint8", None)], inits, name="qlinear_add")
    return ob.make_model(graph, domains={"com.microsoft": 1} if import_domain else None)


def _qlinear_add(path):
    ob.save_model(_qlinear_add_model(), path)


def _qlinear_add_no_opset(path):
    ob.save_model(_qlinear_add_model(import_domain=False), path)


def _ms_unknown_op(path):
    ob.make_node_model("NoSuchOp", [("X", "float32", [2, 3])], [("Y", "float32", [2, 3])],
                       node_name="ms1", domain="com.microsoft", path=path)


def _qlinear_runtime_scale(path):
    inits = {"x_zero": np.array(128, np.uint8), "y_scale": np.array(1 / 256, np.float32),
             "y_zero": np.array(0, np.uint8)}
    node = helper.make_node("QLinearSigmoid", ["X", "x_scale", "x_zero", "y_scale", "y_zero"],
                            ["Y"], name="sig", domain="com.microsoft")
    graph = ob.make_graph([node], [("X", "uint8", [1, 4]), ("x_scale", "float32", [])],
                          [("Y", "uint8", [1, 4])], inits, name="qlinear_runtime_scale")
    ob.save_model(ob.make_model(graph, domains={"com.microsoft": 1}), path)


def _external_data(path):
    rng = np.random.default_rng(1)
    w = rng.standard_normal((4, 3)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    nodes = [
        helper.make_node("MatMul", ["X", "W"], ["T"], name="matmul"),
        helper.make_node("Add", ["T", "B"], ["Y"], name="bias"),
    ]
    graph = ob.make_graph(nodes, [("X", "float32", [2, 4])], [("Y", "float32", [2, 3])],
                          {"W": w, "B": b}, name="external_data")
    model = ob.make_model(graph)
    import onnx
    onnx.checker.check_model(model, full_check=True)
    ob.save_with_external_data(model, path)


def _symbolic(path):
    ob.make_node_model("Relu", [("X", "float32", ["N", 3])], [("Y", "float32", ["N", 3])],
                       node_name="relu", path=path, check=True)


def _if_subgraph(path):
    then_graph = helper.make_graph(
        [helper.make_node("Add", ["X", "X"], ["then_out"], name="then_add")],
        "then_branch", [], [ob.value_info("then_out", "float32", [2])])
    else_graph = helper.make_graph(
        [helper.make_node("Neg", ["X"], ["else_out"], name="else_neg")],
        "else_branch", [], [ob.value_info("else_out", "float32", [2])])
    node = helper.make_node("If", ["cond"], ["Y"], name="if", then_branch=then_graph,
                            else_branch=else_graph)
    graph = ob.make_graph([node], [("cond", TensorProto.BOOL, []), ("X", "float32", [2])],
                          [("Y", "float32", [2])], name="if_subgraph")
    model = ob.make_model(graph)
    import onnx
    onnx.checker.check_model(model, full_check=True)
    ob.save_model(model, path)


def _if_unrunnable_branch(path):
    """If on the run-time bool `cond`: the then branch reshapes x [2, 3] to
    [4, 4] (its shapes contradict each other), the else branch is Relu(x)."""
    import numpy as np
    from onnx import numpy_helper
    then_graph = helper.make_graph(
        [helper.make_node("Reshape", ["x", "bad_shape"], ["then_out"], name="bad_reshape")],
        "then_branch", [], [ob.value_info("then_out", "float32", ["A", "B"])],
        [numpy_helper.from_array(np.array([4, 4], np.int64), "bad_shape")])
    else_graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["else_out"], name="relu")],
        "else_branch", [], [ob.value_info("else_out", "float32", ["A", "B"])])
    node = helper.make_node("If", ["cond"], ["y"], name="if", then_branch=then_graph,
                            else_branch=else_graph)
    graph = ob.make_graph([node], [("cond", TensorProto.BOOL, []), ("x", "float32", [2, 3])],
                          [("y", "float32", ["A", "B"])], name="if_unrunnable_branch")
    ob.save_model(ob.make_model(graph), path)


def _loop_runtime_trip(path):
    body = helper.make_graph(
        [helper.make_node("Add", ["x_in", "x_in"], ["x_out"], name="double"),
         helper.make_node("Identity", ["cond_in"], ["cond_out"], name="keep")],
        "body", [ob.value_info("i", "int64", []), ob.value_info("cond_in", "bool", []),
                 ob.value_info("x_in", "float32", [2])],
        [ob.value_info("cond_out", "bool", []), ob.value_info("x_out", "float32", [2])])
    node = helper.make_node("Loop", ["M", "", "X"], ["Y"], name="loop", body=body)
    graph = ob.make_graph([node], [("M", TensorProto.INT64, []), ("X", "float32", [2])],
                          [("Y", "float32", [2])], name="loop_runtime_trip")
    model = ob.make_model(graph)
    import onnx
    onnx.checker.check_model(model, full_check=True)
    ob.save_model(model, path)


def _optional_input(path):
    ob.make_node_model("Clip", [("X", "float32", [2, 3])], [("Y", "float32", [2, 3])],
                       initializers={"max": np.array(6.0, dtype=np.float32)},
                       node_inputs=["X", "", "max"], node_name="clip", path=path,
                       check=True)


def _truncated(path):
    ob.write_truncated(_conv_relu_model(), path)


def _garbage(path):
    ob.write_garbage(path, size=256, seed=0)


KINDS = {
    "add": _add,
    "conv_relu": _conv_relu,
    "mlp_symbolic": _mlp_symbolic,
    "static_batch": lambda path: _mlp_symbolic(path, batch=64),
    "reshape_runtime_shape": _reshape_runtime_shape,
    "unknown_op": _unknown_op,
    "custom_domain": _custom_domain,
    "opset18": _opset18,
    "qlinear_add": _qlinear_add,
    "qlinear_add_no_opset": _qlinear_add_no_opset,
    "ms_unknown_op": _ms_unknown_op,
    "qlinear_runtime_scale": _qlinear_runtime_scale,
    "external_data": _external_data,
    "symbolic": _symbolic,
    "if_subgraph": _if_subgraph,
    "if_unrunnable_branch": _if_unrunnable_branch,
    "loop_runtime_trip": _loop_runtime_trip,
    "optional_input": _optional_input,
    "truncated": _truncated,
    "garbage": _garbage,
}


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Write a named tiny ONNX model for importer tests.",
        epilog="kinds: " + ", ".join(KINDS))
    parser.add_argument("kind", nargs="?", choices=sorted(KINDS))
    parser.add_argument("out", nargs="?", help="output .onnx path")
    parser.add_argument("--list", action="store_true", help="list the kinds and exit")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(KINDS))
        return 0
    if not args.kind or not args.out:
        parser.error("KIND and OUT are required")
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    KINDS[args.kind](args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
