#!/usr/bin/python3
"""Pruning's latency and size against its FLOPs, on zoo models.

    bench_prune.py --mica BUILD/bin --zoo BUILD/zoo --out DIR
                   [--models resnet18,mobilenet_v2,efficientnet_b0,vit_tiny]
                   [--settings flops=0.7,flops=0.7+round=16,channels=0.3,
                               sparse=2:4]
                   [--rounds 5] [--repeat 10] [--warmup 3]

Per model, Mica compiles it dense and with `--prune SETTING` for each
setting (`+` in a setting stands for `,`); ONNX Runtime runs the dense
model. Interleaved over rounds on 1 thread (the order rotating every
round). Per setting: the median latency, its ratio to Mica dense and to
ORT (medians of per-round ratios), the multiply-adds and constants bytes
against dense (compile report), the channels removed, and the output's
cosine similarity to the dense output (the zoo's weights are random, so
cosine stands for accuracy here; tests/passes/prune measures top-1 on
trained models). With sparse=..: the weights set to zero, and the constants
as stored (compressed) against dense.

Then the zero-skipping experiment (bench/sparse_gemv.c): a dense product
against one over 2:4 compressed weights, on shapes from in-cache layers to
a matrix-vector product streaming its weights from memory: whether a
sparse kernel would pay (docs/pruning.md, "Sparse weights").

Outputs DIR/bench_prune.json and .md. A measurement, never a pass/fail
test.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench import log  # noqa: E402
from bench_token_merge import (compile_model, cosine, output,  # noqa: E402
                               ratio, timed_rounds, zoo_model)


def bench_model(args, mica, work, name):
    model, npy, ort = zoo_model(args, work, name)
    # width=W: one --sortable-width artifact, run with --width W.
    settings = [("dense", [], [])]
    for s in args.settings.split(","):
        if s.startswith("width="):
            settings.append((s, ["--sortable-width"], ["--width", s[6:]]))
        else:
            settings.append((s, ["--prune", s.replace("+", ",")], []))
    builds, compiled = {}, {}
    for label, flags, run_flags in settings:
        key = "sortable" if run_flags else label
        artifact = os.path.join(work, "%s_%s.mica" % (
            name, key.replace("=", "").replace("+", "_").replace(":", "of")))
        if key not in compiled:
            log("%s: compiling %s" % (name, key))
            compiled[key] = compile_model(mica, model, artifact, flags)
        report, seconds = compiled[key]
        builds[label] = (artifact, report, seconds,
                         output(mica, artifact, npy,
                                artifact + label + ".out", run_flags),
                         run_flags)
    cmds = {label: [mica, "run", b[0], "--input", npy, "--json", "--repeat",
                    str(args.repeat), "--warmup", str(args.warmup)] + b[4]
            for label, b in builds.items()}
    cmds["ort"] = ort
    times = timed_rounds(cmds, args.rounds, name)
    dense = builds["dense"]
    rows = []
    for label, (artifact, report, seconds, out, run_flags) in builds.items():
        prune = report.get("prune", {})
        flops = report["flops"]["compiled"] / dense[1]["flops"]["compiled"]
        if run_flags:
            width = float(run_flags[1])
            flops = next((w["flops"] for w in
                          report["sortable_width"]["flops_at_width"]
                          if w["width"] == width), 1.0 if width == 1 else
                         float("nan"))
        channels = prune.get("channels", {"removed": 0, "prunable": 0})
        weights = report.get("sparsity", {}).get(
            "weights", {"zeros": 0, "elements": 1})
        rows.append({
            "setting": label,
            "ms": round(statistics.median(times[label]), 3),
            "vs_dense": ratio(times, label, "dense"),
            "vs_ort": ratio(times, label, "ort"),
            "vs_width1": ratio(times, label, "width=1")
            if run_flags and "width=1" in times else None,
            "flops": round(flops, 3),
            "constants": round(report["constants_bytes"] /
                               dense[1]["constants_bytes"], 3),
            "channels_removed": "%d/%d" % (channels["removed"],
                                           channels["prunable"]),
            "fraction": round(prune.get("fraction", 0.0), 3),
            "zeros": round(weights["zeros"] / weights["elements"], 3),
            "cosine": round(cosine(dense[3], out), 4),
            "compile_s": round(seconds, 1),
        })
    return {"ort_ms": round(statistics.median(times["ort"]), 3), "rows": rows}


def sparse_kernels(work):
    """bench/sparse_gemv.c's lines, or why it did not run."""
    compiler = shutil.which("clang-22") or shutil.which("cc")
    if not compiler:
        return ["no C compiler: the zero-skipping experiment did not run"]
    binary = os.path.join(work, "sparse_gemv")
    subprocess.run([compiler, "-O3", "-march=native", "-ffast-math",
                    os.path.join(HERE, "sparse_gemv.c"), "-o", binary],
                   check=True)
    log("zero-skipping experiment (bench/sparse_gemv.c)")
    return subprocess.run([binary], check=True, capture_output=True,
                          text=True).stdout.splitlines()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mica", required=True)
    parser.add_argument("--zoo", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--models",
                        default="resnet18,mobilenet_v2,efficientnet_b0,"
                        "vit_tiny")
    parser.add_argument("--settings",
                        default="flops=0.7,flops=0.7+round=16,channels=0.3,"
                        "sparse=2:4,width=1,width=0.75,width=0.5")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    work = os.path.join(args.out, "work_prune")
    os.makedirs(work, exist_ok=True)
    mica = os.path.join(args.mica, "mica")
    result = {"schema_version": 1, "threads": 1, "rounds": args.rounds,
              "models": {name: bench_model(args, mica, work, name)
                         for name in args.models.split(",")},
              "sparse_kernels": sparse_kernels(work)}
    with open(os.path.join(args.out, "bench_prune.json"), "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    lines = []
    for name, model in result["models"].items():
        lines += ["%s (ORT dense %.2f ms)" % (name, model["ort_ms"]), "",
                  "| setting | Mica ms | vs dense | vs ORT | vs width 1 | "
                  "FLOPs | constants | channels removed | fraction | zeros | "
                  "cosine | compile s |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in model["rows"]:
            lines.append("| %s | %.2f | %.3f | %.3f | %s | %.3f | %.3f | %s | "
                         "%.3f | %.3f | %.4f | %.1f |" % (
                             r["setting"], r["ms"], r["vs_dense"], r["vs_ort"],
                             "-" if r["vs_width1"] is None else
                             "%.3f" % r["vs_width1"],
                             r["flops"], r["constants"], r["channels_removed"],
                             r["fraction"], r["zeros"], r["cosine"],
                             r["compile_s"]))
        lines.append("")
    lines += ["Zero-skipping experiment (2:4, bench/sparse_gemv.c):", ""] + \
        ["    " + line for line in result["sparse_kernels"]]
    table = "\n".join(lines)
    with open(os.path.join(args.out, "bench_prune.md"), "w") as f:
        f.write(table)
    print(table)


if __name__ == "__main__":
    main()
