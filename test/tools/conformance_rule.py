"""How a case of the ONNX backend test suite is compiled and classified.

This is the one rule every runner uses (test/tools/conformance_suite.py, and
any other tool that compiles backend-suite cases with `mica compile`):

Inputs
    Every graph input that is not an initializer gets `--input-shape
    NAME=DIMS` with the dims of its `input_K.pb` (rank-0 inputs keep the
    model's own shape: the CLI has no spelling for an empty dim list, and
    ONNX shape inference types them).

    An input is *frozen* (`--freeze-input NAME=input_K.pb`) when its value
    can decide the shape of some value in the model: it reaches, through any
    chain of ops (subgraphs included), an operand listed in SHAPE_OPERANDS
    (Reshape/Expand shape, Tile repeats, Slice starts/ends/axes/steps, Pad
    pads, Resize/Upsample roi/scales/sizes, Reduce*/Squeeze/Unsqueeze axes,
    Split split, TopK k, Range bounds, ConstantOfShape input, OneHot depth,
    CumSum axis, Loop trip count, MaxUnpool output_shape, window-function
    size, DFT/STFT lengths, MelWeightMatrix bins/length, NonMaxSuppression
    max boxes). Operands that only choose what an op computes (Dropout's
    ratio and training_mode: the identity or a random mask) are not frozen:
    the rule freezes what decides shapes, nothing else, so such a Dropout is
    compiled with run-time ratio and mode and Mica refuses it (exit 3).
    The walk stops at ops whose result depends only on the shape
    or type of an operand, never on its values (Shape, Size, the first
    operand of EyeLike/RandomNormalLike/RandomUniformLike, the second of
    CastLike). Every other input stays a run-time input.

    A *type-only* input (one that reaches no operand but those shape-only
    ones, so no value of it is ever read) whose `input_K.pb` dims contradict
    the static shape the model declares keeps the declared shape, and the
    runner passes zeros of that shape and data type in its place: ONNX 1.12's
    CastLike bfloat16 cases declare `like` as 3x4 but store a 1-element
    tensor, which only the reference backend, reading nothing of it, accepts.

Core subset
    A case is *core* when every node (subgraphs included) is in the default
    domain and none of its values or ops is about
      - sequences  (a sequence-typed value, or a Sequence*/SplitToSequence/
                    ConcatFromSequence op),
      - optionals  (an optional-typed value, or Optional* ops),
      - strings    (a string tensor, or StringNormalizer/TfIdfVectorizer
                    with string data),
      - training   (the ai.onnx.preview.training domain: Gradient, Adagrad,
                    Adam, Momentum; a *_grad* value name),
      - random numbers (RandomNormal, RandomUniform, RandomNormalLike,
                    RandomUniformLike, Bernoulli, Multinomial, and Dropout in
                    training mode with a non-zero ratio, whose mask is drawn
                    at random).
    Anything else is core (ai.onnx.ml ops are outside the default domain).
    classify() returns ("core", "") or ("other", REASON).
"""

import os

import numpy as np
import onnx
from onnx import numpy_helper

# op type -> operand positions whose values decide a result shape.
SHAPE_OPERANDS = {
    "Reshape": (1,),
    "Expand": (1,),
    "Tile": (1,),
    "Slice": (1, 2, 3, 4),
    "Pad": (1, 3),
    "Resize": (1, 2, 3),
    "Upsample": (1,),
    "ReduceSum": (1,),
    "ReduceMean": (1,),
    "ReduceMax": (1,),
    "ReduceMin": (1,),
    "ReduceProd": (1,),
    "ReduceL1": (1,),
    "ReduceL2": (1,),
    "ReduceLogSum": (1,),
    "ReduceLogSumExp": (1,),
    "ReduceSumSquare": (1,),
    "Squeeze": (1,),
    "Unsqueeze": (1,),
    "Split": (1,),
    "TopK": (1,),
    "Range": (0, 1, 2),
    "ConstantOfShape": (0,),
    "OneHot": (1,),
    "CumSum": (1,),
    "Loop": (0,),
    "MaxUnpool": (2,),
    "HannWindow": (0,),
    "HammingWindow": (0,),
    "BlackmanWindow": (0,),
    "DFT": (1,),
    "STFT": (1, 3),
    "MelWeightMatrix": (0, 1),
    "NonMaxSuppression": (2,),
    "CenterCropPad": (1,),
    "Col2Im": (1, 2),
}

# op type -> operand positions whose shape or type matters, never their values.
SHAPE_ONLY_OPERANDS = {
    "Shape": (0,),
    "Size": (0,),
    "EyeLike": (0,),
    "RandomNormalLike": (0,),
    "RandomUniformLike": (0,),
    "CastLike": (1,),
}

SEQUENCE_OPS = {"SequenceConstruct", "SequenceAt", "SequenceInsert", "SequenceErase",
                "SequenceEmpty", "SequenceLength", "SequenceMap", "SplitToSequence",
                "ConcatFromSequence"}
OPTIONAL_OPS = {"Optional", "OptionalHasElement", "OptionalGetElement"}
STRING_OPS = {"StringNormalizer"}
RANDOM_OPS = {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike",
              "Bernoulli", "Multinomial"}
DEFAULT_DOMAINS = ("", "ai.onnx")


class Input(object):
    __slots__ = ("name", "path", "dims", "frozen", "is_tensor", "bf16_bits", "zeros")

    def __init__(self, name, path, dims, frozen, is_tensor, bf16_bits=False, zeros=False):
        self.name = name
        self.path = path
        self.dims = dims
        self.frozen = frozen
        self.is_tensor = is_tensor
        # ONNX 1.12's test data stores bfloat16 tensors as uint16 bit patterns
        # (data_type UINT16); the runner passes them on as bfloat16.
        self.bf16_bits = bf16_bits
        # A type-only input whose data contradicts its declared shape: pass
        # zeros of `dims` (the declared shape) and the data's type instead.
        self.zeros = zeros


class Case(object):
    """What a runner needs to compile, run and check one case."""

    def __init__(self, case_dir):
        self.dir = case_dir
        self.model = onnx.load(os.path.join(case_dir, "model.onnx"))
        graph = self.model.graph
        data_set = os.path.join(case_dir, "test_data_set_0")
        initializers = set(t.name for t in graph.initializer)
        graph_inputs = [v for v in graph.input if v.name not in initializers]
        shape_values = _shape_deciding_values(graph)
        value_reads = _value_read_names(graph)
        self.inputs = []
        for k, value in enumerate(graph_inputs):
            path = os.path.join(data_set, "input_%d.pb" % k)
            if not os.path.exists(path):
                continue
            is_tensor = value.type.HasField("tensor_type")
            dims = None
            bf16_bits = False
            zeros = False
            if is_tensor:
                tensor = onnx.TensorProto()
                with open(path, "rb") as f:
                    tensor.ParseFromString(f.read())
                dims = list(tensor.dims)
                bf16_bits = (value.type.tensor_type.elem_type == onnx.TensorProto.BFLOAT16
                                 and tensor.data_type == onnx.TensorProto.UINT16)
                declared = _static_dims(value)
                if (value.name not in value_reads and declared is not None
                        and declared != dims):
                    dims, zeros = declared, True
            self.inputs.append(Input(value.name, path, dims,
                                     is_tensor and value.name in shape_values, is_tensor,
                                     bf16_bits, zeros))
        self.outputs = []
        for k, value in enumerate(graph.output):
            path = os.path.join(data_set, "output_%d.pb" % k)
            if os.path.exists(path):
                elem = value.type.tensor_type.elem_type if value.type.HasField("tensor_type") \
                    else 0
                self.outputs.append((value.name, path, elem))

    def compile_args(self):
        """The `mica compile` arguments after the model path (without -o)."""
        args = []
        for inp in self.inputs:
            if not inp.is_tensor:
                continue
            if inp.frozen:
                args += ["--freeze-input", "%s=%s" % (inp.name, inp.path)]
            elif inp.dims:
                args += ["--input-shape", "%s=%s" % (inp.name, "x".join(map(str, inp.dims)))]
        return args

    def run_inputs(self):
        """The run-time inputs as (name, file)."""
        return [(i.name, i.path) for i in self.inputs if not i.frozen]

    def classify(self):
        return classify(self.model, self.inputs)


def _subgraphs(node):
    for attr in node.attribute:
        if attr.type == onnx.AttributeProto.GRAPH:
            yield attr.g
        elif attr.type == onnx.AttributeProto.GRAPHS:
            for g in attr.graphs:
                yield g


def _all_nodes(graph):
    for node in graph.node:
        yield node
        for sub in _subgraphs(node):
            for inner in _all_nodes(sub):
                yield inner


def _all_value_infos(graph):
    for v in list(graph.input) + list(graph.output) + list(graph.value_info):
        yield v
    for node in graph.node:
        for sub in _subgraphs(node):
            for v in _all_value_infos(sub):
                yield v


def _shape_deciding_values(graph):
    """Names of the values (in any scope) whose contents can decide a shape."""
    # Edges from each consumed name to the names it flows into; a node's
    # operands flow into its results and, for control flow, into the formal
    # inputs and captured values of its bodies.
    flows = {}
    seeds = set()

    def add(src, dst):
        if src:
            flows.setdefault(dst, set()).add(src)

    def walk(g):
        for node in g.node:
            shape_pos = (SHAPE_OPERANDS.get(node.op_type, ())
                         if node.domain in DEFAULT_DOMAINS else ())
            only_pos = SHAPE_ONLY_OPERANDS.get(node.op_type, ())
            for pos, name in enumerate(node.input):
                if not name:
                    continue
                if pos in shape_pos:
                    seeds.add(name)
                if pos in only_pos:
                    continue
                for out in node.output:
                    add(name, out)
            for sub in _subgraphs(node):
                walk(sub)
                # Loop operand k (k >= 1) is body input k; Scan operands map in
                # order; the body's results feed the node's results.
                formals = [v.name for v in sub.input]
                skip = 1 if node.op_type == "Loop" else 0
                for pos, name in enumerate(node.input):
                    if name and pos >= skip and pos < len(formals):
                        add(name, formals[pos])
                for v in sub.output:
                    for out in node.output:
                        add(v.name, out)

    walk(graph)
    # Backwards from the seeds: flows[dst] are the sources of dst.
    result = set()
    stack = list(seeds)
    while stack:
        name = stack.pop()
        if name in result:
            continue
        result.add(name)
        stack.extend(flows.get(name, ()))
    return result


def _value_read_names(graph):
    """Names (in any scope) read for their values: every operand but the
    shape-only ones, and the graph outputs."""
    names = set(v.name for v in graph.output)

    def walk(g):
        for node in g.node:
            only_pos = SHAPE_ONLY_OPERANDS.get(node.op_type, ())
            for pos, name in enumerate(node.input):
                if name and pos not in only_pos:
                    names.add(name)
            for sub in _subgraphs(node):
                names.update(v.name for v in sub.output)
                walk(sub)

    walk(graph)
    return names


def _static_dims(value):
    """The declared dims of a tensor value when all are static, else None."""
    if not value.type.tensor_type.HasField("shape"):
        return None
    dims = value.type.tensor_type.shape.dim
    if not all(d.HasField("dim_value") for d in dims):
        return None
    return [d.dim_value for d in dims]


def _constant_value(graph, inputs, name):
    for t in graph.initializer:
        if t.name == name:
            return numpy_helper.to_array(t)
    for node in graph.node:
        if node.op_type == "Constant" and name in node.output:
            for attr in node.attribute:
                if attr.name == "value":
                    return numpy_helper.to_array(attr.t)
    for inp in inputs:
        if inp.name == name and inp.is_tensor:
            tensor = onnx.TensorProto()
            with open(inp.path, "rb") as f:
                tensor.ParseFromString(f.read())
            return numpy_helper.to_array(tensor)
    return None


def _random_dropout(graph, inputs, node):
    if node.op_type != "Dropout" or len(node.input) < 3 or not node.input[2]:
        return False
    training = _constant_value(graph, inputs, node.input[2])
    if training is None or not bool(np.asarray(training).any()):
        return False
    ratio = 0.5
    if len(node.input) >= 2 and node.input[1]:
        value = _constant_value(graph, inputs, node.input[1])
        if value is not None:
            ratio = float(np.asarray(value).reshape(-1)[0])
    return ratio != 0.0


def classify(model, inputs=()):
    graph = model.graph
    for node in _all_nodes(graph):
        if node.domain not in DEFAULT_DOMAINS:
            if node.domain == "ai.onnx.preview.training":
                return ("other", "training")
            return ("other", "domain " + node.domain)
        if node.op_type in SEQUENCE_OPS:
            return ("other", "sequence")
        if node.op_type in OPTIONAL_OPS:
            return ("other", "optional")
        if node.op_type in STRING_OPS:
            return ("other", "string")
        if node.op_type in RANDOM_OPS:
            return ("other", "random")
    for v in _all_value_infos(graph):
        kind = v.type.WhichOneof("value")
        if kind == "sequence_type":
            return ("other", "sequence")
        if kind == "optional_type":
            return ("other", "optional")
        if kind == "tensor_type" and v.type.tensor_type.elem_type == onnx.TensorProto.STRING:
            return ("other", "string")
        if "_grad" in v.name:
            return ("other", "training")
    for node in graph.node:
        if _random_dropout(graph, inputs, node):
            return ("other", "random")
    for inp in inputs:
        if not inp.is_tensor:
            return ("other", "sequence")
    return ("core", "")
