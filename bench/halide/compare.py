"""Halide's f32 matmul against Mica's on the same shapes (bench/halide/README.md).

For each M x K x N: an ONNX MatMul with a constant [K, N] weight compiled by
`mica compile` for the host and timed by `mica run --repeat`, and the
Halide-generated kernel (sgemm_generator.cpp, built by run.sh) timed by
sgemm_bench on the same shape; both single-threaded, interleaved over rounds.
Prints a table and writes JSON with the median times, GFLOP/s and the ratio
Mica/Halide.

  compare.py --mica DIR --halide-bench EXE --out DIR [--rounds N] [--repeat N]
"""
import argparse
import json
import os
import statistics
import subprocess

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# Shapes of the zoo's hot matmuls: vit_tiny's MLP (197 tokens, 192 <-> 768),
# a 1x1 convolution of resnet's last stage as a matmul (49 x 512 x 512 is
# too small; 512^3 is the classic square case) and the GPT decoder's vocab
# head at 16 tokens.
SHAPES = [(197, 192, 768), (197, 768, 192), (512, 512, 512), (16, 256, 4096)]


def mica_model(path, m, k, n):
    w = np.random.default_rng(0).standard_normal((k, n)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["a", "w"], ["c"])], "mm",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info("c", TensorProto.FLOAT, [m, n])],
        [numpy_helper.from_array(w, "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mica", required=True)
    ap.add_argument("--halide-bench", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=50)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rows = []
    for m, k, n in SHAPES:
        base = os.path.join(args.out, f"mm_{m}x{k}x{n}")
        mica_model(base + ".onnx", m, k, n)
        np.save(base + ".a.npy", np.random.default_rng(1).standard_normal((m, k)).astype(np.float32))
        subprocess.run([os.path.join(args.mica, "mica"), "compile", base + ".onnx", "-o", base + ".mica"], check=True)
        mica_ms, halide_ms = [], []
        for _ in range(args.rounds):
            out = subprocess.run([os.path.join(args.mica, "mica"), "run", base + ".mica", "--input", base + ".a.npy",
                                  "--repeat", str(args.repeat), "--warmup", "3", "--json"],
                                 check=True, capture_output=True, text=True).stdout
            mica_ms.append(json.loads(out)["median_ms"])
            out = subprocess.run([args.halide_bench, str(m), str(k), str(n), str(args.repeat)],
                                 check=True, capture_output=True, text=True).stdout
            result = json.loads(out)
            assert result["max_rel_err"] < 1e-5, result
            halide_ms.append(result["median_ms"])
        flop = 2.0 * m * k * n
        row = {"shape": [m, k, n], "mica_ms": statistics.median(mica_ms),
               "halide_ms": statistics.median(halide_ms)}
        row["mica_gflops"] = flop / row["mica_ms"] / 1e6
        row["halide_gflops"] = flop / row["halide_ms"] / 1e6
        row["mica_over_halide"] = row["mica_ms"] / row["halide_ms"]
        rows.append(row)
    print("| M x K x N | Mica ms | Halide ms | Mica GFLOP/s | Halide GFLOP/s | Mica/Halide |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print("| %s | %.3f | %.3f | %.1f | %.1f | %.2f |" % (
            "x".join(map(str, r["shape"])), r["mica_ms"], r["halide_ms"],
            r["mica_gflops"], r["halide_gflops"], r["mica_over_halide"]))
    with open(os.path.join(args.out, "halide_vs_mica.json"), "w") as f:
        json.dump({"schema_version": 1, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
