#!/usr/bin/python3
"""Compile zoo models with `mica compile`, run them with `mica run` and
compare every output with the reference saved beside the model.

    zoo_run.py --zoo DIR --target host|arm64 --work DIR [--repeat N]
               [--json FILE] [--entry NAME:K]... MODEL...

Each model is compiled once; a model with a symbolic dimension (the GPT
decoder: input_ids=1x?) is compiled with its upper bound and run on every
test_data_set_K (several sequence lengths) with the same artifact. Pass rule:
max |got - ref| <= 1e-3 * max |ref| + 1e-5. Prints one line per run and a
table (compile time, artifact size, latency); exits 1 on any mismatch or
failure.

With --entry NAME:K (repeatable) each model is compiled once with one entry
point NAME per data set K, at that data set's input shapes (`mica compile
--entry NAME:INPUT=DIMS,...`, one artifact whose entry points share their
weights), and data set K is run on entry point NAME.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import numpy_helper

# Upper bounds of symbolic dims, per model (the GPT context length).
MAX_SHAPES = {"gpt_decoder": ["--max-shape", "input_ids=1x64"]}


def load_pb(path):
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zoo", required=True)
    parser.add_argument("--target", default="host")
    parser.add_argument("--work", required=True)
    parser.add_argument("--mica", default="mica")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--datasets", type=int, default=0,
                        help="run at most this many data sets per model (0: all)")
    parser.add_argument("--json")
    parser.add_argument("--entry", action="append", default=[],
                        help="NAME:K: an entry point at data set K's shapes")
    parser.add_argument("models", nargs="+")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    failures = 0
    rows = []
    for name in args.models:
        model = os.path.join(args.zoo, name, "model.onnx")
        artifact = os.path.join(args.work, "%s.%s.mica" % (name, args.target))
        report = artifact + ".json"
        datasets = sorted(glob.glob(os.path.join(args.zoo, name, "test_data_set_*")))
        entry_of = {}  # data set -> entry point
        flags = MAX_SHAPES.get(name, [])
        if args.entry:
            flags = []
            for spec in args.entry:
                entry, k = spec.split(":")
                data = datasets[int(k)]
                shapes = []
                for path in sorted(glob.glob(os.path.join(data, "input_*.pb"))):
                    tensor = onnx.TensorProto()
                    with open(path, "rb") as f:
                        tensor.ParseFromString(f.read())
                    shapes.append("%s=%s" % (tensor.name, "x".join(map(str, tensor.dims))))
                flags += ["--entry", "%s:%s" % (entry, ",".join(shapes))]
                entry_of[data] = entry
            datasets = [d for d in datasets if d in entry_of]
        start = time.monotonic()
        proc = subprocess.run(
            [args.mica, "compile", model, "--target", args.target, "-o", artifact,
             "--report", report] + flags,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        compile_s = time.monotonic() - start
        if proc.returncode != 0:
            print("FAIL %s: compile exited %d\n%s" % (name, proc.returncode, proc.stdout))
            failures += 1
            continue
        with open(report) as f:
            memory = json.load(f)["memory"]
        if args.datasets:
            datasets = datasets[:args.datasets]
        for data in datasets:
            inputs = sorted(glob.glob(os.path.join(data, "input_*.pb")))
            out_dir = os.path.join(args.work, "%s.%s.%s" % (name, args.target, os.path.basename(data)))
            cmd = [args.mica, "run", artifact, "--output-dir", out_dir, "--json",
                   "--repeat", str(args.repeat)]
            if data in entry_of:
                cmd += ["--entry", entry_of[data]]
            for path in inputs:
                cmd += ["--input", path]
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            if proc.returncode != 0:
                print("FAIL %s %s: run exited %d\n%s" % (name, os.path.basename(data),
                                                        proc.returncode, proc.stderr))
                failures += 1
                continue
            result = json.loads(proc.stdout)
            worst = 0.0
            ok = True
            for k, out in enumerate(result["outputs"]):
                ref = load_pb(os.path.join(data, "output_%d.pb" % k))
                got = np.load(out["file"])
                if got.shape != ref.shape:
                    print("FAIL %s: output %s has shape %s, expected %s"
                          % (name, out["name"], got.shape, ref.shape))
                    ok = False
                    continue
                err = float(np.max(np.abs(got.astype(np.float64) - ref))) if ref.size else 0.0
                bound = 1e-3 * float(np.max(np.abs(ref))) + 1e-5 if ref.size else 0.0
                worst = max(worst, err)
                ok = ok and err <= bound
            shape = "x".join(str(d) for d in load_pb(inputs[0]).shape)
            where = " entry %s" % entry_of[data] if data in entry_of else ""
            print("%s %s %s%s input %s max_abs_err=%.3g median_ms=%.1f"
                  % ("PASS" if ok else "FAIL", name, args.target, where, shape,
                     worst, result["median_ms"]))
            failures += 0 if ok else 1
            rows.append({"model": name, "target": args.target, "input": shape,
                         "compile_s": round(compile_s, 2),
                         "artifact_bytes": os.path.getsize(artifact),
                         "arena_bytes": memory["arena_bytes"],
                         "intermediates_bytes": memory["intermediates_bytes"],
                         "median_ms": result["median_ms"], "max_abs_err": worst,
                         "pass": ok})
    print("\n%-20s %-6s %-12s %9s %12s %12s %12s %10s" % (
        "model", "target", "input", "compile_s", "artifact_MB", "arena_MB",
        "interm_MB", "median_ms"))
    for r in rows:
        print("%-20s %-6s %-12s %9.2f %12.2f %12.2f %12.2f %10.1f" % (
            r["model"], r["target"], r["input"], r["compile_s"],
            r["artifact_bytes"] / 1e6, r["arena_bytes"] / 1e6,
            r["intermediates_bytes"] / 1e6, r["median_ms"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    print("%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
