#!/usr/bin/python3
"""Mica int8 against Mica fp32 and ONNX Runtime int8 on the model zoo.

    bench_int8.py --mica BUILD/bin --zoo BUILD/zoo --out DIR [--rounds 5]
                  [--repeat 10] [--warmup 3] [--models NAME,...]
                  [--compile-flags "FLAGS"]

For every model: calibration samples are made from the zoo's test input
(8 copies with seeded noise of 10% of its standard deviation: the zoo has no
data set, and for latency only the ranges' plausibility matters); Mica
compiles the model in fp32 (default options, Winograd on) and with
`--quantize w8a8 --calibration`; bench/qdq_model.py writes the QDQ file of
the same network with the parameters Mica chose, which ONNX Runtime runs
with its int8 kernels. Then, interleaved over rounds on 1 thread (the order
rotating every round): Mica fp32, Mica int8, ORT int8. Reported per model:
the medians, the ratios int8/fp32 (Mica) and Mica int8/ORT int8 (median of
the per-round ratios), the constants of both artifacts, and how far Mica's
int8 output is from ORT's int8 output of the QDQ file, in units of the
output's quantisation step when the output comes from an integer layer.

Outputs DIR/bench_int8.json and DIR/bench_int8.md. A measurement, never a
pass/fail test.
"""
import argparse
import json
import os
import statistics
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench import load_pb, log, run_rss  # noqa: E402

MODELS = ["mobilenet_v2", "mobilenet_v3_large", "resnet18", "efficientnet_b0",
          "vit_tiny"]


def calibration(work, name, array):
    folder = os.path.join(work, name + ".calib")
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(8):
        noise = rng.standard_normal(array.shape) * 0.1 * float(array.std())
        np.save(os.path.join(folder, "s%d.npy" % i),
                (array + noise).astype(np.float32))
    return folder


def compile_model(mica, model, artifact, extra):
    report = artifact + ".json"
    rc, _, err, _, seconds = run_rss([mica, "compile", model, "-o", artifact,
                                      "--report", report] + extra)
    if rc != 0:
        return None, err
    return json.load(open(report)), seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mica", required=True)
    parser.add_argument("--zoo", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--compile-flags", default="",
                        help="extra mica compile flags for both builds, e.g. "
                        "--cpu-features=-avx512f,-avxvnni (an AVX2 host)")
    args = parser.parse_args()
    extra = args.compile_flags.split()
    work = os.path.join(args.out, "work_int8")
    os.makedirs(work, exist_ok=True)
    mica = os.path.join(args.mica, "mica")
    ort_ref = os.path.join(HERE, "..", "scripts", "ort_reference.js")
    ort_run = os.path.join(HERE, "ort_run.js")

    results = []
    for name in args.models.split(","):
        model = os.path.join(args.zoo, name, "model.onnx")
        data = os.path.join(args.zoo, name, "test_data_set_0", "input_0.pb")
        tensor, array = load_pb(data)
        npy = os.path.join(work, name + ".input.npy")
        np.save(npy, array)
        raw = os.path.join(work, name + ".input.bin")
        np.ascontiguousarray(array).tofile(raw)
        dims = "x".join(str(d) for d in array.shape)
        calib = calibration(work, name, array)

        log("%s: compiling fp32 and int8" % name)
        fp32 = os.path.join(work, name + ".fp32.mica")
        int8 = os.path.join(work, name + ".int8.mica")
        fp32_report, _ = compile_model(mica, model, fp32, extra)
        int8_report, int8_s = compile_model(
            mica, model, int8,
            extra + ["--quantize", "w8a8", "--calibration", calib])
        if fp32_report is None or int8_report is None:
            log("%s: compile failed:\n%s" % (name, int8_s))
            results.append({"model": name, "error": "compile failed"})
            continue
        qdq = os.path.join(work, name + ".qdq.onnx")
        rc, _, err, _, _ = run_rss(["/usr/bin/python3",
                                    os.path.join(HERE, "qdq_model.py"), model,
                                    int8 + ".json", qdq])
        if rc != 0:
            log("%s: qdq_model.py failed:\n%s" % (name, err))
            results.append({"model": name, "error": "qdq failed"})
            continue

        # Agreement: ORT int8 on the QDQ file against Mica int8.
        ort_dir = os.path.join(work, name + ".ort_int8")
        mica_dir = os.path.join(work, name + ".mica_int8")
        rc1, _, err1, _, _ = run_rss(["node", ort_ref, "--model", qdq, "--input",
                                      "%s=%s" % (tensor.name, npy),
                                      "--output-dir", ort_dir])
        rc2, _, err2, _, _ = run_rss([mica, "run", int8, "--input", npy,
                                      "--output-dir", mica_dir])
        agreement = None
        if rc1 == 0 and rc2 == 0:
            ort_files = json.load(open(os.path.join(ort_dir, "index.json")))
            got = np.load(os.path.join(mica_dir, sorted(os.listdir(mica_dir))[0]))
            want = np.load(os.path.join(ort_dir, list(ort_files.values())[0]))
            layers = int8_report["quantization"]["layers"]
            step = layers[-1]["output_scale"] if layers else None
            diff = float(np.max(np.abs(got.astype(np.float64) - want)))
            agreement = {"max_abs": diff,
                         "max_steps": diff / step if step else None,
                         "equal_fraction": float(np.mean(got == want)),
                         "top1_same": bool(got.reshape(got.shape[0], -1).argmax(1)[0] ==
                                           want.reshape(want.shape[0], -1).argmax(1)[0])}
        else:
            log("%s: agreement run failed:\n%s%s" % (name, err1, err2))

        times = {"fp32": [], "int8": [], "ort_int8": []}
        ratios = {"int8/fp32": [], "int8/ort_int8": []}
        for r in range(args.rounds):
            cmds = {
                "fp32": [mica, "run", fp32, "--input", npy, "--json",
                         "--repeat", str(args.repeat), "--warmup", str(args.warmup)],
                "int8": [mica, "run", int8, "--input", npy, "--json",
                         "--repeat", str(args.repeat), "--warmup", str(args.warmup)],
                "ort_int8": ["node", ort_run, "--model", qdq, "--threads", "1",
                             "--repeat", str(args.repeat), "--warmup",
                             str(args.warmup), "--input",
                             "%s=%s:float32:%s" % (tensor.name, raw, dims)],
            }
            order = list(cmds)
            order = order[r % 3:] + order[:r % 3]
            now = {}
            for who in order:
                rc, out, err, _, _ = run_rss(cmds[who])
                if rc != 0:
                    sys.exit("bench_int8: %s failed on %s:\n%s" % (who, name, err))
                now[who] = json.loads(out)["median_ms"]
                times[who].append(now[who])
            ratios["int8/fp32"].append(now["int8"] / now["fp32"])
            ratios["int8/ort_int8"].append(now["int8"] / now["ort_int8"])
            log("%s: round %d/%d: fp32 %.2f, int8 %.2f, ORT int8 %.2f ms" % (
                name, r + 1, args.rounds, now["fp32"], now["int8"],
                now["ort_int8"]))
        quant = int8_report["quantization"]
        results.append({
            "model": name,
            "ms": {k: round(statistics.median(v), 3) for k, v in times.items()},
            "ratio": {k: round(statistics.median(v), 3) for k, v in ratios.items()},
            "constants_ratio": round(int8_report["constants_bytes"] /
                                     fp32_report["constants_bytes"], 3),
            "integer_layers": quant["integer_layers"],
            "float_ops": len(quant["float_ops"]),
            "compile_s": round(int8_s, 2),
            "agreement": agreement,
        })

    with open(os.path.join(args.out, "bench_int8.json"), "w") as f:
        json.dump({"schema_version": 1, "threads": 1, "rounds": args.rounds,
                   "models": results}, f, indent=2)
        f.write("\n")
    lines = ["| model | Mica fp32 ms | Mica int8 ms | ORT int8 ms | int8/fp32 | "
             "Mica int8/ORT int8 | constants int8/fp32 | integer layers | "
             "float ops | vs ORT int8 (max steps) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        if "error" in r:
            lines.append("| %s | %s |" % (r["model"], r["error"]))
            continue
        a = r["agreement"] or {}
        steps = a.get("max_steps")
        lines.append("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %d | %d | %s |" % (
            r["model"], r["ms"]["fp32"], r["ms"]["int8"], r["ms"]["ort_int8"],
            r["ratio"]["int8/fp32"], r["ratio"]["int8/ort_int8"],
            r["constants_ratio"], r["integer_layers"], r["float_ops"],
            "%.2f" % steps if steps is not None else "-"))
    table = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "bench_int8.md"), "w") as f:
        f.write(table)
    print(table)


if __name__ == "__main__":
    main()
