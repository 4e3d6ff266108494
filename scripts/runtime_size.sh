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
set -euo pipefail
BUILD_DIR=build
BUDGET=""
while [ $# -gt 0 ]; do
  case "$1" in
    --budget) BUDGET="$2"; shift 2 ;;
    *) BUILD_DIR="$1"; shift ;;
  esac
done
ARM64="$BUILD_DIR/runtime/arm64/build/runtime"
LIBS=("$ARM64/loader/libmica_runtime_loader.a" "$ARM64/model/libmica_runtime.a")
for tool in aarch64-linux-gnu-strip aarch64-linux-gnu-size; do
  command -v "$tool" >/dev/null || { echo "runtime_size: $tool not found (run scripts/setup.sh)" >&2; exit 1; }
done
for lib in "${LIBS[@]}"; do
  [ -f "$lib" ] || { echo "runtime_size: $lib missing; build first (the arm64 cross build is part of the normal build)" >&2; exit 1; }
done

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
total=0
printf '%-28s %9s %9s %9s %9s\n' "arm64, stripped" ".text" ".rodata" ".data" "sum"
for lib in "${LIBS[@]}"; do
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
  total=$((total + sum))
  printf '%-28s %9d %9d %9d %9d\n' "$(basename "$lib")" "$text" "$rodata" "$data" "$sum"
done
printf '%-28s %9s %9s %9s %9d bytes (%.1f KiB)\n' "runtime total" "" "" "" "$total" \
  "$(awk -v t="$total" 'BEGIN { print t / 1024 }')"
if [ -n "$BUDGET" ] && [ "$total" -gt "$BUDGET" ]; then
  echo "runtime_size: $total bytes exceed the budget of $BUDGET bytes" >&2
  exit 1
fi
