#!/usr/bin/python3
"""Small QOperator models (ONNX Runtime's QOperator format), with inputs and
reference outputs, for the tests of Mica's integer path.

    qoperator_models.py OUT_DIR
    qoperator_models.py --larger OUT_DIR

For each model M it writes OUT_DIR/M.onnx, one OUT_DIR/M.NAME.npy per input
NAME, and OUT_DIR/M.expected.npz: every output as numpy computes it from the
operators' definitions the way ONNX Runtime's CPU kernels do (integer
accumulation; requantisation as a float32 product rounded half to even;
QLinearAdd/Mul, average pools and lookup tables in float32), with the size
of one quantisation step of each output (`STEP_NAME`: the output's scale,
or 1 for integer outputs). Scales and zero points come from a float run of
the same graph on the input (what a calibration would choose). Fixed seeds:
the same files every time.

Models:
  chain_u8     QuantizeLinear -> QLinearConv (3x3, pads 1, int8 weights with
               one scale per output channel, int32 bias) -> QLinearAdd (the
               residual: + the quantised input) -> QLinearGlobalAveragePool
               -> Flatten -> QLinearMatMul (int8 weights, one scale per
               column) -> DequantizeLinear; uint8 activations; the residual
               sum is a second output
  chain_s8     the same with int8 activations
  chain_u8_io  the chain_u8 graph between its QuantizeLinear and
               DequantizeLinear: uint8 input and output
  eltwise_u8   QLinearConv -> QLinearSigmoid and QLinearLeakyRelu -> their
               QLinearMul -> QLinearConcat with the conv output -> MaxPool on
               uint8 -> QLinearAveragePool (3x3, pads 1, padding not
               counted); and QLinearAveragePool (2x2, stride 2) of the concat
               + a constant per-channel uint8 tensor (QLinearAdd,
               broadcast); both dequantised
  weights_u8   QLinearConv with uint8 weights of zero point 100 (their
               integers w - 100 span [-100, 155], more than int8) ->
               QLinearGlobalAveragePool -> QLinearMatMul by uint8 weights of
               zero point 90; the conv output is a second output
  matmul_u8    QLinearMatMul of two run-time values (x and its transpose,
               both uint8)
  integer      ConvInteger (uint8 x with zero point 5, uint8 weights with
               zero point 128, pads 1) and MatMulInteger (uint8 a with zero
               point 7, int8 B): int32 outputs
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F32 = np.float32


# --- the operators' arithmetic, as ONNX Runtime computes it ---------------

def limits(dtype):
    return (0, 255) if dtype == np.uint8 else (-128, 127)


def quantize(x, scale, zero, dtype):
    lo, hi = limits(dtype)
    q = np.rint(np.asarray(x, F32) / F32(scale)) + zero
    return np.clip(q, lo, hi).astype(dtype)


def dequantize(q, scale, zero):
    return (q.astype(np.int64) - zero).astype(F32) * F32(scale)


def requantize(value, zero, dtype):
    """`value`: the real result in units of the output scale (float32)."""
    lo, hi = limits(dtype)
    return np.clip(np.rint(value.astype(F32)) + zero, lo, hi).astype(dtype)


def params_for(values, dtype):
    """Scale and zero point covering `values` (and 0), as a calibration."""
    lo, hi = min(float(values.min()), 0.0), max(float(values.max()), 0.0)
    qmin, qmax = limits(dtype)
    scale = F32((hi - lo) / (qmax - qmin) if hi > lo else 1.0)
    zero = int(np.clip(np.rint(qmin - lo / scale), qmin, qmax))
    return scale, zero


def conv_int(x, w, pads, strides=(1, 1), group=1):
    """Integer convolution of int64 arrays (pads: top, left, bottom, right)."""
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    oh, ow = (h - kh) // strides[0] + 1, (wd - kw) // strides[1] + 1
    out = np.zeros((n, m, oh, ow), np.int64)
    per = m // group
    for g in range(group):
        xs = x[:, g * cg:(g + 1) * cg]
        for i in range(kh):
            for j in range(kw):
                patch = xs[:, :, i:i + strides[0] * oh:strides[0],
                           j:j + strides[1] * ow:strides[1]]
                out[:, g * per:(g + 1) * per] += np.einsum(
                    "nchw,mc->nmhw", patch, w[g * per:(g + 1) * per, :, i, j])
    return out


def avg_pool(x, k, strides, pads, count_include_pad):
    """Float average pool of NCHW float32 data (pads: top, left, bottom, right)."""
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    ones = np.pad(np.ones((h, w), F32), ((pads[0], pads[2]), (pads[1], pads[3])))
    oh = (h + pads[0] + pads[2] - k[0]) // strides[0] + 1
    ow = (w + pads[1] + pads[3] - k[1]) // strides[1] + 1
    out = np.zeros((n, c, oh, ow), F32)
    for i in range(oh):
        for j in range(ow):
            window = xp[:, :, i * strides[0]:i * strides[0] + k[0],
                        j * strides[1]:j * strides[1] + k[1]]
            count = k[0] * k[1] if count_include_pad else ones[
                i * strides[0]:i * strides[0] + k[0],
                j * strides[1]:j * strides[1] + k[1]].sum()
            out[:, :, i, j] = window.sum(axis=(2, 3), dtype=F32) / F32(count)
    return out


class Builder(object):
    """Builds a QOperator graph and, alongside, its float run (to choose
    parameters) and its reference integer run."""

    def __init__(self, name, dtype, seed):
        self.name = name
        self.dtype = dtype
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits = [], []
        self.counter = 0

    def const(self, value, hint):
        self.counter += 1
        name = "%s_%d" % (hint, self.counter)
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def qparams(self, scale, zero, dtype=None):
        return (self.const(np.array(scale, F32), "scale"),
                self.const(np.array(zero, dtype or self.dtype), "zero"))

    def node(self, op, inputs, domain="", **attrs):
        self.counter += 1
        out = "%s_%d" % (op.lower(), self.counter)
        self.nodes.append(helper.make_node(op, inputs, [out], name=out,
                                           domain=domain, **attrs))
        return out

    # Each op takes and returns (onnx name, integers, scale, zero point).
    def quantize_input(self, name, x):
        scale, zero = params_for(x, self.dtype)
        s, z = self.qparams(scale, zero)
        out = self.node("QuantizeLinear", [name, s, z])
        return out, quantize(x, scale, zero, self.dtype), scale, zero

    def output_params(self, real):
        return params_for(real, self.dtype)

    def qlinear_conv(self, v, channels, pads=(1, 1, 1, 1), weight_zero=None):
        """int8 weights, or uint8 ones with `weight_zero` (per tensor)."""
        name, q, xs, xz = v
        cin = q.shape[1]
        if weight_zero is None:
            w = self.rng.integers(-127, 128, (channels, cin, 3, 3)).astype(np.int8)
            w[0] = np.clip(w[0], -60, 60)  # a channel that does not span [-127, 127]
            wz = np.zeros(channels, np.int8)
        else:
            w = self.rng.integers(0, 256, (channels, cin, 3, 3)).astype(np.uint8)
            wz = np.array(weight_zero, np.uint8)
        ws = (self.rng.uniform(0.5, 2.0, channels) / (127 * 3 * cin)).astype(F32)
        bias = self.rng.integers(-2000, 2000, channels).astype(np.int32)
        acc = conv_int(q.astype(np.int64) - xz,
                       w.astype(np.int64) - wz.astype(np.int64).reshape(-1, 1, 1, 1)
                       if wz.ndim else w.astype(np.int64) - int(wz), pads)
        acc += bias.reshape(1, -1, 1, 1)
        real = acc.astype(F32) * (F32(xs) * ws).reshape(1, -1, 1, 1)
        ys, yz = self.output_params(real)
        y = requantize(acc.astype(F32) * ((F32(xs) * ws) / F32(ys)).reshape(1, -1, 1, 1),
                       yz, self.dtype)
        xs_n, xz_n = self.qparams(xs, xz)
        ys_n, yz_n = self.qparams(ys, yz)
        out = self.node("QLinearConv", [
            name, xs_n, xz_n, self.const(w, "w"), self.const(ws, "w_scale"),
            self.const(wz, "w_zero"), ys_n, yz_n,
            self.const(bias, "bias")], kernel_shape=[3, 3], pads=list(pads))
        return out, y, ys, yz

    def binary(self, op, a, b, constant_b=False):
        an, aq, as_, az = a
        bn, bq, bs, bz = b
        ra, rb = dequantize(aq, as_, az), dequantize(bq, bs, bz)
        real = ra + rb if op == "QLinearAdd" else ra * rb
        cs, cz = self.output_params(real)
        if op == "QLinearAdd":
            value = (F32(as_) / F32(cs)) * (aq.astype(np.int64) - az).astype(F32) + \
                (F32(bs) / F32(cs)) * (bq.astype(np.int64) - bz).astype(F32)
        else:
            value = ((aq.astype(np.int64) - az) * (bq.astype(np.int64) - bz)).astype(F32) * \
                (F32(as_) * F32(bs) / F32(cs))
        y = requantize(value, cz, self.dtype)
        if constant_b:
            bn = self.const(bq, "b")
        out = self.node(op, [an, *self.qparams(as_, az), bn, *self.qparams(bs, bz),
                             *self.qparams(cs, cz)], domain="com.microsoft")
        return out, y, cs, cz

    def table(self, op, v, f, **attrs):
        name, q, xs, xz = v
        real = f(dequantize(q, xs, xz))
        ys, yz = self.output_params(real)
        lo, hi = limits(self.dtype)
        domain = np.arange(lo, hi + 1).astype(self.dtype)
        table = quantize(f(dequantize(domain, xs, xz)), ys, yz, self.dtype)
        y = table[q.astype(np.int64) - lo]
        out = self.node(op, [name, *self.qparams(xs, xz), *self.qparams(ys, yz)],
                        domain="com.microsoft", **attrs)
        return out, y, ys, yz

    def concat(self, vs, axis):
        reals = [dequantize(q, s, z) for _, q, s, z in vs]
        ys, yz = self.output_params(np.concatenate(reals, axis))
        parts = [quantize(r, ys, yz, self.dtype) if (s, z) != (ys, yz) else q
                 for r, (_, q, s, z) in zip(reals, vs)]
        inputs = [*self.qparams(ys, yz)]
        for name, _, s, z in vs:
            inputs += [name, *self.qparams(s, z)]
        out = self.node("QLinearConcat", inputs, domain="com.microsoft", axis=axis)
        return out, np.concatenate(parts, axis), ys, yz

    def average_pool(self, v, k, strides, pads, count_include_pad):
        name, q, xs, xz = v
        real = avg_pool(dequantize(q, xs, xz), k, strides, pads, count_include_pad)
        ys, yz = self.output_params(real)
        y = quantize(real, ys, yz, self.dtype)
        out = self.node("QLinearAveragePool",
                        [name, *self.qparams(xs, xz), *self.qparams(ys, yz)],
                        domain="com.microsoft", kernel_shape=list(k),
                        strides=list(strides), pads=list(pads),
                        count_include_pad=int(count_include_pad))
        return out, y, ys, yz

    def global_average_pool(self, v):
        name, q, xs, xz = v
        count = q.shape[2] * q.shape[3]
        total = q.astype(np.int64).sum(axis=(2, 3), keepdims=True) - xz * count
        ys, yz = self.output_params(total.astype(F32) * F32(xs) / count)
        y = requantize(total.astype(F32) * (F32(xs) / (F32(ys) * F32(count))), yz,
                       self.dtype)
        out = self.node("QLinearGlobalAveragePool",
                        [name, *self.qparams(xs, xz), *self.qparams(ys, yz)],
                        domain="com.microsoft")
        return out, y, ys, yz

    def qlinear_matmul(self, a, b=None, columns=0, weight_zero=None):
        """By an int8 constant matrix (one scale per column), a uint8 one
        with `weight_zero` (per tensor), or the run-time value `b`."""
        an, aq, as_, az = a
        if b is None:
            rows = aq.shape[-1]
            if weight_zero is None:
                w = self.rng.integers(-127, 128, (rows, columns)).astype(np.int8)
                wz = np.zeros(columns, np.int8)
                ws = (self.rng.uniform(0.5, 2.0, columns) / (127 * rows)).astype(F32)
            else:
                w = self.rng.integers(0, 256, (rows, columns)).astype(np.uint8)
                wz = np.array(weight_zero, np.uint8)
                ws = F32(self.rng.uniform(0.5, 2.0) / (127 * rows))
            acc = (aq.astype(np.int64) - az) @ (w.astype(np.int64) - wz.astype(np.int64))
            real_scale = F32(as_) * ws
            bn, bs_n, bz_n = (self.const(w, "w"), self.const(ws, "w_scale"),
                              self.const(wz, "w_zero"))
        else:
            bn, bq, bs, bz = b
            acc = (aq.astype(np.int64) - az) @ (bq.astype(np.int64) - bz)
            real_scale = F32(as_) * F32(bs)
            bs_n, bz_n = self.qparams(bs, bz)
        ys, yz = self.output_params(acc.astype(F32) * real_scale)
        y = requantize(acc.astype(F32) * (real_scale / F32(ys)), yz, self.dtype)
        out = self.node("QLinearMatMul", [an, *self.qparams(as_, az), bn, bs_n, bz_n,
                                          *self.qparams(ys, yz)])
        return out, y, ys, yz

    def moved(self, op, v, result, **attrs):
        name, _, s, z = v
        return self.node(op, [name], **attrs), result, s, z

    def dequantize_output(self, v):
        name, q, s, z = v
        out = self.node("DequantizeLinear", [name, *self.qparams(s, z)])
        return out, dequantize(q, s, z), s

    def save(self, out_dir, inputs, outputs, domains=True):
        """inputs: [(name, array)]; outputs: [(onnx name, value, step)]."""
        graph = helper.make_graph(
            self.nodes, self.name,
            [helper.make_tensor_value_info(n, onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[a.dtype],
                                           list(a.shape)) for n, a in inputs],
            [helper.make_tensor_value_info(n, onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[v.dtype],
                                           list(v.shape)) for n, v, _ in outputs],
            self.inits)
        opsets = [helper.make_opsetid("", 13)]
        if domains:
            opsets.append(helper.make_opsetid("com.microsoft", 1))
        model = helper.make_model(graph, opset_imports=opsets,
                                  producer_name="mica-test")
        model.ir_version = 7
        onnx.save(model, os.path.join(out_dir, self.name + ".onnx"))
        for n, a in inputs:
            np.save(os.path.join(out_dir, "%s.%s.npy" % (self.name, n)), a)
        expected = {}
        for n, v, step in outputs:
            expected[n] = v
            expected["STEP_" + n] = np.array(step, np.float64)
        np.savez(os.path.join(out_dir, self.name + ".expected.npz"), **expected)


def chain(out_dir, name, dtype, integer_io=False):
    b = Builder(name, dtype, seed=1)
    x = b.rng.uniform(-1.0, 1.0, (1, 4, 8, 8)).astype(F32)
    if integer_io:
        scale, zero = params_for(x, dtype)
        xq = quantize(x, scale, zero, dtype)
        v = ("x", xq, scale, zero)
    else:
        v = b.quantize_input("x", x)
    conv = b.qlinear_conv(v, 4)
    res = b.binary("QLinearAdd", conv, v)
    pooled = b.global_average_pool(res)
    flat = b.moved("Flatten", pooled, pooled[1].reshape(1, -1), axis=1)
    y = b.qlinear_matmul(flat, columns=6)
    if integer_io:
        b.save(out_dir, [("x", xq)], [(y[0], y[1], 1.0), (res[0], res[1], 1.0)])
    else:
        b.save(out_dir, [("x", x)],
               [b.dequantize_output(y), b.dequantize_output(res)])


def eltwise(out_dir):
    b = Builder("eltwise_u8", np.uint8, seed=2)
    x = b.rng.uniform(-1.0, 1.0, (1, 4, 8, 8)).astype(F32)
    conv = b.qlinear_conv(b.quantize_input("x", x), 8)
    sig = b.table("QLinearSigmoid", conv, lambda r: 1 / (1 + np.exp(-r)))
    leaky = b.table("QLinearLeakyRelu", conv, lambda r: np.where(r >= 0, r, F32(0.1) * r),
                    alpha=0.1)
    prod = b.binary("QLinearMul", sig, leaky)
    cat = b.concat([prod, conv], axis=1)
    q = cat[1]
    pooled = q.reshape(1, 16, 4, 2, 4, 2).max(axis=(3, 5))
    mp = b.moved("MaxPool", cat, pooled, kernel_shape=[2, 2], strides=[2, 2])
    avg = b.average_pool(mp, (3, 3), (1, 1), (1, 1, 1, 1), False)
    avg2 = b.average_pool(cat, (2, 2), (2, 2), (0, 0, 0, 0), True)
    offset = b.rng.integers(0, 256, (1, 16, 1, 1)).astype(np.uint8)
    shifted = b.binary("QLinearAdd", avg2, ("offset", offset, F32(0.004), 100),
                       constant_b=True)
    b.save(out_dir, [("x", x)], [b.dequantize_output(avg), b.dequantize_output(shifted)])


def uint8_weights(out_dir):
    b = Builder("weights_u8", np.uint8, seed=5)
    x = b.rng.uniform(-1.0, 1.0, (1, 4, 8, 8)).astype(F32)
    conv = b.qlinear_conv(b.quantize_input("x", x), 6, weight_zero=100)
    pooled = b.global_average_pool(conv)
    flat = b.moved("Flatten", pooled, pooled[1].reshape(1, -1), axis=1)
    y = b.qlinear_matmul(flat, columns=5, weight_zero=90)
    b.save(out_dir, [("x", x)], [b.dequantize_output(y), b.dequantize_output(conv)])


def matmul(out_dir):
    b = Builder("matmul_u8", np.uint8, seed=3)
    x = b.rng.uniform(-1.0, 1.0, (1, 4, 8)).astype(F32)
    v = b.quantize_input("x", x)
    t = b.moved("Transpose", v, v[1].transpose(0, 2, 1), perm=[0, 2, 1])
    y = b.qlinear_matmul(v, t)
    b.save(out_dir, [("x", x)], [b.dequantize_output(y)])


def integer(out_dir):
    b = Builder("integer", np.uint8, seed=4)
    x = b.rng.integers(0, 256, (1, 3, 6, 6)).astype(np.uint8)
    w = b.rng.integers(0, 256, (4, 3, 3, 3)).astype(np.uint8)
    conv = conv_int(x.astype(np.int64) - 5, w.astype(np.int64) - 128, (1, 1, 1, 1))
    conv_out = b.node("ConvInteger", ["x", b.const(w, "w"), b.const(np.array(5, np.uint8), "xz"),
                                      b.const(np.array(128, np.uint8), "wz")],
                      kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    a = b.rng.integers(0, 256, (2, 5)).astype(np.uint8)
    m = b.rng.integers(-128, 128, (5, 3)).astype(np.int8)
    mm = (a.astype(np.int64) - 7) @ m.astype(np.int64)
    mm_out = b.node("MatMulInteger", ["a", b.const(m, "m"), b.const(np.array(7, np.uint8), "az")])
    b.save(out_dir, [("x", x), ("a", a)],
           [(conv_out, conv.astype(np.int32), 1.0), (mm_out, mm.astype(np.int32), 1.0)],
           domains=False)


def larger(out_dir, seed, dtype):
    """A deeper chain on 2x16x20x20 data: two QLinearConvs, the residual
    QLinearAdd, QLinearSigmoid times its input (QLinearMul), average pools
    with and without counting padding, QLinearConcat, the global pool and
    QLinearMatMul; three outputs."""
    b = Builder("larger_%s_%d" % ("u8" if dtype == np.uint8 else "s8", seed), dtype,
                seed=seed)
    x = (b.rng.standard_normal((2, 16, 20, 20)) * 0.7).astype(F32)
    v = b.quantize_input("x", x)
    res = b.binary("QLinearAdd", b.qlinear_conv(b.qlinear_conv(v, 16), 16), v)
    prod = b.binary("QLinearMul", b.table("QLinearSigmoid", res,
                                          lambda r: 1 / (1 + np.exp(-r))), res)
    cat = b.concat([b.average_pool(prod, (3, 3), (2, 2), (1, 1, 1, 1), False),
                    b.average_pool(res, (3, 3), (2, 2), (1, 1, 1, 1), True)], axis=1)
    pooled = b.global_average_pool(cat)
    flat = b.moved("Flatten", pooled, pooled[1].reshape(2, -1), axis=1)
    y = b.qlinear_matmul(flat, columns=10)
    b.save(out_dir, [("x", x)], [b.dequantize_output(y), b.dequantize_output(prod),
                                 b.dequantize_output(cat)])
    return b.name


def main(argv):
    if len(argv) == 3 and argv[1] == "--larger":
        # Twelve larger models (seeds 10-15, uint8 and int8) for measuring
        # the agreement with ONNX Runtime (docs/quantization.md); prints
        # their names.
        os.makedirs(argv[2], exist_ok=True)
        print(" ".join(larger(argv[2], seed, dtype) for seed in range(10, 16)
                       for dtype in (np.uint8, np.int8)))
        return 0
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    out_dir = argv[1]
    os.makedirs(out_dir, exist_ok=True)
    chain(out_dir, "chain_u8", np.uint8)
    chain(out_dir, "chain_s8", np.int8)
    chain(out_dir, "chain_u8_io", np.uint8, integer_io=True)
    eltwise(out_dir)
    uint8_weights(out_dir)
    matmul(out_dir)
    integer(out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
