#!/usr/bin/env bash
# Halide's f32 matmul against Mica's (README.md): builds the generator with
# Debian's Halide 14 (in its own process: Halide links LLVM 14, Mica LLVM 22),
# generates the kernel for this machine without Halide's runtime, builds the
# timing driver and runs compare.py.
#
#   bench/halide/run.sh BUILD_DIR [compare.py options]
set -euo pipefail
BUILD_DIR="$(cd "${1:-build}" && pwd)"
shift || true
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="$BUILD_DIR/bench/halide"
mkdir -p "$OUT"

if ! dpkg -s libhalide14-0-dev >/dev/null 2>&1; then
  echo "bench/halide: installing libhalide14-0-dev" >&2
  apt-get install -y -qq libhalide14-0-dev >/dev/null
fi

g++ -O1 -std=c++17 -I/usr/include/halide14 "$HERE/sgemm_generator.cpp" \
  /usr/src/halide14/GenGen.cpp -o "$OUT/sgemm_generator" -lHalide14 -lpthread -ldl
# no_runtime: the object calls nothing of Halide's (no allocation, no
# threads, no error handlers; `nm -u` below proves it).
"$OUT/sgemm_generator" -g sgemm -o "$OUT" -e object,h,assembly -f mica_halide_sgemm \
  target=host-no_runtime-no_asserts-no_bounds_query
if nm -u "$OUT/mica_halide_sgemm.o" | grep -q .; then
  echo "bench/halide: the kernel imports symbols:" >&2
  nm -u "$OUT/mica_halide_sgemm.o" >&2
  exit 1
fi
# The same generator for arm64 (NEON), for its disassembly only: this
# machine cannot time ARM code.
"$OUT/sgemm_generator" -g sgemm -o "$OUT" -e assembly -f mica_halide_sgemm_arm64 \
  target=arm-64-linux-no_runtime-no_asserts-no_bounds_query
clang-22 -O2 -I/usr/include/halide14 -I"$OUT" "$HERE/sgemm_bench.c" \
  "$OUT/mica_halide_sgemm.o" -o "$OUT/sgemm_bench" -lm
/usr/bin/python3 "$HERE/compare.py" --mica "$BUILD_DIR/bin" \
  --halide-bench "$OUT/sgemm_bench" --out "$OUT" "$@"
