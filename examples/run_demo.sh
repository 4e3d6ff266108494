#!/usr/bin/env bash
# Mica demo: import the bundled tiny CNN and print it in Mica's graph dialect.
# (Later this will also compile it for the host and run it on input_0.pb.)
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

echo "== Mica demo: tiny CNN (1x3x32x32 -> 10 classes) imported from examples/tiny_cnn/model.onnx;"
echo "== shown: the model in Mica's graph dialect (mica import --elide-constants; weights elided)"
"$MICA" import --elide-constants "$MODEL"
