#!/usr/bin/python3
"""Writes the QDQ form of a float ONNX model with the quantisation Mica chose.

    qdq_model.py FLOAT.onnx REPORT.json OUT.onnx

REPORT.json is the `--report` of `mica compile FLOAT.onnx --quantize w8a8
--calibration DIR`: its `quantization.layers` give, per ONNX node made
integer, the scale and zero point of its input and of its output (after a
fused Relu/Clip). OUT.onnx is the same network as ONNX Runtime's
`quantize_static` writes it (QDQ format, int8 activations per tensor, int8
weights symmetric per output channel, int32 biases at s_in * s_w): a
QuantizeLinear/DequantizeLinear pair after every tensor with known
parameters, DequantizeLinear on the quantised weights and biases. ONNX
Runtime runs such a model with its int8 kernels (it fuses the pairs into
QLinearConv / QGemm), and `mica compile OUT.onnx` runs it integer without
calibration: the peer of `make bench`'s int8 rows and of the agreement
check (test/passes/quantize/qdq_agreement.test).
"""
import json
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto


def weight_axis(node):
    # Conv [C_out, ...] and Gemm with transB = 1 ([N, K]): axis 0; MatMul
    # by a [K, N] weight and Gemm without transB: axis 1.
    if node.op_type == "Gemm":
        trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
        return 0 if trans_b else 1
    return 1 if node.op_type == "MatMul" else 0


def quantize_weight(w, axis):
    moved = np.moveaxis(w.astype(np.float64), axis, 0).reshape(w.shape[axis], -1)
    scale = (np.abs(moved).max(axis=1) / 127.0).astype(np.float32)
    scale[scale == 0] = 1.0
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.rint(w / scale.reshape(shape).astype(np.float64)), -127, 127)
    return q.astype(np.int8), scale


def main():
    model = onnx.load(sys.argv[1])
    report = json.load(open(sys.argv[2]))
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    producers = {o: n for n in graph.node for o in n.output}
    consumers = {}
    for n in graph.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    by_name = {n.name: n for n in graph.node}

    params = {}  # tensor -> (scale, zero point)
    weights = {}  # node name -> per-channel weight scales
    for layer in report["quantization"]["layers"]:
        node = by_name[layer["node"]]
        params.setdefault(node.input[0],
                          (layer["input_scale"], layer["input_zero_point"]))
        out = node.output[0]
        users = consumers.get(out, [])
        if len(users) == 1 and users[0].op_type in ("Relu", "Clip"):
            out = users[0].output[0]
        params[out] = (layer["output_scale"], layer["output_zero_point"])
        if "weight_channels" in layer:
            weights[node.name] = layer

    new_inits, new_nodes = [], []
    renamed = {}  # float tensor -> its dequantised copy

    def qdq(tensor):
        scale, zp = params[tensor]
        s = tensor + "_qdq_scale"
        z = tensor + "_qdq_zp"
        new_inits.append(numpy_helper.from_array(np.array(scale, np.float32), s))
        new_inits.append(numpy_helper.from_array(np.array(zp, np.int8), z))
        q, dq = tensor + "_q", tensor + "_dq"
        new_nodes.append(helper.make_node("QuantizeLinear", [tensor, s, z], [q],
                                          name=tensor + "_QuantizeLinear"))
        new_nodes.append(helper.make_node("DequantizeLinear", [q, s, z], [dq],
                                          name=tensor + "_DequantizeLinear"))
        renamed[tensor] = dq

    def dequantized(base, q, scale, axis):
        # A constant quantised per channel along `axis` (zero points 0) and
        # its DequantizeLinear; returns the float tensor's name.
        new_inits.extend([
            numpy_helper.from_array(q, base + "_q"),
            numpy_helper.from_array(scale, base + "_scale"),
            numpy_helper.from_array(np.zeros(len(scale), q.dtype), base + "_zp")])
        nodes.append(helper.make_node(
            "DequantizeLinear", [base + "_q", base + "_scale", base + "_zp"],
            [base + "_dq"], axis=axis, name=base + "_DequantizeLinear"))
        return base + "_dq"

    for tensor in params:
        if tensor in [i.name for i in graph.input]:
            qdq(tensor)
    nodes = list(new_nodes)
    new_nodes.clear()
    for node in graph.node:
        for k, name in enumerate(node.input):
            if name in renamed:
                node.input[k] = renamed[name]
        if node.name in weights and node.input[1] in inits:
            axis = weight_axis(node)
            w = numpy_helper.to_array(inits[node.input[1]])
            wq, ws = quantize_weight(w, axis)
            base = node.name.replace("/", "_")
            node.input[1] = dequantized(base + "_w", wq, ws, axis)
            if len(node.input) > 2 and node.input[2] in inits:
                b = numpy_helper.to_array(inits[node.input[2]]).astype(np.float64)
                in_scale = weights[node.name]["input_scale"]
                bs = (ws.astype(np.float64) * in_scale).astype(np.float32)
                bq = np.rint(b / bs.astype(np.float64)).astype(np.int32)
                node.input[2] = dequantized(base + "_b", bq, bs, 0)
        nodes.append(node)
        for out in node.output:
            if out in params:
                nodes.extend(new_nodes)
                new_nodes.clear()
                qdq(out)
                nodes.extend(new_nodes)
                new_nodes.clear()
    # A graph output with parameters is its dequantised copy (named
    # TENSOR_dq), as quantize_static leaves it.
    for node in nodes:
        for k, name in enumerate(node.input):
            if name in renamed and node.op_type != "QuantizeLinear":
                node.input[k] = renamed[name]
    for o in graph.output:
        if o.name in renamed:
            o.name = renamed[o.name]
    del graph.node[:]
    graph.node.extend(nodes)
    graph.initializer.extend(new_inits)
    # DequantizeLinear with a per-axis scale needs opset 13.
    for opset in model.opset_import:
        if opset.domain in ("", "ai.onnx") and opset.version < 13:
            opset.version = 13
    onnx.checker.check_model(model)
    onnx.save(model, sys.argv[3])


if __name__ == "__main__":
    main()
