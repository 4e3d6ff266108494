#!/usr/bin/python3
"""Run `mica import` over the ONNX backend test suite and compare with a
checked-in list of cases that are expected to import.

    import_suite.py --mica PATH/TO/mica \\
        --data /usr/include/onnx/backend/test/data \\
        --expected test/conformance/expected_imports.txt \\
        [--jobs N] [--timeout S] [--update] [--report FILE] [--filter REGEX]

Every case directory under DATA/{node,pytorch-converted,pytorch-operator,simple}
(1072 with Debian's libonnx-testdata; `real` is skipped) is imported once, in
its own process, in parallel:

    mica import CASE/model.onnx -o TMP/<n>.mlir

Each case is classified by the exit status:

    ok           0
    error        1   (the importer rejected the model with a diagnostic)
    usage        2
    unsupported  3
    crash        killed by a signal, or an exit that printed an LLVM fatal
                 error, an assertion, a stack dump or a sanitizer report
    timeout      ran past --timeout
    other        any other exit status
    partial      failed but left an output file behind (the error contract
                 says a failed import never leaves a partial output)

Expected cases that no longer import are regressions: they are listed and the
run exits 1. Newly importing cases are listed (re-run with --update to record
them) but do not fail. Crashes, timeouts and partial outputs always fail.
--update rewrites the expected list with every case that imports now.

The last line printed is always `N passed, M failed`: N = expected cases that
import (with --update: all cases that import), M = regressions plus any crash,
timeout or partial output not already counted as a regression.

Exit status: 0 clean, 1 regressions or crashes, 2 bad invocation.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from multiprocessing.pool import ThreadPool

SUITES = ("node", "pytorch-converted", "pytorch-operator", "simple")
CATEGORIES = ("ok", "error", "unsupported", "usage", "crash", "timeout", "other", "partial")
ALWAYS_FAIL = ("crash", "timeout", "partial")
EXIT_CODES = {0: "ok", 1: "error", 2: "usage", 3: "unsupported"}

# Output that means the process died even though it exited "normally"
# (report_fatal_error exits 1; sanitizers exit 1 by default).
CRASH_MARKERS = re.compile(
    r"LLVM ERROR:|Assertion .* failed|Stack dump:|PLEASE submit a bug report|"
    r"ERROR: (Address|Memory|Thread|UndefinedBehavior|Leak)Sanitizer|"
    r"runtime error: |terminate called|Segmentation fault")


class Result(object):
    __slots__ = ("case", "category", "returncode", "first_line", "seconds")

    def __init__(self, case, category, returncode, first_line, seconds):
        self.case = case
        self.category = category
        self.returncode = returncode
        self.first_line = first_line
        self.seconds = seconds


def find_cases(data, pattern=None):
    cases = []
    for suite in SUITES:
        root = os.path.join(data, suite)
        if not os.path.isdir(root):
            continue
        for name in sorted(os.listdir(root)):
            if os.path.isfile(os.path.join(root, name, "model.onnx")):
                case = suite + "/" + name
                if pattern is None or pattern.search(case):
                    cases.append(case)
    return cases


def _first_line(text):
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line[:300]
    return ""


def _crash_line(text):
    for line in text.splitlines():
        if CRASH_MARKERS.search(line):
            return line.strip()[:300]
    return None


def _signal_name(num):
    try:
        return signal.Signals(num).name
    except ValueError:
        return "signal %d" % num


def run_case(mica, data, case, timeout, tmp_dir, index, extra_args):
    model = os.path.join(data, case, "model.onnx")
    out_path = os.path.join(tmp_dir, "%d.mlir" % index)
    cmd = [mica, "import", model, "-o", out_path] + list(extra_args)
    start = time.time()
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        _remove(out_path)
        return Result(case, "timeout", None, "timed out after %g s" % timeout,
                      time.time() - start)
    except OSError as e:
        return Result(case, "crash", None, "could not run mica: %s" % e, time.time() - start)
    seconds = time.time() - start
    stderr = proc.stderr.decode("utf-8", "replace")
    rc = proc.returncode
    left_output = os.path.exists(out_path)
    _remove(out_path)
    if rc < 0:
        line = _crash_line(stderr) or _first_line(stderr)
        return Result(case, "crash", rc, "%s%s" % (_signal_name(-rc),
                                                  ": " + line if line else ""), seconds)
    crash = _crash_line(stderr)
    if rc != 0 and crash:
        return Result(case, "crash", rc, crash, seconds)
    category = EXIT_CODES.get(rc, "other")
    first = _first_line(stderr)
    if category == "other":
        first = "exit %d%s" % (rc, ": " + first if first else "")
    if rc != 0 and left_output:
        return Result(case, "partial", rc, "exit %d but the -o file was written%s"
                      % (rc, ": " + first if first else ""), seconds)
    return Result(case, category, rc, first, seconds)


def _remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


def read_expected(path):
    names = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                names.append(line)
    return names


def write_expected(path, names):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        for name in sorted(set(names)):
            f.write(name + "\n")
    os.replace(tmp, path)


def resolve_mica(mica):
    if os.sep in mica:
        return os.path.abspath(mica) if os.access(mica, os.X_OK) else None
    return shutil.which(mica)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Import every ONNX backend test case with mica and compare "
                    "with the expected list.",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--mica", required=True, help="the mica binary (path or name on PATH)")
    parser.add_argument("--data", required=True,
                        help="ONNX backend test data (e.g. /usr/include/onnx/backend/test/data)")
    parser.add_argument("--expected", required=True,
                        help="file listing cases expected to import, one per line")
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per case")
    parser.add_argument("--update", action="store_true",
                        help="rewrite --expected with the cases that import now")
    parser.add_argument("--report", help="write the full report (failures by category) here")
    parser.add_argument("--filter", help="only cases whose name matches this regex")
    parser.add_argument("--mica-arg", action="append", default=[], metavar="ARG",
                        help="extra argument for `mica import` (repeatable)")
    args = parser.parse_args(argv)

    mica = resolve_mica(args.mica)
    if mica is None:
        print("import_suite: mica not found or not executable: %s" % args.mica, file=sys.stderr)
        print("0 passed, 0 failed")
        return 2
    if not os.path.isdir(args.data):
        print("import_suite: no ONNX backend test data at %s (install libonnx-testdata)"
              % args.data, file=sys.stderr)
        print("0 passed, 0 failed")
        return 2
    pattern = re.compile(args.filter) if args.filter else None
    cases = find_cases(args.data, pattern)
    if not cases:
        print("import_suite: no cases found under %s" % args.data, file=sys.stderr)
        print("0 passed, 0 failed")
        return 2

    if os.path.exists(args.expected):
        expected = read_expected(args.expected)
    elif args.update:
        expected = []
    else:
        print("import_suite: expected list %s does not exist (create it with --update)"
              % args.expected, file=sys.stderr)
        print("0 passed, 0 failed")
        return 2
    case_set = set(cases)
    # With --filter only the selected part of the expected list is checked.
    missing = sorted(e for e in expected if e not in case_set and
                     (pattern is None or pattern.search(e)))
    expected_set = set(e for e in expected if e in case_set)

    start = time.time()
    tmp_dir = tempfile.mkdtemp(prefix="mica-import-suite.")
    try:
        pool = ThreadPool(max(1, args.jobs))
        try:
            results = pool.map(
                lambda item: run_case(mica, args.data, item[1], args.timeout, tmp_dir,
                                      item[0], args.mica_arg),
                list(enumerate(cases)), chunksize=1)
        finally:
            pool.close()
            pool.join()
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    elapsed = time.time() - start

    by_case = {r.case: r for r in results}
    counts = Counter(r.category for r in results)
    ok = sorted(r.case for r in results if r.category == "ok")
    ok_set = set(ok)
    regressions = sorted(c for c in expected_set if c not in ok_set)
    newly = sorted(c for c in ok if c not in expected_set)
    hard = sorted(r.case for r in results if r.category in ALWAYS_FAIL)

    lines = []
    lines.append("mica import over the ONNX backend test suite (%s)" % args.data)
    lines.append("%d cases, %d jobs, %.1f s" % (len(cases), args.jobs, elapsed))
    lines.append("")
    lines.append("%-12s %6s" % ("category", "cases"))
    for cat in CATEGORIES:
        if counts.get(cat) or cat in ("ok", "error", "unsupported", "crash", "timeout"):
            lines.append("%-12s %6d" % (cat, counts.get(cat, 0)))
    lines.append("%-12s %6d" % ("total", len(cases)))
    lines.append("import rate: %.1f%% (%d/%d)" % (100.0 * len(ok) / len(cases), len(ok),
                                                    len(cases)))
    per_suite = defaultdict(lambda: [0, 0])
    for r in results:
        suite = r.case.split("/", 1)[0]
        per_suite[suite][1] += 1
        per_suite[suite][0] += r.category == "ok"
    lines.append("per suite: " + ", ".join("%s %d/%d" % (s, per_suite[s][0], per_suite[s][1])
                                            for s in SUITES if s in per_suite))
    summary = list(lines)

    details = []
    for cat in CATEGORIES[1:]:
        failing = sorted((r for r in results if r.category == cat), key=lambda r: r.case)
        if not failing:
            continue
        details.append("")
        details.append("== %s (%d)" % (cat, len(failing)))
        for r in failing:
            details.append("%s: %s" % (r.case, r.first_line or "(no message)"))
    slowest = sorted(results, key=lambda r: -r.seconds)[:10]
    details.append("")
    details.append("== slowest cases")
    for r in slowest:
        details.append("%7.2f s  %s (%s)" % (r.seconds, r.case, r.category))

    out = list(summary)
    if hard:
        out.append("")
        out.append("CRASHES / TIMEOUTS / PARTIAL OUTPUTS (%d), always a failure:" % len(hard))
        for c in hard:
            out.append("  %s [%s] %s" % (c, by_case[c].category, by_case[c].first_line))
    if missing:
        out.append("")
        out.append("warning: %d expected cases are not in the test data: %s"
                   % (len(missing), " ".join(missing[:20]) + (" ..." if len(missing) > 20 else "")))
    if args.update:
        # Keep the entries a --filter did not select; drop the rest.
        kept = [m for m in expected if pattern is not None and not pattern.search(m)]
        write_expected(args.expected, ok + kept)
        out.append("")
        out.append("updated %s: %d cases (was %d; %d added, %d removed)"
                   % (args.expected, len(ok), len(expected_set), len(newly), len(regressions)))
        passed = len(ok)
        failed = len(hard)
    else:
        if regressions:
            out.append("")
            out.append("REGRESSIONS (%d): expected to import, now failing:" % len(regressions))
            for c in regressions:
                out.append("  %s [%s] %s" % (c, by_case[c].category, by_case[c].first_line))
        if newly:
            out.append("")
            out.append("%d cases import that are not in %s (record them with --update):"
                       % (len(newly), args.expected))
            for c in newly[:50]:
                out.append("  " + c)
            if len(newly) > 50:
                out.append("  ... and %d more%s" % (len(newly) - 50,
                                                   " (see --report)" if args.report else ""))
                details.append("")
                details.append("== newly importing (%d)" % len(newly))
                details.extend(newly)
        passed = len(expected_set) - len(regressions)
        failed = len(regressions) + len([c for c in hard if c not in expected_set])

    if counts.get("usage", 0) == len(cases):
        out.append("")
        out.append("note: every case exited 2 (usage); does `%s import MODEL -o FILE` work?"
                   % mica)

    if args.report:
        with open(args.report, "w") as f:
            f.write("\n".join(out + details) + "\n")
            f.write("%d passed, %d failed\n" % (passed, failed))
        out.append("")
        out.append("report: %s" % args.report)

    try:
        print("\n".join(out))
        print("%d passed, %d failed" % (passed, failed))
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
