#!/usr/bin/env bash
# Prints the binary size of the runtime's own code on arm64: .text + .rodata +
# .data of the objects in libmica_runtime.a and libmica_runtime_loader.a of
# the arm64 cross build (runtime/arm64), after aarch64-linux-gnu-strip, as
# aarch64-linux-gnu-size counts them. Unwind tables (.eh_frame) and .bss (no
# file space) are left out; libc/libm, which a program links anyway, too.
#
#   scripts/runtime_size.sh [BUILD_DIR] [--budget BYTES]   (default: build)
#
# With --budget it fails (exit 1) when the total exceeds BYTES: the runtime's
# size is tracked like latency (test/runtime/arm64/size_budget.test).
# Optional libraries get a line of their own, outside the total, each with
# its own budget (--stream-budget: libmica_runtime_stream.a, streamed
# weights, default 4096).
set -euo pipefail
BUILD_DIR=build
BUDGET=""
STREAM_BUDGET=4096
while [ $# -gt 0 ]; do
  case "$1" in
    --budget) BUDGET="$2"; shift 2 ;;
    --stream-budget) STREAM_BUDGET="$2"; shift 2 ;;
    *) BUILD_DIR="$1"; shift ;;
  esac
done
ARM64="$BUILD_DIR/runtime/arm64/build/runtime"
LIBS=("$ARM64/loader/libmica_runtime_loader.a" "$ARM64/model/libmica_runtime.a")
STREAM_LIB="$ARM64/stream/libmica_runtime_stream.a"
for tool in aarch64-linux-gnu-strip aarch64-linux-gnu-size; do
  command -v "$tool" >/dev/null || { echo "runtime_size: $tool not found (run scripts/setup.sh)" >&2; exit 1; }
done
for lib in "${LIBS[@]}"; do
  [ -f "$lib" ] || { echo "runtime_size: $lib missing; build first (the arm64 cross build is part of the normal build)" >&2; exit 1; }
done

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
total=0
# Prints the line of one library and sets $sum to its bytes.
measure() {
  local lib="$1" copy
  copy="$TMP/$(basename "$lib")"
  cp "$lib" "$copy"
  aarch64-linux-gnu-strip --strip-unneeded "$copy"
  # size -A: one "section size address" line per section of each member.
  read -r text rodata data < <(aarch64-linux-gnu-size -A "$copy" | awk '
    $1 ~ /^\.text/ { t += $2 }
    $1 ~ /^\.rodata/ { r += $2 }
    $1 ~ /^\.data/ { d += $2 }
    END { print t + 0, r + 0, d + 0 }')
  sum=$((text + rodata + data))
  printf '%-28s %9d %9d %9d %9d\n' "$(basename "$lib")" "$text" "$rodata" "$data" "$sum"
}
printf '%-28s %9s %9s %9s %9s\n' "arm64, stripped" ".text" ".rodata" ".data" "sum"
for lib in "${LIBS[@]}"; do
  measure "$lib"
  total=$((total + sum))
done
printf '%-28s %9s %9s %9s %9d bytes (%.1f KiB)\n' "runtime total" "" "" "" "$total" \
  "$(awk -v t="$total" 'BEGIN { print t / 1024 }')"
status=0
if [ -n "$BUDGET" ] && [ "$total" -gt "$BUDGET" ]; then
  echo "runtime_size: $total bytes exceed the budget of $BUDGET bytes" >&2
  status=1
fi
# Optional: streamed weights (mica/stream.h), outside the core's total.
if [ -f "$STREAM_LIB" ]; then
  measure "$STREAM_LIB"
  printf '%-28s %9s %9s %9s %9d bytes of %d (optional)\n' "stream total" "" "" "" "$sum" "$STREAM_BUDGET"
  if [ "$sum" -gt "$STREAM_BUDGET" ]; then
    echo "runtime_size: libmica_runtime_stream.a is $sum bytes, over its budget of $STREAM_BUDGET" >&2
    status=1
  fi
fi
exit $status
