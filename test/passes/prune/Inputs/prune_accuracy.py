"""Top-1 of the digits models (test/passes/quantize/Inputs/digits_models.py)
after channel pruning without fine-tuning, against the dense artifact.

  python3 prune_accuracy.py [--data] CACHE WORKDIR SETTING MODEL:MIN_TOP1,...
      --data    also --calibration CACHE/calib_MODEL (the data score)
      SETTING   the --prune value, e.g. channels=0.3, or other flags
                (starting with --, split at spaces: "--share-blocks 2")
      MIN_TOP1  per model, the least top-1 accepted (0 prints only)

Compiles each model at batch 360 dense and pruned, runs both with
`mica run` on the 360 held-out images, prints one line per model (top-1
dense and pruned, the drop in points, the pruned/dense ratios of
multiply-adds and constants bytes as stored, and with sparse=.. the weights
set to zero) and exits 1 if a top-1 falls below its
minimum.
"""
import json
import os
import subprocess
import sys

import numpy as np

SHAPES = {"mlp": "360x64", "cnn": "360x1x8x8", "vit": "360x1x8x8"}


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def minimums(text):
    """MODEL:MIN_TOP1,... as {model: least top-1} (0 when not given)."""
    minimum = {}
    for item in text.split(","):
        model, _, least = item.partition(":")
        minimum[model] = float(least or 0)
    return minimum


def main():
    args = sys.argv[1:]
    data = args[0] == "--data"
    if data:
        args = args[1:]
    cache, work, setting = args[:3]
    minimum = minimums(args[3])
    labels = np.load(os.path.join(cache, "test_labels.npy"))
    ok = True
    for name, least in minimum.items():
        model = os.path.join(cache, name + ".onnx")
        inputs = os.path.join(cache, "test_%s.npy" % name)

        def build(kind, extra):
            artifact = os.path.join(work, "%s_%s.mica" % (name, kind))
            report = artifact + ".json"
            run("mica", "compile", model, "--input-shape",
                "input=" + SHAPES[name], "-o", artifact, "--report", report,
                *extra)
            out = os.path.join(work, name + "_" + kind)
            run("mica", "run", artifact, "--input", inputs, "--output-dir",
                out)
            logits = np.load(os.path.join(out, "logits.npy"))
            return float((logits.argmax(1) == labels).mean()), \
                json.load(open(report))

        dense, dense_report = build("dense", [])
        extra = ["--calibration", os.path.join(cache, "calib_" + name)] \
            if data else []
        flags = setting.split() if setting.startswith("--") else \
            ["--prune", setting]
        pruned, report = build("pruned", flags + extra)
        sparsity = report.get("sparsity", {"layers": []})
        data_scored = any(l["score"] == "data" for l in sparsity["layers"])
        prune = report.get("prune", {
            "score": "data" if data_scored else "l1" if "sparsity" in report
            else "-", "channels": {"removed": 0, "prunable": 0}})
        line = ("%s %s score=%s dense=%.4f pruned=%.4f drop=%.2f points "
              "channels=%d/%d flops=%.3fx constants=%.3fx" % (
                  name, setting, prune["score"], dense, pruned, (dense - pruned) * 100,
                  prune["channels"]["removed"], prune["channels"]["prunable"],
                  report["flops"]["compiled"] / dense_report["flops"]["compiled"],
                  report["constants_bytes"] / dense_report["constants_bytes"]))
        if "sparsity" in report:
            weights = report["sparsity"]["weights"]
            line += " zeros=%d/%d" % (weights["zeros"], weights["elements"])
        print(line)
        ok = ok and pruned >= least
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
