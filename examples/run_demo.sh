#!/usr/bin/env bash
# Mica demo: compile the bundled tiny CNN for this machine, run it on its
# sample input with Mica's runtime, and compare with the reference output
# that PyTorch computed (examples/tiny_cnn/expected_output_0.pb).
#
#   bash examples/run_demo.sh [BUILD_DIR]     (default BUILD_DIR: build)
#
# BUILD_DIR may be absolute, relative to the current directory, or relative
# to the repository root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_ARG="${1:-build}"

if [[ -d "$BUILD_ARG" ]]; then
  BUILD_DIR="$(cd "$BUILD_ARG" && pwd)"
elif [[ "$BUILD_ARG" != /* && -d "$ROOT/$BUILD_ARG" ]]; then
  BUILD_DIR="$(cd "$ROOT/$BUILD_ARG" && pwd)"
else
  echo "run_demo.sh: build directory '$BUILD_ARG' not found; run 'make build' first" >&2
  exit 1
fi

MICA="$BUILD_DIR/bin/mica"
if [[ ! -x "$MICA" ]]; then
  echo "run_demo.sh: $MICA not found or not executable; run 'make build' first" >&2
  exit 1
fi

MODEL="$ROOT/examples/tiny_cnn/model.onnx"
if [[ ! -f "$MODEL" ]]; then
  echo "run_demo.sh: $MODEL is missing; regenerate it with" \
       "/usr/bin/python3 examples/tiny_cnn/make_model.py" >&2
  exit 1
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "== mica compile examples/tiny_cnn/model.onnx --target host -o tiny_cnn.mica"
"$MICA" compile "$MODEL" --target host -o "$WORK/tiny_cnn.mica" --report "$WORK/report.json"
/usr/bin/python3 - "$WORK/report.json" "$WORK/tiny_cnn.mica" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1]))
m = r["memory"]
print("   target %s (%s, cpu %s); artifact %d bytes: code %d, constants %d"
      % (r["target"]["name"], r["target"]["triple"], r["target"]["cpu"],
         os.path.getsize(sys.argv[2]), r["code_bytes"], r["constants_bytes"]))
print("   memory plan: arena %d bytes for %d bytes of intermediates (%d%% saved)"
      % (m["arena_bytes"], m["intermediates_bytes"], m["saving_percent"]))
PY
echo "== mica run tiny_cnn.mica --input examples/tiny_cnn/input_0.pb"
"$MICA" run "$WORK/tiny_cnn.mica" --input "$ROOT/examples/tiny_cnn/input_0.pb" \
  --output-dir "$WORK/out" --repeat 20 --warmup 2 --json > "$WORK/run.json"
/usr/bin/python3 - "$WORK/run.json" "$ROOT/examples/tiny_cnn/expected_output_0.pb" <<'PY'
import json, sys
import numpy as np
import onnx
from onnx import numpy_helper
run = json.load(open(sys.argv[1]))
out = run["outputs"][0]
got = np.load(out["file"]).ravel()
ref_proto = onnx.TensorProto()
ref_proto.ParseFromString(open(sys.argv[2], "rb").read())
ref = numpy_helper.to_array(ref_proto).ravel()
print("   output '%s' %s %s, median %.3f ms over %d runs"
      % (out["name"], "x".join(map(str, out["shape"])), out["dtype"],
         run["median_ms"], run["runs"]))
print("   class probabilities:", " ".join("%.4f" % v for v in got))
print("   top class %d (p=%.4f); PyTorch reference: top class %d, max |difference| %.2g"
      % (int(got.argmax()), got.max(), int(ref.argmax()), float(np.abs(got - ref).max())))
PY
