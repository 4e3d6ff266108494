"""W8A8 accuracy on the digits models (digits_models.py): top-1 of the float
and the quantised artifact on the 360 held-out images, and their constants.

  python3 digits_accuracy.py [--models NAME,...] CACHE WORKDIR MAX_DROP_POINTS
                             [METHOD...]

Compiles each model at batch 360 in float and once per calibration METHOD
(`minmax`, the default, `percentile`, `percentile:P` for --calib-percentile
P, `mse`), calibrated with batches of 8 (the calibration shapes differ from
the compiled ones), runs them with `mica run`, prints one line per model and
method and exits 1 if a top-1 drop exceeds MAX_DROP_POINTS. Models: mlp and
cnn unless --models names them (mlp, cnn, vit). The minmax
artifact is WORKDIR/NAME_w8a8.mica, the others NAME_w8a8_METHOD.mica, each
with its report beside it (.json).
"""
import json
import os
import subprocess
import sys

import numpy as np


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def top1(artifact, inputs, labels, out):
    run("mica", "run", artifact, "--input", inputs, "--output-dir", out)
    logits = np.load(os.path.join(out, "logits.npy"))
    return float((logits.argmax(1) == labels).mean()), logits


def method_args(method):
    name, _, percentile = method.partition(":")
    args = ["--calib-method", name]
    if percentile:
        args += ["--calib-percentile", percentile]
    return args


SHAPES = {"mlp": "360x64", "cnn": "360x1x8x8", "vit": "360x1x8x8"}


def main():
    args = sys.argv[1:]
    models = ["mlp", "cnn"]
    if args[0] == "--models":
        models = args[1].split(",")
        args = args[2:]
    cache, work, max_drop = args[0], args[1], float(args[2])
    methods = args[3:] or ["minmax"]
    labels = np.load(os.path.join(cache, "test_labels.npy"))
    reference = json.load(open(os.path.join(cache, "float_top1.json")))
    ok = True
    for name in models:
        shape = SHAPES[name]
        model = os.path.join(cache, name + ".onnx")
        inputs = os.path.join(cache, "test_%s.npy" % name)

        def build(kind, extra):
            artifact = os.path.join(work, "%s_%s.mica" % (name, kind))
            report = artifact + ".json"
            run("mica", "compile", model, "--input-shape", "input=" + shape,
                "-o", artifact, "--report", report, *extra)
            accuracy, logits = top1(artifact, inputs, labels,
                                    os.path.join(work, name + "_" + kind))
            return accuracy, logits, json.load(open(report))["constants_bytes"]

        f = build("float", [])
        # The float artifact agrees with PyTorch's top-1.
        same_as_torch = abs(f[0] - reference[name]) < 1e-9
        ok = ok and same_as_torch
        for method in methods:
            kind = "w8a8" if method == "minmax" else \
                "w8a8_" + method.replace(":", "_")
            q = build(kind, ["--quantize", "w8a8", "--calibration",
                             os.path.join(cache, "calib_" + name)] +
                      method_args(method))
            drop = (f[0] - q[0]) * 100
            print("%s float=%.4f w8a8=%.4f drop=%.2f points constants=%.3fx "
                  "agree=%.4f torch_float=%s method=%s" % (
                      name, f[0], q[0], drop, q[2] / f[2],
                      float((f[1].argmax(1) == q[1].argmax(1)).mean()),
                      "same" if same_as_torch else "differs", method))
            ok = ok and drop <= max_drop
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
