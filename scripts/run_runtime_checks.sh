#!/usr/bin/env bash
# The runtime's sanitizer and fuzzing checks, in their own small build
# (BUILD_DIR-sanitize: clang-22, -DMICA_SANITIZE=ON -DMICA_ENABLE_FUZZERS=ON)
# that builds only runtime targets, so it stays quick:
#
#   1. the runtime unit tests (loader and model) built with ASan + UBSan and
#      run through lit;
#   2. bounded libFuzzer runs of the model loader (mica-model-fuzz, seeded
#      with valid artifacts from mica-model-fuzz-seeds) and of the code
#      loader (mica-loader-fuzz, seeded with the loader tests' objects).
#
#   scripts/run_runtime_checks.sh [BUILD_DIR]
#
# MICA_FUZZ_SECONDS (default 40) bounds the model fuzzer; the code loader
# fuzzer gets a third of it; 0 skips fuzzing. MICA_RUNTIME_CHECKS=0 skips
# everything (quick local runs of scripts/run_tests.sh). Prints lit-style "Passed: N" /
# "Failed: N" lines (scripts/run_tests.sh adds them to its totals) and exits
# non-zero when anything failed. Crash inputs are kept in
# BUILD_DIR-sanitize/fuzz/crashes.
set -uo pipefail
BUILD_DIR="${1:-build}"
DIR="${BUILD_DIR%/}-sanitize"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
FUZZ_SECONDS="${MICA_FUZZ_SECONDS:-40}"
JOBS="${JOBS:-$(nproc)}"
LIT=/usr/lib/llvm-22/bin/lit
export CCACHE_BASEDIR="$ROOT"

if [ "${MICA_RUNTIME_CHECKS:-1}" = 0 ]; then
  echo "runtime checks: skipped (MICA_RUNTIME_CHECKS=0)"
  exit 0
fi
echo "runtime checks: ASan+UBSan tests and fuzzing in $DIR"
if [ ! -f "$DIR/build.ninja" ]; then
  mkdir -p "$DIR"
  cmake -S "$ROOT" -B "$DIR" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld-22 \
    -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld-22 \
    -DMICA_SANITIZE=ON -DMICA_ENABLE_FUZZERS=ON \
    -DMICA_BUILD_ARM64_RUNTIME=OFF >"$DIR/configure.log" 2>&1 || {
    cat "$DIR/configure.log"
    echo "runtime checks: configuring $DIR failed"
    echo "  Failed: 1"
    exit 1
  }
fi

TESTS=(LoaderTest LoaderRelocationsTest LoaderCorruptionTest
       ModelTest ModelValidationTest ModelCorruptionTest ThreadPoolTest
       ModelEncodedConstantsTest ModelWidthTest)
FUZZERS=(mica-model-fuzz mica-model-fuzz-seeds mica-loader-fuzz)
if ! ninja -C "$DIR" -j "$JOBS" --quiet "${TESTS[@]}" "${FUZZERS[@]}"; then
  echo "runtime checks: building the sanitized runtime targets failed"
  echo "  Failed: 1"
  exit 1
fi

status=0
# 1. Sanitized unit tests (lit prints its own Passed/Failed lines).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
"$LIT" -sv --order=lexical "$DIR/test/unit" || status=1

# 2. Bounded fuzzing.
fuzz_passed=0
fuzz_failed=0
run_fuzzer() { # NAME SECONDS CORPUS
  local name="$1" seconds="$2" corpus="$3"
  mkdir -p "$DIR/fuzz/crashes"
  local log="$DIR/fuzz/$name.log"
  if "$DIR/bin/$name" "$corpus" -max_total_time="$seconds" -max_len=16384 \
       -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$DIR/fuzz/crashes/$name-" >"$log" 2>&1; then
    local runs
    runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$')
    echo "PASS: runtime-fuzz :: $name (${seconds}s, ${runs:-?} inputs)"
    fuzz_passed=$((fuzz_passed + 1))
  else
    echo "FAIL: runtime-fuzz :: $name (log: $log)"
    tail -n 40 "$log"
    fuzz_failed=$((fuzz_failed + 1))
    status=1
  fi
}
if [ "$FUZZ_SECONDS" -gt 0 ]; then
  corpus="$DIR/fuzz/corpus"
  rm -rf "$corpus"
  mkdir -p "$corpus/model" "$corpus/loader"
  if "$DIR/bin/mica-model-fuzz-seeds" "$corpus/model"; then
    run_fuzzer mica-model-fuzz "$FUZZ_SECONDS" "$corpus/model"
  else
    echo "FAIL: runtime-fuzz :: mica-model-fuzz-seeds"
    fuzz_failed=$((fuzz_failed + 1))
    status=1
  fi
  cp "$DIR"/test/unit/runtime/loader/Inputs/*.o "$corpus/loader/"
  run_fuzzer mica-loader-fuzz $(( (FUZZ_SECONDS + 2) / 3 )) "$corpus/loader"
  echo "runtime fuzzing:"
  echo "  Passed: $fuzz_passed"
  [ "$fuzz_failed" -eq 0 ] || echo "  Failed: $fuzz_failed"
fi
exit "$status"
