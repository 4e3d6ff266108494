#!/usr/bin/python3
"""Compile and run the models of qoperator_models.py with Mica and compare
their outputs with a reference.

    check_qoperator.py --dir DIR [--ort SCRIPT] MODEL...

For each MODEL: `mica compile DIR/MODEL.onnx --report`, `mica run` on its
inputs, and the largest difference of each output from the reference, in
units of the output's quantisation step. The reference is
DIR/MODEL.expected.npz (numpy, ONNX Runtime's arithmetic), or, with --ort,
ONNX Runtime itself through SCRIPT (scripts/ort_reference.js). Prints per
model:

    MODEL: integer layers N, float ops K, float nodes F,
           max difference D steps over V values (W differ)

(the counts from the compile report's `quantization` section: layers
with an integer form, float computations left, ONNX nodes computed in
float)

(with --arm64, also whether the arm64 build's outputs are the host's, byte
for byte) and, last, `all within 1 step` or `NOT all within 1 step`.
"""

import argparse
import glob
import json
import os
import subprocess
import sys

import numpy as np


def run(cmd):
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        sys.stdout.write(result.stdout.decode())
        raise SystemExit("failed: " + " ".join(cmd))
    return result.stdout.decode()


def outputs_of(out_dir):
    """name -> array, from the index.json of mica run or ort_reference.js."""
    index = os.path.join(out_dir, "index.json")
    if os.path.exists(index):
        with open(index) as f:
            return {name: np.load(os.path.join(out_dir, file))
                    for name, file in json.load(f).items()}
    return {os.path.basename(p)[:-4]: np.load(p)
            for p in glob.glob(os.path.join(out_dir, "*.npy"))}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--mica", default="mica")
    parser.add_argument("--ort", help="scripts/ort_reference.js: compare with ONNX Runtime")
    parser.add_argument("--arm64", metavar="FEATURES", default=None,
                        help="also compile for arm64 with these CPU features "
                        "(\"\" for none), run under qemu, and check that the "
                        "outputs are the host's byte for byte")
    parser.add_argument("models", nargs="+")
    args = parser.parse_args()
    ok = True
    for model in args.models:
        base = os.path.join(args.dir, model)
        inputs = []
        for path in sorted(glob.glob(base + ".*.npy")):
            inputs += ["--input", "%s=%s" % (path[len(base) + 1:-4], path)]
        run([args.mica, "compile", base + ".onnx", "-o", base + ".mica",
             "--report", base + ".json"])
        run([args.mica, "run", base + ".mica", *inputs, "--output-dir", base + ".mica_out"])
        got = outputs_of(base + ".mica_out")
        expected = np.load(base + ".expected.npz")
        reference = {n: expected[n] for n in expected.files if not n.startswith("STEP_")}
        if args.ort:
            run(["node", args.ort, "--model", base + ".onnx", *inputs,
                 "--output-dir", base + ".ort_out"])
            reference = outputs_of(base + ".ort_out")
        worst, count, differ = 0, 0, 0
        for name, ref in reference.items():
            step = float(expected["STEP_" + name])
            # Whole steps (float outputs are dequantised integers).
            diff = np.rint(np.abs(got[name].astype(np.float64) -
                                  ref.astype(np.float64)) / step)
            worst = max(worst, int(diff.max()))
            differ += int((diff > 0).sum())
            count += ref.size
        if args.arm64 is not None:
            features = ["--cpu-features", args.arm64] if args.arm64 else []
            run([args.mica, "compile", base + ".onnx", "--target", "arm64", *features,
                 "-o", base + ".arm64.mica"])
            run([args.mica, "run", base + ".arm64.mica", *inputs,
                 "--output-dir", base + ".arm64_out"])
            arm64 = outputs_of(base + ".arm64_out")
            same = all(arm64[n].tobytes() == got[n].tobytes() for n in got)
            print("%s: arm64 outputs %s the host's" % (model, "equal" if same else "DIFFER from"))
            ok = ok and same
        with open(base + ".json") as f:
            report = json.load(f).get("quantization", {})
        float_nodes = [n["node"] for n in report.get("nodes", [])
                       if n["precision"] == "float"]
        print("%s: integer layers %d, float ops %d, float nodes %d, "
              "max difference %d steps over %d values (%d differ)"
              % (model, report.get("integer_layers", 0), len(report.get("float_ops", [])),
                 len(float_nodes), worst, count, differ))
        ok = ok and worst <= 1
    print("all within 1 step" if ok else "NOT all within 1 step")
    return 0


if __name__ == "__main__":
    sys.exit(main())
