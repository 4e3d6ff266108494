#!/usr/bin/python3
"""Every (op, version) pair of the onnx dialect, compiled and run.

    op_versions.py --mica PATH/TO/mica --ops BUILD/dialects/onnx/IR/OnnxGeneratedOps.td \\
        --data /usr/include/onnx/backend/test/data \\
        --expected test/conformance/expected_op_versions.txt \\
        --table docs/op-coverage.md [--update] [--jobs N] [--filter REGEX] [--keep DIR]

The pairs come from the dialect itself: every `ONNX_Op<"MNEMONIC", "OP", VERSION>`
of the generated ODS file (one op per default-domain schema version up to
Mica's newest opset).

For each pair the runner builds one small case, the model at exactly that
opset, from a case of the ONNX backend test suite that uses the op (single-node
cases first, then multi-node ones): the case's node is rewritten into the form
of the older version (attributes that became inputs move back, legacy
attributes such as `broadcast`, `is_test` or `consumed_inputs` are set where
that version needs them, Softmax's axis is made the last one so that the
version-1 "coerce to 2-D" reading computes the same), the model is checked
with ONNX's strict shape and type inference against that version's schema,
and the expected outputs are the backend case's (ONNX's reference results,
not Mica's). A case whose values cannot be written in the older form (a
Slice with steps, Softmax on an inner axis, a shape that older broadcasting
rules reject) is not used; when no case of the op can be rewritten, the pair
is reported as `no case`. The candidates of an op are tried in order until
one passes, so a pair passes when Mica runs at least one rewritten case; a
pair that fails reports the first candidate's result.

Each case is compiled with `mica compile` and run with `mica run` exactly as
the conformance suite does (conformance_suite.run_case, compile rule from
conformance_rule.py). Categories: pass, wrong, unsupported (exit 3, with
Mica's reason), error, crash, timeout, no case.

The table of every pair (op, version, status, reason) is written to --table
(Markdown). Without --update the run fails when a pair in --expected no
longer passes, on any crash or timeout, and when --table differs from the
table this run produced (regenerate it with --update). With --update both
files are rewritten.

The last line printed is `N passed, M failed`.
"""

import argparse
import copy
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, OrderedDict, defaultdict
from multiprocessing.pool import ThreadPool

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import defs, helper, numpy_helper, shape_inference  # noqa: E402

import conformance_suite  # noqa: E402
from import_suite import read_expected, resolve_mica, write_expected  # noqa: E402

OP_DECL = re.compile(r'ONNX_Op<"([A-Za-z0-9_]+)",\s*"([A-Za-z0-9_]+)",\s*(\d+)')
NO_CASE = "no case"
STATUSES = ("pass", "wrong", "unsupported", "error", "crash", "timeout", NO_CASE)


def dialect_pairs(td_path):
    """[(op, version, mnemonic)] declared by the generated ODS file."""
    with open(td_path) as f:
        text = f.read()
    pairs = [(op, int(v), mn) for mn, op, v in OP_DECL.findall(text)]
    return sorted(pairs, key=lambda p: (p[0], p[1]))


# ---------------------------------------------------------------------------
# Backend cases: the model, its input values and expected outputs.

class Source(object):
    def __init__(self, case_dir):
        self.name = os.path.basename(case_dir)
        self.model = onnx.load(os.path.join(case_dir, "model.onnx"))
        data = os.path.join(case_dir, "test_data_set_0")
        inits = set(t.name for t in self.model.graph.initializer)
        self.inputs = OrderedDict()
        k = 0
        for v in self.model.graph.input:
            if v.name in inits:
                continue
            path = os.path.join(data, "input_%d.pb" % k)
            k += 1
            self.inputs[v.name] = _read_pb(path) if os.path.exists(path) else None
        self.outputs = []
        for k, v in enumerate(self.model.graph.output):
            path = os.path.join(data, "output_%d.pb" % k)
            self.outputs.append(_read_pb(path) if os.path.exists(path) else None)

    def opset(self):
        for imp in self.model.opset_import:
            if imp.domain in ("", "ai.onnx"):
                return imp.version
        return 0


class _Pb(object):
    """A data-set file: its bytes, and its value when it is a tensor."""

    def __init__(self, data, value):
        self.data = data
        self.value = value

    def SerializeToString(self):
        return self.data


def _read_pb(path):
    with open(path, "rb") as f:
        data = f.read()
    value = None
    try:
        t = onnx.TensorProto()
        t.ParseFromString(data)
        value = numpy_helper.to_array(t)
    except Exception:
        pass
    return _Pb(data, value)


def backend_sources(data):
    """op type -> [case dir], single-node cases first, then by name length."""
    by_op = defaultdict(list)
    root = os.path.join(data, "node")
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        try:
            model = onnx.load(os.path.join(path, "model.onnx"))
        except Exception:
            continue
        nodes = model.graph.node
        if any(n.domain not in ("", "ai.onnx") for n in nodes):
            continue
        for op in set(n.op_type for n in nodes):
            by_op[op].append((len(nodes) != 1, "expanded" in name, len(name), path))
    return {op: [c[-1] for c in sorted(cands)] for op, cands in by_op.items()}


# ---------------------------------------------------------------------------
# Rewriting a node into an older version's form.

class CannotExpress(Exception):
    pass


def _schema(op, version):
    return defs.get_schema(op, version, "")


def _attr(node, name):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return None


def _set_attr(node, name, value):
    _del_attr(node, name)
    node.attribute.extend([helper.make_attribute(name, value)])


def _del_attr(node, name):
    keep = [a for a in node.attribute if a.name != name]
    del node.attribute[:]
    node.attribute.extend(keep)


class Rewriter(object):
    """Rewrites the nodes of one model; knows the values of constant and
    data-set inputs so that an input can become an attribute."""

    def __init__(self, src, version):
        self.model = copy.deepcopy(src.model)
        self.graph = self.model.graph
        self.version = version
        self.values = {}
        for t in self.graph.initializer:
            self.values[t.name] = numpy_helper.to_array(t)
        for name, t in src.inputs.items():
            if t is not None and t.value is not None:
                self.values[name] = t.value
        self.shapes = {k: list(v.shape) for k, v in self.values.items()}
        self.types = {}
        try:
            inferred = shape_inference.infer_shapes(src.model)
        except Exception:
            inferred = src.model
        for g in _graphs(inferred.graph):
            for v in list(g.input) + list(g.output) + list(g.value_info):
                if not v.type.HasField("tensor_type"):
                    self.types[v.name] = v.type.WhichOneof("value")
                    continue
                self.types[v.name] = "tensor(%s)" % _TYPE_NAMES.get(v.type.tensor_type.elem_type, "?")
                dims = v.type.tensor_type.shape.dim
                if v.type.tensor_type.HasField("shape") and all(d.HasField("dim_value") for d in dims):
                    self.shapes.setdefault(v.name, [d.dim_value for d in dims])
            for t in g.initializer:
                self.types[t.name] = "tensor(%s)" % _TYPE_NAMES.get(t.data_type, "?")
        self.constants = []  # (node to insert before, Constant node)
        for n in self.graph.node:
            if n.op_type == "Constant" and _attr(n, "value") is not None:
                self.values[n.output[0]] = numpy_helper.to_array(_attr(n, "value"))
        self.dropped = set()  # graph inputs turned into attributes

    def value(self, node, index):
        if index >= len(node.input) or not node.input[index]:
            return None
        name = node.input[index]
        if name not in self.values:
            raise CannotExpress("input '%s' has no known value" % name)
        return self.values[name]

    def shape(self, name):
        if name in self.shapes:
            return self.shapes[name]
        raise CannotExpress("shape of '%s' unknown" % name)

    def input_to_attr(self, node, index, attr, convert=lambda v: [int(x) for x in v.reshape(-1)]):
        v = self.value(node, index)
        if v is not None:
            _set_attr(node, attr, convert(v))
            self.dropped.add(node.input[index])
        self.trim_input(node, index)

    def trim_input(self, node, index):
        names = list(node.input)
        if index < len(names):
            if names[index]:
                self.dropped.add(names[index])
            names[index] = ""
        while names and not names[-1]:
            names.pop()
        if any(not n for n in names[index:]):
            raise CannotExpress("an input after a removed one remains")
        del node.input[:]
        node.input.extend(names)


def _softmax(rw, node, dst):
    if dst >= 13:
        return
    rank = len(rw.shape(node.input[0]))
    axis = _attr(node, "axis")
    axis = -1 if axis is None else axis
    if axis % rank != rank - 1:
        raise CannotExpress("softmax over an inner axis")
    _set_attr(node, "axis", rank - 1)


def _legacy_broadcast(rw, node, dst):
    if dst >= 7 or len(node.input) < 2:
        return
    a, b = rw.shape(node.input[0]), rw.shape(node.input[1])
    if a == b:
        return
    if len(b) <= len(a) and all(x == y or x == 1 for x, y in zip(b[::-1], a[::-1])) \
            and all(x == y for x, y in zip(b[::-1], a[::-1])):
        _set_attr(node, "broadcast", 1)
        return
    raise CannotExpress("shapes %s and %s need numpy broadcasting" % (a, b))


def _gemm(rw, node, dst):
    if dst < 11 and len(node.input) < 3:
        raise CannotExpress("C is optional only from version 11")
    if dst < 7 and len(node.input) == 3:
        a = rw.shape(node.input[0])
        b = rw.shape(node.input[1])
        m = a[1] if _attr(node, "transA") else a[0]
        n = b[0] if _attr(node, "transB") else b[1]
        if rw.shape(node.input[2]) != [m, n]:
            _set_attr(node, "broadcast", 1)


def _same_shapes(rw, node, dst, since):
    if dst < since and len(set(tuple(rw.shape(i)) for i in node.input)) > 1:
        raise CannotExpress("inputs of different shapes")


def _batch_norm(rw, node, dst):
    if _attr(node, "training_mode"):
        raise CannotExpress("training mode")
    _del_attr(node, "training_mode")
    if len(node.output) > 1:
        raise CannotExpress("training outputs")
    if dst < 7:
        _set_attr(node, "is_test", 1)


def _dropout(rw, node, dst):
    if dst < 12:
        if len(node.input) > 2 and node.input[2]:
            t = rw.value(node, 2)
            if t is not None and bool(t.reshape(-1)[0]):
                raise CannotExpress("training mode")
        rw.input_to_attr(node, 2, "training_mode_unused")
        _del_attr(node, "training_mode_unused")
        rw.input_to_attr(node, 1, "ratio", lambda v: float(v.reshape(-1)[0]))
        if _attr(node, "seed") is not None:
            _del_attr(node, "seed")
    if dst < 7:
        _set_attr(node, "is_test", 1)
    if dst < 10 and len(node.output) > 1:
        raise CannotExpress("mask output type changed in version 10")


def _clip(rw, node, dst):
    if dst >= 11:
        return
    rw.input_to_attr(node, 2, "max", lambda v: float(v.reshape(-1)[0]))
    rw.input_to_attr(node, 1, "min", lambda v: float(v.reshape(-1)[0]))


def _pad(rw, node, dst):
    if dst >= 11:
        return
    rw.input_to_attr(node, 2, "value", lambda v: float(v.reshape(-1)[0]))
    rw.input_to_attr(node, 1, "pads" if dst >= 2 else "paddings")


def _slice(rw, node, dst):
    if dst >= 10:
        return
    steps = rw.value(node, 4)
    if steps is not None and (steps != 1).any():
        raise CannotExpress("steps")
    rw.trim_input(node, 4)
    rw.input_to_attr(node, 3, "axes")
    rw.input_to_attr(node, 2, "ends")
    rw.input_to_attr(node, 1, "starts")


def _axes_input(since):
    def rewrite(rw, node, dst):
        if dst >= since:
            return
        if _attr(node, "noop_with_empty_axes"):
            raise CannotExpress("noop_with_empty_axes")
        _del_attr(node, "noop_with_empty_axes")
        rw.input_to_attr(node, 1, "axes")
    return rewrite


def _split(rw, node, dst):
    if dst < 13:
        rw.input_to_attr(node, 1, "split")


def _reshape(rw, node, dst):
    if _attr(node, "allowzero"):
        raise CannotExpress("allowzero")
    _del_attr(node, "allowzero")
    if dst < 5:
        rw.input_to_attr(node, 1, "shape")


def _topk(rw, node, dst):
    if dst < 10:
        rw.input_to_attr(node, 1, "k", lambda v: int(v.reshape(-1)[0]))


def _cast(rw, node, dst):
    if dst < 6:
        to = _attr(node, "to")
        _set_attr(node, "to", onnx.TensorProto.DataType.Name(to))


def _resize(rw, node, dst):
    if dst >= 11:
        if dst < 13 and (len(node.input) < 2 or not node.input[1]):
            # roi is a required input before version 13.
            name = node.output[0] + "_roi"
            rw.graph.initializer.extend([numpy_helper.from_array(np.zeros(0, np.float32), name)])
            names = list(node.input) + [""] * (2 - len(node.input))
            names[1] = name
            del node.input[:]
            node.input.extend(names)
        return
    # Version 10: scales only, asymmetric coordinates; nearest rounds down.
    if (_attr(node, "coordinate_transformation_mode") or b"half_pixel") != b"asymmetric":
        raise CannotExpress("coordinate transformation other than asymmetric")
    mode = _attr(node, "mode") or b"nearest"
    if mode == b"nearest" and (_attr(node, "nearest_mode") or b"round_prefer_floor") != b"floor":
        raise CannotExpress("nearest rounding other than floor")
    if mode == b"cubic" or len(node.input) < 3 or not node.input[2]:
        raise CannotExpress("sizes or cubic")
    for a in ("coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a",
              "exclude_outside", "extrapolation_value"):
        _del_attr(node, a)
    names = [node.input[0], node.input[2]]
    del node.input[:]
    node.input.extend(names)


def _upsample(rw, node, dst):
    if dst < 9:
        rw.input_to_attr(node, 1, "scales", lambda v: [float(x) for x in v.reshape(-1)])


def _attr_to_input(rw, node, attr, index, dtype=np.int64):
    """Moves attribute `attr` into operand `index` (a Constant before the node)."""
    value = _attr(node, attr)
    _del_attr(node, attr)
    names = list(node.input) + [""] * max(0, index + 1 - len(node.input))
    if value is not None:
        name = "%s_%s_%d" % (node.output[0], attr, len(rw.constants))
        tensor = numpy_helper.from_array(np.array(value, dtype=dtype), name)
        rw.constants.append((node, helper.make_node("Constant", [], [name], value=tensor)))
        names[index] = name
    while names and not names[-1]:
        names.pop()
    del node.input[:]
    node.input.extend(names)


def _upgrade_axes(since):
    def upgrade(rw, node, src, dst):
        if src < since <= dst:
            _attr_to_input(rw, node, "axes", 1)
    return upgrade


def _upgrade_slice(rw, node, src, dst):
    if src < 10 <= dst:
        axes = _attr(node, "axes")
        starts = _attr(node, "starts")
        ends = _attr(node, "ends")
        _del_attr(node, "axes")
        _attr_to_input(rw, node, "starts", 1)
        _set_attr(node, "ends", ends)
        _attr_to_input(rw, node, "ends", 2)
        if axes is not None:
            _set_attr(node, "axes", axes)
            _attr_to_input(rw, node, "axes", 3)
        del starts


UPGRADES = {
    "Squeeze": _upgrade_axes(13), "Unsqueeze": _upgrade_axes(13), "ReduceSum": _upgrade_axes(13),
    "Slice": _upgrade_slice,
}


def _check_added_inputs(node, src_schema, dst_schema):
    """An upgrade with no rewrite must not turn attributes into operands."""
    for name in src_schema.attributes:
        if _attr(node, name) is not None and name not in dst_schema.attributes:
            raise CannotExpress("attribute '%s' became an operand by version %d"
                                % (name, dst_schema.since_version))


def _roi_align(rw, node, dst):
    # Version 10 has no coordinate_transformation_mode: it computes what 16
    # calls output_half_pixel (16's default is half_pixel).
    if dst < 16:
        if _attr(node, "coordinate_transformation_mode") != b"output_half_pixel":
            raise CannotExpress("half_pixel coordinates")
        _del_attr(node, "coordinate_transformation_mode")


def _upsample_v1(rw, node, dst):
    _upsample(rw, node, dst)
    if dst < 7:
        scales = _attr(node, "scales")
        if scales is None or len(scales) != 4 or scales[0] != 1 or scales[1] != 1:
            raise CannotExpress("version 1 scales only H and W of NCHW")
        _del_attr(node, "scales")
        _set_attr(node, "height_scale", float(scales[2]))
        _set_attr(node, "width_scale", float(scales[3]))
        mode = _attr(node, "mode") or b"nearest"
        _set_attr(node, "mode", mode.upper())


REWRITES = {
    "Softmax": _softmax, "LogSoftmax": _softmax, "Hardmax": _softmax,
    "Gemm": _gemm, "BatchNormalization": _batch_norm, "Dropout": _dropout,
    "Clip": _clip, "Pad": _pad, "Slice": _slice, "Split": _split,
    "Squeeze": _axes_input(13), "Unsqueeze": _axes_input(13),
    "ReduceSum": _axes_input(13), "Reshape": _reshape, "TopK": _topk, "Cast": _cast,
    "Resize": _resize, "Upsample": _upsample_v1, "RoiAlign": _roi_align,
    "Sum": lambda rw, n, d: _same_shapes(rw, n, d, 8),
    "Max": lambda rw, n, d: _same_shapes(rw, n, d, 8),
    "Min": lambda rw, n, d: _same_shapes(rw, n, d, 8),
    "Mean": lambda rw, n, d: _same_shapes(rw, n, d, 8),
}
for _op in ("Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor", "Equal", "Less", "Greater"):
    REWRITES[_op] = _legacy_broadcast


def _fit_attributes(node, src_schema, dst_schema):
    """Drops attributes the older version lacks when they hold the newer
    version's default; fills attributes the older version requires."""
    for a in list(node.attribute):
        if a.name in dst_schema.attributes:
            continue
        default = src_schema.attributes.get(a.name)
        value = helper.get_attribute_value(a)
        if default is not None and default.default_value.type != 0 and \
                helper.get_attribute_value(default.default_value) == value:
            _del_attr(node, a.name)
            continue
        raise CannotExpress("attribute '%s' does not exist in version %d"
                            % (a.name, dst_schema.since_version))
    for name, attr in dst_schema.attributes.items():
        if attr.required and _attr(node, name) is None:
            if name == "consumed_inputs":
                _set_attr(node, name, [0] * len(node.input))
            else:
                raise CannotExpress("required attribute '%s'" % name)
    if len(node.input) > len(dst_schema.inputs) and \
            dst_schema.inputs[-1].option != defs.OpSchema.FormalParameterOption.Variadic:
        raise CannotExpress("more inputs than version %d has" % dst_schema.since_version)
    if len(node.output) > len(dst_schema.outputs) and \
            dst_schema.outputs[-1].option != defs.OpSchema.FormalParameterOption.Variadic:
        raise CannotExpress("more outputs than version %d has" % dst_schema.since_version)


def _graphs(graph):
    yield graph
    for n in graph.node:
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                for g in _graphs(a.g):
                    yield g


def _nodes(graph):
    for g in _graphs(graph):
        for n in g.node:
            yield n


_TYPE_NAMES = {
    onnx.TensorProto.FLOAT: "float", onnx.TensorProto.UINT8: "uint8", onnx.TensorProto.INT8: "int8",
    onnx.TensorProto.UINT16: "uint16", onnx.TensorProto.INT16: "int16",
    onnx.TensorProto.INT32: "int32", onnx.TensorProto.INT64: "int64",
    onnx.TensorProto.STRING: "string", onnx.TensorProto.BOOL: "bool",
    onnx.TensorProto.FLOAT16: "float16", onnx.TensorProto.DOUBLE: "double",
    onnx.TensorProto.UINT32: "uint32", onnx.TensorProto.UINT64: "uint64",
    onnx.TensorProto.COMPLEX64: "complex64", onnx.TensorProto.COMPLEX128: "complex128",
    onnx.TensorProto.BFLOAT16: "bfloat16"}


def _check_types(rw, node, schema):
    """The node's operand types must be allowed by `schema` (strict shape
    inference of ONNX 1.12 does not check every older version's constraints)."""
    allowed = dict((c.type_param_str, set(c.allowed_type_strs)) for c in schema.type_constraints)
    formals = list(schema.inputs)
    for i, name in enumerate(node.input):
        if not name or not formals:
            continue
        formal = formals[min(i, len(formals) - 1)]
        types = allowed.get(formal.typeStr, set([formal.typeStr]))
        got = rw.types.get(name)
        if got is not None and got.startswith("tensor(") and got not in types:
            raise CannotExpress("%s is not a type of version %d" % (got, schema.since_version))


def rewrite(src, op, version):
    """The source case as a model at opset `version`, or CannotExpress."""
    rw = Rewriter(src, version)
    src_opset = src.opset()
    newest = _schema(op, 17).since_version
    # The newest version runs the case at its own opset (possibly above the
    # op's since_version); an older version runs at exactly its own opset.
    target = src_opset if version == newest and src_opset >= version else version
    deprecated = False
    for node in _nodes(rw.graph):
        try:
            src_schema = _schema(node.op_type, src_opset)
            dst_schema = _schema(node.op_type, target)
        except Exception:
            raise CannotExpress("%s has no version at opset %d" % (node.op_type, target))
        # A deprecated version (Upsample-10, Scatter-11) is still accepted by
        # the importer, as by ONNX Runtime: it is tested like any other.
        deprecated = deprecated or dst_schema.deprecated
        if dst_schema.since_version > src_schema.since_version:
            upgrade = UPGRADES.get(node.op_type)
            if upgrade:
                upgrade(rw, node, src_schema.since_version, dst_schema.since_version)
            _check_added_inputs(node, src_schema, dst_schema)
        else:
            fn = REWRITES.get(node.op_type)
            if fn and src_schema.since_version != dst_schema.since_version:
                fn(rw, node, dst_schema.since_version)
        _fit_attributes(node, src_schema, dst_schema)
        _check_types(rw, node, dst_schema)
    for before, const in rw.constants:
        for g in _graphs(rw.graph):
            nodes = list(g.node)
            if before in nodes:
                i = nodes.index(before)
                g.node.insert(i, const)
                break
    for imp in rw.model.opset_import:
        if imp.domain in ("", "ai.onnx"):
            imp.version = target
    # Inputs that became attributes leave the graph.
    if rw.dropped:
        used = set(i for n in _nodes(rw.graph) for i in n.input)
        gone = [name for name in rw.dropped if name not in used]
        keep = [v for v in rw.graph.input if v.name not in gone]
        del rw.graph.input[:]
        rw.graph.input.extend(keep)
        keep = [t for t in rw.graph.initializer if t.name not in gone]
        del rw.graph.initializer[:]
        rw.graph.initializer.extend(keep)
    try:
        if not deprecated:  # the checker refuses deprecated versions
            onnx.checker.check_model(rw.model)
        shape_inference.infer_shapes(rw.model, check_type=True, strict_mode=True)
    except Exception as e:
        raise CannotExpress("not valid at opset %d: %s" % (target, str(e).splitlines()[0][:120]))
    return rw.model


def write_case(root, label, src, model):
    """Writes a backend-format case (model.onnx, test_data_set_0/*.pb)."""
    case_dir = os.path.join(root, "node", label)
    data = os.path.join(case_dir, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    onnx.save(model, os.path.join(case_dir, "model.onnx"))
    inits = set(t.name for t in model.graph.initializer)
    k = 0
    for v in model.graph.input:
        if v.name in inits:
            continue
        t = src.inputs.get(v.name)
        if t is None:
            raise CannotExpress("input '%s' has no data" % v.name)
        with open(os.path.join(data, "input_%d.pb" % k), "wb") as f:
            f.write(t.SerializeToString())
        k += 1
    for k, t in enumerate(src.outputs):
        if t is not None:
            with open(os.path.join(data, "output_%d.pb" % k), "wb") as f:
                f.write(t.SerializeToString())
    return "node/" + label


# ---------------------------------------------------------------------------
# Hand-made cases for pairs no backend case can be rewritten into; the
# expected outputs are computed here with numpy.

def _lp_pool(x, kernel, p):
    n, c, h, w = x.shape
    kh, kw = kernel
    y = np.zeros((n, c, h - kh + 1, w - kw + 1), np.float32)
    for i in range(y.shape[2]):
        for j in range(y.shape[3]):
            window = np.abs(x[:, :, i:i + kh, j:j + kw]) ** p
            y[:, :, i, j] = window.sum(axis=(2, 3)) ** (1.0 / p)
    return y


def _p_attr(version):
    return 2.0 if version < 2 else 2


def _hand_global_lp_pool(version):
    x = np.random.RandomState(0).randn(1, 2, 3, 3).astype(np.float32)
    y = (np.abs(x) ** 2).sum(axis=(2, 3), keepdims=True) ** 0.5
    node = helper.make_node("GlobalLpPool", ["x"], ["y"], p=_p_attr(version))
    return [node], [("x", x)], [], [("y", y.astype(np.float32))]


def _hand_lp_pool(version):
    x = np.random.RandomState(0).randn(1, 1, 4, 4).astype(np.float32)
    node = helper.make_node("LpPool", ["x"], ["y"], kernel_shape=[2, 2], p=_p_attr(version))
    return [node], [("x", x)], [], [("y", _lp_pool(x, (2, 2), 2))]


def _hand_lp_normalization(version):
    x = np.random.RandomState(0).randn(2, 3, 4).astype(np.float32)
    y = x / np.sqrt((x * x).sum(axis=-1, keepdims=True))
    node = helper.make_node("LpNormalization", ["x"], ["y"], axis=-1, p=2)
    return [node], [("x", x)], [], [("y", y.astype(np.float32))]


def _hand_max_roi_pool(version):
    # Caffe's ROI pooling: rounded box corners, bins of (size + 1) / pooled.
    x = np.random.RandomState(0).randn(1, 1, 6, 6).astype(np.float32)
    rois = np.array([[0, 1, 1, 4, 5]], np.float32)
    ph, pw = 2, 2
    x1, y1, x2, y2 = [int(round(v)) for v in rois[0, 1:]]
    rh, rw = max(y2 - y1 + 1, 1), max(x2 - x1 + 1, 1)
    y = np.zeros((1, 1, ph, pw), np.float32)
    for i in range(ph):
        for j in range(pw):
            hs = min(max(int(np.floor(i * rh / ph)) + y1, 0), 6)
            he = min(max(int(np.ceil((i + 1) * rh / ph)) + y1, 0), 6)
            ws = min(max(int(np.floor(j * rw / pw)) + x1, 0), 6)
            we = min(max(int(np.ceil((j + 1) * rw / pw)) + x1, 0), 6)
            y[0, 0, i, j] = x[0, 0, hs:he, ws:we].max() if he > hs and we > ws else 0
    node = helper.make_node("MaxRoiPool", ["x", "rois"], ["y"], pooled_shape=[ph, pw])
    return [node], [("x", x), ("rois", rois)], [], [("y", y)]


def _hand_resize10(version):
    # Resize-10: asymmetric coordinates, nearest rounds down.
    x = np.arange(1, 7, dtype=np.float32).reshape(1, 1, 2, 3)
    scales = np.array([1, 1, 2, 1.5], np.float32)
    rows = np.floor(np.arange(4) / 2.0).astype(int)
    cols = np.floor(np.arange(4) / 1.5).astype(int)
    y = x[:, :, rows][:, :, :, cols]
    node = helper.make_node("Resize", ["x", "scales"], ["y"], mode="nearest")
    return [node], [("x", x)], [numpy_helper.from_array(scales, "scales")], [("y", y)]


def _hand_tile1(version):
    x = np.random.RandomState(0).randn(2, 3).astype(np.float32)
    node = helper.make_node("Tile", ["x", "tiles", "axis"], ["y"])
    inits = [numpy_helper.from_array(np.array(2, np.float32), "tiles"),
             numpy_helper.from_array(np.array(1, np.float32), "axis")]
    return [node], [("x", x)], inits, [("y", np.tile(x, (1, 2)))]


def _hand_loop1(version):
    body = helper.make_graph(
        [helper.make_node("Add", ["v_in", "one"], ["v_out"]),
         helper.make_node("Identity", ["cond_in"], ["cond_out"])],
        "body",
        [helper.make_tensor_value_info("i", onnx.TensorProto.INT64, []),
         helper.make_tensor_value_info("cond_in", onnx.TensorProto.BOOL, []),
         helper.make_tensor_value_info("v_in", onnx.TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("cond_out", onnx.TensorProto.BOOL, []),
         helper.make_tensor_value_info("v_out", onnx.TensorProto.FLOAT, [2])],
        [numpy_helper.from_array(np.ones(2, np.float32), "one")])
    node = helper.make_node("Loop", ["M", "cond", "v"], ["v_final"], body=body)
    v = np.array([1.5, -2.0], np.float32)
    inits = [numpy_helper.from_array(np.array(3, np.int64), "M"),
             numpy_helper.from_array(np.array(True), "cond")]
    return [node], [("v", v)], inits, [("v_final", v + 3)]


def _shape_of(op_node, shape, inputs=(), extra=()):
    """A random op's result shape: deterministic where its values are not."""
    nodes = [op_node, helper.make_node("Shape", [op_node.output[0]], ["y"])] + list(extra)
    return nodes, list(inputs), [], [("y", np.array(shape, np.int64))]


def _hand_random(op):
    def build(version):
        x = np.zeros((2, 3), np.float32)
        if op in ("RandomNormal", "RandomUniform"):
            return _shape_of(helper.make_node(op, [], ["r"], shape=[2, 3]), [2, 3])
        if op == "Multinomial":
            return _shape_of(helper.make_node(op, ["x"], ["r"], sample_size=4), [2, 4],
                             [("x", x)])
        return _shape_of(helper.make_node(op, ["x"], ["r"]), [2, 3], [("x", x)])
    return build


def _hand_sequence(op):
    def build(version):
        rng = np.random.RandomState(0)
        a = rng.randn(2, 3).astype(np.float32)
        b = rng.randn(2, 3).astype(np.float32)
        pos = numpy_helper.from_array(np.array(0, np.int64), "pos")
        construct = helper.make_node("SequenceConstruct", ["a", "b"], ["s"])
        at = helper.make_node("SequenceAt", ["t", "pos"], ["y"])
        if op in ("SequenceConstruct", "SequenceAt"):
            at = helper.make_node("SequenceAt", ["s", "pos"], ["y"])
            return [construct, at], [("a", a), ("b", b)], [pos], [("y", a)]
        if op == "SequenceErase":
            erase = helper.make_node("SequenceErase", ["s", "pos"], ["t"])
            return [construct, erase, at], [("a", a), ("b", b)], [pos], [("y", b)]
        if op == "ConcatFromSequence":
            concat = helper.make_node(op, ["s"], ["y"], axis=0)
            return [construct, concat], [("a", a), ("b", b)], [], \
                [("y", np.concatenate([a, b]))]
        if op == "SplitToSequence":
            split = helper.make_node(op, ["a"], ["t"], axis=0, keepdims=0)
            return [split, at], [("a", a)], [pos], [("y", a[0])]
        if op == "Optional":
            opt = helper.make_node("Optional", ["a"], ["o"])
            get = helper.make_node("OptionalGetElement", ["o"], ["y"])
            return [opt, get], [("a", a)], [], [("y", a)]
        raise CannotExpress("no hand-made case")
    return build


HANDMADE = {
    "GlobalLpPool": _hand_global_lp_pool, "LpPool": _hand_lp_pool,
    "LpNormalization": _hand_lp_normalization, "MaxRoiPool": _hand_max_roi_pool,
    "Resize": _hand_resize10, "Tile": _hand_tile1, "Loop": _hand_loop1,
}
for _op in ("RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike",
            "Multinomial"):
    HANDMADE[_op] = _hand_random(_op)
for _op in ("SequenceConstruct", "SequenceAt", "SequenceErase", "ConcatFromSequence",
            "SplitToSequence", "Optional"):
    HANDMADE[_op] = _hand_sequence(_op)


class HandSource(object):
    """A hand-made case in the shape of Source (inputs and outputs as _Pb)."""

    def __init__(self, op, version):
        nodes, inputs, inits, outputs = HANDMADE[op](version)
        self.name = "handmade"
        graph = helper.make_graph(
            nodes, "%s_%d" % (op, version),
            [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype)
                                           if hasattr(helper, "np_dtype_to_tensor_dtype")
                                           else onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[a.dtype],
                                           a.shape) for n, a in inputs],
            [helper.make_tensor_value_info(n, onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[a.dtype],
                                           a.shape) for n, a in outputs],
            inits)
        self.model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", version)])
        self.model.ir_version = 8
        self.inputs = OrderedDict(
            (n, _Pb(numpy_helper.from_array(a).SerializeToString(), a)) for n, a in inputs)
        self.outputs = [_Pb(numpy_helper.from_array(a).SerializeToString(), a)
                        for _, a in outputs]

    def opset(self):
        return self.model.opset_import[0].version


class PairResult(object):
    def __init__(self, op, version, status, message="", case=""):
        self.op = op
        self.version = version
        self.status = status
        self.message = message
        self.case = case

    @property
    def key(self):
        return "%s-%d" % (self.op, self.version)


def run_pair(mica, op, version, candidates, root, timeout, keep):
    first = None
    why_not = []
    tried = 0
    sources = [lambda path=path: Source(path) for path in candidates]
    if op in HANDMADE:
        sources.append(lambda: HandSource(op, version))
    for make in sources:
        try:
            src = make()
        except CannotExpress as e:
            why_not.append(str(e))
            continue
        try:
            model = rewrite(src, op, version)
            label = "%s-%d.%s" % (op, version, src.name)
            case = write_case(root, label, src, model)
        except CannotExpress as e:
            why_not.append(str(e))
            continue
        result = conformance_suite.run_case(mica, root, case, timeout, os.path.join(root, "work"),
                                            keep)
        tried += 1
        if result.category == "pass":
            return PairResult(op, version, "pass", "", src.name)
        if first is None:
            first = PairResult(op, version, result.category, result.message, src.name)
        if tried >= 3:
            break
    if first is not None:
        return first
    reason = Counter(why_not).most_common(1)[0][0] if why_not else "no backend case uses it"
    return PairResult(op, version, NO_CASE, reason)


def _clean(message):
    message = re.sub(r"^mica: error: \S*: ", "", message)
    message = re.sub(r"/tmp/\S*", "FILE", message)
    # Cut well inside what conformance_suite keeps (300 characters with the
    # case's path in front), so that the table does not depend on the path.
    return message.replace("|", "\\|")[:160]


def table(results):
    lines = ["# ONNX operator versions: coverage", "",
             "Generated by `test/conformance/op_versions.test` (test/tools/op_versions.py); do not",
             "edit by hand. Every (op, version) pair of the onnx dialect, built as a small model at",
             "exactly that opset from an ONNX backend test case rewritten into that version's form,",
             "compiled for the host and compared with the case's reference outputs.", ""]
    counts = Counter(r.status for r in results)
    lines.append("| status | pairs |")
    lines.append("| --- | ---: |")
    for s in STATUSES:
        if counts.get(s):
            lines.append("| %s | %d |" % (s, counts[s]))
    lines.append("| total | %d |" % len(results))
    lines.append("")
    lines.append("| op | version | status | case / reason |")
    lines.append("| --- | ---: | --- | --- |")
    for r in results:
        detail = r.case if r.status == "pass" else _clean(r.message)
        lines.append("| %s | %d | %s | %s |" % (r.op, r.version, r.status, detail))
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__)
    parser.add_argument("--mica", required=True)
    parser.add_argument("--ops", required=True, help="the generated OnnxGeneratedOps.td")
    parser.add_argument("--data", required=True, help="ONNX backend test data")
    parser.add_argument("--expected", required=True, help="pairs expected to pass")
    parser.add_argument("--table", required=True, help="the Markdown coverage table")
    parser.add_argument("--update", action="store_true")
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--filter", help="only pairs OP-VERSION matching this regex")
    parser.add_argument("--keep", metavar="DIR", help="keep the generated cases under DIR")
    args = parser.parse_args(argv)

    mica = resolve_mica(args.mica)
    if mica is None or not os.path.exists(args.ops) or not os.path.isdir(args.data):
        print("op_versions: need --mica, --ops and --data (got %s, %s, %s)"
              % (args.mica, args.ops, args.data), file=sys.stderr)
        print("0 passed, 0 failed")
        return 2
    pairs = dialect_pairs(args.ops)
    if not pairs:
        print("op_versions: no ops declared in %s" % args.ops, file=sys.stderr)
        print("0 passed, 0 failed")
        return 2
    pattern = re.compile(args.filter) if args.filter else None
    if pattern:
        pairs = [p for p in pairs if pattern.search("%s-%d" % (p[0], p[1]))]
    sources = backend_sources(args.data)
    root = os.path.abspath(args.keep) if args.keep else \
        tempfile.mkdtemp(prefix="mica-opver.", dir="/tmp")
    start = time.time()
    try:
        pool = ThreadPool(max(1, args.jobs))
        results = pool.map(lambda p: run_pair(mica, p[0], p[1], sources.get(p[0], []), root,
                                              args.timeout, bool(args.keep)), pairs, chunksize=1)
        pool.close()
        pool.join()
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    elapsed = time.time() - start

    counts = Counter(r.status for r in results)
    out = ["%d (op, version) pairs from %s, %.1f s" % (len(results), args.ops, elapsed)]
    out += ["  %-12s %d" % (s, counts.get(s, 0)) for s in STATUSES]
    groups = Counter((r.status, _clean(conformance_suite._group_key(r.message)))
                     for r in results if r.status != "pass")
    out.append("failures grouped by message:")
    for (s, m), n in groups.most_common():
        out.append("  %4d %-11s %s" % (n, s, m))
    passing = [r.key for r in results if r.status == "pass"]
    expected = read_expected(args.expected) if os.path.exists(args.expected) else []
    if pattern:
        expected = [e for e in expected if pattern.search(e)]
    regressions = sorted(set(expected) - set(passing))
    hard = [r for r in results if r.status in ("crash", "timeout")]
    text = table(results)
    failed = len(regressions) + len(hard)
    if args.update:
        if pattern is None:
            write_expected(args.expected, passing)
            with open(args.table, "w") as f:
                f.write(text)
            out.append("updated %s (%d pairs) and %s" % (args.expected, len(passing), args.table))
        else:
            out.append("--filter given: nothing updated")
    else:
        newly = sorted(set(passing) - set(expected))
        if newly:
            out.append("%d pairs pass that are not in %s (record with --update): %s"
                       % (len(newly), args.expected, " ".join(newly[:30])))
        if pattern is None:
            current = open(args.table).read() if os.path.exists(args.table) else ""
            if current != text:
                import difflib
                out.append("the coverage table %s is out of date: rerun with --update" % args.table)
                out.extend(list(difflib.unified_diff(current.splitlines(), text.splitlines(),
                                                     "committed", "this run", lineterm=""))[:40])
                failed += 1
    for r in regressions:
        res = [x for x in results if x.key == r][0]
        out.append("REGRESSION %s: %s %s" % (r, res.status, res.message))
    for r in hard:
        out.append("%s %s: %s" % (r.status.upper(), r.key, r.message))
    print("\n".join(out))
    print("%d passed, %d failed" % (len(passing) if args.update else
                                    len(expected) - len(regressions), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
