#!/usr/bin/python3
"""Mica against ONNX Runtime on the model zoo, side by side.

    bench.py --mica BUILD/bin --zoo BUILD/zoo --out DIR [--threads 1,2]
             [--rounds 7] [--repeat 10] [--warmup 3] [--models NAME,...]
             [--callgrind] [--callgrind-baseline FILE]

For every zoo model: compiles it with `mica compile` for the host (timed,
artifact size), then runs Mica (`mica-run run --json`, which times only
mica_context_run) and ONNX Runtime (bench/ort_run.js: graph optimisations
all, intra-op threads = T, which times only session.run) on the same input,
interleaved: every round runs both, alternating which goes first, for every
thread count. Reported per model and thread count:

  - the median over rounds of each runtime's per-round median latency;
  - the median of the per-round ratios Mica/ORT and their spread (min, max);
  - Mica's achieved GFLOP/s (FLOPs of Conv/MatMul/Gemm counted from the ONNX
    graph after shape inference, 2 per multiply-add) and its share of the
    machine's fp32 peak (bench/peak.c, an FMA loop, measured at the same
    thread count);
  - compile time, artifact size, and the peak RSS of each runtime's process
    (ORT's includes node.js itself: see node_baseline_rss_kb).

Outputs DIR/bench.json, DIR/bench.md (the table) and DIR/bench.svg (ratios).
With --callgrind it also counts the instructions of one Mica run under
valgrind (compiled without AVX-512, which valgrind cannot decode), the
repeatable number for catching regressions of Mica's own kernels when wall
time is too noisy; --callgrind-baseline compares with an earlier bench.json.

Latency here is a measurement, never a pass/fail test.
"""
import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import numpy_helper, shape_inference

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = ["mobilenet_v2", "mobilenet_v3_large", "resnet18", "efficientnet_b0",
          "vit_tiny", "gpt_decoder"]
# Upper bounds of symbolic dims (the GPT context), as test/tools/zoo_run.py.
MAX_SHAPES = {"gpt_decoder": ["--max-shape", "input_ids=1x64"]}
ONNX_DTYPES = {1: "float32", 6: "int32", 7: "int64"}


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def run_rss(cmd):
    """Runs cmd and returns (returncode, stdout, stderr, peak RSS KiB, s).

    The peak RSS comes from GNU time, which forks the command from its own
    small process: a child forked from this Python process would count the
    parent's pages it held before exec."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss_file:
        start = time.monotonic()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file.name]
                              + cmd, capture_output=True, text=True)
        seconds = time.monotonic() - start
        text = rss_file.read().strip().splitlines()
        rss = int(text[-1]) if text and text[-1].isdigit() else None
    return proc.returncode, proc.stdout, proc.stderr, rss, seconds


def load_pb(path):
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return tensor, numpy_helper.to_array(tensor)


def count_flops(model_path, input_shapes, ort_inputs=None):
    """2 x multiply-adds of Conv, MatMul and Gemm, shapes from inference with
    the inputs' actual shapes."""
    model = onnx.load(model_path)
    for value in model.graph.input:
        if value.name in input_shapes:
            dims = value.type.tensor_type.shape.dim
            for d, size in zip(dims, input_shapes[value.name]):
                d.ClearField("dim_param")
                d.dim_value = size
    inferred = shape_inference.infer_shapes(model, data_prop=True)
    shapes = {}
    for value in list(inferred.graph.value_info) + list(inferred.graph.input) + \
            list(inferred.graph.output):
        dims = value.type.tensor_type.shape.dim
        if dims and all(d.HasField("dim_value") for d in dims):
            shapes[value.name] = [d.dim_value for d in dims]
    for init in model.graph.initializer:
        shapes[init.name] = list(init.dims)
    needed = [name for node in model.graph.node
              if node.op_type in ("Conv", "MatMul", "Gemm")
              for name in list(node.input[:2]) + [node.output[0]]]
    missing = sorted({n for n in needed if n not in shapes})
    if missing and ort_inputs is not None:
        # Shape inference cannot follow this graph's shape computations (the
        # GPT's reshapes): run it once in ORT with those values as extra
        # outputs and read their shapes.
        for name in missing:
            value = model.graph.output.add()
            value.name = name
            value.type.tensor_type.elem_type = onnx.TensorProto.FLOAT
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "shapes.onnx")
            onnx.save(model, path)
            res = subprocess.run(["node", os.path.join(HERE, "ort_run.js"),
                                  "--model", path, "--repeat", "1",
                                  "--warmup", "0", "--shapes"] + ort_inputs,
                                 capture_output=True, text=True, check=True)
        shapes.update(json.loads(res.stdout)["shapes"])
    flops = 0
    for node in model.graph.node:
        if node.op_type == "Conv":
            out = shapes.get(node.output[0])
            w = shapes.get(node.input[1])
            if not out or not w:
                continue
            flops += 2 * math.prod(out) * math.prod(w[1:])
        elif node.op_type == "MatMul":
            a, b = shapes.get(node.input[0]), shapes.get(node.input[1])
            out = shapes.get(node.output[0])
            if not a or not out:
                continue
            k = a[-1]
            flops += 2 * math.prod(out) * k
        elif node.op_type == "Gemm":
            out = shapes.get(node.output[0])
            a = shapes.get(node.input[0])
            trans_a = any(at.name == "transA" and at.i for at in node.attribute)
            if not out or not a:
                continue
            k = a[0] if trans_a else a[-1]
            flops += 2 * math.prod(out) * k
    return flops


def measure_peak(out_dir, threads):
    exe = os.path.join(out_dir, "peak")
    cc = os.environ.get("CC", "clang-22")
    subprocess.run([cc, "-O2", "-march=native", "-ffp-contract=fast", "-pthread",
                    os.path.join(HERE, "peak.c"), "-o", exe], check=True)
    peaks = {}
    for t in threads:
        # The best of a few runs: the machine may be shared.
        best = 0.0
        for _ in range(3):
            res = subprocess.run([exe, str(t), "0.4"], capture_output=True,
                                 text=True, check=True)
            best = max(best, json.loads(res.stdout)["gflops"])
        peaks[t] = best
    return peaks


def node_baseline_rss():
    code = ("require(%r); setTimeout(() => {}, 10);" %
            os.path.join(HERE, "node_modules", "onnxruntime-node"))
    rc, _, _, rss, _ = run_rss(["node", "-e", code])
    return rss if rc == 0 else None


def callgrind_instructions(mica_bin, model_dir, name, work, inputs):
    """Instructions of one run: the difference between 2 runs and 1 run of
    the same process, so loading and input parsing cancel out. The artifact
    is compiled without the CPU features valgrind's virtual CPU lacks
    (AVX-512 and friends): the runtime names one per refusal."""
    import re
    artifact = os.path.join(work, name + ".callgrind.mica")
    disabled = []
    for _ in range(32):
        cmd = [os.path.join(mica_bin, "mica"), "compile",
               os.path.join(model_dir, "model.onnx"), "-o", artifact] + \
            MAX_SHAPES.get(name, [])
        if disabled:
            cmd += ["--cpu-features", ",".join("-" + f for f in disabled)]
        subprocess.run(cmd, check=True, capture_output=True)
        run = subprocess.run(["valgrind", "--tool=none",
                              os.path.join(mica_bin, "mica-run"), "run",
                              artifact, "--repeat", "1"] +
                             sum((["--input", p] for p in inputs), []),
                             capture_output=True, text=True)
        missing = re.search(r"needs CPU feature \+([\w.-]+)", run.stderr)
        if run.returncode == 0:
            break
        if not missing:
            raise RuntimeError("valgrind run failed: " + run.stderr[-500:])
        disabled.append(missing.group(1))
    counts = []
    for repeat in (1, 2):
        out = os.path.join(work, "%s.callgrind.%d" % (name, repeat))
        cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
               os.path.join(mica_bin, "mica-run"), "run", artifact,
               "--repeat", str(repeat)]
        for path in inputs:
            cmd += ["--input", path]
        subprocess.run(cmd, check=True, capture_output=True)
        total = None
        with open(out) as f:
            for line in f:
                if line.startswith("summary:") or line.startswith("totals:"):
                    total = int(line.split()[1])
        counts.append(total)
    return counts[1] - counts[0]


def svg_chart(results, threads, path):
    """Grouped bars of the median Mica/ORT ratio per model and thread count,
    whiskers from the smallest to the largest round's ratio."""
    names = [r["model"] for r in results]
    width, height, left, bottom, top = 760, 360, 60, 70, 30
    plot_h = height - bottom - top
    groups = len(names)
    group_w = (width - left - 20) / max(groups, 1)
    bar_w = group_w / (len(threads) + 1)
    ymax = 1.5
    for r in results:
        for t in r["threads"]:
            ymax = max(ymax, t["ratio"]["max"] * 1.1)
    ymax = math.ceil(ymax * 2) / 2

    def y(v):
        return top + plot_h * (1 - v / ymax)

    colors = ["#3b6ea8", "#d9822b", "#5a9e4b", "#9b59b6"]
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
             'font-family="sans-serif" font-size="12">' % (width, height),
             '<rect width="100%" height="100%" fill="white"/>',
             '<text x="%d" y="18" font-size="14">Mica / ONNX Runtime latency '
             '(lower is better; median of paired rounds, whiskers min-max)</text>'
             % left]
    tick = 0.0
    while tick <= ymax + 1e-9:
        parts.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>'
                     % (left, width - 20, y(tick), y(tick)))
        parts.append('<text x="%d" y="%.1f" text-anchor="end">%.1f</text>'
                     % (left - 6, y(tick) + 4, tick))
        tick += 0.5
    for value, style, label in ((1.0, "#000", "1.0 (parity)"),
                                (0.85, "#c0392b", "0.85 (aim)")):
        parts.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s" '
                     'stroke-dasharray="5,3"/>' % (left, width - 20, y(value),
                                                   y(value), style))
        parts.append('<text x="%d" y="%.1f" fill="%s" text-anchor="end">%s</text>'
                     % (width - 22, y(value) - 3, style, label))
    for g, r in enumerate(results):
        x0 = left + g * group_w + bar_w / 2
        for k, t in enumerate(r["threads"]):
            ratio = t["ratio"]
            x = x0 + k * bar_w
            parts.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" '
                         'fill="%s"><title>%s, %d thread(s): %.2f</title></rect>'
                         % (x, y(ratio["median"]), bar_w * 0.9,
                            y(0) - y(ratio["median"]), colors[k % len(colors)],
                            r["model"], t["threads"], ratio["median"]))
            cx = x + bar_w * 0.45
            parts.append('<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" '
                         'stroke="#333"/>' % (cx, cx, y(ratio["min"]),
                                              y(ratio["max"])))
            parts.append('<text x="%.1f" y="%.1f" text-anchor="middle" '
                         'font-size="10">%.2f</text>'
                         % (cx, y(ratio["max"]) - 3, ratio["median"]))
        parts.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>'
                     % (left + g * group_w + group_w / 2, height - bottom + 18,
                        r["model"]))
    for k, t in enumerate(threads):
        parts.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/>'
                     % (left + k * 110, height - 30, colors[k % len(colors)]))
        parts.append('<text x="%d" y="%d">%d thread%s</text>'
                     % (left + k * 110 + 16, height - 20, t, "" if t == 1 else "s"))
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mica", required=True, help="folder with mica and mica-run")
    parser.add_argument("--zoo", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--callgrind", action="store_true")
    parser.add_argument("--callgrind-baseline")
    args = parser.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    models = args.models.split(",")
    os.makedirs(args.out, exist_ok=True)
    work = os.path.join(args.out, "work")
    os.makedirs(work, exist_ok=True)
    mica = os.path.join(args.mica, "mica")
    mica_run = os.path.join(args.mica, "mica-run")
    if not os.path.exists(mica_run):
        mica_run = None
    ort_script = os.path.join(HERE, "ort_run.js")
    if not os.path.isdir(os.path.join(HERE, "node_modules", "onnxruntime-node")):
        sys.exit("bench: onnxruntime-node is missing; run "
                 "`npm install --ignore-scripts` in bench/")

    log("measuring the fp32 peak")
    peaks = measure_peak(work, threads)
    log("peak GFLOP/s: " + ", ".join("%d thread(s) %.1f" % (t, peaks[t])
                                      for t in threads))
    baseline_rss = node_baseline_rss()

    results = []
    for name in models:
        model_dir = os.path.join(args.zoo, name)
        model_path = os.path.join(model_dir, "model.onnx")
        data = os.path.join(model_dir, "test_data_set_0")
        inputs = sorted(p for p in os.listdir(data) if p.startswith("input_"))
        input_paths = [os.path.join(data, p) for p in inputs]
        ort_inputs, shapes = [], {}
        for path in input_paths:
            tensor, array = load_pb(path)
            raw = os.path.join(work, "%s.%s.bin" % (name, tensor.name))
            np.ascontiguousarray(array).tofile(raw)
            dims = "x".join(str(d) for d in array.shape)
            ort_inputs += ["--input", "%s=%s:%s:%s" % (tensor.name, raw,
                                                       ONNX_DTYPES[tensor.data_type],
                                                       dims)]
            shapes[tensor.name] = list(array.shape)
        _, reference = load_pb(os.path.join(data, "output_0.pb"))
        flops = count_flops(model_path, shapes, ort_inputs)

        log("%s: compiling (%.2f GFLOP per run)" % (name, flops / 1e9))
        artifact = os.path.join(work, name + ".mica")
        rc, out, err, compile_rss, compile_s = run_rss(
            [mica, "compile", model_path, "-o", artifact] + MAX_SHAPES.get(name, []))
        if rc != 0:
            log("%s: mica compile failed:\n%s" % (name, err))
            results.append({"model": name, "error": "compile failed"})
            continue
        artifact_bytes = os.path.getsize(artifact)

        # ORT's output, once, as a sanity check of the peer itself.
        ort_out = os.path.join(work, name + ".ort_out.bin")
        rc, out, err, _, _ = run_rss(["node", ort_script, "--model", model_path,
                                      "--repeat", "1", "--warmup", "0",
                                      "--output", ort_out] + ort_inputs)
        ort_error = None
        if rc == 0:
            got = np.fromfile(ort_out, dtype=reference.dtype).reshape(reference.shape)
            ort_error = float(np.max(np.abs(got - reference)))
        else:
            log("%s: onnxruntime failed:\n%s" % (name, err))

        per_thread = {t: {"mica": [], "ort": [], "ratio": [], "rss_mica": 0,
                          "rss_ort": 0} for t in threads}
        for r in range(args.rounds):
            for t in threads:
                mica_cmd = ([mica_run, "run"] if mica_run else [mica, "run"]) + \
                    [artifact, "--json", "--repeat", str(args.repeat),
                     "--warmup", str(args.warmup), "--threads", str(t)]
                for path in input_paths:
                    mica_cmd += ["--input", path]
                ort_cmd = ["node", ort_script, "--model", model_path,
                           "--threads", str(t), "--repeat", str(args.repeat),
                           "--warmup", str(args.warmup)] + ort_inputs
                order = [("mica", mica_cmd), ("ort", ort_cmd)]
                if r % 2:
                    order.reverse()
                times = {}
                for who, cmd in order:
                    rc, out, err, rss, _ = run_rss(cmd)
                    if rc != 0:
                        sys.exit("bench: %s failed on %s:\n%s" % (who, name, err))
                    times[who] = json.loads(out)["median_ms"]
                    key = "rss_" + who
                    per_thread[t][key] = max(per_thread[t][key], rss or 0)
                per_thread[t]["mica"].append(times["mica"])
                per_thread[t]["ort"].append(times["ort"])
                per_thread[t]["ratio"].append(times["mica"] / times["ort"])
            log("%s: round %d/%d: %s" % (name, r + 1, args.rounds, ", ".join(
                "T=%d %.2f/%.2f ms" % (t, per_thread[t]["mica"][-1],
                                       per_thread[t]["ort"][-1]) for t in threads)))
        entry = {"model": name, "flops": flops, "compile_s": round(compile_s, 2),
                 "compile_rss_kb": compile_rss, "artifact_bytes": artifact_bytes,
                 "ort_max_abs_error": ort_error, "threads": []}
        for t in threads:
            d = per_thread[t]
            mica_ms = statistics.median(d["mica"])
            ort_ms = statistics.median(d["ort"])
            gflops = flops / (mica_ms * 1e-3) / 1e9
            entry["threads"].append({
                "threads": t,
                "mica_ms": round(mica_ms, 3), "ort_ms": round(ort_ms, 3),
                "mica_rounds_ms": [round(x, 3) for x in d["mica"]],
                "ort_rounds_ms": [round(x, 3) for x in d["ort"]],
                "ratio": {"median": round(statistics.median(d["ratio"]), 3),
                          "min": round(min(d["ratio"]), 3),
                          "max": round(max(d["ratio"]), 3)},
                "mica_gflops": round(gflops, 2),
                "ort_gflops": round(flops / (ort_ms * 1e-3) / 1e9, 2),
                "mica_peak_percent": round(100 * gflops / peaks[t], 1),
                "rss_mica_kb": d["rss_mica"], "rss_ort_kb": d["rss_ort"],
            })
        if args.callgrind:
            log("%s: callgrind" % name)
            entry["callgrind_instructions"] = callgrind_instructions(
                args.mica, model_dir, name, work, input_paths)
        results.append(entry)

    ok = [r for r in results if "error" not in r]
    geomean = {}
    for k, t in enumerate(threads):
        ratios = [r["threads"][k]["ratio"]["median"] for r in ok]
        if ratios:
            geomean[t] = round(math.exp(sum(map(math.log, ratios)) / len(ratios)), 3)
    report = {
        "schema_version": 1,
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpu": platform.processor() or platform.machine(),
                    "cpus": os.cpu_count(),
                    "load_average": os.getloadavg(),
                    "peak_gflops": {str(t): peaks[t] for t in threads}},
        "config": {"rounds": args.rounds, "repeat": args.repeat,
                   "warmup": args.warmup, "threads": threads},
        "node_baseline_rss_kb": baseline_rss,
        "models": results,
        "geomean_ratio": {str(t): g for t, g in geomean.items()},
    }
    if args.callgrind_baseline and os.path.exists(args.callgrind_baseline):
        with open(args.callgrind_baseline) as f:
            base = {m["model"]: m.get("callgrind_instructions")
                    for m in json.load(f)["models"]}
        for r in ok:
            old, new = base.get(r["model"]), r.get("callgrind_instructions")
            if old and new:
                r["callgrind_change_percent"] = round(100.0 * (new - old) / old, 2)

    with open(os.path.join(args.out, "bench.json"), "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    lines = ["| model | T | Mica ms | ORT ms | Mica/ORT median [min, max] | "
             "Mica GFLOP/s | % peak | compile s | artifact MB | RSS Mica MB | "
             "RSS ORT MB |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in ok:
        for t in r["threads"]:
            lines.append("| %s | %d | %.2f | %.2f | %.2f [%.2f, %.2f] | %.1f | "
                         "%.0f%% | %.1f | %.1f | %.1f | %.1f |" % (
                             r["model"], t["threads"], t["mica_ms"], t["ort_ms"],
                             t["ratio"]["median"], t["ratio"]["min"],
                             t["ratio"]["max"], t["mica_gflops"],
                             t["mica_peak_percent"], r["compile_s"],
                             r["artifact_bytes"] / 1e6, t["rss_mica_kb"] / 1024,
                             t["rss_ort_kb"] / 1024))
    lines.append("")
    lines.append("Geometric mean of Mica/ORT: " + ", ".join(
        "%d thread(s) %.3f" % (t, geomean[t]) for t in geomean))
    lines.append("fp32 peak (bench/peak.c): " + ", ".join(
        "%d thread(s) %.1f GFLOP/s" % (t, peaks[t]) for t in threads) +
        "; node.js + ORT library alone: %.1f MB RSS" % ((baseline_rss or 0) / 1024))
    if args.callgrind:
        lines.append("")
        lines.append("| model | callgrind instructions per run (AVX2 build) | change |")
        lines.append("|---|---|---|")
        for r in ok:
            change = r.get("callgrind_change_percent")
            lines.append("| %s | %d | %s |" % (
                r["model"], r.get("callgrind_instructions", 0),
                "%+.2f%%" % change if change is not None else "-"))
    table = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "bench.md"), "w") as f:
        f.write(table)
    svg_chart(ok, threads, os.path.join(args.out, "bench.svg"))
    print(table)


if __name__ == "__main__":
    main()
