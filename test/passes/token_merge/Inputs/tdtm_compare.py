"""Compares the outputs and reports of tdtm_video.test's builds (in DIR)."""
import json
import sys

import numpy as np

out = sys.argv[1]


def load(build, inputs):
    return np.load("%s/%s-%s/y.npy" % (out, build, inputs)).ravel()


for build in ("half", "all"):
    plain = load("plain", "pairs")
    diff = np.abs(load(build, "pairs") - plain).max() / np.abs(plain).max()
    print(build, "pairs max_rel_diff", "ok" if diff < 1e-5 else diff)
    a, b = load("plain", "correlated"), load(build, "correlated")
    cosine = float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    print(build, "correlated cosine", "ok" if cosine >= 0.98 else cosine)
    flops = json.load(open("%s/%s.json" % (out, build)))["attention_flops"]
    print(build, "attention_flops", "%.3f" % (flops["compiled"] / flops["original"]))
unmerged = np.load("%s/unmerged/y.npy" % out).ravel()
print("keep unmerged entry", "equals plain" if np.array_equal(
    unmerged, load("plain", "correlated")) else "differs")
half = json.load(open("%s/half.json" % out))["constants_bytes"]
keep = json.load(open("%s/keep.json" % out))["constants_bytes"]
print("keep constants", "equal" if half == keep else "%d != %d" % (half, keep))
