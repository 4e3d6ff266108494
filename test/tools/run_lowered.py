#!/usr/bin/python3
"""Runs graph-dialect functions through `mica-opt --mica-lower-to-llvm` and
Debian's `mlir-runner`, and compares the printed results with numpy.

Two modes:

  run_lowered.py [--case NAME ...]      built-in small cases (conv+relu, matmul
                                        with a dynamic batch, layer_norm,
                                        softmax, max_pool, global avg pool, ...)
  run_lowered.py --model model.onnx     a whole zoo model: `mica import`, then
                                        test_data_set_0/input_0.pb as a
                                        constant input, compared with
                                        output_0.pb

Each case prints `PASS <name> max_abs_err=<e> tol=<t>` or `FAIL ...`; the exit
status is 1 when any case fails. Inputs are fixed-seed numpy arrays embedded
as hex `dense` constants (bit-exact); the function under test gets them through
a `main` that prints the result with printMemrefF32. Tolerance:
1e-4 * max|ref| + 1e-5 for the small cases (printMemrefF32 prints 6 significant
digits), 1e-3 * max|ref| + 1e-5 for models.

Needs Debian's python3 (numpy; onnx for --model).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

RUNNER = "/usr/lib/llvm-22/bin/mlir-runner"
LIBS = ("/usr/lib/llvm-22/lib/libmlir_c_runner_utils.so,"
        "/usr/lib/llvm-22/lib/libmlir_runner_utils.so")


def tensor_type(shape, dtype="f32"):
    dims = "x".join("?" if d is None else str(d) for d in shape)
    return f"tensor<{dims}x{dtype}>" if shape else f"tensor<{dtype}>"


MLIR_DTYPES = {np.dtype(np.float32): "f32", np.dtype(np.int64): "i64",
               np.dtype(np.int32): "i32"}


def mlir_dtype(array):
    """The MLIR element type of an input array (float inputs become f32)."""
    return MLIR_DTYPES.get(np.asarray(array).dtype, "f32")


def dense_hex(array):
    dtype = np.asarray(array).dtype
    array = np.ascontiguousarray(array, dtype=dtype if dtype in MLIR_DTYPES else np.float32)
    return f'dense<"0x{array.tobytes().hex().upper()}">'


def build_module(func_text, func_name, inputs, arg_types, result_type):
    """`func_text` defines @func_name(args of arg_types) -> result_type."""
    lines = [func_text,
             "func.func private @printMemrefF32(memref<*xf32>) "
             "attributes {llvm.emit_c_interface}",
             "func.func @main() {"]
    args = []
    for i, (array, arg_type) in enumerate(zip(inputs, arg_types)):
        static_type = tensor_type(array.shape, mlir_dtype(array))
        lines.append(f"  %c{i} = graph.constant {dense_hex(array)} : {static_type}")
        name = f"%c{i}"
        if static_type != arg_type:
            lines.append(f"  %a{i} = tensor.cast %c{i} : {static_type} to {arg_type}")
            name = f"%a{i}"
        args.append(name)
    memref_type = result_type.replace("tensor<", "memref<")
    lines += [
        f"  %r = call @{func_name}({', '.join(args)}) : "
        f"({', '.join(arg_types)}) -> {result_type}",
        f"  %m = bufferization.to_buffer %r : {result_type} to {memref_type}",
        f"  %u = memref.cast %m : {memref_type} to memref<*xf32>",
        "  call @printMemrefF32(%u) : (memref<*xf32>) -> ()",
        "  return", "}"]
    return "\n".join(lines) + "\n"


def run_module(module_text, mica_opt, workdir, name):
    src = os.path.join(workdir, name + ".mlir")
    with open(src, "w") as f:
        f.write(module_text)
    lowered = subprocess.run([mica_opt, src, "--mica-lower-to-llvm"],
                             capture_output=True, text=True)
    if lowered.returncode != 0:
        raise RuntimeError("mica-opt failed:\n" + lowered.stderr[-4000:])
    run = subprocess.run([RUNNER, "-e", "main", "-entry-point-result=void",
                          "-O3", f"-shared-libs={LIBS}"],
                         input=lowered.stdout, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError("mlir-runner failed:\n" + run.stderr[-4000:])
    return parse_printed(run.stdout)


def parse_printed(text):
    header = re.search(r"sizes = \[([^\]]*)\]", text)
    shape = [int(s) for s in header.group(1).split(",") if s.strip()] if header else []
    data = text[text.index("data =") + len("data ="):]
    values = re.findall(r"[-+]?(?:nan|inf|\d+\.?\d*(?:[eE][-+]?\d+)?)", data)
    return np.array([float(v) for v in values], dtype=np.float64).reshape(shape)


# --- numpy references --------------------------------------------------------

def conv2d(x, w, b, stride=(1, 1), pads=(0, 0, 0, 0), dil=(1, 1), groups=1):
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    oh = (h - dil[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wd - dil[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, f, oh, ow), np.float64)
    fg = f // groups
    for g in range(groups):
        xs = x[:, g * cg:(g + 1) * cg].astype(np.float64)
        ws = w[g * fg:(g + 1) * fg].astype(np.float64)
        for i in range(kh):
            for j in range(kw):
                patch = xs[:, :, i * dil[0]: i * dil[0] + stride[0] * (oh - 1) + 1: stride[0],
                           j * dil[1]: j * dil[1] + stride[1] * (ow - 1) + 1: stride[1]]
                out[:, g * fg:(g + 1) * fg] += np.einsum("nchw,fc->nfhw", patch, ws[:, :, i, j])
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def max_pool(x, k, s, pads):
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])),
               constant_values=-np.inf)
    oh = (x.shape[2] - k[0]) // s[0] + 1
    ow = (x.shape[3] - k[1]) // s[1] + 1
    out = np.full(x.shape[:2] + (oh, ow), -np.inf)
    for i in range(k[0]):
        for j in range(k[1]):
            out = np.maximum(out, x[:, :, i:i + s[0] * (oh - 1) + 1:s[0],
                                    j:j + s[1] * (ow - 1) + 1:s[1]])
    return out


def avg_pool_exclude_pad(x, k, s, pads):
    ones = np.ones_like(x)
    padding = ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3]))
    xp, op = np.pad(x, padding), np.pad(ones, padding)
    oh = (xp.shape[2] - k[0]) // s[0] + 1
    ow = (xp.shape[3] - k[1]) // s[1] + 1
    total = np.zeros(x.shape[:2] + (oh, ow))
    count = np.zeros_like(total)
    for i in range(k[0]):
        for j in range(k[1]):
            sl = (slice(None), slice(None), slice(i, i + s[0] * (oh - 1) + 1, s[0]),
                  slice(j, j + s[1] * (ow - 1) + 1, s[1]))
            total += xp[sl]
            count += op[sl]
    return total / count


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def layer_norm(x, scale, bias, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * scale + bias


def cases():
    rng = np.random.default_rng(7)
    r = lambda *shape: rng.standard_normal(shape).astype(np.float32)
    out = {}

    x, w, b = r(1, 3, 8, 8), r(4, 3, 3, 3), r(4)
    out["conv_relu"] = ("""
func.func @f(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x4x4xf32> {
  %0 = graph.conv %x, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  %1 = graph.relu %0 : tensor<1x4x4x4xf32>
  return %1 : tensor<1x4x4x4xf32>
}""", [x, w, b], ["tensor<1x3x8x8xf32>", "tensor<4x3x3x3xf32>", "tensor<4xf32>"],
        "tensor<1x4x4x4xf32>", np.maximum(conv2d(x, w, b, (2, 2), (1, 1, 1, 1)), 0))

    x, w = r(2, 4, 6, 6), r(4, 1, 3, 3)
    out["depthwise_clamp"] = ("""
func.func @f(%x: tensor<?x4x6x6xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<?x4x6x6xf32> {
  %0 = graph.conv %x, %w {dilations = array<i64: 1, 1>, groups = 4 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<?x4x6x6xf32>, tensor<4x1x3x3xf32>) -> tensor<?x4x6x6xf32>
  %1 = graph.clamp %0 {min = 0.0 : f64, max = 6.0 : f64} : tensor<?x4x6x6xf32>
  return %1 : tensor<?x4x6x6xf32>
}""", [x, w], ["tensor<?x4x6x6xf32>", "tensor<4x1x3x3xf32>"], "tensor<?x4x6x6xf32>",
        np.clip(conv2d(x, w, None, pads=(1, 1, 1, 1), groups=4), 0, 6))

    x, w = r(1, 4, 5, 5), r(6, 2, 3, 3)
    out["grouped_dilated_conv"] = ("""
func.func @f(%x: tensor<1x4x5x5xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<1x6x3x3xf32> {
  %0 = graph.conv %x, %w {dilations = array<i64: 2, 2>, groups = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x5x5xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x3x3xf32>
  return %0 : tensor<1x6x3x3xf32>
}""", [x, w], ["tensor<1x4x5x5xf32>", "tensor<6x2x3x3xf32>"], "tensor<1x6x3x3xf32>",
        conv2d(x, w, None, pads=(1, 1, 1, 1), dil=(2, 2), groups=2))

    a, m = r(3, 4, 8), r(8, 5)
    out["matmul_dynamic_batch"] = ("""
func.func @f(%a: tensor<?x4x8xf32>, %b: tensor<8x5xf32>) -> tensor<?x4x5xf32> {
  %0 = graph.matmul %a, %b : (tensor<?x4x8xf32>, tensor<8x5xf32>) -> tensor<?x4x5xf32>
  return %0 : tensor<?x4x5xf32>
}""", [a, m], ["tensor<?x4x8xf32>", "tensor<8x5xf32>"], "tensor<?x4x5xf32>", a @ m)

    a, m = r(2, 3, 4, 8), r(1, 3, 8, 5)
    out["batched_matmul_broadcast"] = ("""
func.func @f(%a: tensor<?x3x4x8xf32>, %b: tensor<1x3x8x5xf32>) -> tensor<?x3x4x5xf32> {
  %0 = graph.matmul %a, %b : (tensor<?x3x4x8xf32>, tensor<1x3x8x5xf32>) -> tensor<?x3x4x5xf32>
  return %0 : tensor<?x3x4x5xf32>
}""", [a, m], ["tensor<?x3x4x8xf32>", "tensor<1x3x8x5xf32>"], "tensor<?x3x4x5xf32>", a @ m)

    x, w, b = r(2, 3, 8), r(5, 8), r(5)
    out["fully_connected"] = ("""
func.func @f(%x: tensor<2x?x8xf32>, %w: tensor<5x8xf32>, %b: tensor<5xf32>) -> tensor<2x?x5xf32> {
  %0 = graph.fully_connected %x, %w, %b : (tensor<2x?x8xf32>, tensor<5x8xf32>, tensor<5xf32>) -> tensor<2x?x5xf32>
  return %0 : tensor<2x?x5xf32>
}""", [x, w, b], ["tensor<2x?x8xf32>", "tensor<5x8xf32>", "tensor<5xf32>"], "tensor<2x?x5xf32>",
        x @ w.T + b)

    x, s, b = r(2, 5, 16), r(16), r(16)
    out["layer_norm"] = ("""
func.func @f(%x: tensor<2x?x16xf32>, %s: tensor<16xf32>, %b: tensor<16xf32>) -> tensor<2x?x16xf32> {
  %0 = graph.layer_norm %x, %s, %b {axis = -1 : i64} : (tensor<2x?x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<2x?x16xf32>
  return %0 : tensor<2x?x16xf32>
}""", [x, s, b], ["tensor<2x?x16xf32>", "tensor<16xf32>", "tensor<16xf32>"], "tensor<2x?x16xf32>",
        layer_norm(x, s, b))

    x = r(3, 7, 10) * 4
    out["softmax"] = ("""
func.func @f(%x: tensor<3x?x10xf32>) -> tensor<3x?x10xf32> {
  %0 = graph.softmax %x {axis = -1 : i64} : (tensor<3x?x10xf32>) -> tensor<3x?x10xf32>
  return %0 : tensor<3x?x10xf32>
}""", [x], ["tensor<3x?x10xf32>"], "tensor<3x?x10xf32>", softmax(x))

    x = r(1, 2, 7, 7)
    out["max_pool"] = ("""
func.func @f(%x: tensor<1x2x7x7xf32>) -> tensor<1x2x4x4xf32> {
  %0 = graph.max_pool %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x2x7x7xf32>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}""", [x], ["tensor<1x2x7x7xf32>"], "tensor<1x2x4x4xf32>", max_pool(x, (3, 3), (2, 2), (1, 1, 1, 1)))

    x = r(1, 2, 6, 6)
    out["avg_pool_exclude_pad"] = ("""
func.func @f(%x: tensor<1x2x6x6xf32>) -> tensor<1x2x3x3xf32> {
  %0 = graph.avg_pool %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x2x6x6xf32>) -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}""", [x], ["tensor<1x2x6x6xf32>"], "tensor<1x2x3x3xf32>",
        avg_pool_exclude_pad(x, (3, 3), (2, 2), (1, 1, 1, 1)))

    x = r(2, 8, 5, 5)
    out["global_avg_pool"] = ("""
func.func @f(%x: tensor<?x8x5x5xf32>) -> tensor<?x8x1x1xf32> {
  %0 = graph.reduce <mean> %x {axes = array<i64: 2, 3>} : (tensor<?x8x5x5xf32>) -> tensor<?x8x1x1xf32>
  return %0 : tensor<?x8x1x1xf32>
}""", [x], ["tensor<?x8x5x5xf32>"], "tensor<?x8x1x1xf32>", x.mean(axis=(2, 3), keepdims=True))

    x = r(2, 6, 4)
    ref = np.concatenate([x.reshape(2, 3, 2, 4).transpose(0, 2, 1, 3).reshape(2, 2, 12)[:, :, 1::2],
                          np.ones((2, 2, 1), np.float32)], axis=2)
    ones = np.ones((2, 2, 1), np.float32)
    out["reshape_transpose_slice_concat"] = ("""
func.func @f(%x: tensor<?x6x4xf32>, %o: tensor<?x2x1xf32>) -> tensor<?x2x7xf32> {
  %0 = graph.reshape %x {new_shape = array<i64: 0, 3, 2, -1>} : (tensor<?x6x4xf32>) -> tensor<?x3x2x4xf32>
  %1 = graph.transpose %0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x3x2x4xf32>) -> tensor<?x2x3x4xf32>
  %2 = graph.reshape %1 {new_shape = array<i64: 0, 0, -1>} : (tensor<?x2x3x4xf32>) -> tensor<?x2x12xf32>
  %3 = graph.slice %2 {starts = array<i64: 0, 0, 1>, ends = array<i64: 9223372036854775807, 9223372036854775807, 9223372036854775807>, steps = array<i64: 1, 1, 2>} : (tensor<?x2x12xf32>) -> tensor<?x2x6xf32>
  %4 = graph.concat %3, %o {axis = -1 : i64} : (tensor<?x2x6xf32>, tensor<?x2x1xf32>) -> tensor<?x2x7xf32>
  return %4 : tensor<?x2x7xf32>
}""", [x, ones], ["tensor<?x6x4xf32>", "tensor<?x2x1xf32>"], "tensor<?x2x7xf32>", ref)

    table = r(10, 4)
    out["gather_gelu"] = ("""
func.func @f(%t: tensor<10x4xf32>) -> tensor<1x3x4xf32> {
  %i = graph.constant dense<[[3, -1, 0]]> : tensor<1x3xi64>
  %0 = graph.gather %t, %i {axis = 0 : i64} : (tensor<10x4xf32>, tensor<1x3xi64>) -> tensor<1x3x4xf32>
  %1 = graph.gelu %0 : tensor<1x3x4xf32>
  return %1 : tensor<1x3x4xf32>
}""", [table], ["tensor<10x4xf32>"], "tensor<1x3x4xf32>",
        (lambda g: 0.5 * g * (1 + np.vectorize(__import__("math").erf)(g / np.sqrt(2))))(
            table[[3, 9, 0]][None].astype(np.float64)))
    return out


def run_cases(args, workdir):
    failed = False
    all_cases = cases()
    names = args.case or list(all_cases)
    for name in names:
        func, inputs, arg_types, result_type, ref = all_cases[name]
        try:
            got = run_module(build_module(func, "f", inputs, arg_types, result_type),
                             args.mica_opt, workdir, name)
        except RuntimeError as e:
            print(f"FAIL {name}: {e}")
            failed = True
            continue
        failed |= not report(name, got, np.asarray(ref, np.float64), 1e-4)
    return failed


def report(name, got, ref, rel):
    tol = rel * float(np.abs(ref).max()) + 1e-5
    if got.shape != ref.shape:
        print(f"FAIL {name}: shape {list(got.shape)} != {list(ref.shape)}")
        return False
    err = float(np.abs(got - ref).max())
    ok = err <= tol
    print(f"{'PASS' if ok else 'FAIL'} {name} max_abs_err={err:.3g} tol={tol:.3g}")
    return ok


def run_model(args, workdir):
    import onnx
    from onnx import numpy_helper
    model_dir = os.path.dirname(os.path.abspath(args.model))
    data = os.path.join(model_dir, "test_data_set_0")
    x = numpy_helper.to_array(onnx.load_tensor(os.path.join(data, "input_0.pb")))
    ref = numpy_helper.to_array(onnx.load_tensor(os.path.join(data, "output_0.pb")))
    imported = subprocess.run([args.mica, "import", args.model], capture_output=True, text=True)
    if imported.returncode != 0:
        print(f"FAIL import: {imported.stderr[-2000:]}")
        return True
    text = imported.stdout
    signature = re.search(r"func\.func @main\((.*?)\) -> \((tensor<[^>]*>)", text)
    arg_type = re.search(r"tensor<[^>]*>", signature.group(1)).group(0)
    result_type = signature.group(2)
    text = text.replace("func.func @main(", "func.func @model(", 1)
    # The module's closing brace goes after our main.
    body, close = text.rstrip().rsplit("}", 1)
    main = build_module("", "model", [x], [arg_type], result_type)
    got = run_module(body + main + "}" + close, args.mica_opt, workdir,
                     os.path.basename(model_dir))
    return not report(os.path.basename(model_dir), got, ref.astype(np.float64), 1e-3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mica-opt", default="mica-opt")
    parser.add_argument("--mica", default="mica")
    parser.add_argument("--case", action="append")
    parser.add_argument("--model")
    parser.add_argument("--keep", help="keep the generated files in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.keep or tmp
        os.makedirs(workdir, exist_ok=True)
        failed = run_model(args, workdir) if args.model else run_cases(args, workdir)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
