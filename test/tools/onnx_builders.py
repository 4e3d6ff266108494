"""Helpers that build tiny ONNX models for Mica's importer tests.

Use Debian's /usr/bin/python3 (python3-onnx 1.12, python3-numpy). lit puts
test/tools on PYTHONPATH, so a test can `import onnx_builders`; the CLI
`make_model.py` builds the named models the importer lit tests use.

Everything here is deterministic: the same call writes the same bytes.

    import numpy as np
    from onnx_builders import make_node_model
    make_node_model("Relu", inputs=[("X", "float32", [2, 3])],
                    outputs=[("Y", "float32", [2, 3])], path="relu.onnx")

A value description is (name, dtype, shape): dtype is a numpy dtype, a numpy
dtype name ("float32", "int64", "bool"), an onnx.TensorProto enum value, or
None (type unknown); shape is a list of ints (static dims), strings (dim_param)
and None (unknown dim), or None (unknown rank).
"""

import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

__all__ = [
    "DEFAULT_OPSET",
    "onnx_dtype",
    "value_info",
    "tensor",
    "make_graph",
    "make_model",
    "make_node_model",
    "save_model",
    "save_with_external_data",
    "write_truncated",
    "write_garbage",
]

DEFAULT_OPSET = 17
# The IR version that matches opset 17 (onnx 1.12); fixed so that output does
# not depend on the installed onnx's default.
DEFAULT_IR_VERSION = 8


def onnx_dtype(dtype):
    """Map a numpy dtype, dtype name or TensorProto enum to a TensorProto enum."""
    if dtype is None:
        return TensorProto.UNDEFINED
    if isinstance(dtype, int) and not isinstance(dtype, bool):
        return dtype
    if isinstance(dtype, str) and dtype.upper() in TensorProto.DataType.keys():
        return TensorProto.DataType.Value(dtype.upper())  # "FLOAT", "int64", ...
    np_dtype = np.dtype(dtype)
    if hasattr(helper, "np_dtype_to_tensor_dtype"):  # onnx >= 1.13
        return helper.np_dtype_to_tensor_dtype(np_dtype)
    from onnx import mapping
    return mapping.NP_TYPE_TO_TENSOR_TYPE[np_dtype]


def value_info(name, dtype, shape):
    """A ValueInfoProto for a tensor; see the module docstring for dtype/shape."""
    elem = onnx_dtype(dtype)
    if shape is None:
        vi = onnx.ValueInfoProto()
        vi.name = name
        vi.type.tensor_type.elem_type = elem
        return vi
    return helper.make_tensor_value_info(name, elem, list(shape))


def _values(descs):
    out = []
    for d in descs:
        if isinstance(d, onnx.ValueInfoProto):
            out.append(d)
        else:
            out.append(value_info(*d))
    return out


def tensor(name, array, dtype=None):
    """A TensorProto named `name` holding `array` (converted to `dtype` if given)."""
    array = np.asarray(array, dtype=dtype)
    return numpy_helper.from_array(np.ascontiguousarray(array), name=name)


def _initializers(initializers):
    if not initializers:
        return []
    if isinstance(initializers, dict):
        items = initializers.items()
    else:
        items = initializers
    out = []
    for item in items:
        if isinstance(item, TensorProto):
            out.append(item)
        else:
            name, array = item
            out.append(array if isinstance(array, TensorProto) else tensor(name, array))
    return out


def make_graph(nodes, inputs, outputs, initializers=None, name="graph", value_infos=None):
    """A GraphProto; inputs/outputs are value descriptions, initializers a dict
    name -> numpy array (or a list of TensorProtos)."""
    return helper.make_graph(
        nodes, name, _values(inputs), _values(outputs),
        initializer=_initializers(initializers),
        value_info=_values(value_infos or []))


def make_model(graph, opset=DEFAULT_OPSET, domains=None, ir_version=DEFAULT_IR_VERSION,
               producer="mica-test"):
    """A ModelProto for `graph` importing the default domain at `opset` plus
    `domains` (dict domain -> version)."""
    opsets = [helper.make_opsetid("", opset)]
    for domain, version in sorted((domains or {}).items()):
        opsets.append(helper.make_opsetid(domain, version))
    model = helper.make_model(graph, opset_imports=opsets, producer_name=producer)
    model.ir_version = ir_version
    return model


def make_node_model(op_type, inputs, outputs, attrs=None, opset=DEFAULT_OPSET,
                    initializers=None, domain="", node_name="", node_inputs=None,
                    path=None, check=False, graph_name=None):
    """A model with a single node `op_type`.

    inputs/outputs: graph inputs/outputs as (name, dtype, shape) tuples.
    initializers: dict name -> numpy array; they are fed to the node after the
      graph inputs unless `node_inputs` lists the node's inputs explicitly
      (use '' for an omitted optional input).
    domain: the node's domain; a non-default domain is imported at version 1.
    path: when given, the model is saved there.
    check: run onnx.checker on the result.
    """
    initializers = dict(initializers or {})
    in_names = [d[0] if not isinstance(d, onnx.ValueInfoProto) else d.name for d in inputs]
    if node_inputs is None:
        node_inputs = in_names + [n for n in initializers if n not in in_names]
    out_names = [d[0] if not isinstance(d, onnx.ValueInfoProto) else d.name for d in outputs]
    node = helper.make_node(op_type, node_inputs, out_names, name=node_name,
                            domain=domain, **(attrs or {}))
    graph = make_graph([node], inputs, outputs, initializers,
                       name=graph_name or (op_type.lower() + "_graph"))
    model = make_model(graph, opset=opset, domains={domain: 1} if domain else None)
    if check:
        onnx.checker.check_model(model, full_check=True)
    if path is not None:
        save_model(model, path)
    return model


def save_model(model, path):
    """Serialise `model` to `path` (creating the directory)."""
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def save_with_external_data(model, path, location=None):
    """Save `model` to `path` with every initializer in one external data file
    `location` (relative to the model; default: `<model file name>.data`).
    Returns the data file's path."""
    if location is None:
        location = os.path.basename(path) + ".data"
    model = onnx.ModelProto.FromString(model.SerializeToString())  # don't touch the caller's
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    data_path = os.path.join(d, location)
    if os.path.exists(data_path):  # onnx appends to an existing file
        os.remove(data_path)
    onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location=location, size_threshold=0, convert_attribute=False)
    return data_path


def write_truncated(model, path, fraction=0.5):
    """Write the first `fraction` of `model`'s serialised bytes to `path`."""
    data = model.SerializeToString()
    cut = max(1, int(len(data) * fraction))
    with open(path, "wb") as f:
        f.write(data[:cut])


def write_garbage(path, size=256, seed=0):
    """Write `size` random bytes (fixed seed) that do not parse as a ModelProto."""
    rng = np.random.default_rng(seed)
    while True:
        data = rng.integers(0, 256, size=size, dtype=np.uint8).tobytes()
        try:
            onnx.ModelProto.FromString(data)
        except Exception:  # noqa: BLE001 - protobuf raises DecodeError
            break
    with open(path, "wb") as f:
        f.write(data)
