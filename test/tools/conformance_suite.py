#!/usr/bin/python3
"""Compile and run every case of the ONNX backend test suite with mica and
compare the outputs with the expected ones.

    conformance_suite.py --mica PATH/TO/mica \\
        --data /usr/include/onnx/backend/test/data \\
        --expected test/conformance/expected_pass.txt \\
        [--jobs N] [--timeout S] [--update] [--report FILE] [--filter REGEX]
        [--keep DIR]

Cases are enumerated as by import_suite.py (DATA/{node,pytorch-converted,
pytorch-operator,simple}, 1072 with Debian's libonnx-testdata). Each case is
one job (jobs run in parallel) that runs

    mica compile CASE/model.onnx --target host ARGS -o TMP/model.mica
    mica run TMP/model.mica --input NAME=CASE/test_data_set_0/input_K.pb ...
             --output-dir TMP/out --json

where ARGS follow the compile rule of conformance_rule.py (--input-shape for
every input, --freeze-input for inputs that decide a shape), then compares
each output with output_K.pb: shapes must match; floating-point values must
satisfy |got - exp| <= atol + rtol * |exp| (rtol 1e-3, atol 1e-7; rtol 2^-7,
one bf16 unit, for bfloat16 outputs; NaN matches NaN, infinities must be
equal); integers and booleans must be equal. The per-case timeout covers
compile and run together.

Each case lands in one category:

    pass         every output matches
    wrong        ran, but an output differs (dtype, shape or values)
    unsupported  mica compile exited 3 (an op or type Mica does not handle)
    error        mica compile or mica run exited 1 (or another non-zero status)
    crash        killed by a signal, or an LLVM fatal error, assertion, stack
                 dump or sanitizer report in the output
    timeout      compile + run took longer than --timeout

The table ends with the pass rates over all cases and over the *core* subset
(the classification rule is in conformance_rule.py).

Expected cases that do not pass are regressions and fail the run (exit 1), as
do crashes and timeouts anywhere. Newly passing cases are listed; record
them with --update, which rewrites --expected with every passing case.

The last line printed is always `N passed, M failed`: N = expected cases that
pass (with --update: all passing cases), M = regressions plus crashes and
timeouts not already counted.

Exit status: 0 clean, 1 regressions, crashes or timeouts, 2 bad invocation.
"""

import argparse
import json
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import numpy_helper  # noqa: E402

import conformance_rule  # noqa: E402
from import_suite import SUITES, find_cases, read_expected, write_expected, resolve_mica  # noqa: E402

CATEGORIES = ("pass", "wrong", "unsupported", "error", "crash", "timeout")
ALWAYS_FAIL = ("crash", "timeout")
RTOL = 1e-3
ATOL = 1e-7
# bfloat16 has 8 significant bits, coarser than RTOL: its outputs may differ by
# one unit in the last place (ONNX 1.12's expected bfloat16 values were made by
# truncation, Mica rounds to nearest even).
RTOL_BF16 = 2.0 ** -7

CRASH_MARKERS = re.compile(
    r"LLVM ERROR:|Assertion .* failed|Stack dump:|PLEASE submit a bug report|"
    r"ERROR: (Address|Memory|Thread|UndefinedBehavior|Leak)Sanitizer|"
    r"runtime error: |terminate called|Segmentation fault")


class Result(object):
    __slots__ = ("case", "category", "message", "seconds", "core", "reason", "stage")

    def __init__(self, case, category, message, seconds=0.0, core=False, reason="", stage=""):
        self.case = case
        self.category = category
        self.message = message
        self.seconds = seconds
        self.core = core
        self.reason = reason
        self.stage = stage


def _first_line(text):
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line[:300]
    return ""


def _error_line(text):
    """The first `error:` line, else the first line."""
    for line in text.splitlines():
        if "error:" in line:
            return line.strip()[:300]
    return _first_line(text)


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


class _Timeout(Exception):
    pass


def _run(cmd, deadline):
    left = deadline - time.time()
    if left <= 0:
        raise _Timeout()
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=left)
    except subprocess.TimeoutExpired:
        raise _Timeout()
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), \
        proc.stderr.decode("utf-8", "replace")


def _classify_exit(rc, stderr, stage):
    """(category, message) for a failed command, or None when rc == 0."""
    if rc < 0:
        line = _crash_line(stderr) or _first_line(stderr)
        return "crash", "%s: %s%s" % (stage, _signal_name(-rc), ": " + line if line else "")
    crash = _crash_line(stderr)
    if crash:
        return "crash", "%s: %s" % (stage, crash)
    if rc == 0:
        return None
    if rc == 3:
        return "unsupported", _error_line(stderr)
    return "error", "%s exit %d: %s" % (stage, rc, _error_line(stderr))


def _bf16_to_f32(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def _load_output(path, dtype):
    arr = np.load(path)
    if dtype == "bfloat16":
        arr = _bf16_to_f32(arr.view(np.uint16))
    return arr


def _expected(path, declared):
    """(data type, array) of an expected output; bfloat16 outputs stored as
    uint16 bit patterns (ONNX 1.12's test data) become float32 values."""
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    arr = numpy_helper.to_array(tensor)
    if declared == onnx.TensorProto.BFLOAT16 and tensor.data_type == onnx.TensorProto.UINT16:
        return onnx.TensorProto.BFLOAT16, _bf16_to_f32(np.asarray(arr).view(np.uint16))
    if tensor.data_type == onnx.TensorProto.BFLOAT16 and arr.dtype != np.float32:
        arr = _bf16_to_f32(np.asarray(arr).view(np.uint16))
    return tensor.data_type, arr


def _write_input_npy(src, dst, bf16_bits, zeros_shape=None):
    """A .npy of the TensorProto `src`: bfloat16 ('<V2', as mica run reads
    it) when it holds the bit patterns as uint16; zeros of `zeros_shape`
    and the same type when given (a type-only input, see
    conformance_rule.py)."""
    tensor = onnx.TensorProto()
    with open(src, "rb") as f:
        tensor.ParseFromString(f.read())
    arr = numpy_helper.to_array(tensor)
    if zeros_shape is not None:
        arr = np.zeros(zeros_shape, dtype=arr.dtype)
    if not bf16_bits:
        np.save(dst, arr)
        return
    bits = np.ascontiguousarray(arr.astype("<u2"))
    header = "{'descr': '<V2', 'fortran_order': False, 'shape': %r, }" % (tuple(bits.shape),)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(dst, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode())
        f.write(bits.tobytes())


def compare(got, exp, exp_type):
    """None when `got` matches `exp`, else a short reason."""
    if got.shape != exp.shape:
        return "shape %s, expected %s" % (list(got.shape), list(exp.shape))
    if exp.dtype.kind == "f" or exp_type == onnx.TensorProto.BFLOAT16:
        if got.dtype.kind != "f":
            return "dtype %s, expected %s" % (got.dtype, exp.dtype)
        if got.dtype.itemsize != exp.dtype.itemsize and exp_type != onnx.TensorProto.BFLOAT16:
            return "dtype %s, expected %s" % (got.dtype, exp.dtype)
        g = got.astype(np.float64)
        e = exp.astype(np.float64)
        rtol = RTOL_BF16 if exp_type == onnx.TensorProto.BFLOAT16 else RTOL
        with np.errstate(invalid="ignore"):
            both_nan = np.isnan(g) & np.isnan(e)
            inf = np.isinf(e) | np.isinf(g)
            close = np.abs(g - e) <= ATOL + rtol * np.abs(e)
            ok = both_nan | np.where(inf, g == e, close)
        if not ok.all():
            bad = np.argwhere(~ok.reshape(-1) if ok.ndim else ~ok.reshape(1))
            i = int(bad[0][0])
            with np.errstate(invalid="ignore"):
                err = np.nanmax(np.where(ok, 0.0, np.abs(g - e)))
            return "%d of %d values differ (first at %d: %r vs %r; max error %g)" % (
                int((~ok).sum()), ok.size, i, g.reshape(-1)[i], e.reshape(-1)[i], err)
        return None
    if got.dtype != exp.dtype:
        return "dtype %s, expected %s" % (got.dtype, exp.dtype)
    if not np.array_equal(got, exp):
        diff = np.argwhere(got.reshape(-1) != exp.reshape(-1))
        i = int(diff[0][0])
        return "%d of %d values differ (first at %d: %r vs %r)" % (
            len(diff), exp.size, i, got.reshape(-1)[i], exp.reshape(-1)[i])
    return None


def run_case(mica, data, case, timeout, tmp_root, keep):
    start = time.time()
    deadline = start + timeout
    case_dir = os.path.join(data, case)
    try:
        spec = conformance_rule.Case(case_dir)
        core, reason = spec.classify()
    except Exception as e:  # a model the rule cannot read
        return Result(case, "error", "runner: cannot read case: %s" % e, 0.0)
    is_core = core == "core"
    work = os.path.join(tmp_root, case.replace("/", "__"))
    os.makedirs(work, exist_ok=True)
    artifact = os.path.join(work, "model.mica")
    out_dir = os.path.join(work, "out")

    def finish(category, message, stage=""):
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
        return Result(case, category, message, time.time() - start, is_core, reason, stage)

    compile_cmd = [mica, "compile", os.path.join(case_dir, "model.onnx"), "--target", "host"] + \
        spec.compile_args() + ["-o", artifact]
    if keep:
        with open(os.path.join(work, "commands.sh"), "w") as f:
            f.write(" ".join(compile_cmd) + "\n")
    try:
        rc, _, stderr = _run(compile_cmd, deadline)
        failed = _classify_exit(rc, stderr, "compile")
        if failed:
            return finish(failed[0], failed[1], "compile")
        run_cmd = [mica, "run", artifact, "--output-dir", out_dir, "--json"]
        for inp in spec.inputs:
            if inp.frozen or not inp.is_tensor:
                continue
            path = inp.path
            if inp.bf16_bits or inp.zeros:
                path = os.path.join(work, "input_%s.npy" % len(run_cmd))
                _write_input_npy(inp.path, path, inp.bf16_bits,
                                 inp.dims if inp.zeros else None)
            run_cmd += ["--input", "%s=%s" % (inp.name, path)]
        if keep:
            with open(os.path.join(work, "commands.sh"), "a") as f:
                f.write(" ".join(run_cmd) + "\n")
        rc, stdout, stderr = _run(run_cmd, deadline)
        failed = _classify_exit(rc, stderr, "run")
        if failed:
            return finish(failed[0], failed[1], "run")
    except _Timeout:
        return finish("timeout", "timed out after %g s" % timeout)
    except OSError as e:
        return finish("error", "could not run mica: %s" % e)

    try:
        report = json.loads(stdout)
        produced = {o["name"]: o for o in report["outputs"]}
    except (ValueError, KeyError, TypeError) as e:
        return finish("error", "run: unreadable --json output: %s" % e, "run")
    for name, path, declared in spec.outputs:
        if name not in produced:
            return finish("wrong", "output '%s' missing" % name, "compare")
        try:
            exp_type, exp = _expected(path, declared)
            got = _load_output(produced[name]["file"], produced[name]["dtype"])
        except Exception as e:
            return finish("error", "output '%s': cannot read: %s" % (name, e), "compare")
        why = compare(got, exp, exp_type)
        if why:
            return finish("wrong", "output '%s': %s" % (name, why), "compare")
    return finish("pass", "")


def _group_key(message):
    """Failure messages with case-specific parts (files, node names, numbers) removed."""
    key = re.sub(r"^mica: error: [^:]*: ", "", message)
    key = re.sub(r"node '[^']*' ", "", key)
    key = re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?", "N", key)
    return key[:160]


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Compile and run every ONNX backend test case with mica; compare the "
                    "outputs and the list of cases expected to pass.",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--mica", required=True, help="the mica binary (path or name on PATH)")
    parser.add_argument("--data", required=True,
                        help="ONNX backend test data (e.g. /usr/include/onnx/backend/test/data)")
    parser.add_argument("--expected", required=True,
                        help="file listing cases expected to pass, one per line")
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds per case (compile + run)")
    parser.add_argument("--update", action="store_true",
                        help="rewrite --expected with the cases that pass now")
    parser.add_argument("--report", help="write the full table (every case) here")
    parser.add_argument("--filter", help="only cases whose name matches this regex")
    parser.add_argument("--keep", metavar="DIR",
                        help="keep each case's artifact, outputs and commands under DIR")
    args = parser.parse_args(argv)

    mica = resolve_mica(args.mica)
    if mica is None:
        print("conformance_suite: mica not found or not executable: %s" % args.mica,
              file=sys.stderr)
        print("0 passed, 0 failed")
        return 2
    if not os.path.isdir(args.data):
        print("conformance_suite: no ONNX backend test data at %s (install libonnx-testdata)"
              % args.data, file=sys.stderr)
        print("0 passed, 0 failed")
        return 2
    pattern = re.compile(args.filter) if args.filter else None
    cases = find_cases(args.data, pattern)
    if not cases:
        print("conformance_suite: no cases found under %s" % args.data, file=sys.stderr)
        print("0 passed, 0 failed")
        return 2
    if os.path.exists(args.expected):
        expected = read_expected(args.expected)
    elif args.update:
        expected = []
    else:
        print("conformance_suite: expected list %s does not exist (create it with --update)"
              % args.expected, file=sys.stderr)
        print("0 passed, 0 failed")
        return 2
    case_set = set(cases)
    expected_set = set(e for e in expected if e in case_set)
    missing = sorted(e for e in expected if e not in case_set and
                     (pattern is None or pattern.search(e)))

    start = time.time()
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        tmp_root = args.keep
    else:
        tmp_root = tempfile.mkdtemp(prefix="mica-conformance.")
    try:
        pool = ThreadPool(max(1, args.jobs))
        try:
            # Slow cases first would balance better, but lexical order keeps
            # reports stable; the work per case is small and even.
            results = pool.map(
                lambda c: run_case(mica, args.data, c, args.timeout, tmp_root, bool(args.keep)),
                cases, chunksize=1)
        finally:
            pool.close()
            pool.join()
    finally:
        if not args.keep:
            shutil.rmtree(tmp_root, ignore_errors=True)
    elapsed = time.time() - start

    by_case = {r.case: r for r in results}
    counts = Counter(r.category for r in results)
    passing = sorted(r.case for r in results if r.category == "pass")
    pass_set = set(passing)
    regressions = sorted(c for c in expected_set if c not in pass_set)
    newly = sorted(c for c in passing if c not in expected_set)
    hard = sorted(r.case for r in results if r.category in ALWAYS_FAIL)
    core = [r for r in results if r.core]
    core_pass = sum(1 for r in core if r.category == "pass")
    core_counts = Counter(r.category for r in core)

    lines = []
    lines.append("mica compile + run over the ONNX backend test suite (%s)" % args.data)
    lines.append("%d cases, %d jobs, %.1f s" % (len(cases), args.jobs, elapsed))
    lines.append("")
    lines.append("%-12s %6s %6s" % ("category", "all", "core"))
    for cat in CATEGORIES:
        lines.append("%-12s %6d %6d" % (cat, counts.get(cat, 0), core_counts.get(cat, 0)))
    lines.append("%-12s %6d %6d" % ("total", len(cases), len(core)))
    per_suite = defaultdict(lambda: [0, 0])
    for r in results:
        suite = r.case.split("/", 1)[0]
        per_suite[suite][1] += 1
        per_suite[suite][0] += r.category == "pass"
    lines.append("per suite: " + ", ".join("%s %d/%d" % (s, per_suite[s][0], per_suite[s][1])
                                            for s in SUITES if s in per_suite))
    reasons = Counter(r.reason for r in results if not r.core)
    lines.append("not core: " + ", ".join("%s %d" % (k, v) for k, v in sorted(reasons.items())))
    summary = list(lines)

    details = []
    groups = Counter()
    for r in results:
        if r.category not in ("pass",):
            groups[(r.category, _group_key(r.message))] += 1
    details.append("")
    details.append("== failures grouped by message (count, category, message)")
    for (cat, key), n in groups.most_common():
        details.append("%5d  %-11s %s" % (n, cat, key))
    details.append("")
    details.append("== every case (category, core, seconds, case, message)")
    for r in sorted(results, key=lambda r: r.case):
        details.append("%-11s %-5s %6.2f  %s  %s" % (r.category, "core" if r.core else "-",
                                                     r.seconds, r.case, r.message))
    slowest = sorted(results, key=lambda r: -r.seconds)[:10]
    details.append("")
    details.append("== slowest cases")
    for r in slowest:
        details.append("%7.2f s  %s (%s)" % (r.seconds, r.case, r.category))

    out = list(summary)
    if hard:
        out.append("")
        out.append("CRASHES / TIMEOUTS (%d), always a failure:" % len(hard))
        for c in hard:
            out.append("  %s [%s] %s" % (c, by_case[c].category, by_case[c].message))
    if missing:
        out.append("")
        out.append("warning: %d expected cases are not in the test data: %s"
                   % (len(missing), " ".join(missing[:20]) + (" ..." if len(missing) > 20 else "")))
    if args.update:
        kept = [m for m in expected if pattern is not None and not pattern.search(m)]
        write_expected(args.expected, passing + kept)
        out.append("")
        out.append("updated %s: %d cases (was %d; %d added, %d removed)"
                   % (args.expected, len(passing), len(expected_set), len(newly),
                      len(regressions)))
        passed = len(passing)
        failed = len(hard)
    else:
        if regressions:
            out.append("")
            out.append("REGRESSIONS (%d): expected to pass, now failing:" % len(regressions))
            for c in regressions:
                out.append("  %s [%s] %s" % (c, by_case[c].category, by_case[c].message))
        if newly:
            out.append("")
            out.append("%d cases pass that are not in %s (record them with --update):"
                       % (len(newly), args.expected))
            for c in newly[:50]:
                out.append("  " + c)
            if len(newly) > 50:
                out.append("  ... and %d more" % (len(newly) - 50))
        passed = len(expected_set) - len(regressions)
        failed = len(regressions) + len([c for c in hard if c not in expected_set])

    out.append("")
    out.append("pass rate, all:  %5.1f%% (%d/%d)" % (100.0 * len(passing) / len(cases),
                                                    len(passing), len(cases)))
    if core:
        out.append("pass rate, core: %5.1f%% (%d/%d)" % (100.0 * core_pass / len(core),
                                                        core_pass, len(core)))
    if args.report:
        with open(args.report, "w") as f:
            f.write("\n".join(out + details) + "\n")
            f.write("%d passed, %d failed\n" % (passed, failed))
        out.append("report: %s" % args.report)

    try:
        print("\n".join(out))
        print("%d passed, %d failed" % (passed, failed))
        sys.stdout.flush()
    except BrokenPipeError:
        sys.stderr.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
