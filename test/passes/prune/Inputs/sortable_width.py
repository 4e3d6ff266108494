"""One --sortable-width artifact per digits model (test/passes/quantize/
Inputs/digits_models.py) run at several widths, against the plain build
and the pruned builds those widths stand for.

  python3 sortable_width.py CACHE WORKDIR MODEL:MIN_TOP1_AT_0.75,...

For each model, compiled at batch 360 and run with `mica run` on the 360
held-out images: the plain build; the sortable build at width 1 (an exact
reordering: outputs within 1e-5 of the plain build's); at 0.75, 0.5 and
0.25 the sortable build against `--prune channels=1-w,round=auto` (the same
channels: within 1e-5, the same top-1 on every image), with the arena
filled with NaN before the run (--poison-arena: no kernel may read an
inactive channel) and with two threads (bit-identical to one). Prints top-1
per width and exits 1 on any mismatch or a top-1 at 0.75 below its
minimum.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prune_accuracy import SHAPES, minimums, run  # noqa: E402

WIDTHS = (1.0, 0.75, 0.5, 0.25)


def relative(a, b):
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


def main():
    cache, work = sys.argv[1:3]
    minimum = minimums(sys.argv[3])
    labels = np.load(os.path.join(cache, "test_labels.npy"))
    ok = True
    for name, least in minimum.items():
        model = os.path.join(cache, name + ".onnx")
        inputs = os.path.join(cache, "test_%s.npy" % name)

        def build(kind, flags):
            artifact = os.path.join(work, "%s_%s.mica" % (name, kind))
            run("mica", "compile", model, "--input-shape",
                "input=" + SHAPES[name], "-o", artifact, "--report",
                artifact + ".json", *flags)
            return artifact

        def logits(artifact, tag, flags=()):
            out = os.path.join(work, "%s_%s" % (name, tag))
            run("mica", "run", artifact, "--input", inputs, "--output-dir",
                out, *flags)
            return np.load(os.path.join(out, "logits.npy"))

        plain = logits(build("plain", []), "plain")
        sortable = build("sortable", ["--sortable-width"])
        section = json.load(open(sortable + ".json"))["sortable_width"]
        line = ["%s groups=%d/%d" % (name, section["bounded_groups"],
                                     len(section["groups"]))]
        for width in WIDTHS:
            flags = ("--width", str(width))
            mine = logits(sortable, "w%g" % width, flags + ("--poison-arena",))
            threads = logits(sortable, "w%g_t2" % width,
                             flags + ("--threads", "2"))
            if width == 1.0:
                reference = plain
            else:
                pruned = build("pruned%g" % width,
                               ["--prune", "channels=%g,round=auto" %
                                (1 - width), "--winograd=false"])
                reference = logits(pruned, "pruned%g" % width)
            top1 = float((mine.argmax(1) == labels).mean())
            error = relative(mine, reference)
            same = bool((mine.argmax(1) == reference.argmax(1)).all())
            exact_threads = bool(np.array_equal(mine, threads))
            line.append("w%g=%.4f" % (width, top1))
            if error > 1e-5 or not same or not exact_threads or \
                    not np.isfinite(mine).all():
                print("%s width %g: error %.3g against %s, same top-1 %s, "
                      "threads identical %s" % (
                          name, width, error,
                          "plain" if width == 1.0 else "pruned", same,
                          exact_threads))
                ok = False
            if width == 0.75 and top1 < least:
                ok = False
        print(" ".join(line))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
