"""The int8 kernels against a reference integer interpreter, bit for bit.

    python3 int8_kernels.py WORKDIR [--target arm64]

For random shapes (odd sizes, groups, depthwise, strides, padding,
dilation, fused ReLU; seeded), writes a one-layer QDQ model (QuantizeLinear/
DequantizeLinear on the input and the output, int8 weights per output
channel, int32 bias), compiles it with `mica compile`, runs it with `mica
run` and compares its output with this file's plain-loop interpretation of
the integer semantics of docs/numerics.md item 7 (quantize, integer
convolution or dense layer, bias with the zero-point correction, fixed-point
rescale, clamp, dequantize). Prints one line per case and exits 1 on the
first difference.
"""
import math
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

F32 = np.float32


def fixed_point(m):
    """QuantParams.cpp toFixedPoint: M = multiplier * 2^-shift."""
    f, e = math.frexp(m)
    mult = math.floor(f * 2 ** 31 + 0.5)
    if mult == 2 ** 31:
        mult //= 2
        e += 1
    shift = 31 - e
    if shift > 62:
        mult = math.floor(math.ldexp(m, 62) + 0.5)
        shift = 62
    return mult, shift


def rescale(acc, mult, shift, zp, lo, hi):
    v = (acc.astype(object) * mult + (1 << (shift - 1))) >> shift
    return np.clip(np.array(v, dtype=np.int64) + zp, lo, hi)


def weight_params(w_float, axis):
    """The pass's weight quantisation (QuantParams.cpp quantizeWeights)."""
    moved = np.moveaxis(w_float.astype(np.float64), axis, 0).reshape(w_float.shape[axis], -1)
    scale = np.abs(moved).max(axis=1) / 127.0
    scale = scale.astype(F32).astype(np.float64)
    scale[scale == 0] = 1.0
    shape = [1] * w_float.ndim
    shape[axis] = -1
    q = np.clip(np.rint(w_float.astype(np.float64) / scale.reshape(shape)), -127, 127)
    return q.astype(np.int64), scale


def reference(x, case, s_in, zp_in, wf, bf, s_out, zp_out):
    # Input quantisation in f32, as the graph.quantize lowering computes it.
    xq = np.clip(np.rint((x / F32(s_in)).astype(F32)) + zp_in, -128, 127).astype(np.int64)
    axis = 0
    wq, sw = weight_params(wf, axis)
    channels = wq.shape[0]
    sums = wq.reshape(channels, -1).sum(axis=1)
    bq = np.clip(np.rint(bf.astype(np.float64) / (s_in * sw)), -2 ** 31, 2 ** 31 - 1).astype(np.int64)
    bq = bq - zp_in * sums
    if case["kind"] == "gemm":
        acc = xq @ wq.T + bq
        caxis = 1
    else:
        n, c, h, w = xq.shape
        k, g = case["k"], case["groups"]
        s, p, d = case["stride"], case["pad"], case["dilation"]
        xp = np.full((n, c, h + 2 * p, w + 2 * p), zp_in, np.int64)
        xp[:, :, p:p + h, p:p + w] = xq
        oh = (h + 2 * p - d * (k - 1) - 1) // s + 1
        ow = (w + 2 * p - d * (k - 1) - 1) // s + 1
        acc = np.zeros((n, channels, oh, ow), np.int64)
        cg, fg = c // g, channels // g
        for f in range(channels):
            grp = f // fg
            for kh in range(k):
                for kw in range(k):
                    patch = xp[:, grp * cg:(grp + 1) * cg,
                               kh * d:kh * d + s * (oh - 1) + 1:s,
                               kw * d:kw * d + s * (ow - 1) + 1:s]
                    acc[:, f] += np.einsum("nchw,c->nhw", patch, wq[f, :, kh, kw])
            acc[:, f] += bq[f]
        caxis = 1
    lo = zp_out if case["relu"] else -128
    out = np.empty_like(acc)
    for ch in range(channels):
        mult, shift = fixed_point(s_in * sw[ch] / s_out)
        sl = [slice(None)] * acc.ndim
        sl[caxis] = ch
        out[tuple(sl)] = rescale(acc[tuple(sl)], mult, shift, zp_out, lo, 127)
    return ((out - zp_out).astype(F32) * F32(s_out)).astype(F32)


def qdq_model(case, x_shape, wf, bf, s_in, zp_in, s_out, zp_out, wq, sw, bq, bs):
    inits = [numpy_helper.from_array(np.array(s_in, F32), "s_in"),
             numpy_helper.from_array(np.array(zp_in, np.int8), "zp_in"),
             numpy_helper.from_array(np.array(s_out, F32), "s_out"),
             numpy_helper.from_array(np.array(zp_out, np.int8), "zp_out"),
             numpy_helper.from_array(wq.astype(np.int8), "wq"),
             numpy_helper.from_array(sw.astype(F32), "sw"),
             numpy_helper.from_array(np.zeros(len(sw), np.int8), "zw"),
             numpy_helper.from_array(bq.astype(np.int32), "bq"),
             numpy_helper.from_array(bs.astype(F32), "bs"),
             numpy_helper.from_array(np.zeros(len(bs), np.int32), "zb")]
    nodes = [helper.make_node("QuantizeLinear", ["x", "s_in", "zp_in"], ["xq"]),
             helper.make_node("DequantizeLinear", ["xq", "s_in", "zp_in"], ["xd"]),
             helper.make_node("DequantizeLinear", ["wq", "sw", "zw"], ["w"], axis=0),
             helper.make_node("DequantizeLinear", ["bq", "bs", "zb"], ["b"], axis=0)]
    if case["kind"] == "gemm":
        nodes.append(helper.make_node("Gemm", ["xd", "w", "b"], ["y"], transB=1))
    else:
        k = case["k"]
        nodes.append(helper.make_node(
            "Conv", ["xd", "w", "b"], ["y"], kernel_shape=[k, k],
            strides=[case["stride"]] * 2, pads=[case["pad"]] * 4,
            dilations=[case["dilation"]] * 2, group=case["groups"]))
    last = "y"
    if case["relu"]:
        nodes.append(helper.make_node("Relu", ["y"], ["r"]))
        last = "r"
    nodes += [helper.make_node("QuantizeLinear", [last, "s_out", "zp_out"], ["yq"]),
              helper.make_node("DequantizeLinear", ["yq", "s_out", "zp_out"], ["out"])]
    graph = helper.make_graph(
        nodes, "case", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def cases(rng):
    out = []
    for i in range(14):
        if i % 3 == 2:
            out.append({"kind": "gemm", "m": int(rng.choice([1, 3, 17])),
                        "k_in": int(rng.choice([1, 5, 31, 64, 100])),
                        "n": int(rng.choice([1, 7, 16, 33])), "relu": bool(i % 2)})
            continue
        c = int(rng.choice([1, 3, 5, 8, 17]))
        groups = int(rng.choice([g for g in (1, c) if g]))
        f = c if groups == c and rng.random() < 0.5 else int(rng.choice([1, 4, 7, 16, 33]))
        f = f if f % groups == 0 else groups * max(1, f // groups)
        out.append({"kind": "conv", "n": int(rng.choice([1, 2])), "c": c, "f": f,
                    "h": int(rng.integers(3, 14)), "w": int(rng.integers(3, 14)),
                    "k": int(rng.choice([1, 3, 5])), "stride": int(rng.choice([1, 2])),
                    "pad": int(rng.choice([0, 1, 2])), "dilation": int(rng.choice([1, 2])),
                    "groups": groups, "relu": bool(i % 2)})
    return out


def main():
    work = sys.argv[1]
    extra = sys.argv[2:]
    rng = np.random.default_rng(7)
    for index, case in enumerate(cases(rng)):
        if case["kind"] == "gemm":
            x_shape = [case["m"], case["k_in"]]
            w_shape = [case["n"], case["k_in"]]
        else:
            k, d, p = case["k"], case["dilation"], case["pad"]
            case["h"] = max(case["h"], d * (k - 1) + 1 - 2 * p)
            case["w"] = max(case["w"], d * (k - 1) + 1 - 2 * p)
            x_shape = [case["n"], case["c"], case["h"], case["w"]]
            w_shape = [case["f"], case["c"] // case["groups"], k, k]
        x = rng.uniform(-1.5, 2.0, x_shape).astype(F32)
        s_in = float(F32(3.5 / 255))
        zp_in = int(round(-128 + 1.5 / s_in))
        wq = rng.integers(-127, 128, w_shape).astype(np.int64)
        wq.reshape(w_shape[0], -1)[:, 0] = 127  # max |w| = 127 per channel
        sw = rng.uniform(0.002, 0.02, w_shape[0]).astype(F32)
        wf = (wq.astype(F32) * sw.reshape([-1] + [1] * (len(w_shape) - 1))).astype(F32)
        bs = (sw.astype(np.float64) * s_in).astype(F32)
        bq = rng.integers(-2000, 2000, w_shape[0]).astype(np.int64)
        bf = (bq.astype(F32) * bs).astype(F32)
        # An output range that the products reach.
        fan_in = int(np.prod(w_shape[1:]))
        s_out = float(F32(max(1e-3, 0.02 * math.sqrt(fan_in) * 4 / 255)))
        zp_out = -128 if case["relu"] else int(rng.integers(-20, 20))
        model = qdq_model(case, x_shape, wf, bf, s_in, zp_in, s_out, zp_out,
                          wq, sw, bq, bs)
        base = os.path.join(work, "case%02d" % index)
        onnx.save(model, base + ".onnx")
        np.save(base + ".x.npy", x)
        subprocess.run(["mica", "compile", base + ".onnx", "-o", base + ".mica"] + extra,
                       check=True)
        subprocess.run(["mica", "run", base + ".mica", "--input", base + ".x.npy",
                        "--output-dir", base + ".out"], check=True,
                       stdout=subprocess.DEVNULL)
        got = np.load(os.path.join(base + ".out", "out.npy"))
        want = reference(x, case, s_in, zp_in, wf, bf, s_out, zp_out)
        same = got.shape == want.shape and np.array_equal(got, want)
        desc = ",".join("%s=%s" % kv for kv in sorted(case.items()) if kv[0] != "kind")
        print("%s %s %s" % (case["kind"], desc, "exact" if same else "DIFFERS"))
        if not same:
            diff = np.abs(got.astype(np.float64) - want) / s_out if got.shape == want.shape else None
            print("  max difference in output steps:",
                  None if diff is None else float(diff.max()), file=sys.stderr)
            sys.exit(1)


if __name__ == "__main__":
    main()
