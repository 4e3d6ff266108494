#!/usr/bin/env bash
# Checks that every tracked C/C++ source and header is formatted as
# clang-format-22 formats it with the repository's .clang-format. Prints a
# lit-style "Passed: 1" or "Failed: 1" line (scripts/run_tests.sh adds it to
# its totals) and, on failure, the files to reformat with
#
#   clang-format-22 -i FILE...
#
#   scripts/check_format.sh
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
FORMAT=clang-format-22
command -v "$FORMAT" >/dev/null || { echo "check_format: $FORMAT not found (run scripts/setup.sh)" >&2; echo "  Failed: 1"; exit 1; }
cd "$ROOT"
mapfile -t files < <(git ls-files '*.c' '*.h' '*.cpp' '*.cc')
# One run over all files; each unformatted one is named in a
# "FILE:LINE:COL: error: code should be clang-formatted" line.
mapfile -t bad < <("$FORMAT" --dry-run --Werror "${files[@]}" 2>&1 |
  sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' |
  sort -u)
if [ ${#bad[@]} -eq 0 ]; then
  echo "format check: ${#files[@]} C/C++ files formatted"
  echo "  Passed: 1"
  exit 0
fi
echo "format check: ${#bad[@]} of ${#files[@]} C/C++ files differ from $FORMAT's format:"
printf '  %s\n' "${bad[@]}"
echo "  Failed: 1"
exit 1
