#!/usr/bin/python3
"""Streamed weights (--memory-budget) against the all-resident model.

    bench_stream.py --mica BUILD/bin --out DIR [--budget 40MiB]
                    [--layers 12] [--d-model 512] [--vocab 4096]
                    [--context 128] [--seqs 128,1] [--threads 1]
                    [--rounds 5] [--repeat 5] [--warmup 1]

A GPT-style decoder (test/zoo/build_zoo.py's, random weights, fixed seed;
by default 12 layers of d 512, vocab 4096: 160 MiB of weights, 4x the
default budget) is compiled twice: all resident, and with
`--memory-budget`. mica-run (the runtime alone, no LLVM) runs both on the
same tokens, interleaved over rounds, for each sequence length:

- warm: the file in the page cache; median time of `--repeat` runs in one
  process, and the peak RSS of that whole process (GNU time: load,
  validation and every run);
- cold: the file dropped from the page cache (posix_fadvise DONTNEED)
  before the process starts; the process's wall time (load + one run) and
  its peak RSS. For the streamed model also `--drop-cache` (the file
  dropped before every timed run: the steady state of a phone whose page
  cache the app cannot keep).

Outputs are compared byte for byte. Reports DIR/bench_stream.json and .md
(ratios streamed / resident are medians of per-round ratios). A
measurement, never a pass/fail test.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench import log, run_rss  # noqa: E402

MODELS = os.path.join(HERE, "..", "test", "passes", "partition", "Inputs",
                      "stream_models.py")


def parse_size(text):
    units = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}
    for unit, scale in sorted(units.items(), key=lambda u: -len(u[0])):
        if text.endswith(unit):
            return int(float(text[:-len(unit)]) * scale)
    return int(text)


def drop_cache(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def build_model(args, work):
    params = [args.layers, args.d_model, args.vocab, args.context,
              args.context]
    folder = os.path.join(work, "model_" + "_".join(map(str, params)))
    if not os.path.exists(os.path.join(folder, "gpt.onnx")):
        log("exporting the GPT (%s)" % folder)
        subprocess.run(["/usr/bin/python3", MODELS, "gpt", folder]
                       + [str(p) for p in params], check=True)
    return os.path.join(folder, "gpt.onnx")


def compile_model(args, model, artifact, flags):
    report = artifact + ".json"
    start = time.monotonic()
    proc = subprocess.run(
        [os.path.join(args.mica, "mica"), "compile", model, "--max-shape",
         "input_ids=1x%d" % args.context, "-o", artifact, "--report", report]
        + flags, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit("bench_stream: compile failed:\n" + proc.stderr)
    log("compiled %s in %.1f s" % (os.path.basename(artifact),
                                   time.monotonic() - start))
    with open(report) as f:
        return json.load(f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mica", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--budget", default="40MiB")
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--d-model", type=int, default=512)
    parser.add_argument("--vocab", type=int, default=4096)
    parser.add_argument("--context", type=int, default=128)
    parser.add_argument("--seqs", default="128,1")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    args = parser.parse_args()
    work = os.path.join(args.out, "stream")
    os.makedirs(work, exist_ok=True)
    runner = os.path.join(args.mica, "mica-run")

    model = build_model(args, work)
    resident = os.path.join(work, "resident.mica")
    streamed = os.path.join(work, "streamed.mica")
    resident_report = compile_model(args, model, resident, [])
    report = compile_model(args, model, streamed,
                           ["--memory-budget", args.budget])
    plan = report.get("memory_budget", {})
    weights = resident_report["constants_bytes"]
    budget = parse_size(args.budget)

    rows = []
    for seq in [int(s) for s in args.seqs.split(",")]:
        ids = np.random.default_rng(seq).integers(
            0, args.vocab, size=(1, seq), dtype=np.int64)
        npy = os.path.join(work, "ids_%d.npy" % seq)
        np.save(npy, ids)
        outs = {}
        for label, artifact in (("resident", resident),
                                ("streamed", streamed)):
            folder = os.path.join(work, "out_%s_%d" % (label, seq))
            rc, _, err, _, _ = run_rss([runner, "run", artifact, "--input",
                                        npy, "--output-dir", folder])
            if rc != 0:
                sys.exit("bench_stream: run failed:\n" + err)
            with open(os.path.join(folder, "output.npy"), "rb") as f:
                outs[label] = f.read()
        identical = outs["resident"] == outs["streamed"]

        base = ["--input", npy, "--threads", str(args.threads), "--json"]
        warm = ["--repeat", str(args.repeat), "--warmup", str(args.warmup)]
        cmds = {
            "resident": [runner, "run", resident] + base + warm,
            "streamed": [runner, "run", streamed] + base + warm,
            "streamed_drop": [runner, "run", streamed] + base + warm
            + ["--drop-cache"],
            "resident_cold": [runner, "run", resident] + base,
            "streamed_cold": [runner, "run", streamed] + base,
        }
        ms = {k: [] for k in cmds}
        rss = {k: [] for k in cmds}
        stream = {}
        names = list(cmds)
        for r in range(args.rounds):
            order = names[r % len(names):] + names[:r % len(names)]
            for who in order:
                if who.endswith("_cold"):
                    drop_cache(resident if who.startswith("resident")
                               else streamed)
                rc, out, err, peak, seconds = run_rss(cmds[who])
                if rc != 0:
                    sys.exit("bench_stream: %s failed:\n%s" % (who, err))
                result = json.loads(out)
                ms[who].append(seconds * 1000 if who.endswith("_cold")
                               else result["median_ms"])
                rss[who].append(peak / 1024.0)
                if "stream" in result:
                    stream[who] = result["stream"]
            log("seq %d: round %d/%d" % (seq, r + 1, args.rounds))

        def ratio(a, b):
            return round(statistics.median(
                x / y for x, y in zip(ms[a], ms[b])), 3)

        row = {
            "seq": seq, "identical": identical,
            "ms": {k: round(statistics.median(v), 2) for k, v in ms.items()},
            "peak_rss_mib": {k: round(max(v), 1) for k, v in rss.items()},
            "warm_ratio": ratio("streamed", "resident"),
            "drop_ratio": ratio("streamed_drop", "resident"),
            "cold_ratio": ratio("streamed_cold", "resident_cold"),
            "stream": stream,
        }
        rows.append(row)
        log("seq %d: warm %.3fx, dropped %.3fx, cold %.3fx, RSS %.1f vs "
            "%.1f MiB" % (seq, row["warm_ratio"], row["drop_ratio"],
                          row["cold_ratio"], row["peak_rss_mib"]["streamed"],
                          row["peak_rss_mib"]["resident"]))

    result = {"budget_bytes": budget, "weights_bytes": weights,
              "weights_over_budget": round(weights / budget, 2),
              "threads": args.threads, "plan": plan, "rows": rows}
    with open(os.path.join(args.out, "bench_stream.json"), "w") as f:
        json.dump(result, f, indent=1)
    mib = 1 << 20
    lines = [
        "# Streamed weights: --memory-budget %s against all-resident" %
        args.budget, "",
        "GPT decoder, %d layers, d %d, vocab %d: weights %.1f MiB (%.2fx the "
        "budget); %d thread(s); mica-run. Plan: resident %.1f MiB, buffers "
        "2 x %.1f MiB, %.1f MiB streamed per run, predicted peak %.1f MiB."
        % (args.layers, args.d_model, args.vocab, weights / mib,
           weights / budget, args.threads,
           plan.get("resident", 0) / mib,
           plan.get("buffer", 0) / mib,
           plan.get("streamed_per_run", 0) / mib,
           plan.get("predicted_peak", 0) / mib), "",
        "| seq | resident ms | streamed ms | warm ratio | dropped-cache ratio "
        "| cold start ratio | peak RSS resident MiB | peak RSS streamed MiB "
        "| RSS / budget | identical |",
        "|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        lines.append("| %d | %.2f | %.2f | %.3f | %.3f | %.3f | %.1f | %.1f "
                     "| %.2f | %s |" % (
                         row["seq"], row["ms"]["resident"],
                         row["ms"]["streamed"], row["warm_ratio"],
                         row["drop_ratio"], row["cold_ratio"],
                         row["peak_rss_mib"]["resident"],
                         row["peak_rss_mib"]["streamed"],
                         row["peak_rss_mib"]["streamed"] * mib / budget,
                         "yes" if row["identical"] else "NO"))
    with open(os.path.join(args.out, "bench_stream.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
