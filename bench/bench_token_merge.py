#!/usr/bin/python3
"""Token merging's latency against its FLOPs, on the zoo's vit_tiny and an
STDiT-like video transformer.

    bench_token_merge.py --mica BUILD/bin --zoo BUILD/zoo --out DIR
                         [--rounds 5] [--repeat 10] [--warmup 3]
                         [--r 0,4,8,12,16] [--flops 0.7]

vit_tiny: Mica compiles the model without merging and with
`--token-merge r=R` for each R (and `flops=F`); ONNX Runtime runs the
unmerged model. Interleaved over rounds on 1 thread (the order rotating
every round). Per setting: the median latency, its ratio to Mica unmerged
and to ORT (medians of per-round ratios), the multiply-adds (compile
report), the output's cosine similarity to the unmerged output, whether the
top-1 class is the same and how many of the top-5 are shared.

Video: test/passes/token_merge/Inputs/video_model.py at 64 tokens per frame,
width 64 (8 frames, 12 attention blocks), frames with a slow drift plus
noise; unmerged, `--temporal-merge frames=8,blocks=0-5` (half the blocks)
and all blocks: latency, attention multiply-adds, output cosine.

Fused attention (AttentionLowering.cpp): vit_tiny and one attention layer
(q/k/v projections, attention, output projection; test/compiler/conversion/
graph_to_linalg/Inputs/attention_models.py) at 577 tokens x 384 wide with 6
heads (a ViT-B/16 at 384 pixels) and 1024 x 256 with 4 heads, compiled
with the default (fused) and --fuse-attention=false, against ORT, at 1 and
2 threads: latency ratios and the largest output difference.

Outputs DIR/bench_token_merge.json and .md. A measurement, never a
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
from bench_int8 import compile_model as compile_int8_bench  # noqa: E402

VIDEO_MODEL = os.path.join(HERE, "..", "test", "passes", "token_merge",
                           "Inputs", "video_model.py")
ATTENTION_MODELS = os.path.join(HERE, "..", "test", "compiler", "conversion",
                                "graph_to_linalg", "Inputs")


def compile_model(mica, model, artifact, flags):
    report, seconds = compile_int8_bench(mica, model, artifact, flags)
    if report is None:
        sys.exit("bench_token_merge: compile %s %s failed:\n%s" % (
            model, " ".join(flags), seconds))
    return report, seconds


def output(mica, artifact, npy, folder, flags=()):
    rc, _, err, _, _ = run_rss([mica, "run", artifact, "--input", npy,
                                "--output-dir", folder, *flags])
    if rc != 0:
        sys.exit("bench_token_merge: run failed:\n" + err)
    return np.load(os.path.join(folder, sorted(os.listdir(folder))[0]))


def cosine(a, b):
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def timed_rounds(cmds, rounds, label):
    """Runs every command once per round, order rotating; medians."""
    times = {k: [] for k in cmds}
    names = list(cmds)
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for who in order:
            rc, out, err, _, _ = run_rss(cmds[who])
            if rc != 0:
                sys.exit("bench_token_merge: %s failed:\n%s" % (who, err))
            times[who].append(json.loads(out)["median_ms"])
        log("%s: round %d/%d" % (label, r + 1, rounds))
    return times


def ratio(times, a, b):
    return round(statistics.median(x / y for x, y in zip(times[a], times[b])), 3)


def zoo_model(args, work, name):
    """A zoo model's path, its input saved as .npy for `mica run`, and the
    ONNX Runtime command (1 thread) that times it."""
    model = os.path.join(args.zoo, name, "model.onnx")
    tensor, array = load_pb(os.path.join(args.zoo, name, "test_data_set_0",
                                         "input_0.pb"))
    npy = os.path.join(work, name + ".input.npy")
    np.save(npy, array)
    raw = os.path.join(work, name + ".input.bin")
    np.ascontiguousarray(array).tofile(raw)
    dims = "x".join(str(d) for d in array.shape)
    ort = ["node", os.path.join(HERE, "ort_run.js"), "--model", model,
           "--threads", "1", "--repeat", str(args.repeat), "--warmup",
           str(args.warmup), "--input",
           "%s=%s:float32:%s" % (tensor.name, raw, dims)]
    return model, npy, ort


def vit(args, mica, work):
    model, npy, ort = zoo_model(args, work, "vit_tiny")
    settings = [("r=%s" % r, [] if r == "0" else ["--token-merge", "r=" + r])
                for r in args.r.split(",")]
    if args.flops:
        settings.append(("flops=%g" % args.flops,
                         ["--token-merge", "flops=%g" % args.flops]))
    builds = {}
    for label, flags in settings:
        log("vit_tiny: compiling %s" % label)
        artifact = os.path.join(work, "vit_%s.mica" % label.replace("=", ""))
        report, seconds = compile_model(mica, model, artifact, flags)
        out = output(mica, artifact, npy, artifact + ".out")
        builds[label] = (artifact, report, seconds, out)
    cmds = {label: [mica, "run", b[0], "--input", npy, "--json", "--repeat",
                    str(args.repeat), "--warmup", str(args.warmup)]
            for label, b in builds.items()}
    cmds["ort"] = ort
    times = timed_rounds(cmds, args.rounds, "vit_tiny")
    base = builds[settings[0][0]][3].ravel()
    rows = []
    for label, (artifact, report, seconds, out) in builds.items():
        flops = report["flops"]
        merge = report.get("token_merge", {})
        got = out.ravel()
        rows.append({
            "setting": label, "r": merge.get("r", 0),
            "ms": round(statistics.median(times[label]), 3),
            "vs_unmerged": ratio(times, label, settings[0][0]),
            "vs_ort": ratio(times, label, "ort"),
            "flops": round(flops["compiled"] / flops["original"], 3),
            "cosine": round(cosine(base, got), 5),
            "top1_same": bool(base.argmax() == got.argmax()),
            "top5_shared": len(set(np.argsort(-base)[:5]) & set(np.argsort(-got)[:5])),
            "compile_s": round(seconds, 1),
        })
    return {"ort_ms": round(statistics.median(times["ort"]), 3), "rows": rows}


def video(args, mica, work):
    folder = os.path.join(work, "video")
    rc, _, err, _, _ = run_rss(["/usr/bin/python3", VIDEO_MODEL, folder,
                                "--tokens", "64", "--width", "64"])
    if rc != 0:
        sys.exit("bench_token_merge: video_model.py failed:\n" + err)
    model = os.path.join(folder, "video.onnx")
    npy = os.path.join(folder, "correlated.npy")
    settings = [("unmerged", []),
                ("blocks 0-5", ["--temporal-merge", "frames=8,blocks=0-5"]),
                ("all blocks", ["--temporal-merge", "frames=8"])]
    builds = {}
    for label, flags in settings:
        log("video: compiling %s" % label)
        artifact = os.path.join(folder, label.replace(" ", "_") + ".mica")
        report, _ = compile_model(mica, model, artifact, flags)
        builds[label] = (artifact, report,
                         output(mica, artifact, "x=" + npy, artifact + ".out"))
    cmds = {label: [mica, "run", b[0], "--input", "x=" + npy, "--json",
                    "--repeat", str(args.repeat), "--warmup", str(args.warmup)]
            for label, b in builds.items()}
    times = timed_rounds(cmds, args.rounds, "video")
    base = builds["unmerged"][2]
    rows = []
    for label, (artifact, report, out) in builds.items():
        attention = report.get("attention_flops")
        rows.append({
            "setting": label,
            "ms": round(statistics.median(times[label]), 3),
            "vs_unmerged": ratio(times, label, "unmerged"),
            "attention_flops": round(attention["compiled"] / attention["original"], 3)
            if attention else 1.0,
            "flops": round(report["flops"]["compiled"] / report["flops"]["original"], 3),
            "cosine": round(cosine(base, out), 5),
        })
    return {"rows": rows}


def attention_layer(folder, tokens, width, heads):
    """Exports one attention layer (fixed seed) and its input; returns the
    model, the .npy input and the raw input for ORT."""
    sys.path.insert(0, ATTENTION_MODELS)
    import torch
    from attention_models import Attention
    torch.manual_seed(0)
    model = Attention(width, heads).eval()
    x = torch.randn(1, tokens, width)
    path = os.path.join(folder, "attention_%d.onnx" % tokens)
    torch.onnx.export(model, (x,), path, input_names=["x"],
                      output_names=["out"], opset_version=17)
    npy = os.path.join(folder, "attention_%d.npy" % tokens)
    np.save(npy, x.numpy())
    raw = npy[:-4] + ".bin"
    x.numpy().tofile(raw)
    return path, "x=" + npy, "x=%s:float32:1x%dx%d" % (raw, tokens, width)


def fused_attention(args, mica, work):
    folder = os.path.join(work, "attention")
    os.makedirs(folder, exist_ok=True)
    model, npy, ort = zoo_model(args, work, "vit_tiny")
    ort_input = ort[ort.index("--input") + 1]
    cases = [("vit_tiny (197 tokens)", model, npy, ort_input)]
    for tokens, width, heads in [(577, 384, 6), (1024, 256, 4)]:
        log("attention: exporting %d tokens" % tokens)
        path, x, raw = attention_layer(folder, tokens, width, heads)
        cases.append(("attention layer %d x %d, %d heads" % (tokens, width, heads),
                      path, x, raw))
    rows = []
    for label, path, x, raw in cases:
        builds = {}
        for name, flags in [("fused", []), ("unfused", ["--fuse-attention=false"])]:
            artifact = os.path.join(folder, "%s.%s.mica" % (
                os.path.basename(os.path.dirname(path)) + os.path.basename(path), name))
            compile_model(mica, path, artifact, flags)
            builds[name] = (artifact, output(mica, artifact, x, artifact + ".out"))
        for threads in ("1", "2"):
            cmds = {name: [mica, "run", b[0], "--input", x, "--json", "--repeat",
                           str(args.repeat), "--warmup", str(args.warmup),
                           "--threads", threads]
                    for name, b in builds.items()}
            cmds["ort"] = ["node", os.path.join(HERE, "ort_run.js"), "--model", path,
                           "--threads", threads, "--repeat", str(args.repeat),
                           "--warmup", str(args.warmup), "--input", raw]
            times = timed_rounds(cmds, args.rounds, "%s, %s thread(s)" % (label, threads))
            fused, unfused = builds["fused"][1], builds["unfused"][1]
            rows.append({
                "model": label, "threads": int(threads),
                "fused_ms": round(statistics.median(times["fused"]), 3),
                "unfused_ms": round(statistics.median(times["unfused"]), 3),
                "ort_ms": round(statistics.median(times["ort"]), 3),
                "fused_vs_unfused": ratio(times, "fused", "unfused"),
                "fused_vs_ort": ratio(times, "fused", "ort"),
                "unfused_vs_ort": ratio(times, "unfused", "ort"),
                "max_rel_diff": float(np.abs(fused - unfused).max() /
                                      np.abs(unfused).max()),
            })
    return {"rows": rows}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mica", required=True)
    parser.add_argument("--zoo", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--r", default="0,4,8,12,16")
    parser.add_argument("--flops", type=float, default=0.7)
    parser.add_argument("--parts", default="vit,video,attention",
                        help="which tables to measure (comma-separated)")
    args = parser.parse_args()
    work = os.path.join(args.out, "work_token_merge")
    os.makedirs(work, exist_ok=True)
    mica = os.path.join(args.mica, "mica")
    parts = args.parts.split(",")
    empty = {"rows": [], "ort_ms": 0.0}
    result = {"schema_version": 1, "threads": 1, "rounds": args.rounds,
              "vit_tiny": vit(args, mica, work) if "vit" in parts else empty,
              "video": video(args, mica, work) if "video" in parts else empty,
              "attention": fused_attention(args, mica, work)
              if "attention" in parts else empty}
    with open(os.path.join(args.out, "bench_token_merge.json"), "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    lines = ["vit_tiny (ORT unmerged %.2f ms)" % result["vit_tiny"]["ort_ms"], "",
             "| setting | r | Mica ms | vs unmerged | vs ORT | FLOPs | cosine | "
             "top-1 same | top-5 shared | compile s |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in result["vit_tiny"]["rows"]:
        lines.append("| %s | %d | %.2f | %.3f | %.3f | %.3f | %.5f | %s | %d | %.1f |" % (
            r["setting"], r["r"], r["ms"], r["vs_unmerged"], r["vs_ort"],
            r["flops"], r["cosine"], r["top1_same"], r["top5_shared"],
            r["compile_s"]))
    lines += ["", "video (STDiT-like, 8 frames x 64 tokens, width 64)", "",
              "| setting | Mica ms | vs unmerged | attention FLOPs | FLOPs | cosine |",
              "|---|---|---|---|---|---|"]
    for r in result["video"]["rows"]:
        lines.append("| %s | %.3f | %.3f | %.3f | %.3f | %.5f |" % (
            r["setting"], r["ms"], r["vs_unmerged"], r["attention_flops"],
            r["flops"], r["cosine"]))
    lines += ["", "fused attention (default) against --fuse-attention=false and ORT", "",
              "| model | T | fused ms | unfused ms | ORT ms | fused/unfused | "
              "fused/ORT | unfused/ORT | max rel diff |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in result["attention"]["rows"]:
        lines.append("| %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.1e |" % (
            r["model"], r["threads"], r["fused_ms"], r["unfused_ms"], r["ort_ms"],
            r["fused_vs_unfused"], r["fused_vs_ort"], r["unfused_vs_ort"],
            r["max_rel_diff"]))
    table = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "bench_token_merge.md"), "w") as f:
        f.write(table)
    print(table)


if __name__ == "__main__":
    main()
