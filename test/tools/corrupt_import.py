#!/usr/bin/python3
"""Feed `mica import` corrupted ONNX files and require a clean exit.

    corrupt_import.py --mica MICA --data DIR [--count N] [--seed S]

Takes models from the backend suite, corrupts each (truncation, flipped
bytes, overwritten ranges) with a fixed seed, imports it, and fails if any
import dies from a signal, prints a stack dump, exits with a code outside the
CLI contract (0, 1, 3), or leaves an output file after failing.
Prints `N passed, M failed` last.
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile


def corrupt(data, rng):
    data = bytearray(data)
    kind = rng.choice(["truncate", "flip", "overwrite", "zero_tail"])
    if kind == "truncate" and len(data) > 1:
        del data[rng.randrange(1, len(data)):]
    elif kind == "flip":
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
    elif kind == "overwrite":
        start = rng.randrange(len(data))
        for i in range(start, min(len(data), start + rng.randint(1, 16))):
            data[i] = rng.randrange(256)
    else:
        start = rng.randrange(len(data))
        data[start:] = bytes(len(data) - start)
    return bytes(data), kind


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mica", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--count", type=int, default=150)
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    models = []
    for suite in ("node", "pytorch-converted", "pytorch-operator", "simple"):
        root = os.path.join(args.data, suite)
        for case in sorted(os.listdir(root)):
            path = os.path.join(root, case, "model.onnx")
            if os.path.isfile(path):
                models.append(path)
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.count):
            source = rng.choice(models)
            with open(source, "rb") as f:
                data, kind = corrupt(f.read(), rng)
            model = os.path.join(tmp, "m%d.onnx" % i)
            out = os.path.join(tmp, "m%d.mlir" % i)
            with open(model, "wb") as f:
                f.write(data)
            try:
                proc = subprocess.run([args.mica, "import", model, "-o", out],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      timeout=60)
                code, err = proc.returncode, proc.stderr.decode(errors="replace")
            except subprocess.TimeoutExpired:
                code, err = "timeout", ""
            bad = None
            if code not in (0, 1, 3):
                bad = "exit %s" % code
            elif "Stack dump" in err or "LLVM ERROR" in err or "terminate" in err:
                bad = "crash output"
            elif code != 0 and os.path.exists(out):
                bad = "partial output left behind"
            elif code != 0 and ("mica: error: " not in err or any(
                    not line.startswith("mica: ") for line in err.splitlines())):
                bad = "error not in the documented format"
            if bad:
                failed += 1
                print("FAIL %s (%s of %s): %s\n  %s" % (model, kind, source, bad,
                                                     err.strip().splitlines()[:3]))
                os.rename(model, os.path.join("/tmp", "mica-corrupt-%d.onnx" % i))
            else:
                passed += 1
            for p in (model, out):
                if os.path.exists(p):
                    os.remove(p)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
