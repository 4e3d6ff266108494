"""Mica's integer ops against TOSA's own lowering, bit for bit.

    tosa_equivalence.py MICA_OPT WORKDIR

For each case, the same computation written as Mica graph ops
(graph.rescale, graph.table) and as TOSA 1.0 ops (tosa.rescale with
SINGLE_ROUND, tosa.table) is lowered (TOSA through upstream tosa-to-linalg
and tosa-to-arith, then both through `mica-opt --mica-lower-to-llvm`), run
with mlir-runner on the same fixed-seed inputs (extremes included), and the
outputs compared exactly. Prints PASS/FAIL per case; exits 1 on any FAIL.
The NPU target lowers through TOSA: this is what keeps it bit-exact with
the CPU kernels (docs/numerics.md item 7).
"""
import os
import re
import subprocess
import sys

import numpy as np

MLIR_OPT = "/usr/lib/llvm-22/bin/mlir-opt"
RUNNER = "/usr/lib/llvm-22/bin/mlir-runner"
LIBS = ("/usr/lib/llvm-22/lib/libmlir_c_runner_utils.so,"
        "/usr/lib/llvm-22/lib/libmlir_runner_utils.so")
TOSA_PIPELINE = ("builtin.module(func.func(tosa-to-linalg-named, "
                 "tosa-to-linalg, tosa-to-arith{include-apply-rescale=true}, "
                 "tosa-to-tensor))")


def ttype(shape, dtype):
    return "tensor<%s>" % "x".join([str(d) for d in shape] + [dtype])


def dense(array):
    return 'dense<"0x%s">' % np.ascontiguousarray(array).tobytes().hex().upper()


def main_func(x, dtype, out_shape, out_dtype):
    """@main: call @f on the constant x, print the result as f32 (exact for
    these integers)."""
    xt, rt = ttype(x.shape, dtype), ttype(out_shape, out_dtype)
    ft = ttype(out_shape, "f32")
    rank = len(out_shape)
    dims = ", ".join("d%d" % i for i in range(rank))
    ident = "affine_map<(%s) -> (%s)>" % (dims, dims)
    return "\n".join([
        "func.func private @printMemrefF32(memref<*xf32>) "
        "attributes {llvm.emit_c_interface}",
        "func.func @main() {",
        "  %%x = arith.constant %s : %s" % (dense(x), xt),
        "  %%r = call @f(%%x) : (%s) -> %s" % (xt, rt),
        "  %%e = tensor.empty() : %s" % ft,
        "  %%v = linalg.generic {indexing_maps = [%s, %s], iterator_types = [%s]}"
        " ins(%%r : %s) outs(%%e : %s) {" % (
            ident, ident, ", ".join(['"parallel"'] * rank), rt, ft),
        "  ^bb0(%%a: %s, %%o: f32):" % out_dtype,
        "    %f = arith.sitofp %a : " + out_dtype + " to f32",
        "    linalg.yield %f : f32",
        "  } -> " + ft,
        "  %%m = bufferization.to_buffer %%v : %s to %s" % (
            ft, ft.replace("tensor", "memref")),
        "  %%u = memref.cast %%m : %s to memref<*xf32>" % ft.replace(
            "tensor", "memref"),
        "  call @printMemrefF32(%u) : (memref<*xf32>) -> ()",
        "  return",
        "}"])


def run(module, mica_opt, path):
    with open(path, "w") as f:
        f.write(module)
    lowered = subprocess.run([mica_opt, path, "--mica-lower-to-llvm"],
                             capture_output=True, text=True)
    if lowered.returncode:
        sys.exit("mica-opt failed on %s:\n%s" % (path, lowered.stderr[-3000:]))
    out = subprocess.run([RUNNER, "-e", "main", "-entry-point-result=void",
                          "-shared-libs=" + LIBS], input=lowered.stdout,
                         capture_output=True, text=True)
    if out.returncode:
        sys.exit("mlir-runner failed on %s:\n%s" % (path, out.stderr[-3000:]))
    data = out.stdout[out.stdout.index("data =") + 6:]
    return np.array([float(v) for v in re.findall(r"-?\d+", data)])


def tosa_to_linalg(text, path):
    with open(path, "w") as f:
        f.write(text)
    out = subprocess.run([MLIR_OPT, path, "--pass-pipeline=" + TOSA_PIPELINE],
                         capture_output=True, text=True)
    if out.returncode:
        sys.exit("mlir-opt failed on %s:\n%s" % (path, out.stderr[-3000:]))
    body = out.stdout
    # The functions inside the printed module (maps come first).
    maps = "\n".join(l for l in body.splitlines() if l.startswith("#"))
    inner = body[body.index("module {") + len("module {"):body.rindex("}")]
    return maps + "\n" + inner


def in_tosa_domain(x, mults, shifts, izp):
    """TOSA requires the scaled value ((x - izp) * m + round) >> shift to fit
    int32 (REQUIRE in apply_scale_32; its lowering wraps otherwise), where
    graph.rescale saturates: the cases keep the values TOSA defines."""
    channels = len(mults)
    flat = x.reshape(-1, channels) if channels > 1 else x.reshape(-1, 1)
    keep = np.ones(flat.shape[0], dtype=bool)
    for row in range(flat.shape[0]):
        for c in range(flat.shape[1]):
            m, s = mults[c % channels], shifts[c % channels]
            v = ((int(flat[row, c]) - izp) * m + (1 << (s - 1))) >> s
            keep[row] &= -2**31 <= v < 2**31
    return flat[keep].reshape((-1,) + x.shape[1:]) if channels > 1 else flat[keep].reshape(-1)


def rescale_case(name, x, in_dtype, out_dtype, mults, shifts, izp, ozp,
                 mica_opt, work):
    x = in_tosa_domain(x, mults, shifts, izp)
    shape = list(x.shape)
    xt, rt = ttype(shape, in_dtype), ttype(shape, out_dtype)
    per_channel = len(mults) > 1
    axis = len(shape) - 1
    attrs = ["multiplier = array<i64: %s>" % ", ".join(map(str, mults)),
             "shift = array<i64: %s>" % ", ".join(map(str, shifts))]
    if per_channel:
        attrs.append("axis = %d : i64" % axis)
    if izp:
        attrs.append("input_zero_point = %d : i64" % izp)
    if ozp:
        attrs.append("output_zero_point = %d : i64" % ozp)
    mica = ("func.func @f(%%x: %s) -> %s {\n"
            "  %%r = graph.rescale %%x {%s} : %s -> %s\n"
            "  return %%r : %s\n}\n") % (xt, rt, ", ".join(attrs), xt, rt, rt)
    n = len(mults)
    tosa = "\n".join([
        "func.func @f(%%x: %s) -> %s {" % (xt, rt),
        '  %%m = "tosa.const"() <{values = dense<[%s]> : tensor<%dxi32>}> : () -> tensor<%dxi32>'
        % (", ".join(map(str, mults)), n, n),
        '  %%s = "tosa.const"() <{values = dense<[%s]> : tensor<%dxi8>}> : () -> tensor<%dxi8>'
        % (", ".join(map(str, shifts)), n, n),
        '  %%iz = "tosa.const"() <{values = dense<%d> : tensor<1x%s>}> : () -> tensor<1x%s>'
        % (izp, in_dtype, in_dtype),
        '  %%oz = "tosa.const"() <{values = dense<%d> : tensor<1x%s>}> : () -> tensor<1x%s>'
        % (ozp, out_dtype, out_dtype),
        "  %%r = tosa.rescale %%x, %%m, %%s, %%iz, %%oz {scale32 = true, "
        "rounding_mode = SINGLE_ROUND, per_channel = %s, input_unsigned = false, "
        "output_unsigned = false} : (%s, tensor<%dxi32>, tensor<%dxi8>, "
        "tensor<1x%s>, tensor<1x%s>) -> %s" % (
            "true" if per_channel else "false", xt, n, n, in_dtype, out_dtype, rt),
        "  return %r : " + rt, "}"])
    return compare(name, x, in_dtype, shape, out_dtype, mica, tosa, mica_opt,
                   work)


def compare(name, x, in_dtype, shape, out_dtype, mica, tosa, mica_opt, work):
    main = main_func(x, in_dtype, shape, out_dtype)
    got = run(mica + main, mica_opt, os.path.join(work, name + ".mica.mlir"))
    lowered = tosa_to_linalg(tosa, os.path.join(work, name + ".tosa.mlir"))
    want = run(lowered + "\n" + main, mica_opt,
               os.path.join(work, name + ".tosa_linalg.mlir"))
    same = got.shape == want.shape and np.array_equal(got, want)
    diff = 0 if same else int(np.abs(got - want).max()) if got.shape == want.shape else -1
    print("%s %s (%d values, max difference %d)" % (
        "PASS" if same else "FAIL", name, got.size, diff))
    return same


def main():
    mica_opt, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng(13)
    ok = True
    # Accumulators: wide random values and the extremes.
    acc = np.concatenate([
        rng.integers(-2**31, 2**31, 200), rng.integers(-70000, 70000, 200),
        [-2**31, 2**31 - 1, 0, 1, -1]]).astype(np.int32)
    # Requantisation of a contraction (i32 -> i8): multipliers in [2^30,
    # 2^31), shifts from 20 to 50, output zero points.
    for k in range(6):
        ok &= rescale_case("acc%d" % k, acc, "i32", "i8",
                           [int(rng.integers(2**30, 2**31))],
                           [int(rng.integers(20, 51))], 0,
                           int(rng.integers(-128, 128)), mica_opt, work)
    # Per channel along the last dim.
    per = rng.integers(-300000, 300000, (64, 4)).astype(np.int32)
    ok &= rescale_case("per_channel", per, "i32", "i8",
                       [int(v) for v in rng.integers(2**30, 2**31, 4)],
                       [int(v) for v in rng.integers(28, 40, 4)], 0, -7,
                       mica_opt, work)
    # int8 -> int8 with both zero points (an add's operand, a scaling), and
    # int8 -> int32 centring (multiplier 2^30, shift 30).
    q = np.arange(-128, 128, dtype=np.int8)
    ok &= rescale_case("i8_to_i8", q, "i8", "i8", [1518500250], [31], 5, -20,
                       mica_opt, work)
    ok &= rescale_case("centre", q, "i8", "i32", [2**30], [30], -37, 0,
                       mica_opt, work)
    # TABLE: every int8 input through a random table.
    table = rng.integers(-128, 128, 256).astype(np.int8)
    entries = ", ".join(str(int(v)) for v in table)
    xt = ttype([256], "i8")
    mica = ("func.func @f(%%x: %s) -> %s {\n"
            "  %%r = graph.table %%x {table = array<i64: %s>} : %s -> %s\n"
            "  return %%r : %s\n}\n") % (xt, xt, entries, xt, xt, xt)
    tosa = "\n".join([
        "func.func @f(%%x: %s) -> %s {" % (xt, xt),
        '  %%t = "tosa.const"() <{values = dense<[%s]> : tensor<256xi8>}> : () -> tensor<256xi8>'
        % entries,
        "  %%r = tosa.table %%x, %%t : (%s, tensor<256xi8>) -> %s" % (xt, xt),
        "  return %r : " + xt, "}"])
    ok &= compare("table", q, "i8", [256], "i8", mica, tosa, mica_opt, work)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
